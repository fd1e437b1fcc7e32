//! The study population of a real-world-data run (an OMOP CDM study): who
//! was left out at each inclusion step (`attrition.csv`) and how persons
//! with the outcome differ from those without (`characterisation.csv`),
//! as PatientLevelPrediction's and OHDSI's result viewers show them before
//! any model. Counts under the run's `min_cell_count` arrive already
//! written as `<k`.

use crate::error::ReportError;
use crate::text::escape;
use medref_core::csv_text::split_csv_line;
use std::path::Path;

/// Rows shown of the characterisation, the most imbalanced first.
const SHOWN: usize = 15;

/// A small CSV a run writes: header and rows of text cells.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CsvTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl CsvTable {
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Self, ReportError> {
        let mut lines = text.lines().enumerate();
        let bad = |line: usize, why: &str| ReportError::parse(path, format!("line {}: {why}", line + 1));
        let header = match lines.next() {
            Some((i, l)) => split_csv_line(l).ok_or_else(|| bad(i, "a quoted field is not closed"))?,
            None => return Err(ReportError::parse(path, "empty: expected a header line")),
        };
        let mut rows = Vec::new();
        for (i, line) in lines {
            let row = split_csv_line(line).ok_or_else(|| bad(i, "a quoted field is not closed"))?;
            if row.len() != header.len() {
                return Err(bad(i, &format!("{} fields where the header names {}", row.len(), header.len())));
            }
            rows.push(row);
        }
        Ok(Self { header, rows })
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The two tables, each present or not.
#[derive(Debug, Clone, Default)]
pub(crate) struct Study {
    pub attrition: Option<CsvTable>,
    pub characterisation: Option<CsvTable>,
}

impl Study {
    pub(crate) fn load(dir: &Path) -> Result<Option<Self>, ReportError> {
        let read = |name: &str| -> Result<Option<CsvTable>, ReportError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => CsvTable::parse(&path, &text).map(Some),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(ReportError::Read { path, source }),
            }
        };
        let study = Study { attrition: read("attrition.csv")?, characterisation: read("characterisation.csv")? };
        Ok((study.attrition.is_some() || study.characterisation.is_some()).then_some(study))
    }
}

fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>, attr: &str) -> String {
    let mut s = format!("<table {attr}>\n<thead><tr>");
    header.iter().for_each(|h| s.push_str(&format!("<th>{}</th>", escape(h))));
    s.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        s.push_str("<tr>");
        row.iter().for_each(|c| s.push_str(&format!("<td>{}</td>", escape(c))));
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n");
    s
}

/// A share as a percentage where the cell holds a number.
fn percent(cell: &str) -> String {
    cell.parse::<f64>().map_or_else(|_| cell.to_string(), |v| format!("{:.1}", 100.0 * v))
}

/// The "Study population" section, empty for a run without a study.
pub(crate) fn study_section(study: Option<&Study>) -> String {
    let Some(study) = study else { return String::new() };
    let mut s = String::from("<section id=\"study\">\n<h2>Study population</h2>\n");
    if let Some(a) = &study.attrition {
        s.push_str(
            "<h3>Attrition</h3>\n<p class=\"note\">Persons and persons with the outcome left after each inclusion \
             step, in order (attrition.csv); counts under the run's minimum cell count read &lt;k.</p>\n",
        );
        let pick = ["description", "persons", "outcomes"].map(|c| a.column(c));
        let rows = a.rows.iter().map(|r| pick.iter().map(|j| j.map_or(String::new(), |j| r[j].clone())).collect());
        s.push_str(&table(&["step", "persons", "with outcome"], rows, "data-table=\"attrition\""));
    }
    if let Some(c) = &study.characterisation {
        s.push_str(&format!(
            "<h3>Characterisation</h3>\n<p class=\"note\">The {SHOWN} covariates whose share (or mean, for counts) \
             differs most between persons with and without the outcome, by standardized mean difference; |SMD| \
             above 0.1 is the usual mark of an imbalance. All {} covariates are in characterisation.csv.</p>\n",
            c.rows.len()
        ));
        let col = |name: &str| c.column(name);
        let pick = [
            col("covariate_name"),
            col("with_outcome_count"),
            col("with_outcome_mean"),
            col("without_outcome_count"),
            col("without_outcome_mean"),
            col("smd"),
        ];
        let rows = c.rows.iter().take(SHOWN).map(|r| {
            let cell = |k: usize| pick[k].map_or(String::new(), |j| r[j].clone());
            let smd = cell(5).parse::<f64>().map_or(cell(5), |v| format!("{v:.2}"));
            vec![cell(0), cell(1), percent(&cell(2)), cell(3), percent(&cell(4)), smd]
        });
        s.push_str(&table(
            &["covariate", "with outcome: n", "% (or mean x 100)", "without: n", "% (or mean x 100)", "SMD"],
            rows,
            "data-table=\"characterisation\"",
        ));
    }
    s.push_str("</section>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_render_with_suppressed_cells_and_quoted_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("attrition.csv"),
            "step,description,persons,outcomes\n1,first exposure,12,<5\n2,\"aged 18, or older\",10,0\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("characterisation.csv"),
            "covariate_id,covariate_name,analysis_name,with_outcome_count,with_outcome_mean,with_outcome_sd,\
             without_outcome_count,without_outcome_mean,without_outcome_sd,smd\n\
             1,\"ulcer, peptic\",X,6,0.600000,0.4,<5,,,\n",
        )
        .unwrap();
        let study = Study::load(dir.path()).unwrap().unwrap();
        let html = study_section(Some(&study));
        assert!(html.contains("<td>aged 18, or older</td><td>10</td><td>0</td>"), "{html}");
        assert!(html.contains("<td>first exposure</td><td>12</td><td>&lt;5</td>"), "{html}");
        assert!(
            html.contains("<td>ulcer, peptic</td><td>6</td><td>60.0</td><td>&lt;5</td><td></td><td></td>"),
            "{html}"
        );
        assert!(Study::load(tempfile::tempdir().unwrap().path()).unwrap().is_none());
    }

    #[test]
    fn a_row_of_the_wrong_width_names_its_line() {
        let err = CsvTable::parse(Path::new("attrition.csv"), "a,b\n1,2\n3\n").unwrap_err().to_string();
        assert!(err.contains("attrition.csv") && err.contains("line 3"), "{err}");
    }
}

