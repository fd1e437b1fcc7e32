//! Turning table columns into model inputs, fitted on the training rows only.
//!
//! Medians, means, standard deviations and category lists come from the
//! training split alone: fitting them on all rows lets the test set leak
//! into training. The fitted [`Preprocessor`] is saved with the run so that
//! `predict` applies exactly the same transform to new rows.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::table::{ColumnData, RawTable};
use crate::TableError;

/// What happens to one source column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputTransform {
    /// Median imputation, then (optionally) standardisation; a 0/1
    /// `<name>_missing` indicator follows when the training rows had gaps,
    /// because in clinical data *that* a lab was not ordered is information.
    Numeric {
        /// Source column.
        name: String,
        /// Training median, used for missing cells.
        median: f64,
        /// Training mean after imputation.
        mean: f64,
        /// Training standard deviation after imputation (1 if constant).
        std: f64,
        /// Whether `(x - mean) / std` is applied (not for 0/1 bits, counts).
        standardise: bool,
        /// Whether a `<name>_missing` column follows.
        indicator: bool,
    },
    /// One 0/1 column per training category; a missing or unseen category
    /// gives all zeros.
    Categorical {
        /// Source column.
        name: String,
        /// Categories in output order.
        categories: Vec<String>,
    },
}

impl InputTransform {
    /// The source column's name.
    pub fn name(&self) -> &str {
        match self {
            InputTransform::Numeric { name, .. } | InputTransform::Categorical { name, .. } => name,
        }
    }

    fn width(&self) -> usize {
        match self {
            InputTransform::Numeric { indicator, .. } => 1 + usize::from(*indicator),
            InputTransform::Categorical { categories, .. } => categories.len(),
        }
    }
}

/// Which columns become features and how.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureSpec {
    /// Source columns, in the order their outputs appear.
    pub columns: Vec<String>,
    /// Numeric-coded columns to treat as categories (text columns always are).
    pub categorical: Vec<String>,
    /// Numeric columns left unscaled (0/1 fingerprint bits, counts).
    pub unscaled: Vec<String>,
}

/// The fitted transform from a table's rows to `[rows, n_outputs]` floats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    /// One entry per source column, in output order.
    pub inputs: Vec<InputTransform>,
}

impl Preprocessor {
    /// Fits on `train_rows` of `table`. `path` names the table in errors.
    pub fn fit(table: &RawTable, spec: &FeatureSpec, train_rows: &[usize], path: &Path) -> Result<Self, TableError> {
        let index = column_index(table);
        let mut inputs = Vec::with_capacity(spec.columns.len());
        for name in &spec.columns {
            let col = lookup(table, &index, name, path)?;
            let forced = spec.categorical.iter().any(|c| c == name);
            let transform = match &col.data {
                ColumnData::Numeric(values) if !forced => {
                    let train: Vec<f64> = train_rows.iter().filter_map(|&r| values[r]).collect();
                    if train.is_empty() {
                        return Err(TableError::format(
                            path,
                            format!("column \"{name}\""),
                            "has no values in the training rows (all missing); drop it from the features",
                        ));
                    }
                    let median = median(&train);
                    let missing = train.len() < train_rows.len();
                    let imputed = train_rows.iter().map(|&r| values[r].unwrap_or(median));
                    let (mean, std) = mean_std(imputed);
                    InputTransform::Numeric {
                        name: name.clone(),
                        median,
                        mean,
                        std,
                        standardise: !spec.unscaled.iter().any(|c| c == name),
                        indicator: missing,
                    }
                }
                data => {
                    let categories = if col.categories.is_empty() {
                        let seen: BTreeSet<String> = train_rows.iter().filter_map(|&r| data.text_at(r)).collect();
                        seen.into_iter().collect()
                    } else {
                        col.categories.clone()
                    };
                    if categories.is_empty() {
                        return Err(TableError::format(
                            path,
                            format!("column \"{name}\""),
                            "has no values in the training rows (all missing); drop it from the features",
                        ));
                    }
                    InputTransform::Categorical { name: name.clone(), categories }
                }
            };
            inputs.push(transform);
        }
        Ok(Preprocessor { inputs })
    }

