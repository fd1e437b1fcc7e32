//! `[data]`: where the examples come from; `format` picks the reader.

use super::defaults::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

mod cholec80;
mod fasta_classes;
pub use cholec80::Cholec80Data;
pub use fasta_classes::{FastaClass, FastaClassesData};

/// What every `[data]` section tells the run besides its reader's options.
pub trait DataSection {
    /// The file or folder the data is read from, for the manifest and errors.
    fn path(&self) -> &Path;
    /// Every file or folder the data is read from (the manifest hashes
    /// them all: a BED file means nothing without its reference).
    fn inputs(&self) -> Vec<&Path> {
        vec![self.path()]
    }
    /// What a table or molecule model predicts; `None` where the format
    /// fixes it (class labels).
    fn task(&self) -> Option<Task> {
        None
    }
    /// Range checks of this section's keys: `Err((key, message))`.
    fn validate(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

tagged_sections! {
    /// Where the examples come from; `format` picks the reader. A new
    /// format is one line here plus its section struct (with a
    /// [`DataSection`] impl) and one line in the baselines' registry.
    DataConfig, DataSection, "data", "format", FORMATS, format;
    /// A MedMNIST `.npz` with official train/val/test splits.
    "medmnist_npz" => MedmnistNpz(NpzData),
    /// `root/{train,val,test}/<class>/*.png|jpg`.
    "image_folder" => ImageFolder(ImageFolderData),
    /// A table of DNA sequences with a class column.
    "sequence_csv" => SequenceCsv(SequenceCsvData),
    /// Labelled BED regions cut from a reference FASTA.
    "bed_regions" => BedRegions(BedRegionsData),
    /// A table (CSV, TSV, Parquet or ARFF), one row per patient or visit.
    "table" => Table(TableData),
    /// Molecules (SDF, SMILES file, or a table with a SMILES column).
    "molecules" => Molecules(MoleculeData),
    /// sktime/UEA `.ts` series, one class per series.
    "ts" => Ts(TsData),
    /// A long CSV of sensor streams, cut into windows per subject.
    "sensor_csv" => SensorCsv(SensorCsvData),
    /// JIGSAWS-layout kinematics and gesture transcriptions (a class per frame).
    "jigsaws" => Jigsaws(JigsawsData),
    /// One FASTA file per class (and optionally a test FASTA per class).
    "fasta_classes" => FastaClasses(FastaClassesData),
    /// Cholec80 phase annotations with per-frame features.
    "cholec80" => Cholec80(Cholec80Data),
}

impl DataConfig {
    /// The file or folder the data is read from, for the manifest and errors.
    pub fn path(&self) -> &Path {
        self.section().path()
    }

    /// Every file or folder the data is read from.
    pub fn inputs(&self) -> Vec<&Path> {
        self.section().inputs()
    }

    /// What the model predicts, where the format leaves it to the config.
    pub fn task(&self) -> Option<Task> {
        self.section().task()
    }
}

/// MedMNIST `.npz` options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NpzData {
    pub path: PathBuf,
    /// Use only the first N training images (after a seeded shuffle), for
    /// quick runs; validation and test splits are never cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_train: Option<usize>,
}

/// Folder-per-class image options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFolderData {
    /// Holds `train/`, `val/` and `test/`, each with one folder per class.
    pub path: PathBuf,
    /// Resize every image to `size x size`; without it all must share a size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    #[serde(default = "yes")]
    pub grayscale: bool,
}

/// How examples without official splits are divided into train/val/test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitKind {
    /// Seeded, stratified by class, by `val_fraction` / `test_fraction`.
    Stratified,
    /// By chromosome (the part of the id before `:`): whole chromosomes go
    /// to validation or test, so no locus leaks across splits.
    Chromosome,
}

/// DNA sequences in a CSV table (`sequence,label`, optional `id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceCsvData {
    pub path: PathBuf,
    #[serde(default = "default_sequence_column")]
    pub sequence_column: String,
    #[serde(default = "default_label_column")]
    pub label_column: String,
    /// Multi-task: several 0/1 label columns, one task each (replaces
    /// `label_column` when given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub label_columns: Vec<String>,
    /// Column of record ids (`chr1:101-200` style ids enable `split = "chromosome"`).
    #[serde(default = "default_id_column")]
    pub id_column: String,
    /// Centre-crop or `N`-pad every sequence to this length; without it all
    /// sequences must share one length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_len: Option<usize>,
    #[serde(default = "default_split")]
    pub split: SplitKind,
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
    /// For `split = "chromosome"`.
    #[serde(default)]
    pub val_chroms: Vec<String>,
    #[serde(default)]
    pub test_chroms: Vec<String>,
}

