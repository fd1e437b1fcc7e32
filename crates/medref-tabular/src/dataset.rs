//! A table ready for training: preprocessed features per split, their
//! targets, and the fitted transform that `predict` reuses.
//!
//! Clinical tables and molecule sets end up here alike: a reader turns its
//! source into a [`RawTable`], the split is fixed, a [`Preprocessor`] is
//! fitted on the training rows, and every split becomes a
//! [`TabularSplit`]. No burn: the training crate turns the rows into tensors.

use crate::{FeatureSpec, Preprocessor, RawTable, TableError};
use medref_core::config::Task;
use medref_core::targets::Targets;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

/// What `predict` needs besides the config: the fitted transform and how
/// outputs map back to classes or units. Saved as `preprocess.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabularRecipe {
    /// Imputation, scaling and one-hot encoding fitted on the training rows.
    pub preprocessor: Preprocessor,
    /// Classification or regression.
    pub task: Task,
    /// Class names in output order (classification).
    pub class_names: Vec<String>,
    /// Training mean of the target (regression).
    pub target_mean: f64,
    /// Training standard deviation of the target (regression).
    pub target_std: f64,
}

/// One split: row-major features `[n, n_features]` and their targets.
#[derive(Debug, Clone)]
pub struct TabularSplit {
    /// Row ids for `predictions.csv`.
    pub ids: Vec<String>,
    /// Preprocessed features, row-major `[n, n_features]`.
    pub x: Vec<f32>,
    /// What each row should predict.
    pub targets: Targets,
    /// The subgroup of each row, when the config names a subgroup column.
    pub subgroups: Vec<Option<String>>,
    /// Identity of each row for the leakage check, when the data have a
    /// better one than the feature values (molecules: the canonical form,
    /// so one compound written as two SMILES is caught); empty otherwise.
    pub record_keys: Vec<u64>,
}

impl TabularSplit {
    /// The preprocessed features as an array `[n, n_features]` (a view).
    pub fn features(&self, n_features: usize) -> ndarray::ArrayView2<'_, f32> {
        ndarray::ArrayView2::from_shape((self.targets.len(), n_features), &self.x)
            .expect("a split holds n rows of n_features values")
    }
}

/// A table ready for training, with what was dropped on the way.
#[derive(Debug, Clone)]
pub struct TabularDataset {
    /// Width of a row after preprocessing.
    pub n_features: usize,
    /// Name of each preprocessed column.
    pub feature_names: Vec<String>,
    /// Source columns and the feature columns each fills.
    pub feature_groups: Vec<(String, Range<usize>)>,
    /// The fitted transform, saved as `preprocess.json`.
    pub recipe: TabularRecipe,
    /// Rows the model learns from.
    pub train: TabularSplit,
    /// Rows that pick the best epoch.
    pub val: TabularSplit,
    /// Rows the run is judged on.
    pub test: TabularSplit,
    /// How many rows were read and why any were left out, for
    /// `data_report.json`.
    pub report: BTreeMap<String, usize>,
    /// Tables the source adds to the run directory, by file name (an OMOP
    /// study's attrition and characterisation), written beside
    /// `data_report.json`.
    pub run_files: BTreeMap<String, String>,
}

impl TabularDataset {
    /// The three splits with their names.
    pub fn splits(&self) -> [(&'static str, &TabularSplit); 3] {
        [("train", &self.train), ("val", &self.val), ("test", &self.test)]
    }

    /// A dataset holding only `split` (as its test split), for scoring rows
    /// outside training: `predict`, permutation importance.
    pub fn single(split: TabularSplit, n_features: usize) -> Self {
        let empty = TabularSplit {
            ids: Vec::new(),
            x: Vec::new(),
            targets: split.targets.clone(),
            subgroups: Vec::new(),
            record_keys: Vec::new(),
        };
        Self {
            n_features,
            feature_names: Vec::new(),
            feature_groups: Vec::new(),
            recipe: TabularRecipe {
                preprocessor: Preprocessor { inputs: Vec::new() },
                task: Task::Classification,
                class_names: Vec::new(),
                target_mean: 0.0,
                target_std: 1.0,
            },
            train: empty.clone(),
            val: empty,
            test: split,
            report: BTreeMap::new(),
            run_files: BTreeMap::new(),
        }
    }
}

/// The column `name` of `table`, or an error naming the file and the columns it has.
pub fn column<'t>(table: &'t RawTable, name: &str, path: &Path) -> Result<&'t crate::Column, TableError> {
    table.column(name).ok_or_else(|| crate::preprocess::missing_column(table, name, path))
}