    /// Width of a transformed row.
    pub fn n_outputs(&self) -> usize {
        self.inputs.iter().map(InputTransform::width).sum()
    }

    /// Names of the transformed columns (`sex=F`, `age_missing`, ...).
    pub fn output_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_outputs());
        for input in &self.inputs {
            match input {
                InputTransform::Numeric { name, indicator, .. } => {
                    names.push(name.clone());
                    if *indicator {
                        names.push(format!("{name}_missing"));
                    }
                }
                InputTransform::Categorical { name, categories } => {
                    names.extend(categories.iter().map(|c| format!("{name}={c}")))
                }
            }
        }
        names
    }

    /// Each source column and the output columns it fills, for permutation
    /// importance (which must shuffle a one-hot block as one).
    pub fn groups(&self) -> Vec<(String, Range<usize>)> {
        let mut start = 0;
        self.inputs
            .iter()
            .map(|input| {
                let range = start..start + input.width();
                start = range.end;
                (input.name().to_string(), range)
            })
            .collect()
    }

    /// Transforms `rows` of `table` (which may be a new file with the same
    /// columns) into row-major `[rows.len(), n_outputs]`.
    pub fn transform(&self, table: &RawTable, rows: &[usize], path: &Path) -> Result<Vec<f32>, TableError> {
        let index = column_index(table);
        let width = self.n_outputs();
        let mut out = vec![0f32; rows.len() * width];
        let mut offset = 0;
        for input in &self.inputs {
            let col = lookup(table, &index, input.name(), path)?;
            match input {
                InputTransform::Numeric { name, median, mean, std, standardise, indicator } => {
                    let ColumnData::Numeric(values) = &col.data else {
                        return Err(TableError::format(
                            path,
                            format!("column \"{name}\""),
                            "holds text, but the model was trained on it as a number",
                        ));
                    };
                    for (k, &r) in rows.iter().enumerate() {
                        let v = values[r].unwrap_or(*median);
                        let v = if *standardise { (v - mean) / std } else { v };
                        out[k * width + offset] = v as f32;
                        if *indicator {
                            out[k * width + offset + 1] = f32::from(u8::from(values[r].is_none()));
                        }
                    }
                }
                InputTransform::Categorical { categories, .. } => {
                    let position: HashMap<&str, usize> =
                        categories.iter().enumerate().map(|(j, c)| (c.as_str(), j)).collect();
                    for (k, &r) in rows.iter().enumerate() {
                        if let Some(j) = col.data.text_at(r).and_then(|c| position.get(c.as_str()).copied()) {
                            out[k * width + offset + j] = 1.0;
                        }
                    }
                }
            }
            offset += input.width();
        }
        Ok(out)
    }
}

fn column_index(table: &RawTable) -> HashMap<&str, usize> {
    table.columns.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect()
}

fn lookup<'t>(
    table: &'t RawTable,
    index: &HashMap<&str, usize>,
    name: &str,
    path: &Path,
) -> Result<&'t crate::table::Column, TableError> {
    index.get(name).map(|&i| &table.columns[i]).ok_or_else(|| missing_column(table, name, path))
}

/// The error for a column the table lacks, listing the ones it has.
pub fn missing_column(table: &RawTable, name: &str, path: &Path) -> TableError {
    TableError::format(path, format!("column \"{name}\""), format!("not found; the table has {}", list_names(table)))
}

