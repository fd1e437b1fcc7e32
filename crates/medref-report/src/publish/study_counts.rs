//! Small-count suppression of a real-world-data study's tables at the
//! publishing k: `attrition.csv` (persons and outcomes per inclusion step),
//! `characterisation.csv` (per covariate, counts of persons with and
//! without the outcome, and the shares and SMD computed from them) and their
//! comparator twins (`comparator_attrition.csv`, and
//! `comparator_characterisation.csv`: target against comparator). The
//! run wrote them with its own `min_cell_count`; a bundle applies its own
//! k again, so a course publishing at k = 10 hides what a run showed at 5.

use super::error::PublishError;
use crate::study::CsvTable;
use medref_core::csv_text::csv_field;
use std::path::Path;

/// A count column and the columns computed from it, blanked with it.
type Rule<'a> = (&'a str, &'a [&'a str]);

const ATTRITION: &[Rule] = &[("persons", &[]), ("outcomes", &[])];
const CHARACTERISATION: &[Rule] = &[
    ("with_outcome_count", &["with_outcome_mean", "with_outcome_sd", "smd"]),
    ("without_outcome_count", &["without_outcome_mean", "without_outcome_sd", "smd"]),
];

const COMPARATOR: &[Rule] = &[
    ("target_count", &["target_mean", "target_sd", "smd"]),
    ("comparator_count", &["comparator_mean", "comparator_sd", "smd"]),
];

/// The rules for a study file, `None` for any other file.
pub(crate) fn study_rules(rel: &str) -> Option<&'static [Rule<'static>]> {
    match rel {
        "attrition.csv" | "comparator_attrition.csv" => Some(ATTRITION),
        "characterisation.csv" => Some(CHARACTERISATION),
        "comparator_characterisation.csv" => Some(COMPARATOR),
        _ => None,
    }
}

/// `text` with every count `0 < n < k` written `<k` and its dependent
/// cells emptied; returns the new text and how many counts were hidden.
pub(crate) fn suppress_study_counts(
    path: &Path,
    text: &str,
    rules: &[Rule],
    k: usize,
) -> Result<(String, usize), PublishError> {
    let mut table = CsvTable::parse(path, text).map_err(|e| PublishError::parse(path, e.to_string()))?;
    let index = |name: &str| table.header.iter().position(|h| h == name);
    let resolved: Vec<(usize, Vec<usize>)> = rules
        .iter()
        .map(|(count, deps)| {
            let c = index(count).ok_or_else(|| {
                PublishError::parse(path, format!("no `{count}` column: not the table a study writes"))
            })?;
            Ok((c, deps.iter().filter_map(|d| index(d)).collect()))
        })
        .collect::<Result<_, PublishError>>()?;
    let mut hidden = 0;
    for row in &mut table.rows {
        for (count, deps) in &resolved {
            let small = row[*count].parse::<usize>().is_ok_and(|n| n > 0 && n < k);
            if small {
                row[*count] = format!("<{k}");
                hidden += 1;
            }
            if small || row[*count].starts_with('<') {
                deps.iter().for_each(|&d| row[d].clear());
            }
        }
    }
    let line = |cells: &[String]| cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",") + "\n";
    let mut out = line(&table.header);
    table.rows.iter().for_each(|r| out.push_str(&line(r)));
    Ok((out, hidden))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_under_k_and_what_they_reveal_are_hidden() {
        let text = "covariate_id,covariate_name,analysis_name,with_outcome_count,with_outcome_mean,with_outcome_sd,\
                    without_outcome_count,without_outcome_mean,without_outcome_sd,smd\n\
                    1,\"a, b\",X,7,0.7,0.45,30,0.3,0.46,0.88\n2,c,X,0,0,0,12,0.12,0.3,-0.5\n";
        let (out, hidden) =
            suppress_study_counts(Path::new("characterisation.csv"), text, CHARACTERISATION, 10).unwrap();
        assert_eq!(hidden, 1);
        let rows: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(rows, ["1,\"a, b\",X,<10,,,30,0.3,0.46,", "2,c,X,0,0,0,12,0.12,0.3,-0.5"]);
        let (attrition, n) = suppress_study_counts(
            Path::new("attrition.csv"),
            "step,description,persons,outcomes\n1,first,12,3\n",
            ATTRITION,
            5,
        )
        .unwrap();
        assert_eq!((attrition.as_str(), n), ("step,description,persons,outcomes\n1,first,12,<5\n", 1));
        let rules = study_rules("comparator_characterisation.csv").unwrap();
        let text = "covariate_id,covariate_name,analysis_name,target_count,target_mean,target_sd,comparator_count,\
                    comparator_mean,comparator_sd,smd\n1,a,X,40,0.4,0.49,6,0.06,0.24,0.8\n";
        let (out, hidden) =
            suppress_study_counts(Path::new("comparator_characterisation.csv"), text, rules, 10).unwrap();
        assert_eq!((out.lines().nth(1).unwrap(), hidden), ("1,a,X,40,0.4,0.49,<10,,,", 1));
        assert_eq!(study_rules("comparator_attrition.csv"), Some(ATTRITION));
    }
}