/// The study definition of an OMOP run's config, in words for the model
/// card: who is in the target cohort, what the outcome is, when it counts.
pub(crate) fn cohort_in_words(config: &toml::Table) -> Option<String> {
    let data = config.get("data")?.as_table()?;
    if data.get("format")?.as_str()? != "omop" {
        return None;
    }
    let study = data.get("study")?.as_table()?;
    let criteria = |key: &str| -> String {
        let Some(c) = study.get(key).and_then(|v| v.as_table()) else { return "?".into() };
        let list = |k: &str| {
            c.get(k)
                .and_then(|v| v.as_array())
                .map(|a| a.iter().map(|x| x.to_string().trim_matches('"').to_string()).collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        };
        let descendants = c.get("include_descendants").and_then(|v| v.as_bool()).unwrap_or(false);
        format!(
            "concept{} {}{} in `{}`",
            if list("concepts").contains(',') { "s" } else { "" },
            list("concepts"),
            if descendants { " or any descendant" } else { "" },
            list("domains")
        )
    };
    let int = |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_integer());
    let tar = study.get("time_at_risk").and_then(|v| v.as_table());
    let (start, end) =
        (tar.and_then(|t| int(t, "start_offset")).unwrap_or(1), tar.and_then(|t| int(t, "end_offset")).unwrap_or(365));
    let mut s = format!(
        "- Target cohort: each person's first record of {}, that date being the index date, with at least {} days of \
         observation before it",
        criteria("target"),
        int(study, "prior_observation_days").unwrap_or(0)
    );
    match (int(study, "min_age"), int(study, "max_age")) {
        (Some(lo), Some(hi)) => s.push_str(&format!(", aged {lo} to {hi}")),
        (Some(lo), None) => s.push_str(&format!(", aged {lo} or older")),
        (None, Some(hi)) => s.push_str(&format!(", aged {hi} or younger")),
        (None, None) => {}
    }
    s.push_str(&format!(
        ".\n- Outcome: a record of {} on days {start} to {end} after the index date (cut at the end of observation); \
         who was left out at each step is in `attrition.csv`.\n",
        criteria("outcome")
    ));
    Some(s)
}

#[cfg(test)]
mod card_tests {
    #[test]
    fn the_cohort_reads_as_a_sentence() {
        let config: toml::Table = toml::from_str(
            "[data]\nformat = \"omop\"\n[data.study]\ntarget = { concepts = [1118084], domains = [\"drug_era\"] }\n\
             outcome = { concepts = [192671], include_descendants = true, domains = [\"condition_occurrence\"] }\n\
             prior_observation_days = 365\nmin_age = 18\n",
        )
        .unwrap();
        let text = super::cohort_in_words(&config).unwrap();
        assert!(text.contains("first record of concept 1118084 in `drug_era`"), "{text}");
        assert!(text.contains("at least 365 days of observation before it, aged 18 or older."), "{text}");
        assert!(text.contains("192671 or any descendant in `condition_occurrence` on days 1 to 365"), "{text}");
        let table: toml::Table = toml::from_str("[data]\nformat = \"table\"\n").unwrap();
        assert!(super::cohort_in_words(&table).is_none());
    }
}
