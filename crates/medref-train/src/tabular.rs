//! Tables for the training loop: rows of preprocessed features
//! `[batch, n_features]` with class or numeric targets.
//!
//! Clinical tables and molecule sets end up here alike: a reader turns its
//! source into a [`RawTable`], the split is fixed, a [`Preprocessor`] is
//! fitted on the training rows, and every split becomes a
//! [`TabularSplit`]. The fitted [`TabularRecipe`] is saved with the run so
//! that `predict` maps new rows exactly as training did.

use crate::examples::{Examples, Targets};
use crate::TrainError;
use burn::prelude::*;
use medref_core::config::{Task, TableData};
use medref_core::seed::Rng;
use medref_tabular::split::{check_groups_disjoint, group_split, split_train_val_test, SplitIndices};
use medref_tabular::{read_table, ColumnData, CsvLayout, FeatureSpec, Preprocessor, RawTable, TableError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

/// What `predict` needs besides the config: the fitted transform and how
/// outputs map back to classes or units. Saved as `preprocess.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabularRecipe {
    pub preprocessor: Preprocessor,
    pub task: Task,
    /// Class names in output order (classification).
    pub class_names: Vec<String>,
    /// Training mean and standard deviation of the target (regression).
    pub target_mean: f64,
    pub target_std: f64,
}

/// One split: row-major features `[n, n_features]` and their targets.
#[derive(Debug, Clone)]
pub struct TabularSplit {
    pub ids: Vec<String>,
    pub x: Vec<f32>,
    pub targets: Targets,
    /// The subgroup of each row, when the config names a subgroup column.
    pub subgroups: Vec<Option<String>>,
    /// Identity of each row for the leakage check, when the data have a
    /// better one than the feature values (molecules: the canonical form,
    /// so one compound written as two SMILES is caught); empty otherwise.
    pub record_keys: Vec<u64>,
}

/// A table ready for training, with what was dropped on the way.
#[derive(Debug, Clone)]
pub struct TabularDataset {
    pub n_features: usize,
    pub feature_names: Vec<String>,
    /// Source columns and the feature columns each fills.
    pub feature_groups: Vec<(String, Range<usize>)>,
    pub recipe: TabularRecipe,
    pub train: TabularSplit,
    pub val: TabularSplit,
    pub test: TabularSplit,
    /// How many rows were read and why any were left out, for
    /// `data_report.json`.
    pub report: BTreeMap<String, usize>,
}

impl TabularDataset {
    pub fn splits(&self) -> [(&'static str, &TabularSplit); 3] {
        [("train", &self.train), ("val", &self.val), ("test", &self.test)]
    }

    /// A dataset holding only `split` (as its test split), for scoring rows
    /// outside training: `predict`, permutation importance.
    pub fn single(split: TabularSplit, n_features: usize) -> Self {
        let empty = TabularSplit { ids: Vec::new(), x: Vec::new(), targets: split.targets.clone(), subgroups: Vec::new(), record_keys: Vec::new() };
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
        }
    }
}

/// The batches the loop sees.
pub struct TabularExamples<'a> {
    split: &'a TabularSplit,
    n_features: usize,
}

impl<'a> TabularExamples<'a> {
    pub fn new(ds: &TabularDataset, split: &'a TabularSplit) -> Self {
        Self { split, n_features: ds.n_features }
    }

    /// The rows behind these examples.
    pub fn split(&self) -> &'a TabularSplit {
        self.split
    }
}

