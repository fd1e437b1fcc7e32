//! k-anonymity and l-diversity of a table over its quasi-identifiers.
//!
//! Quasi-identifiers are columns that are harmless alone but identify a
//! person together (age, sex, postcode). Rows sharing all their values form
//! an *equivalence class*; a table is k-anonymous when every class holds at
//! least k rows, so no one can be singled out among fewer than k people.
//! l-diversity adds that every class holds at least l distinct values of a
//! sensitive column (a diagnosis), so membership of a class does not reveal
//! it. A missing cell is a value of its own: two rows with an empty postcode
//! are alike, a row with an empty postcode is unlike one with a postcode.
//!
//! Everything here reports class *sizes* and counts, never the values that
//! define a class: a report listing the lone 97-year-old's postcode would be
//! the very leak it is meant to measure.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::table::{Column, ColumnData, RawTable};
use crate::TableError;

/// What to measure and the targets to meet.
#[derive(Debug, Clone, PartialEq)]
pub struct AnonymitySpec {
    /// The quasi-identifier columns, by header name.
    pub quasi_identifiers: Vec<String>,
    /// The smallest class size wanted (at least 1).
    pub k: usize,
    /// The sensitive column whose diversity per class is measured.
    pub sensitive: Option<String>,
    /// The fewest distinct sensitive values wanted per class (needs
    /// `sensitive`; at least 1).
    pub l: Option<usize>,
}

/// The rows of a table grouped by their quasi-identifier values.
#[derive(Debug, Clone, PartialEq)]
pub struct EquivalenceClasses {
    /// For each row, the index of its class (classes are numbered in order
    /// of their first row, so the numbering is deterministic).
    pub class_of_row: Vec<usize>,
    /// Rows per class.
    pub sizes: Vec<usize>,
}

impl EquivalenceClasses {
    /// The smallest class size (`k`); 0 for a table without rows.
    pub fn k(&self) -> usize {
        self.sizes.iter().copied().min().unwrap_or(0)
    }
}

/// The index of column `name` in `table`, or an error naming the file and
/// the column (and the columns the file does have: headers, not cells).
pub fn column_index(table: &RawTable, path: &Path, name: &str) -> Result<usize, TableError> {
    table.columns.iter().position(|c| c.name == name).ok_or_else(|| {
        TableError::format(
            path,
            format!("column \"{name}\""),
            format!("no such column; the table has {}", table.names().join(", ")),
        )
    })
}

/// Groups the rows by the values of `columns` (indices into `table`).
pub fn equivalence_classes(table: &RawTable, columns: &[usize]) -> EquivalenceClasses {
    let mut ids: HashMap<Vec<Option<String>>, usize> = HashMap::new();
    let mut sizes = Vec::new();
    let mut class_of_row = Vec::with_capacity(table.n_rows());
    for row in 0..table.n_rows() {
        let key: Vec<Option<String>> = columns.iter().map(|&c| table.columns[c].data.text_at(row)).collect();
        let next = sizes.len();
        let id = *ids.entry(key).or_insert(next);
        if id == next {
            sizes.push(0);
        }
        sizes[id] += 1;
        class_of_row.push(id);
    }
    EquivalenceClasses { class_of_row, sizes }
}

/// Distinct values of column `sensitive` in each class (a missing cell
/// counts as one value).
pub fn distinct_per_class(table: &RawTable, classes: &EquivalenceClasses, sensitive: usize) -> Vec<usize> {
    let mut seen: Vec<BTreeSet<Option<String>>> = vec![BTreeSet::new(); classes.sizes.len()];
    let column = &table.columns[sensitive].data;
    for (row, &class) in classes.class_of_row.iter().enumerate() {
        seen[class].insert(column.text_at(row));
    }
    seen.iter().map(BTreeSet::len).collect()
}