/// Labelled regions (BED, label in a column) read from a reference genome
/// (FASTA with `.fai`), split by chromosome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BedRegionsData {
    pub reference: PathBuf,
    pub bed: PathBuf,
    /// 1-based BED column holding the label (4 = name, 5 = score).
    #[serde(default = "default_bed_label_column")]
    pub label_column: usize,
    /// Cut this many bases centred on each region; without it all regions
    /// must share one length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    pub val_chroms: Vec<String>,
    pub test_chroms: Vec<String>,
}

/// What a table or molecule model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// A class per row (binary or multi-class).
    Classification,
    /// A number per row (pIC50, logS, ...).
    Regression,
    /// Time to an event with censoring (`[data.survival]` names the time and
    /// event columns): every patient is kept, censored ones included.
    Survival,
}

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
pub struct TableData {
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survival: Option<SurvivalLabel>,
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
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
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
pub struct MoleculeData {
    /// `.sdf`, `.smi` (`SMILES id` per line) or a CSV/Parquet table.
    pub path: PathBuf,
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
    #[serde(default = "default_molecule_task")]
    pub task: Task,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
    /// Morgan radius (2 = ECFP4).
    #[serde(default = "default_radius")]
    pub radius: usize,
    #[serde(default = "default_n_bits")]
    pub n_bits: usize,
    /// Count fingerprint instead of bits.
    #[serde(default)]
    pub counts: bool,
    /// Add the simple descriptors (heavy atoms, rings, donors, ...).
    #[serde(default = "yes")]
    pub descriptors: bool,
    #[serde(default = "default_molecule_split")]
    pub split: MoleculeSplit,
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<JoinTable>,
}

/// UEA/sktime `.ts` series (BasicMotions and the rest of the archive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsData {
    /// The training file (`*_TRAIN.ts`).
    pub path: PathBuf,
    /// The official test file (`*_TEST.ts`); without it, test cases are
    /// split off `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_path: Option<PathBuf>,
    /// Share of the training cases held out (stratified) for validation.
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
    /// Standardise each channel with statistics of the training cases.
    #[serde(default = "yes")]
    pub standardise: bool,
}

/// Sensor streams in one long CSV (timestamp, channels..., subject, label).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorCsvData {
    pub path: PathBuf,
    #[serde(default = "default_timestamp_column")]
    pub timestamp_column: String,
    /// Channel columns in input order; empty: every other column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    #[serde(default = "default_subject_column")]
    pub subject_column: String,
    #[serde(default = "default_label_column")]
    pub label_column: String,
    /// Seconds per timestamp unit (0.001 for milliseconds).
    #[serde(default = "default_seconds_per_unit")]
    pub seconds_per_unit: f64,
    /// Samples per window.
    #[serde(default = "default_window")]
    pub window: usize,
    /// Samples between window starts.
    #[serde(default = "default_stride")]
    pub stride: usize,
    /// `majority`, `last`, or `any:<label>` (binary detection, e.g. `any:fall`).
    #[serde(default = "default_label_rule")]
    pub label_rule: String,
    /// Class names in output order (`majority`/`last`); default: every label found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_names: Vec<String>,
    /// Subjects held out for validation and test; without them, fractions
    /// of the subjects are drawn with the seed. Never split by window: a
    /// person's windows are nearly copies of each other.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub val_subjects: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_subjects: Vec<String>,
    #[serde(default = "default_subject_fraction")]
    pub val_fraction: f64,
    #[serde(default = "default_subject_fraction")]
    pub test_fraction: f64,
    /// Channel indices whose Euclidean norm is added as one more channel
    /// (e.g. `[0, 1, 2]` for an accelerometer's magnitude, which does not
    /// depend on how the watch is worn).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub magnitude: Vec<usize>,
    #[serde(default = "yes")]
    pub standardise: bool,
}

