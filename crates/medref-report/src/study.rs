//! The study population of a real-world-data run (an OMOP CDM study): who
//! was left out at each inclusion step (`attrition.csv`), how persons
//! with the outcome differ from those without (`characterisation.csv`) and,
//! with a comparator cohort, how the target differs from it
//! (`comparator_characterisation.csv`), as PatientLevelPrediction's and
//! OHDSI's result viewers show them before any model; and which CDM it was
//! (`cdm_source.json`). Counts under the run's `min_cell_count` arrive
//! already written as `<k`.

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

/// The study's files, each present or not.
#[derive(Debug, Clone, Default)]
pub(crate) struct Study {
    pub attrition: Option<CsvTable>,
    pub characterisation: Option<CsvTable>,
    pub comparator_attrition: Option<CsvTable>,
    pub comparator_characterisation: Option<CsvTable>,
    /// `cdm_source.json`: the CDM's `cdm_source` fields, `recorded`, and `covariate_tables_absent`.
    pub cdm_source: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Study {
    pub(crate) fn load(dir: &Path) -> Result<Option<Self>, ReportError> {
        let text = |name: &str| -> Result<Option<(std::path::PathBuf, String)>, ReportError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some((path, text))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(ReportError::Read { path, source }),
            }
        };
        let read = |name: &str| text(name)?.map(|(path, t)| CsvTable::parse(&path, &t)).transpose();
        let cdm_source = text("cdm_source.json")?
            .map(|(path, t)| {
                serde_json::from_str(&t)
                    .map_err(|e| ReportError::parse(&path, format!("not the JSON a study writes: {e}")))
            })
            .transpose()?;
        let study = Study {
            attrition: read("attrition.csv")?,
            characterisation: read("characterisation.csv")?,
            comparator_attrition: read("comparator_attrition.csv")?,
            comparator_characterisation: read("comparator_characterisation.csv")?,
            cdm_source,
        };
        let any = study.attrition.is_some() || study.characterisation.is_some() || study.cdm_source.is_some();
        Ok(any.then_some(study))
    }

    /// The model card's lines on the CDM: its source as `cdm_source` records
    /// it, or "not recorded", and the covariate tables it lacked.
    pub(crate) fn cdm_in_words(&self) -> Option<String> {
        let m = self.cdm_source.as_ref()?;
        let text = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let mut s = String::from("- CDM source: ");
        if m.get("recorded").and_then(|v| v.as_bool()) == Some(true) {
            s.push_str(&text("cdm_source_name").unwrap_or_else(|| "unnamed".into()));
            if let Some(a) = text("cdm_source_abbreviation") {
                s.push_str(&format!(" ({a})"));
            }
            let parts: Vec<String> = [
                ("held by", "cdm_holder"),
                ("CDM", "cdm_version"),
                ("vocabulary", "vocabulary_version"),
                ("source released", "source_release_date"),
                ("CDM released", "cdm_release_date"),
            ]
            .into_iter()
            .filter_map(|(label, key)| text(key).map(|v| format!("{label} {v}")))
            .collect();
            if !parts.is_empty() {
                s.push_str(&format!("; {}", parts.join(", ")));
            }
            s.push_str(" (from the CDM's `cdm_source` table).\n");
        } else {
            s.push_str("not recorded (the CDM has no `cdm_source` table).\n");
        }
        let absent: Vec<String> = m
            .get("covariate_tables_absent")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|t| t.as_str()).map(|t| format!("`{t}`")).collect())
            .unwrap_or_default();
        if !absent.is_empty() {
            s.push_str(&format!("- Tables absent from the CDM, so no covariates from them: {}.\n", absent.join(", ")));
        }
        Some(s)
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
        s.push_str(&attrition_table(a, "attrition"));
    }
    if let Some(c) = &study.characterisation {
        s.push_str(&format!(
            "<h3>Characterisation</h3>\n<p class=\"note\">The {SHOWN} covariates whose share (or mean, for counts) \
             differs most between persons with and without the outcome, by standardized mean difference; |SMD| \
             above 0.1 is the usual mark of an imbalance. All {} covariates are in characterisation.csv.</p>\n",
            c.rows.len()
        ));
        s.push_str(&balance_table(
            c,
            ["with_outcome", "without_outcome"],
            ["with outcome", "without"],
            "characterisation",
        ));
    }
    if let Some(c) = &study.comparator_characterisation {
        s.push_str(&format!(
            "<h3>Target against comparator</h3>\n<p class=\"note\">The {SHOWN} covariates that differ most between \
             the target cohort and the comparator cohort (the same rules, another first exposure; a person in both \
             counts in both), by SMD, target minus comparator. The comparator describes the target; the model never \
             sees it. All {} covariates are in comparator_characterisation.csv; who the comparator lost at each \
             step is in comparator_attrition.csv.</p>\n",
            c.rows.len()
        ));
        s.push_str(&balance_table(c, ["target", "comparator"], ["target", "comparator"], "comparator"));
    }
    if let Some(a) = &study.comparator_attrition {
        s.push_str("<h3>Comparator attrition</h3>\n");
        s.push_str(&attrition_table(a, "comparator_attrition"));
    }
    s.push_str("</section>\n");
    s
}