/// The result of [`check_anonymity`]: sizes and counts only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnonymityReport {
    /// Rows in the table.
    pub rows: usize,
    /// The quasi-identifier columns measured.
    pub quasi_identifiers: Vec<String>,
    /// Number of equivalence classes.
    pub classes: usize,
    /// The smallest class size.
    pub k: usize,
    /// The wanted k.
    pub target_k: usize,
    /// Whether `k >= target_k`.
    pub k_met: bool,
    /// Sizes of the classes smaller than `target_k`, ascending.
    pub classes_below_k: Vec<usize>,
    /// Rows in those classes.
    pub rows_below_k: usize,
    /// The sensitive column, when l-diversity was measured.
    pub sensitive: Option<String>,
    /// The fewest distinct sensitive values in any class.
    pub l: Option<usize>,
    /// The wanted l.
    pub target_l: Option<usize>,
    /// Whether `l >= target_l` (absent without a target).
    pub l_met: Option<bool>,
    /// Sizes of the classes with fewer than `target_l` distinct sensitive
    /// values, ascending.
    pub classes_below_l: Vec<usize>,
    /// Rows in those classes.
    pub rows_below_l: usize,
}

impl AnonymityReport {
    /// True when k, and l if a target was given, are met.
    pub fn met(&self) -> bool {
        self.k_met && self.l_met != Some(false)
    }