/// Class names in output order: sorted, with `positive` moved to index 1
/// for a binary task (so AUROC and sensitivity are about that class).
pub fn class_order(
    seen: impl IntoIterator<Item = String>,
    positive: Option<&str>,
    path: &Path,
) -> Result<Vec<String>, TableError> {
    let mut names: Vec<String> = seen.into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    if names.len() < 2 {
        return Err(TableError::Mismatch(format!(
            "{}: the outcome has {} distinct value(s); a classifier needs at least two",
            path.display(),
            names.len()
        )));
    }
    if let Some(p) = positive {
        let Some(at) = names.iter().position(|n| n == p) else {
            return Err(TableError::Mismatch(format!(
                "{}: [data].positive = \"{p}\" is not a value of the outcome column ({} distinct values)",
                path.display(),
                names.len()
            )));
        };
        if names.len() != 2 {
            return Err(TableError::Mismatch(format!(
                "{}: [data].positive only applies to binary outcomes; this one has {} classes",
                path.display(),
                names.len()
            )));
        }
        let p = names.remove(at);
        names.push(p);
    }
    Ok(names)
}

/// Source rows of one split: which table they come from and which rows.
pub struct SourceRows<'t> {
    /// The table the rows come from.
    pub table: &'t RawTable,
    /// Its file, for errors.
    pub path: &'t Path,
    /// Row indices of the table.
    pub rows: Vec<usize>,
}

/// The raw target rows of a split before standardisation.
pub enum RawTargets {
    /// A class index per row.
    Classes(Vec<usize>),
    /// A number per row, in its own units.
    Values(Vec<f64>),
    /// Follow-up time and event per row.
    Survival(Vec<(f64, bool)>),
}

/// Columns with a role other than feature or outcome.
#[derive(Clone, Copy, Default)]
pub struct Roles<'a> {
    /// Row ids for `predictions.csv` (`row<N>` otherwise).
    pub id: Option<&'a str>,
    /// Subgroup column, for per-subgroup metrics.
    pub subgroup: Option<&'a str>,
}

/// Fits the preprocessor on the training source and builds the splits.
pub fn build_dataset<'t>(
    spec: &FeatureSpec,
    sources: &[SourceRows<'t>; 3],
    targets_of: impl Fn(&SourceRows<'t>, &[usize]) -> RawTargets,
    roles: Roles,
    mut report: BTreeMap<String, usize>,
    class_names: Vec<String>,
    task: Task,
) -> Result<TabularDataset, TableError> {
    let [train_src, _, _] = sources;
    if train_src.rows.is_empty() {
        return Err(TableError::Mismatch(format!(
            "{}: no training rows are left after the split",
            train_src.path.display()
        )));
    }
    let preprocessor = Preprocessor::fit(train_src.table, spec, &train_src.rows, train_src.path)?;
    let raw: Vec<RawTargets> = sources.iter().map(|s| targets_of(s, &s.rows)).collect();
    let (mean, std) = match &raw[0] {
        RawTargets::Values(v) => crate::preprocess::mean_std(v.iter().copied()),
        RawTargets::Classes(_) | RawTargets::Survival(_) => (0.0, 1.0),
    };
    let n_classes = class_names.len();
    let mut splits = Vec::with_capacity(3);
    for ((src, raw), name) in sources.iter().zip(raw).zip(["train", "val", "test"]) {
        let x = preprocessor.transform(src.table, &src.rows, src.path)?;
        let targets = match raw {
            RawTargets::Classes(labels) => Targets::Classes { labels, n_classes },
            RawTargets::Values(values) => Targets::Regression { values, mean, std },
            RawTargets::Survival(rows) => Targets::Survival {
                time: rows.iter().map(|r| r.0).collect(),
                event: rows.iter().map(|r| r.1).collect(),
            },
        };
        let ids = match roles.id {
            Some(id) => {
                let col = column(src.table, id, src.path)?;
                src.rows.iter().map(|&r| col.data.text_at(r).unwrap_or_default()).collect()
            }
            None => src.rows.iter().map(|&r| format!("row{}", r + 1)).collect(),
        };
        let subgroups = match roles.subgroup {
            Some(sg) => {
                let col = column(src.table, sg, src.path)?;
                src.rows.iter().map(|&r| col.data.text_at(r)).collect()
            }
            None => Vec::new(),
        };
        report.insert(format!("{name}_rows"), src.rows.len());
        splits.push(TabularSplit { ids, x, targets, subgroups, record_keys: Vec::new() });
    }
    let [train, val, test]: [TabularSplit; 3] = splits.try_into().expect("three splits");
    Ok(TabularDataset {
        n_features: preprocessor.n_outputs(),
        feature_names: preprocessor.output_names(),
        feature_groups: preprocessor.groups(),
        recipe: TabularRecipe { preprocessor, task, class_names, target_mean: mean, target_std: std },
        train,
        val,
        test,
        report,
        run_files: BTreeMap::new(),
    })
}