fn attrition_table(a: &CsvTable, name: &str) -> String {
    let pick = ["description", "persons", "outcomes"].map(|c| a.column(c));
    let rows = a.rows.iter().map(|r| pick.iter().map(|j| j.map_or(String::new(), |j| r[j].clone())).collect());
    table(&["step", "persons", "with outcome"], rows, &format!("data-table=\"{name}\""))
}

/// The first [`SHOWN`] rows of a two-group table whose columns are
/// `{group}_count`, `{group}_mean` and `smd`, headed with `labels`.
fn balance_table(c: &CsvTable, groups: [&str; 2], labels: [&str; 2], name: &str) -> String {
    let col = |name: String| c.column(&name);
    let [a, b] = groups;
    let pick = [
        col("covariate_name".into()),
        col(format!("{a}_count")),
        col(format!("{a}_mean")),
        col(format!("{b}_count")),
        col(format!("{b}_mean")),
        col("smd".into()),
    ];
    let rows = c.rows.iter().take(SHOWN).map(|r| {
        let cell = |k: usize| pick[k].map_or(String::new(), |j| r[j].clone());
        let smd = cell(5).parse::<f64>().map_or(cell(5), |v| format!("{v:.2}"));
        vec![cell(0), cell(1), percent(&cell(2)), cell(3), percent(&cell(4)), smd]
    });
    let [la, lb] = labels;
    let (na, nb) = (format!("{la}: n"), format!("{lb}: n"));
    table(
        &["covariate", &na, "% (or mean x 100)", &nb, "% (or mean x 100)", "SMD"],
        rows,
        &format!("data-table=\"{name}\""),
    )
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
    fn the_comparator_table_and_the_cdm_source_render() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("comparator_characterisation.csv"),
            "covariate_id,covariate_name,analysis_name,target_count,target_mean,target_sd,comparator_count,\
             comparator_mean,comparator_sd,smd\n8532001,gender = FEMALE,DemographicsGender,20,0.666667,0.47,<5,,,\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("cdm_source.json"),
            r#"{"cdm_source_name": "Synthea", "cdm_version": "v5.3.1", "recorded": true,
                "covariate_tables_absent": ["measurement"]}"#,
        )
        .unwrap();
        let study = Study::load(dir.path()).unwrap().unwrap();
        let html = study_section(Some(&study));
        assert!(html.contains("data-table=\"comparator\"") && html.contains("<th>target: n</th>"), "{html}");
        assert!(html.contains("<td>gender = FEMALE</td><td>20</td><td>66.7</td><td>&lt;5</td><td></td><td></td>"));
        let words = study.cdm_in_words().unwrap();
        assert!(words.starts_with("- CDM source: Synthea; CDM v5.3.1 (from the CDM's `cdm_source` table)."), "{words}");
        assert!(words.contains("no covariates from them: `measurement`."), "{words}");
        std::fs::write(dir.path().join("cdm_source.json"), r#"{"recorded": false, "covariate_tables_absent": []}"#)
            .unwrap();
        let words = Study::load(dir.path()).unwrap().unwrap().cdm_in_words().unwrap();
        assert_eq!(words, "- CDM source: not recorded (the CDM has no `cdm_source` table).\n");
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
    if study.contains_key("comparator") {
        s.push_str(&format!(
            "- Comparator cohort: each person's first record of {}, under the same rules; it is compared with the \
             target in `comparator_characterisation.csv` and never given to the model.\n",
            criteria("comparator")
        ));
    }
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
        assert!(!text.contains("Comparator"), "{text}");
        let mut with_comparator = config.clone();
        let study = with_comparator["data"]["study"].as_table_mut().unwrap();
        study.insert("comparator".into(), toml::from_str("concepts = [1124300]\ndomains = [\"drug_era\"]").unwrap());
        let text = super::cohort_in_words(&with_comparator).unwrap();
        assert!(text.contains("- Comparator cohort: each person's first record of concept 1124300 in `drug_era`"));
        let table: toml::Table = toml::from_str("[data]\nformat = \"table\"\n").unwrap();
        assert!(super::cohort_in_words(&table).is_none());
    }
}