    /// Human-readable lines for the terminal: targets, k, l and the sizes
    /// of the violating classes, never their values.
    pub fn summary(&self) -> String {
        let verdict = |met: bool| if met { "met" } else { "NOT met" };
        let mut s = format!(
            "k-anonymity over ({}): k = {} (target {}, {}); {} rows in {} classes\n",
            self.quasi_identifiers.join(", "),
            self.k,
            self.target_k,
            verdict(self.k_met),
            self.rows,
            self.classes
        );
        if !self.classes_below_k.is_empty() {
            s.push_str(&format!(
                "  {} {} below k={}: sizes {}; {} rows\n",
                self.classes_below_k.len(),
                plural(self.classes_below_k.len(), "class", "classes"),
                self.target_k,
                describe_sizes(&self.classes_below_k),
                self.rows_below_k
            ));
        }
        if let (Some(column), Some(l)) = (&self.sensitive, self.l) {
            match (self.target_l, self.l_met) {
                (Some(t), Some(met)) => {
                    s.push_str(&format!("l-diversity of {column}: l = {l} (target {t}, {})\n", verdict(met)))
                }
                _ => s.push_str(&format!("l-diversity of {column}: l = {l}\n")),
            }
            if !self.classes_below_l.is_empty() {
                s.push_str(&format!(
                    "  {} {} below l={}: sizes {}; {} rows\n",
                    self.classes_below_l.len(),
                    plural(self.classes_below_l.len(), "class", "classes"),
                    self.target_l.unwrap_or(0),
                    describe_sizes(&self.classes_below_l),
                    self.rows_below_l
                ));
            }
        }
        s
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Ascending class sizes as `1, 1, 2`; beyond ten classes as a histogram,
/// `1 (x40), 2 (x12)`, so a large table does not flood the terminal.
pub fn describe_sizes(sizes: &[usize]) -> String {
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    if sorted.len() <= 10 {
        return sorted.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let run = sorted[i..].iter().take_while(|&&s| s == sorted[i]).count();
        parts.push(format!("{} (x{run})", sorted[i]));
        i += run;
    }
    parts.join(", ")
}

/// Checks the targets of a spec and resolves its columns: quasi-identifier
/// indices and the sensitive column's index.
pub(crate) fn resolve(
    table: &RawTable,
    path: &Path,
    spec: &AnonymitySpec,
) -> Result<(Vec<usize>, Option<usize>), TableError> {
    if spec.quasi_identifiers.is_empty() {
        return Err(TableError::format(path, "", "no quasi-identifier columns given"));
    }
    if spec.k == 0 {
        return Err(TableError::format(path, "", "k must be at least 1"));
    }
    if spec.l == Some(0) {
        return Err(TableError::format(path, "", "l must be at least 1"));
    }
    if spec.l.is_some() && spec.sensitive.is_none() {
        return Err(TableError::format(path, "", "a target l needs a sensitive column"));
    }
    let mut quasi = Vec::with_capacity(spec.quasi_identifiers.len());
    for name in &spec.quasi_identifiers {
        let i = column_index(table, path, name)?;
        if quasi.contains(&i) {
            return Err(TableError::format(
                path,
                format!("column \"{name}\""),
                "listed twice among the quasi-identifiers",
            ));
        }
        quasi.push(i);
    }
    let sensitive = match &spec.sensitive {
        Some(name) => {
            let i = column_index(table, path, name)?;
            if quasi.contains(&i) {
                return Err(TableError::format(
                    path,
                    format!("column \"{name}\""),
                    "is both a quasi-identifier and the sensitive column",
                ));
            }
            Some(i)
        }
        None => None,
    };
    Ok((quasi, sensitive))
}

/// Measures k (and l, with a sensitive column) of `table`, read from
/// `path` (named in errors). A table without rows is an error: its k
/// means nothing.
pub fn check_anonymity(table: &RawTable, path: &Path, spec: &AnonymitySpec) -> Result<AnonymityReport, TableError> {
    let (quasi, sensitive) = resolve(table, path, spec)?;
    if table.n_rows() == 0 {
        return Err(TableError::format(path, "", "no rows: k-anonymity of an empty table means nothing"));
    }
    Ok(measure(table, &quasi, sensitive, spec))
}

/// [`check_anonymity`] on resolved columns.
pub(crate) fn measure(
    table: &RawTable,
    quasi: &[usize],
    sensitive: Option<usize>,
    spec: &AnonymitySpec,
) -> AnonymityReport {
    let classes = equivalence_classes(table, quasi);
    let k = classes.k();
    let mut below_k: Vec<usize> = classes.sizes.iter().copied().filter(|&s| s < spec.k).collect();
    below_k.sort_unstable();
    let (mut l, mut below_l) = (None, Vec::new());
    if let Some(s) = sensitive {
        let distinct = distinct_per_class(table, &classes, s);
        l = distinct.iter().copied().min();
        if let Some(target) = spec.l {
            below_l = classes.sizes.iter().zip(&distinct).filter(|(_, &d)| d < target).map(|(&size, _)| size).collect();
            below_l.sort_unstable();
        }
    }
    AnonymityReport {
        rows: table.n_rows(),
        quasi_identifiers: spec.quasi_identifiers.clone(),
        classes: classes.sizes.len(),
        k,
        target_k: spec.k,
        k_met: k >= spec.k,
        rows_below_k: below_k.iter().sum(),
        classes_below_k: below_k,
        sensitive: spec.sensitive.clone(),
        l,
        target_l: spec.l,
        l_met: spec.l.map(|t| l.unwrap_or(0) >= t),
        rows_below_l: below_l.iter().sum(),
        classes_below_l: below_l,
    }
}

/// The committed fixture `datasets/anonymity/patients.csv`: 36 synthetic
/// patients with a known anonymity, built class by class.
///
/// Nine classes `(decade, sex, zip prefix, size)`: (3,F,123,3), (3,M,123,4),
/// (4,F,456,5), (4,M,456,3), (5,F,123,6), (6,missing,789,4), (7,M,789,5),
/// (9,F,456,3), (5,M,456,3). Member `j` of class `c` gets age
/// `10*decade + (3j + c) mod 10`, zip `prefix*100 + (17j + 7c) mod 100`,
/// diagnosis `CODES[(j + c) mod m]` with `m = 2` for class 1 and 3 otherwise
/// (CODES = I21, E11, J45), and id `A001`.. in order.
///
/// So: over (age, sex, zip) every row is unique (k = 1, l = 1). With age in
/// bands of 10 (top-coded at 90) and zip cut to 3 characters the nine
/// classes reappear: k = 3, l = 2 (class 1 has two diagnoses). With bands of
/// 20 the two male 456 classes (decades 4 and 5) merge into one of 6 rows.
pub fn synth_anonymity_patients() -> RawTable {
    const CLASSES: [(u32, Option<&str>, u32, usize); 9] = [
        (3, Some("F"), 123, 3),
        (3, Some("M"), 123, 4),
        (4, Some("F"), 456, 5),
        (4, Some("M"), 456, 3),
        (5, Some("F"), 123, 6),
        (6, None, 789, 4),
        (7, Some("M"), 789, 5),
        (9, Some("F"), 456, 3),
        (5, Some("M"), 456, 3),
    ];
    const CODES: [&str; 3] = ["I21", "E11", "J45"];
    let (mut id, mut age, mut sex, mut zip, mut diagnosis) = (vec![], vec![], vec![], vec![], vec![]);
    for (c, &(decade, s, prefix, size)) in CLASSES.iter().enumerate() {
        let m = if c == 1 { 2 } else { 3 };
        for j in 0..size {
            id.push(Some(format!("A{:03}", id.len() + 1)));
            age.push(Some(f64::from(10 * decade + (3 * j as u32 + c as u32) % 10)));
            sex.push(s.map(str::to_string));
            zip.push(Some(f64::from(prefix * 100 + (17 * j as u32 + 7 * c as u32) % 100)));
            diagnosis.push(Some(CODES[(j + c) % m].to_string()));
        }
    }
    let column = |name: &str, data| Column { name: name.into(), data, categories: vec![] };
    RawTable {
        columns: vec![
            column("patient_id", ColumnData::Text(id)),
            column("age", ColumnData::Numeric(age)),
            column("sex", ColumnData::Text(sex)),
            column("zip", ColumnData::Numeric(zip)),
            column("diagnosis", ColumnData::Text(diagnosis)),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, cells: &[Option<&str>]) -> Column {
        Column {
            name: name.into(),
            data: ColumnData::Text(cells.iter().map(|c| c.map(str::to_string)).collect()),
            categories: vec![],
        }
    }

    fn spec(quasi: &[&str], k: usize) -> AnonymitySpec {
        AnonymitySpec { quasi_identifiers: quasi.iter().map(|s| s.to_string()).collect(), k, sensitive: None, l: None }
    }

    #[test]
    fn k_is_the_smallest_class_and_missing_cells_are_a_value_of_their_own() {
        // Classes: (F,1) x2, (M,1) x1, (missing,1) x2, (F,missing) x1.
        let t = RawTable {
            columns: vec![
                text("sex", &[Some("F"), Some("F"), Some("M"), None, None, Some("F")]),
                text("zip", &[Some("1"), Some("1"), Some("1"), Some("1"), Some("1"), None]),
            ],
        };
        let r = check_anonymity(&t, Path::new("t.csv"), &spec(&["sex", "zip"], 2)).unwrap();
        assert_eq!((r.k, r.classes, r.rows), (1, 4, 6));
        assert!(!r.k_met && !r.met());
        assert_eq!(r.classes_below_k, vec![1, 1]);
        assert_eq!(r.rows_below_k, 2);
        let r = check_anonymity(&t, Path::new("t.csv"), &spec(&["zip"], 1)).unwrap();
        assert_eq!((r.k, r.classes), (1, 2));
        assert!(r.met());
    }

    #[test]
    fn l_counts_distinct_sensitive_values_per_class() {
        let t = RawTable {
            columns: vec![
                text("sex", &[Some("F"), Some("F"), Some("F"), Some("M"), Some("M")]),
                text("dx", &[Some("a"), Some("b"), None, Some("a"), Some("a")]),
            ],
        };
        let s = AnonymitySpec { sensitive: Some("dx".into()), l: Some(2), ..spec(&["sex"], 2) };
        let r = check_anonymity(&t, Path::new("t.csv"), &s).unwrap();
        assert_eq!((r.k, r.l), (2, Some(1)));
        assert_eq!(r.l_met, Some(false));
        assert_eq!(r.classes_below_l, vec![2]);
        assert!(r.k_met && !r.met());
        // Without a target l is reported but does not decide.
        let r = check_anonymity(&t, Path::new("t.csv"), &AnonymitySpec { l: None, ..s }).unwrap();
        assert_eq!((r.l, r.l_met), (Some(1), None));
        assert!(r.met());
    }

    #[test]
    fn bad_requests_name_the_file_and_the_column() {
        let t = RawTable { columns: vec![text("sex", &[Some("F")]), text("zip", &[Some("1")])] };
        let p = Path::new("data/t.csv");
        let msg = check_anonymity(&t, p, &spec(&["sex", "postcode"], 2)).unwrap_err().to_string();
        assert!(msg.starts_with("data/t.csv: column \"postcode\": no such column; the table has sex, zip"), "{msg}");
        assert!(check_anonymity(&t, p, &spec(&["sex", "sex"], 2)).unwrap_err().to_string().contains("twice"));
        assert!(check_anonymity(&t, p, &spec(&["sex"], 0)).is_err());
        let s = AnonymitySpec { sensitive: Some("sex".into()), ..spec(&["sex"], 1) };
        assert!(check_anonymity(&t, p, &s).unwrap_err().to_string().contains("both"));
        let empty = RawTable { columns: vec![text("sex", &[])] };
        assert!(check_anonymity(&empty, p, &spec(&["sex"], 1)).unwrap_err().to_string().contains("no rows"));
    }

    #[test]
    fn the_summary_lists_sizes_never_values() {
        let t = RawTable {
            columns: vec![
                text(
                    "zip",
                    &[
                        Some("Z-SECRET-1"),
                        Some("Z-SECRET-2"),
                        Some("Z-SECRET-2"),
                        Some("Z-SECRET-3"),
                        Some("Z-SECRET-3"),
                        Some("Z-SECRET-3"),
                    ],
                ),
                text("dx", &[Some("DX-SECRET"); 6]),
            ],
        };
        let s = AnonymitySpec { sensitive: Some("dx".into()), l: Some(2), ..spec(&["zip"], 3) };
        let r = check_anonymity(&t, Path::new("t.csv"), &s).unwrap();
        let summary = r.summary();
        assert!(summary.contains("2 classes below k=3: sizes 1, 2; 3 rows"), "{summary}");
        assert!(summary.contains("l = 1 (target 2, NOT met)"), "{summary}");
        let json = serde_json::to_string(&r).unwrap();
        assert!(!summary.contains("SECRET") && !json.contains("SECRET"), "{summary}\n{json}");
    }

    #[test]
    fn many_violating_classes_are_summarised_as_a_histogram() {
        let mut sizes = vec![1; 12];
        sizes.extend([2, 2, 3]);
        assert_eq!(describe_sizes(&sizes), "1 (x12), 2 (x2), 3 (x1)");
        assert_eq!(describe_sizes(&[2, 1, 1]), "1, 1, 2");
    }

    #[test]
    fn the_fixture_has_its_documented_k_and_l() {
        let t = synth_anonymity_patients();
        assert_eq!(t.n_rows(), 36);
        let s = AnonymitySpec { sensitive: Some("diagnosis".into()), l: Some(2), ..spec(&["age", "sex", "zip"], 3) };
        let r = check_anonymity(&t, Path::new("p.csv"), &s).unwrap();
        assert_eq!((r.k, r.l, r.classes), (1, Some(1), 36));
    }

    #[test]
    fn the_committed_fixture_is_what_the_generator_writes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/anonymity/patients.csv");
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(crate::frame::write_csv(&synth_anonymity_patients()), committed);
    }
}