impl Examples for TabularExamples<'_> {
    type Input = Tensor<2>;

    fn len(&self) -> usize {
        self.split.targets.len()
    }

    fn targets(&self) -> &Targets {
        &self.split.targets
    }

    fn example_id(&self, i: usize) -> String {
        self.split.ids[i].clone()
    }

    fn record_key(&self, i: usize) -> Option<u64> {
        if let Some(&key) = self.split.record_keys.get(i) {
            return Some(key);
        }
        let d = self.n_features;
        Some(crate::examples::float_key(&self.split.x[i * d..(i + 1) * d]))
    }

    fn subgroup(&self, i: usize) -> Option<&str> {
        self.split.subgroups.get(i).and_then(|s| s.as_deref())
    }

    fn batch(&self, indices: &[usize], device: &Device, _augment: Option<&mut Rng>) -> Tensor<2> {
        let d = self.n_features;
        let mut data = Vec::with_capacity(indices.len() * d);
        for &i in indices {
            data.extend_from_slice(&self.split.x[i * d..(i + 1) * d]);
        }
        Tensor::from_data(TensorData::new(data, [indices.len(), d]), device)
    }
}

/// The per-row outcome of a table: a class name or a number, `None` for rows
/// that carry no usable outcome (missing, or censored before the horizon).
enum Outcomes {
    Classes(Vec<Option<String>>),
    Values(Vec<Option<f64>>),
}

/// Reads the outcome of every row of `table`.
fn outcomes(d: &TableData, table: &RawTable, path: &Path, report: &mut BTreeMap<String, usize>) -> Result<Outcomes, TrainError> {
    let numeric = |name: &str| -> Result<Vec<Option<f64>>, TrainError> {
        match &column(table, name, path)?.data {
            ColumnData::Numeric(v) => Ok(v.clone()),
            ColumnData::Text(_) => Err(TableError::format(path, format!("column \"{name}\""), "must be numeric").into()),
        }
    };
    if let Some(s) = &d.survival {
        let time = numeric(&s.time)?;
        let event = numeric(&s.event)?;
        let mut labels = Vec::with_capacity(time.len());
        for (row, (t, e)) in time.iter().zip(&event).enumerate() {
            labels.push(match (t, e) {
                (Some(t), Some(e)) if *e != 0.0 && *e != 1.0 => {
                    return Err(TableError::format(
                        path,
                        format!("data row {}, column \"{}\"", row + 1, s.event),
                        "the event indicator must be 0 (censored) or 1 (event)",
                    )
                    .into())
                }
                (Some(t), Some(e)) if *e == 1.0 && *t <= s.horizon => Some("event".to_string()),
                (Some(t), Some(_)) if *t >= s.horizon => Some("event_free".to_string()),
                (Some(_), Some(_)) => {
                    *report.entry("censored_before_horizon".into()).or_default() += 1;
                    None
                }
                _ => {
                    *report.entry("missing_outcome".into()).or_default() += 1;
                    None
                }
            });
        }
        return Ok(Outcomes::Classes(labels));
    }
    let name = d.label.as_deref().expect("validated: label or survival");
    let col = column(table, name, path)?;
    let out = match (d.task, &col.data) {
        (Task::Regression, ColumnData::Numeric(v)) => Outcomes::Values(v.clone()),
        (Task::Regression, ColumnData::Text(_)) => {
            return Err(TableError::format(path, format!("column \"{name}\""), "a regression target must be numeric").into())
        }
        (Task::Classification, data) => Outcomes::Classes((0..data.len()).map(|r| data.text_at(r)).collect()),
    };
    let missing = match &out {
        Outcomes::Classes(v) => v.iter().filter(|x| x.is_none()).count(),
        Outcomes::Values(v) => v.iter().filter(|x| x.is_none()).count(),
    };
    if missing > 0 {
        *report.entry("missing_outcome".into()).or_default() += missing;
    }
    Ok(out)
}

fn column<'t>(table: &'t RawTable, name: &str, path: &Path) -> Result<&'t medref_tabular::Column, TrainError> {
    table.column(name).ok_or_else(|| medref_tabular::preprocess::missing_column(table, name, path).into())
}

