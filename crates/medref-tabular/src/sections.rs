//! The `[data]` sections of tables and molecules (`table`, `molecules`):
//! the options their dataset assembly takes, parsed straight from the
//! config.

use medref_core::config::defaults::{default_fraction, default_id_column, yes};
use medref_core::config::{check_holdout_fractions, invalid, DataSection, Task};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A binary label derived from survival data: the event within `horizon`.
///
/// A row whose event happened by `horizon` is positive; a row followed past
/// `horizon` without the event is negative; a row censored before
/// `horizon` (lost to follow-up, outcome at the horizon unknown) is left
/// out, and the count left out is recorded. Counting those rows as
/// negatives would bias the risk downwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurvivalLabel {
    /// Follow-up time column.
    pub time: String,
    /// Event indicator column: 1 = event observed, 0 = censored.
    pub event: String,
    /// In the units of `time`: the label's horizon for a classifier; the
    /// time at which a survival model's AUROC, calibration and survival
    /// probabilities are reported.
    pub horizon: f64,
}

/// A table of patients or visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSection {
    /// `.csv`, `.tsv`, `.parquet` or `.arff`.
    pub path: PathBuf,
    /// A separate file of test rows with the same columns; without it the
    /// test rows are split off `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_path: Option<PathBuf>,
    /// Lines to skip before the header (delimited text only).
    #[serde(default)]
    pub skip_lines: usize,
    /// Whether the first line names the columns (else `column_1`, ...).
    #[serde(default = "yes")]
    pub header: bool,
    /// The outcome column (absent when `survival` derives the label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Time-to-event columns and horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survival: Option<SurvivalLabel>,
    /// What the model predicts.
    #[serde(default = "default_task")]
    pub task: Task,
    /// Binary tasks: the label value that is the positive class (class 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
    /// Feature columns; empty means every column that is not the label, id,
    /// group, split or survival column, or excluded (the subgroup column
    /// stays a feature unless excluded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Columns never used as features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Numeric-coded columns to one-hot encode (text columns always are).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categorical: Vec<String>,
    /// Row ids for `predictions.csv` (the row number otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Patient id: rows of one patient never straddle splits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Column whose values (sex, age band, site) get their own metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subgroup: Option<String>,
    /// A column of `train`/`val`/`test` that fixes the split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_column: Option<String>,
    /// Share held out for validation.
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    /// Share held out for test.
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
}

/// How molecules are divided when the data has no official split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoleculeSplit {
    /// Seeded random rows.
    Random,
    /// Bemis-Murcko scaffolds, largest groups to train first (DeepChem's
    /// order): a chemical series is in one split only, which is how a model
    /// meets new chemistry in practice.
    Scaffold,
    /// Scaffold groups larger than half the test size go to train, the rest
    /// in seeded random order (chemprop's balanced split), so one huge
    /// group (all acyclic molecules share the empty scaffold) cannot empty
    /// val or test. The default.
    BalancedScaffold,
}

/// A table of extra features joined to molecules on a key (cell-line or
/// target features, or the activities of a SMILES file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinTable {
    /// The file (or folder) the data is read from.
    pub path: PathBuf,
    /// Key column in this table.
    pub key: String,
    /// The molecule field it matches (`id`, or an SDF tag / table column).
    #[serde(default = "default_id_column")]
    pub on: String,
    /// Columns of this table to add as features (none by default).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// Molecules with a measured property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoleculesSection {
    /// `.sdf`, `.smi` (`SMILES id` per line) or a CSV/Parquet table.
    pub path: PathBuf,
    /// A separate file of test rows; without it the test rows are split off `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_path: Option<PathBuf>,
    /// SMILES column or SDF tag (SDF records without it use their molblock).
    #[serde(default = "default_smiles_field")]
    pub smiles: String,
    /// The measured property: a column, an SDF tag, or a column of `join`.
    pub target: String,
    /// Molecule ids (`id` is the second field of a `.smi` line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What the model predicts.
    #[serde(default = "default_molecule_task")]
    pub task: Task,
    /// Binary tasks: the label value that is the positive class (class 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
    /// Morgan radius (2 = ECFP4).
    #[serde(default = "default_radius")]
    pub radius: usize,
    /// Fingerprint length in bits.
    #[serde(default = "default_n_bits")]
    pub n_bits: usize,
    /// Count fingerprint instead of bits.
    #[serde(default)]
    pub counts: bool,
    /// Add the simple descriptors (heavy atoms, rings, donors, ...).
    #[serde(default = "yes")]
    pub descriptors: bool,
    /// How the examples are divided into train, validation and test.
    #[serde(default = "default_molecule_split")]
    pub split: MoleculeSplit,
    /// Share held out for validation.
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    /// Share held out for test.
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
    /// A table of extra features joined on a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<JoinTable>,
}

fn default_task() -> Task {
    Task::Classification
}
fn default_molecule_task() -> Task {
    Task::Regression
}
fn default_smiles_field() -> String {
    "smiles".into()
}
fn default_radius() -> usize {
    2
}
fn default_n_bits() -> usize {
    2048
}
fn default_molecule_split() -> MoleculeSplit {
    MoleculeSplit::BalancedScaffold
}

impl DataSection for TableSection {
    fn path(&self) -> &Path {
        &self.path
    }
    fn survival_horizon(&self) -> Option<f64> {
        self.survival.as_ref().map(|s| s.horizon)
    }
    fn inputs(&self) -> Vec<&Path> {
        std::iter::once(&self.path).chain(&self.test_path).map(PathBuf::as_path).collect()
    }
    fn task(&self) -> Option<Task> {
        Some(self.task)
    }
    fn validate(&self) -> Result<(), (String, String)> {
        match (&self.label, &self.survival) {
            (Some(_), Some(_)) => return invalid("[data]", "give either `label` or `[data.survival]`, not both"),
            (None, None) => return invalid("[data].label", "missing: name the outcome column (or give [data.survival])"),
            (None, Some(s)) if !(s.horizon.is_finite() && s.horizon > 0.0) => {
                return invalid("[data.survival].horizon", "must be a positive number")
            }
            (None, Some(_)) if self.task == Task::Regression => {
                return invalid("[data].task", "a survival horizon gives a binary label: use task = \"classification\" (or task = \"survival\" for a Cox model)")
            }
            (Some(_), None) if self.task == Task::Survival => {
                return invalid("[data.survival]", "task = \"survival\" needs [data.survival] with the time and event columns")
            }
            _ => {}
        }
        check_holdout_fractions(self.val_fraction, self.test_fraction)
    }
}

impl DataSection for MoleculesSection {
    fn path(&self) -> &Path {
        &self.path
    }
    fn inputs(&self) -> Vec<&Path> {
        std::iter::once(&self.path)
            .chain(&self.test_path)
            .chain(self.join.as_ref().map(|j| &j.path))
            .map(PathBuf::as_path)
            .collect()
    }
    fn task(&self) -> Option<Task> {
        Some(self.task)
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if !(1..=1 << 20).contains(&self.n_bits) {
            return invalid("[data].n_bits", "must be between 1 and 1048576");
        }
        if self.radius > 6 {
            return invalid("[data].radius", "must be at most 6");
        }
        if self.task == Task::Survival {
            return invalid("[data].task", "molecules are classified or regressed; survival is for tables");
        }
        check_holdout_fractions(self.val_fraction, self.test_fraction)
    }
}