/// The table's column names for an error message, shortened when there are many.
pub fn list_names(table: &RawTable) -> String {
    let names = table.names();
    if names.len() <= 12 {
        names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
    } else {
        let head: Vec<String> = names[..10].iter().map(|n| format!("\"{n}\"")).collect();
        format!("{}, ... ({} columns)", head.join(", "), names.len())
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Mean and population standard deviation; a constant column gets std 1
/// so that it maps to zeros instead of NaN.
pub fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count().max(1) as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let std = var.sqrt();
    (mean, if std > 1e-12 { std } else { 1.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;

    fn table() -> RawTable {
        RawTable {
            columns: vec![
                Column {
                    name: "age".into(),
                    data: ColumnData::Numeric(vec![Some(40.0), None, Some(60.0), Some(1000.0)]),
                    categories: vec![],
                },
                Column {
                    name: "sex".into(),
                    data: ColumnData::Text(vec![Some("M".into()), Some("F".into()), None, Some("X".into())]),
                    categories: vec![],
                },
                Column {
                    name: "empty".into(),
                    data: ColumnData::Numeric(vec![None, None, None, Some(1.0)]),
                    categories: vec![],
                },
            ],
        }
    }

    #[test]
    fn fitted_on_training_rows_only() {
        let t = table();
        let spec = FeatureSpec { columns: vec!["age".into(), "sex".into()], ..Default::default() };
        // Row 3 (age 1000, sex X) is a test row: it must not move the median,
        // the mean or the category list.
        let p = Preprocessor::fit(&t, &spec, &[0, 1, 2], Path::new("t.csv")).unwrap();
        assert_eq!(p.output_names(), ["age", "age_missing", "sex=F", "sex=M"]);
        // training ages after imputation: 40, 50, 60 -> mean 50, std sqrt(200/3)
        let sd = (200.0f64 / 3.0).sqrt();
        let x = p.transform(&t, &[0, 1, 2, 3], Path::new("t.csv")).unwrap();
        let row = |i: usize| &x[i * 4..(i + 1) * 4];
        assert!((row(0)[0] as f64 - (-10.0 / sd)).abs() < 1e-6);
        assert_eq!(&row(1)[1..], &[1.0, 1.0, 0.0]); // imputed, flagged, F
        assert_eq!(row(1)[0], 0.0); // median 50 standardises to 0
        assert_eq!(&row(2)[2..], &[0.0, 0.0]); // missing sex: all zeros
        assert_eq!(&row(3)[2..], &[0.0, 0.0]); // unseen category: all zeros
        assert!((row(3)[0] as f64 - 950.0 / sd).abs() < 1e-3);
        assert_eq!(p.groups(), vec![("age".to_string(), 0..2), ("sex".to_string(), 2..4)]);
    }

    #[test]
    fn all_missing_and_absent_columns_are_named() {
        let t = table();
        let spec = FeatureSpec { columns: vec!["empty".into()], ..Default::default() };
        let msg = Preprocessor::fit(&t, &spec, &[0, 1, 2], Path::new("t.csv")).unwrap_err().to_string();
        assert!(msg.contains("t.csv: column \"empty\": has no values in the training rows"), "{msg}");
        let spec = FeatureSpec { columns: vec!["bmi".into()], ..Default::default() };
        let msg = Preprocessor::fit(&t, &spec, &[0], Path::new("t.csv")).unwrap_err().to_string();
        assert!(msg.contains("column \"bmi\": not found; the table has \"age\", \"sex\", \"empty\""), "{msg}");
    }

    #[test]
    fn forced_categorical_and_unscaled_columns() {
        let t = RawTable {
            columns: vec![
                Column {
                    name: "stage".into(),
                    data: ColumnData::Numeric(vec![Some(1.0), Some(3.0), Some(2.0)]),
                    categories: vec![],
                },
                Column {
                    name: "bit".into(),
                    data: ColumnData::Numeric(vec![Some(1.0), Some(0.0), Some(1.0)]),
                    categories: vec![],
                },
            ],
        };
        let spec = FeatureSpec {
            columns: vec!["stage".into(), "bit".into()],
            categorical: vec!["stage".into()],
            unscaled: vec!["bit".into()],
        };
        let p = Preprocessor::fit(&t, &spec, &[0, 1, 2], Path::new("t")).unwrap();
        assert_eq!(p.output_names(), ["stage=1", "stage=2", "stage=3", "bit"]);
        let x = p.transform(&t, &[1], Path::new("t")).unwrap();
        assert_eq!(x, [0.0, 0.0, 1.0, 0.0]);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Preprocessor>(&json).unwrap(), p);
    }
}