/// Class names in output order: sorted, with `positive` moved to index 1
/// for a binary task (so AUROC and sensitivity are about that class).
pub fn class_order(seen: impl IntoIterator<Item = String>, positive: Option<&str>, path: &Path) -> Result<Vec<String>, TrainError> {
    let mut names: Vec<String> = seen.into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    if names.len() < 2 {
        return Err(TrainError::Mismatch(format!(
            "{}: the outcome has {} distinct value(s); a classifier needs at least two",
            path.display(),
            names.len()
        )));
    }
    if let Some(p) = positive {
        let Some(at) = names.iter().position(|n| n == p) else {
            return Err(TrainError::Mismatch(format!(
                "{}: [data].positive = \"{p}\" is not a value of the outcome column ({} distinct values)",
                path.display(),
                names.len()
            )));
        };
        if names.len() != 2 {
            return Err(TrainError::Mismatch(format!(
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

/// The feature columns of a table config: as listed, or every column that
/// plays no other role.
fn feature_columns(d: &TableData, table: &RawTable) -> Vec<String> {
    if !d.features.is_empty() {
        return d.features.clone();
    }
    let mut reserved: Vec<&str> = d.exclude.iter().map(String::as_str).collect();
    reserved.extend(d.label.as_deref());
    // The subgroup column stays a feature (sex, age band): reporting by it
    // does not make it useless for prediction.
    reserved.extend([&d.id, &d.group, &d.split_column].into_iter().flatten().map(String::as_str));
    if let Some(s) = &d.survival {
        reserved.extend([s.time.as_str(), s.event.as_str()]);
    }
    table.names().into_iter().filter(|n| !reserved.contains(n)).map(str::to_string).collect()
}

/// Source rows of one split: which table they come from and which rows.
pub(crate) struct SourceRows<'t> {
    pub table: &'t RawTable,
    pub path: &'t Path,
    pub rows: Vec<usize>,
}

/// Reads a `format = "table"` config's data; `path` replaces its main file.
pub fn load_table(d: &TableData, seed: u64, path: Option<&Path>) -> Result<TabularDataset, TrainError> {
    let main_path = path.unwrap_or(&d.path);
    let layout = CsvLayout { skip_lines: d.skip_lines, has_header: d.header, ..CsvLayout::default() };
    let main = read_table(main_path, &layout)?;
    let test_table = d.test_path.as_deref().map(|p| read_table(p, &layout)).transpose()?;
    let mut report = BTreeMap::new();
    report.insert("rows_read".into(), main.n_rows() + test_table.as_ref().map_or(0, RawTable::n_rows));
    if main.n_rows() == 0 {
        return Err(TableError::format(main_path, "", "the table has no rows").into());
    }

    let main_out = outcomes(d, &main, main_path, &mut report)?;
    let test_out = match (&test_table, d.test_path.as_deref()) {
        (Some(t), Some(p)) => Some(outcomes(d, t, p, &mut report)?),
        _ => None,
    };
    let usable = |o: &Outcomes| -> Vec<usize> {
        match o {
            Outcomes::Classes(v) => (0..v.len()).filter(|&r| v[r].is_some()).collect(),
            Outcomes::Values(v) => (0..v.len()).filter(|&r| v[r].is_some()).collect(),
        }
    };
    let main_rows = usable(&main_out);
    let class_names = match (&main_out, &test_out) {
        (Outcomes::Classes(m), t) => {
            let mut seen: Vec<String> = m.iter().flatten().cloned().collect();
            if let Some(Outcomes::Classes(t)) = t {
                seen.extend(t.iter().flatten().cloned());
            }
            class_order(seen, d.positive.as_deref(), main_path)?
        }
        _ => Vec::new(),
    };
    let class_of = |name: &str| class_names.iter().position(|c| c == name).unwrap_or(0) as u32;

    // Strata for the random split: the class, or nothing for regression.
    let strata: Vec<u32> = match &main_out {
        Outcomes::Classes(v) => main_rows.iter().map(|&r| class_of(v[r].as_deref().unwrap_or(""))).collect(),
        Outcomes::Values(_) => vec![0; main_rows.len()],
    };
    let groups: Option<Vec<String>> = d
        .group
        .as_deref()
        .map(|g| -> Result<Vec<String>, TrainError> {
            let col = column(&main, g, main_path)?;
            Ok(main_rows.iter().map(|&r| col.data.text_at(r).unwrap_or_else(|| format!("\u{0}row{r}"))).collect())
        })
        .transpose()?;
    let test_fraction = if test_table.is_some() { 0.0 } else { d.test_fraction };
    let fractions = [1.0 - d.val_fraction - test_fraction, d.val_fraction, test_fraction];
    let local: SplitIndices = if let Some(split_col) = &d.split_column {
        let col = column(&main, split_col, main_path)?;
        let mut s = SplitIndices::default();
        for (k, &r) in main_rows.iter().enumerate() {
            match col.data.text_at(r).as_deref().map(str::trim) {
                Some("train") => s.train.push(k),
                Some("val") | Some("valid") | Some("validation") => s.val.push(k),
                Some("test") => s.test.push(k),
                _ => {
                    return Err(TableError::format(
                        main_path,
                        format!("data row {}, column \"{split_col}\"", r + 1),
                        "must be `train`, `val` or `test`",
                    )
                    .into())
                }
            }
        }
        if let Some(g) = &groups {
            check_groups_disjoint(g, &s).map_err(|m| TrainError::Mismatch(format!("{}: {m}", main_path.display())))?;
        }
        s
    } else if let Some(g) = &groups {
        group_split(g, fractions, seed)
    } else {
        split_train_val_test(&strata, 1, fractions, seed).map_err(TrainError::Mismatch)?
    };
    let pick = |idx: &[usize]| idx.iter().map(|&k| main_rows[k]).collect::<Vec<usize>>();
    let train_rows = pick(&local.train);
    let val_rows = pick(&local.val);
    let (test_src_table, test_src_path, test_rows) = match (&test_table, &test_out) {
        (Some(t), Some(o)) => (t, d.test_path.as_deref().unwrap_or(main_path), usable(o)),
        _ => (&main, main_path, pick(&local.test)),
    };
    if let (Some(g), Some(t)) = (&d.group, &test_table) {
        let train_ids: std::collections::BTreeSet<String> =
            main_rows.iter().filter_map(|&r| main.column(g).and_then(|c| c.data.text_at(r))).collect();
        let col = column(t, g, test_src_path)?;
        let shared = test_rows.iter().filter(|&&r| col.data.text_at(r).is_some_and(|id| train_ids.contains(&id))).count();
        if shared > 0 {
            return Err(TrainError::Mismatch(format!(
                "{}: {shared} test row(s) belong to a group (column \"{g}\") that also appears in {}; every row of a patient must be in one split",
                test_src_path.display(),
                main_path.display()
            )));
        }
    }

    let spec = FeatureSpec { columns: feature_columns(d, &main), categorical: d.categorical.clone(), unscaled: Vec::new() };
    if spec.columns.is_empty() {
        return Err(TableError::format(main_path, "", "no feature columns are left after removing the label, id and excluded columns").into());
    }
    let sources = [
        SourceRows { table: &main, path: main_path, rows: train_rows },
        SourceRows { table: &main, path: main_path, rows: val_rows },
        SourceRows { table: test_src_table, path: test_src_path, rows: test_rows },
    ];
    let outcome_of = |src: &SourceRows| -> &Outcomes {
        if std::ptr::eq(src.table, &main) {
            &main_out
        } else {
            test_out.as_ref().unwrap_or(&main_out)
        }
    };
    let roles = Roles { id: d.id.as_deref(), subgroup: d.subgroup.as_deref() };
    build_dataset(&spec, &sources, |src, rows| targets_for(outcome_of(src), rows, &class_names), roles, report, class_names.clone(), d.task)
}

/// The raw target rows of a split before standardisation.
pub(crate) enum RawTargets {
    Classes(Vec<usize>),
    Values(Vec<f64>),
}

fn targets_for(out: &Outcomes, rows: &[usize], class_names: &[String]) -> RawTargets {
    match out {
        Outcomes::Classes(v) => RawTargets::Classes(
            rows.iter()
                .map(|&r| class_names.iter().position(|c| Some(c) == v[r].as_ref()).unwrap_or(0))
                .collect(),
        ),
        Outcomes::Values(v) => RawTargets::Values(rows.iter().map(|&r| v[r].unwrap_or(f64::NAN)).collect()),
    }
}

/// Columns with a role other than feature or outcome.
#[derive(Clone, Copy, Default)]
pub(crate) struct Roles<'a> {
    /// Row ids for `predictions.csv` (`row<N>` otherwise).
    pub id: Option<&'a str>,
    pub subgroup: Option<&'a str>,
}

/// Fits the preprocessor on the training source and builds the splits.
pub(crate) fn build_dataset<'t>(
    spec: &FeatureSpec,
    sources: &[SourceRows<'t>; 3],
    targets_of: impl Fn(&SourceRows<'t>, &[usize]) -> RawTargets,
    roles: Roles,
    mut report: BTreeMap<String, usize>,
    class_names: Vec<String>,
    task: Task,
) -> Result<TabularDataset, TrainError> {
    let [train_src, _, _] = sources;
    if train_src.rows.is_empty() {
        return Err(TrainError::Mismatch(format!("{}: no training rows are left after the split", train_src.path.display())));
    }
    let preprocessor = Preprocessor::fit(train_src.table, spec, &train_src.rows, train_src.path)?;
    let raw: Vec<RawTargets> = sources.iter().map(|s| targets_of(s, &s.rows)).collect();
    let (mean, std) = match &raw[0] {
        RawTargets::Values(v) => medref_tabular::preprocess::mean_std(v.iter().copied()),
        RawTargets::Classes(_) => (0.0, 1.0),
    };
    let n_classes = class_names.len();
    let mut splits = Vec::with_capacity(3);
    for ((src, raw), name) in sources.iter().zip(raw).zip(["train", "val", "test"]) {
        let x = preprocessor.transform(src.table, &src.rows, src.path)?;
        let targets = match raw {
            RawTargets::Classes(labels) => Targets::Classes { labels, n_classes },
            RawTargets::Values(values) => Targets::Regression { values, mean, std },
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
    })
}

/// Features of new rows for `predict`: reads `input` as the config's data
/// format and applies the saved transform. Returns row ids and row-major
/// `[n, n_features]` features.
pub fn predict_features(
    data: &medref_core::config::DataConfig,
    recipe: &TabularRecipe,
    input: &Path,
) -> Result<(Vec<String>, Vec<f32>), TrainError> {
    use medref_core::config::DataConfig;
    match data {
        DataConfig::Table(d) => {
            let layout = CsvLayout { skip_lines: d.skip_lines, has_header: d.header, ..CsvLayout::default() };
            let table = read_table(input, &layout)?;
            let rows: Vec<usize> = (0..table.n_rows()).collect();
            let ids = match d.id.as_deref() {
                Some(id) => {
                    let col = column(&table, id, input)?;
                    rows.iter().map(|&r| col.data.text_at(r).unwrap_or_default()).collect()
                }
                None => rows.iter().map(|&r| format!("row{}", r + 1)).collect(),
            };
            let x = recipe.preprocessor.transform(&table, &rows, input)?;
            Ok((ids, x))
        }
        DataConfig::Molecules(d) => crate::molecules::predict_molecule_features(d, recipe, input),
        other => Err(TrainError::Mismatch(format!("{}: not a table or molecule data set", other.path().display()))),
    }
}