/// JIGSAWS layout: `<path>/kinematics/<trial>.txt` (or
/// `kinematics/AllGestures/`) and `<path>/transcriptions/<trial>.txt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JigsawsData {
    pub path: PathBuf,
    /// Surgeons (trial-name letters, `B`, `C`, ...) held out; without them,
    /// fractions of the surgeons are drawn with the seed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub val_subjects: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_subjects: Vec<String>,
    #[serde(default = "default_subject_fraction")]
    pub val_fraction: f64,
    #[serde(default = "default_subject_fraction")]
    pub test_fraction: f64,
    #[serde(default = "yes")]
    pub standardise: bool,
}


/// `val_fraction` and `test_fraction` of a random split.
fn check_fractions(val: f64, test: f64) -> Result<(), (String, String)> {
    let ok = (0.0..1.0).contains(&val) && (0.0..1.0).contains(&test) && val + test < 1.0;
    if ok {
        Ok(())
    } else {
        Err(("[data]".into(), "val_fraction and test_fraction must be in [0, 1) and sum below 1".into()))
    }
}

fn bad(key: &str, message: &str) -> Result<(), (String, String)> {
    Err((key.to_string(), message.to_string()))
}

impl DataSection for NpzData {
    fn path(&self) -> &Path {
        &self.path
    }
}

impl DataSection for ImageFolderData {
    fn path(&self) -> &Path {
        &self.path
    }
}

impl DataSection for SequenceCsvData {
    fn path(&self) -> &Path {
        &self.path
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.split == SplitKind::Stratified {
            check_fractions(self.val_fraction, self.test_fraction)?;
        }
        if self.split == SplitKind::Chromosome && (self.val_chroms.is_empty() || self.test_chroms.is_empty()) {
            return bad("[data]", "split = \"chromosome\" needs val_chroms and test_chroms");
        }
        Ok(())
    }
}

impl DataSection for BedRegionsData {
    fn path(&self) -> &Path {
        &self.bed
    }
    fn inputs(&self) -> Vec<&Path> {
        vec![&self.bed, &self.reference]
    }
}

impl DataSection for TableData {
    fn path(&self) -> &Path {
        &self.path
    }
    fn inputs(&self) -> Vec<&Path> {
        std::iter::once(&self.path).chain(&self.test_path).map(PathBuf::as_path).collect()
    }
    fn task(&self) -> Option<Task> {
        Some(self.task)
    }
    fn validate(&self) -> Result<(), (String, String)> {
        match (&self.label, &self.survival) {
            (Some(_), Some(_)) => return bad("[data]", "give either `label` or `[data.survival]`, not both"),
            (None, None) => return bad("[data].label", "missing: name the outcome column (or give [data.survival])"),
            (None, Some(s)) if !(s.horizon.is_finite() && s.horizon > 0.0) => {
                return bad("[data.survival].horizon", "must be a positive number")
            }
            (None, Some(_)) if self.task == Task::Regression => {
                return bad("[data].task", "a survival horizon gives a binary label: use task = \"classification\" (or task = \"survival\" for a Cox model)")
            }
            (Some(_), None) if self.task == Task::Survival => {
                return bad("[data.survival]", "task = \"survival\" needs [data.survival] with the time and event columns")
            }
            _ => {}
        }
        check_fractions(self.val_fraction, self.test_fraction)
    }
}

impl DataSection for MoleculeData {
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
            return bad("[data].n_bits", "must be between 1 and 1048576");
        }
        if self.radius > 6 {
            return bad("[data].radius", "must be at most 6");
        }
        if self.task == Task::Survival {
            return bad("[data].task", "molecules are classified or regressed; survival is for tables");
        }
        check_fractions(self.val_fraction, self.test_fraction)
    }
}

impl DataSection for TsData {
    fn path(&self) -> &Path {
        &self.path
    }
    fn inputs(&self) -> Vec<&Path> {
        std::iter::once(&self.path).chain(&self.test_path).map(PathBuf::as_path).collect()
    }
}

impl DataSection for SensorCsvData {
    fn path(&self) -> &Path {
        &self.path
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.window == 0 || self.stride == 0 {
            return bad("[data]", "window and stride must be at least 1");
        }
        Ok(())
    }
}

impl DataSection for JigsawsData {
    fn path(&self) -> &Path {
        &self.path
    }
}
