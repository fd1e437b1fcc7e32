//! The baseline config: one TOML file per baseline, parsed into typed structs.
//!
//! A trainee edits these files by hand, so a typo must never be silently
//! ignored: unknown keys and wrong types are rejected with the file and the
//! key path (`configs/imaging/tiny.toml: [train].lr: expected a float, found
//! a string`). Sections whose shape depends on a tag (`[data].format`,
//! `[model].kind`) are parsed in two steps so that errors inside them still
//! name the exact key.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Why a config could not be loaded. Every message starts with the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read config: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: {key}: {message}")]
    Field {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error("--set {arg}: {message}")]
    Override { arg: String, message: String },
}

/// The six priority domains of healthcare AI that medref covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    Genomics,
    Imaging,
    Clinical,
    Drug,
    Eldercare,
    Surgery,
}

impl Domain {
    /// The name used for `configs/<domain>/` and `--domain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Genomics => "genomics",
            Domain::Imaging => "imaging",
            Domain::Clinical => "clinical",
            Domain::Drug => "drug",
            Domain::Eldercare => "eldercare",
            Domain::Surgery => "surgery",
        }
    }
}

/// A whole baseline: what data, which model, how to train and evaluate it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// Short identifier, used in reports and the baseline table.
    pub name: String,
    pub domain: Domain,
    /// One sentence for the report: what clinical question this answers.
    pub description: String,
    /// Seeds every random choice: shuffles, augmentation, initialisation.
    pub seed: u64,
    pub data: DataConfig,
    pub model: ModelConfig,
    pub train: TrainConfig,
    pub eval: EvalConfig,
}

/// The untagged top level, read before the tagged sections.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: String,
    domain: Domain,
    #[serde(default)]
    description: String,
    #[serde(default)]
    seed: u64,
    data: toml::Table,
    model: toml::Table,
    #[serde(default)]
    train: TrainConfig,
    #[serde(default)]
    eval: EvalConfig,
}

/// Where the examples come from; `format` picks the reader.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum DataConfig {
    /// A MedMNIST `.npz` with official train/val/test splits.
    MedmnistNpz(NpzData),
    /// `root/{train,val,test}/<class>/*.png|jpg`.
    ImageFolder(ImageFolderData),
    /// A table of DNA sequences with a class column.
    SequenceCsv(SequenceCsvData),
    /// Labelled BED regions cut from a reference FASTA.
    BedRegions(BedRegionsData),
    /// A table (CSV, TSV, Parquet or ARFF), one row per patient or visit.
    Table(TableData),
    /// Molecules (SDF, SMILES file, or a table with a SMILES column).
    Molecules(MoleculeData),
    /// sktime/UEA `.ts` series, one class per series.
    Ts(TsData),
    /// A long CSV of sensor streams, cut into windows per subject.
    SensorCsv(SensorCsvData),
    /// JIGSAWS-layout kinematics and gesture transcriptions (a class per frame).
    Jigsaws(JigsawsData),
}

impl DataConfig {
    /// The file or folder the data is read from, for the manifest and errors.
    pub fn path(&self) -> &Path {
        match self {
            DataConfig::MedmnistNpz(d) => &d.path,
            DataConfig::ImageFolder(d) => &d.path,
            DataConfig::SequenceCsv(d) => &d.path,
            DataConfig::BedRegions(d) => &d.bed,
            DataConfig::Table(d) => &d.path,
            DataConfig::Molecules(d) => &d.path,
            DataConfig::Ts(d) => &d.path,
            DataConfig::SensorCsv(d) => &d.path,
            DataConfig::Jigsaws(d) => &d.path,
        }
    }

    /// Every file or folder the data is read from (the manifest hashes
    /// them all: a BED file means nothing without its reference).
    pub fn inputs(&self) -> Vec<&Path> {
        match self {
            DataConfig::BedRegions(d) => vec![&d.bed, &d.reference],
            DataConfig::Table(d) => std::iter::once(&d.path).chain(&d.test_path).map(PathBuf::as_path).collect(),
            DataConfig::Molecules(d) => std::iter::once(&d.path)
                .chain(&d.test_path)
                .chain(d.join.as_ref().map(|j| &j.path))
                .map(PathBuf::as_path)
                .collect(),
            DataConfig::Ts(d) => std::iter::once(&d.path).chain(&d.test_path).map(PathBuf::as_path).collect(),
            other => vec![other.path()],
        }
    }

    fn parse(table: toml::Table) -> Result<Self, (String, String)> {
        let (tag, rest) = take_tag("data", "format", table)?;
        match tag.as_str() {
            "medmnist_npz" => section("data", rest).map(DataConfig::MedmnistNpz),
            "image_folder" => section("data", rest).map(DataConfig::ImageFolder),
            "sequence_csv" => section("data", rest).map(DataConfig::SequenceCsv),
            "bed_regions" => section("data", rest).map(DataConfig::BedRegions),
            "table" => section("data", rest).map(DataConfig::Table),
            "molecules" => section("data", rest).map(DataConfig::Molecules),
            "ts" => section("data", rest).map(DataConfig::Ts),
            "sensor_csv" => section("data", rest).map(DataConfig::SensorCsv),
            "jigsaws" => section("data", rest).map(DataConfig::Jigsaws),
            other => Err((
                "[data].format".into(),
                format!(
                    "unknown format `{other}`, expected one of `medmnist_npz`, `image_folder`, `sequence_csv`, `bed_regions`, `table`, `molecules`, `ts`, `sensor_csv`, `jigsaws`"
                ),
            )),
        }
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
    /// In the units of `time`.
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
#[serde(rename_all = "lowercase")]
pub enum MoleculeSplit {
    /// Seeded random rows.
    Random,
    /// Bemis-Murcko scaffolds: a chemical series is in one split only, which
    /// is how a model meets new chemistry in practice.
    Scaffold,
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

/// Which network to build; `kind` picks the model file in `medref-models`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConfig {
    Resnet(ResnetConfig),
    DnaCnn(DnaCnnConfig),
    /// Logistic regression (classification) or linear regression.
    Linear(LinearConfig),
    Mlp(MlpConfig),
    /// A 1D CNN window classifier for sensor signals.
    SignalCnn(SignalCnnConfig),
    /// A temporal convolutional network labelling every frame.
    Tcn(TcnConfig),
}

impl ModelConfig {
    fn parse(table: toml::Table) -> Result<Self, (String, String)> {
        let (tag, rest) = take_tag("model", "kind", table)?;
        match tag.as_str() {
            "resnet" => section("model", rest).map(ModelConfig::Resnet),
            "dna_cnn" => section("model", rest).map(ModelConfig::DnaCnn),
            "linear" => section("model", rest).map(ModelConfig::Linear),
            "mlp" => section("model", rest).map(ModelConfig::Mlp),
            "signal_cnn" => section("model", rest).map(ModelConfig::SignalCnn),
            "tcn" => section("model", rest).map(ModelConfig::Tcn),
            other => Err((
                "[model].kind".into(),
                format!("unknown kind `{other}`, expected one of `resnet`, `dna_cnn`, `linear`, `mlp`, `signal_cnn`, `tcn`"),
            )),
        }
    }
}

/// A linear model on table features: logistic regression for classes,
/// least squares for numbers (regularised by `[train].weight_decay`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LinearConfig {}

/// A multi-layer perceptron on table features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpConfig {
    /// Widths of the hidden layers (ReLU after each).
    #[serde(default = "default_mlp_hidden")]
    pub hidden: Vec<usize>,
    #[serde(default = "default_dna_dropout")]
    pub dropout: f64,
}

/// A 1D CNN for fixed-length sensor windows `[batch, channels, window]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalCnnConfig {
    /// Filters per convolution stage (each followed by max-pool 2).
    #[serde(default = "default_signal_channels")]
    pub channels: Vec<usize>,
    #[serde(default = "default_signal_kernels")]
    pub kernel_sizes: Vec<usize>,
    #[serde(default = "default_dna_dropout")]
    pub dropout: f64,
}

/// A temporal convolutional network (MS-TCN: stages of dilated residual
/// layers) that labels every frame of a sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcnConfig {
    /// Stages; each after the first refines the previous one's class
    /// probabilities (the loss is taken on the last stage).
    #[serde(default = "default_tcn_stages")]
    pub stages: usize,
    /// Feature maps in every layer.
    #[serde(default = "default_tcn_channels")]
    pub channels: usize,
    /// Dilated layers; layer `i` has dilation `2^i`.
    #[serde(default = "default_tcn_layers")]
    pub layers: usize,
    #[serde(default = "default_tcn_kernel")]
    pub kernel_size: usize,
    /// Look only at past frames (online use in the operating room).
    #[serde(default)]
    pub causal: bool,
    #[serde(default = "default_dna_dropout")]
    pub dropout: f64,
    /// Weight of the smoothing loss (truncated MSE of neighbouring frames'
    /// log-probabilities, MS-TCN's lambda); 0 turns it off.
    #[serde(default = "default_tcn_smoothing")]
    pub smoothing: f64,
}

/// A small ResNet-style CNN for `[batch, channels, h, w]` images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResnetConfig {
    /// Channels of the first stage; each later stage doubles it.
    #[serde(default = "default_width")]
    pub width: usize,
    /// Number of stages; every stage after the first halves the resolution.
    #[serde(default = "default_stages")]
    pub stages: usize,
    /// Residual blocks (two 3x3 convolutions each) per stage.
    #[serde(default = "one")]
    pub blocks_per_stage: usize,
    /// Dropout before the classifier head.
    #[serde(default = "default_dropout")]
    pub dropout: f64,
    #[serde(default = "yes")]
    pub batch_norm: bool,
}

impl Default for ResnetConfig {
    fn default() -> Self {
        Self {
            width: default_width(),
            stages: default_stages(),
            blocks_per_stage: 1,
            dropout: default_dropout(),
            batch_norm: true,
        }
    }
}

/// A 1D CNN for one-hot DNA `[batch, 4, seq_len]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnaCnnConfig {
    /// Filters of each convolution stage.
    #[serde(default = "default_dna_channels")]
    pub channels: Vec<usize>,
    /// Filter width (bases) of each stage; same length as `channels`.
    #[serde(default = "default_dna_kernels")]
    pub kernel_sizes: Vec<usize>,
    /// Max-pool width after each stage (1 = none); same length as `channels`.
    #[serde(default = "default_dna_pools")]
    pub pool_sizes: Vec<usize>,
    /// Units of the dense layer before the output.
    #[serde(default = "default_dna_hidden")]
    pub hidden: usize,
    #[serde(default = "default_dna_dropout")]
    pub dropout: f64,
    /// How positions are summarised before the dense layer.
    #[serde(default = "default_global_pool")]
    pub global_pool: GlobalPool,
}

/// `max`: "is the motif anywhere?" (binding-site tasks, any window length);
/// `flatten`: keep where each feature fires (tasks with a fixed, centred
/// landmark such as a splice junction; the length is fixed at training).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GlobalPool {
    Max,
    Flatten,
}

impl Default for DnaCnnConfig {
    fn default() -> Self {
        Self {
            channels: default_dna_channels(),
            kernel_sizes: default_dna_kernels(),
            pool_sizes: default_dna_pools(),
            hidden: default_dna_hidden(),
            dropout: default_dna_dropout(),
            global_pool: default_global_pool(),
        }
    }
}

/// Optimiser choice; AdamW decouples weight decay from the gradient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Adam,
    Adamw,
}

/// Learning-rate schedule over epochs (after any warm-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    Constant,
    Cosine,
    Step,
}

/// The validation quantity that early stopping and checkpoint selection follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Monitor {
    Auroc,
    Accuracy,
    BalancedAccuracy,
    Loss,
    /// Regression: root mean squared error (lower is better).
    Rmse,
    /// Regression: coefficient of determination.
    R2,
}

impl Monitor {
    /// Whether a larger value is better.
    pub fn maximise(self) -> bool {
        !matches!(self, Monitor::Loss | Monitor::Rmse)
    }

    /// Whether the quantity is defined for regression targets.
    pub fn for_regression(self) -> bool {
        matches!(self, Monitor::Loss | Monitor::Rmse | Monitor::R2)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Monitor::Auroc => "auroc",
            Monitor::Accuracy => "accuracy",
            Monitor::BalancedAccuracy => "balanced_accuracy",
            Monitor::Loss => "loss",
            Monitor::Rmse => "rmse",
            Monitor::R2 => "r2",
        }
    }
}

/// How to weight classes in the loss, for imbalanced data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeights {
    None,
    /// `n / (n_classes * count_c)`, as scikit-learn's `balanced`.
    Balanced,
}

/// Image augmentation applied to training batches only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AugmentConfig {
    #[serde(default)]
    pub flip_horizontal: bool,
    #[serde(default)]
    pub flip_vertical: bool,
    /// Largest rotation, in degrees, either way.
    #[serde(default)]
    pub rotate_degrees: f32,
    /// Largest translation, in pixels, in each axis.
    #[serde(default)]
    pub shift_pixels: u32,
    /// DNA: show each training sequence as its reverse complement with
    /// probability 1/2 (for signals that do not depend on the strand).
    #[serde(default)]
    pub reverse_complement: bool,
}

impl AugmentConfig {
    pub fn is_active(&self) -> bool {
        self.flip_horizontal
            || self.flip_vertical
            || self.rotate_degrees > 0.0
            || self.shift_pixels > 0
            || self.reverse_complement
    }
}

/// Options of the one training loop that every domain shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    #[serde(default = "default_optimizer")]
    pub optimizer: OptimizerKind,
    #[serde(default = "default_lr")]
    pub lr: f64,
    #[serde(default = "default_weight_decay")]
    pub weight_decay: f64,
    #[serde(default = "default_schedule")]
    pub schedule: ScheduleKind,
    /// Epochs of linear warm-up from `lr / 10`.
    #[serde(default)]
    pub warmup_epochs: usize,
    /// For `schedule = "step"`: multiply the rate by `step_gamma` every `step_epochs`.
    #[serde(default = "default_step_epochs")]
    pub step_epochs: usize,
    #[serde(default = "default_step_gamma")]
    pub step_gamma: f64,
    /// Stop after this many epochs without improvement of `monitor`; 0 never stops early.
    #[serde(default = "default_patience")]
    pub patience: usize,
    #[serde(default = "default_monitor")]
    pub monitor: Monitor,
    #[serde(default = "default_class_weights")]
    pub class_weights: ClassWeights,
    #[serde(default)]
    pub augment: AugmentConfig,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: default_epochs(),
            batch_size: default_batch_size(),
            optimizer: default_optimizer(),
            lr: default_lr(),
            weight_decay: default_weight_decay(),
            schedule: default_schedule(),
            warmup_epochs: 0,
            step_epochs: default_step_epochs(),
            step_gamma: default_step_gamma(),
            patience: default_patience(),
            monitor: default_monitor(),
            class_weights: default_class_weights(),
            augment: AugmentConfig::default(),
        }
    }
}

/// How the held-out splits are scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalConfig {
    /// Bootstrap resamples for the 95% confidence intervals; 0 disables them.
    #[serde(default = "default_bootstrap")]
    pub bootstrap: usize,
    /// Decision threshold on the positive-class probability (binary tasks).
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Equal-width bins for expected calibration error.
    #[serde(default = "default_ece_bins")]
    pub ece_bins: usize,
    /// Detection tasks on recordings (falls): report sensitivity at this
    /// many false alarms per hour of recording.
    #[serde(default = "default_false_alarms_per_hour")]
    pub false_alarms_per_hour: f64,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            bootstrap: default_bootstrap(),
            threshold: default_threshold(),
            ece_bins: default_ece_bins(),
            false_alarms_per_hour: default_false_alarms_per_hour(),
        }
    }
}

fn default_sequence_column() -> String {
    "sequence".into()
}
fn default_label_column() -> String {
    "label".into()
}
fn default_id_column() -> String {
    "id".into()
}
fn default_bed_label_column() -> usize {
    4
}
fn default_split() -> SplitKind {
    SplitKind::Stratified
}
fn default_fraction() -> f64 {
    0.15
}
fn default_dna_channels() -> Vec<usize> {
    vec![64, 64]
}
fn default_dna_kernels() -> Vec<usize> {
    vec![19, 7]
}
fn default_dna_pools() -> Vec<usize> {
    vec![4, 1]
}
fn default_dna_hidden() -> usize {
    64
}
fn default_dna_dropout() -> f64 {
    0.2
}
fn default_global_pool() -> GlobalPool {
    GlobalPool::Max
}
fn default_timestamp_column() -> String {
    "timestamp".into()
}
fn default_subject_column() -> String {
    "subject".into()
}
fn default_seconds_per_unit() -> f64 {
    1.0
}
fn default_window() -> usize {
    50
}
fn default_stride() -> usize {
    25
}
fn default_label_rule() -> String {
    "majority".into()
}
fn default_subject_fraction() -> f64 {
    0.2
}
fn default_signal_channels() -> Vec<usize> {
    vec![32, 64]
}
fn default_signal_kernels() -> Vec<usize> {
    vec![7, 5]
}
fn default_tcn_channels() -> usize {
    64
}
fn default_tcn_layers() -> usize {
    6
}
fn default_tcn_stages() -> usize {
    2
}
fn default_tcn_kernel() -> usize {
    3
}
fn default_tcn_smoothing() -> f64 {
    0.15
}
fn default_false_alarms_per_hour() -> f64 {
    1.0
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
    MoleculeSplit::Scaffold
}
fn default_mlp_hidden() -> Vec<usize> {
    vec![64]
}
fn yes() -> bool {
    true
}
fn one() -> usize {
    1
}
fn default_width() -> usize {
    16
}
fn default_stages() -> usize {
    3
}
fn default_dropout() -> f64 {
    0.1
}
fn default_epochs() -> usize {
    20
}
fn default_batch_size() -> usize {
    64
}
fn default_optimizer() -> OptimizerKind {
    OptimizerKind::Adamw
}
fn default_lr() -> f64 {
    1e-3
}
fn default_weight_decay() -> f64 {
    1e-4
}
fn default_schedule() -> ScheduleKind {
    ScheduleKind::Cosine
}
fn default_step_epochs() -> usize {
    10
}
fn default_step_gamma() -> f64 {
    0.1
}
fn default_patience() -> usize {
    5
}
fn default_monitor() -> Monitor {
    Monitor::Auroc
}
fn default_class_weights() -> ClassWeights {
    ClassWeights::None
}
fn default_bootstrap() -> usize {
    1000
}
fn default_threshold() -> f64 {
    0.5
}
fn default_ece_bins() -> usize {
    15
}

impl Config {
    /// Reads `path`, applies `--set key=value` overrides, and validates.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let message = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                "line 1: the file is UTF-16 text; TOML must be saved as UTF-8".to_string()
            } else {
                let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
                format!("line {line}: not UTF-8 text (a Latin-1 or Windows-1252 character?); TOML must be saved as UTF-8")
            };
            ConfigError::Syntax { path: path.to_path_buf(), message }
        })?;
        Self::from_toml_str(&text, path, overrides)
    }

    /// Parses config text; `path` only names the source in errors.
    pub fn from_toml_str(
        text: &str,
        path: &Path,
        overrides: &[String],
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            ConfigError::Syntax {
                path: path.to_path_buf(),
                message: e.to_string().trim().replace('\n', " "),
            }
        })?;
        for arg in overrides {
            apply_override(&mut table, arg)?;
        }
        Self::from_table(table).map_err(|(key, message)| ConfigError::Field {
            path: path.to_path_buf(),
            key,
            message,
        })
    }

    fn from_table(table: toml::Table) -> Result<Config, (String, String)> {
        let raw: RawConfig = deserialize_at("", toml::Value::Table(table))?;
        let config = Config {
            name: raw.name,
            domain: raw.domain,
            description: raw.description,
            seed: raw.seed,
            data: DataConfig::parse(raw.data)?,
            model: ModelConfig::parse(raw.model)?,
            train: raw.train,
            eval: raw.eval,
        };
        config.validate()?;
        Ok(config)
    }

    /// Range checks that types alone cannot express.
    fn validate(&self) -> Result<(), (String, String)> {
        let bad = |key: &str, msg: &str| Err((key.to_string(), msg.to_string()));
        let t = &self.train;
        if t.epochs == 0 {
            return bad("[train].epochs", "must be at least 1");
        }
        if t.batch_size == 0 {
            return bad("[train].batch_size", "must be at least 1");
        }
        if !(t.lr.is_finite() && t.lr > 0.0) {
            return bad("[train].lr", "must be a positive number");
        }
        if !(t.weight_decay.is_finite() && t.weight_decay >= 0.0) {
            return bad("[train].weight_decay", "must be zero or positive");
        }
        if !(0.0..=1.0).contains(&self.eval.threshold) {
            return bad("[eval].threshold", "must lie in [0, 1]");
        }
        if self.eval.ece_bins == 0 {
            return bad("[eval].ece_bins", "must be at least 1");
        }
        match &self.model {
            ModelConfig::Resnet(m) => {
                if m.width == 0 || m.stages == 0 || m.blocks_per_stage == 0 {
                    return bad(
                        "[model]",
                        "width, stages and blocks_per_stage must be at least 1",
                    );
                }
                if !(0.0..1.0).contains(&m.dropout) {
                    return bad("[model].dropout", "must lie in [0, 1)");
                }
            }
            ModelConfig::DnaCnn(m) => {
                if m.channels.is_empty()
                    || m.kernel_sizes.len() != m.channels.len()
                    || m.pool_sizes.len() != m.channels.len()
                {
                    return bad(
                        "[model]",
                        "channels, kernel_sizes and pool_sizes must be non-empty lists of one length",
                    );
                }
                if m.channels.iter().chain(&m.kernel_sizes).chain(&m.pool_sizes).any(|&v| v == 0) || m.hidden == 0 {
                    return bad("[model]", "channels, kernel sizes, pool sizes and hidden must be at least 1");
                }
                if !(0.0..1.0).contains(&m.dropout) {
                    return bad("[model].dropout", "must lie in [0, 1)");
                }
            }
            ModelConfig::Linear(_) | ModelConfig::Mlp(_) => {}
            ModelConfig::SignalCnn(m) => {
                if m.channels.is_empty() || m.kernel_sizes.len() != m.channels.len() {
                    return bad("[model]", "channels and kernel_sizes must be non-empty lists of one length");
                }
                if m.channels.iter().chain(&m.kernel_sizes).any(|&v| v == 0) {
                    return bad("[model]", "channels and kernel sizes must be at least 1");
                }
                if !(0.0..1.0).contains(&m.dropout) {
                    return bad("[model].dropout", "must lie in [0, 1)");
                }
            }
            ModelConfig::Tcn(m) => {
                if m.channels == 0 || m.layers == 0 || m.kernel_size < 2 || m.layers > 16 || !(1..=6).contains(&m.stages) {
                    return bad("[model]", "channels >= 1, 1 <= layers <= 16, 1 <= stages <= 6 and kernel_size >= 2 are required");
                }
                if !(0.0..1.0).contains(&m.dropout) {
                    return bad("[model].dropout", "must lie in [0, 1)");
                }
                if !(m.smoothing.is_finite() && m.smoothing >= 0.0) {
                    return bad("[model].smoothing", "must be zero or positive");
                }
            }
        }
        let signal = match &self.data {
            DataConfig::Ts(_) | DataConfig::SensorCsv(_) => Some("signal_cnn"),
            DataConfig::Jigsaws(_) => Some("tcn"),
            _ => None,
        };
        let signal_model = match &self.model {
            ModelConfig::SignalCnn(_) => Some("signal_cnn"),
            ModelConfig::Tcn(_) => Some("tcn"),
            _ => None,
        };
        if signal != signal_model {
            return bad(
                "[model].kind",
                "`ts` and `sensor_csv` data train `signal_cnn`; `jigsaws` trains `tcn`; other data other models",
            );
        }
        if let DataConfig::SensorCsv(d) = &self.data {
            if d.window == 0 || d.stride == 0 {
                return bad("[data]", "window and stride must be at least 1");
            }
        }
        if !(self.eval.false_alarms_per_hour.is_finite() && self.eval.false_alarms_per_hour >= 0.0) {
            return bad("[eval].false_alarms_per_hour", "must be zero or positive");
        }
        if let ModelConfig::Mlp(m) = &self.model {
            if m.hidden.iter().any(|&h| h == 0) {
                return bad("[model].hidden", "every hidden width must be at least 1");
            }
            if !(0.0..1.0).contains(&m.dropout) {
                return bad("[model].dropout", "must lie in [0, 1)");
            }
        }
        let fractions_ok = |v: f64, t: f64| (0.0..1.0).contains(&v) && (0.0..1.0).contains(&t) && v + t < 1.0;
        let task = match &self.data {
            DataConfig::Table(d) => {
                match (&d.label, &d.survival) {
                    (Some(_), Some(_)) => return bad("[data]", "give either `label` or `[data.survival]`, not both"),
                    (None, None) => return bad("[data].label", "missing: name the outcome column (or give [data.survival])"),
                    (None, Some(s)) if !(s.horizon.is_finite() && s.horizon > 0.0) => {
                        return bad("[data.survival].horizon", "must be a positive number")
                    }
                    (None, Some(_)) if d.task == Task::Regression => {
                        return bad("[data].task", "a survival horizon gives a binary label: use task = \"classification\"")
                    }
                    _ => {}
                }
                if !fractions_ok(d.val_fraction, d.test_fraction) {
                    return bad("[data]", "val_fraction and test_fraction must be in [0, 1) and sum below 1");
                }
                Some(d.task)
            }
            DataConfig::Molecules(d) => {
                if !(1..=1 << 20).contains(&d.n_bits) {
                    return bad("[data].n_bits", "must be between 1 and 1048576");
                }
                if d.radius > 6 {
                    return bad("[data].radius", "must be at most 6");
                }
                if !fractions_ok(d.val_fraction, d.test_fraction) {
                    return bad("[data]", "val_fraction and test_fraction must be in [0, 1) and sum below 1");
                }
                Some(d.task)
            }
            _ => None,
        };
        let table_model = matches!(self.model, ModelConfig::Linear(_) | ModelConfig::Mlp(_));
        if task.is_some() != table_model {
            return bad(
                "[model].kind",
                "tables and molecules train `linear` or `mlp` models; images `resnet`; DNA `dna_cnn`",
            );
        }
        if task == Some(Task::Regression) && !self.train.monitor.for_regression() {
            return bad(
                "[train].monitor",
                "is a classification metric; a regression task monitors `rmse`, `r2` or `loss`",
            );
        }
        if task != Some(Task::Regression) && matches!(self.train.monitor, Monitor::Rmse | Monitor::R2) {
            return bad("[train].monitor", "`rmse` and `r2` are for regression tasks");
        }
        if let DataConfig::SequenceCsv(d) = &self.data {
            let fractions_ok = (0.0..1.0).contains(&d.val_fraction)
                && (0.0..1.0).contains(&d.test_fraction)
                && d.val_fraction + d.test_fraction < 1.0;
            if d.split == SplitKind::Stratified && !fractions_ok {
                return bad("[data]", "val_fraction and test_fraction must be in [0, 1) and sum below 1");
            }
            if d.split == SplitKind::Chromosome && (d.val_chroms.is_empty() || d.test_chroms.is_empty()) {
                return bad("[data]", "split = \"chromosome\" needs val_chroms and test_chroms");
            }
        }
        Ok(())
    }

    /// The resolved config as TOML, written into every run directory so a
    /// run can be repeated without the original file or overrides.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a Config always serialises to TOML")
    }
}

/// Splits the tag (`format`, `kind`) off a tagged section.
fn take_tag(
    section: &str,
    tag: &str,
    mut table: toml::Table,
) -> Result<(String, toml::Table), (String, String)> {
    match table.remove(tag) {
        Some(toml::Value::String(s)) => Ok((s, table)),
        Some(other) => Err((
            format!("[{section}].{tag}"),
            format!("expected a string, found {}", other.type_str()),
        )),
        None => Err((format!("[{section}]"), format!("missing key `{tag}`"))),
    }
}

fn section<T: DeserializeOwned>(name: &str, table: toml::Table) -> Result<T, (String, String)> {
    deserialize_at(name, toml::Value::Table(table))
}

/// Deserialises with the failing key's path, in the `[section].key` style.
fn deserialize_at<T: DeserializeOwned>(
    section: &str,
    value: toml::Value,
) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner = err.path().to_string();
        let inner = if inner == "." { String::new() } else { inner };
        let key = match (section.is_empty(), inner.is_empty()) {
            (true, true) => "(top level)".to_string(),
            (true, false) => match inner.split_once('.') {
                Some((head, tail)) => format!("[{head}].{tail}"),
                None => inner,
            },
            (false, true) => format!("[{section}]"),
            (false, false) => format!("[{section}].{inner}"),
        };
        (key, plain_message(&err.into_inner().to_string()))
    })
}

/// Rewrites serde's Rust-flavoured type names into words a trainee knows.
fn plain_message(message: &str) -> String {
    let mut m = message.to_string();
    for (rust, plain) in [
        ("expected f64", "expected a float"),
        ("expected f32", "expected a float"),
        ("expected usize", "expected a non-negative integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected a boolean", "expected true or false"),
    ] {
        m = m.replace(rust, plain);
    }
    m
}

/// Applies one `key.path=value` override; the value is read as TOML
/// (`3`, `0.01`, `true`, `"text"`, `[1, 2]`) and as a bare string otherwise.
pub fn apply_override(table: &mut toml::Table, arg: &str) -> Result<(), ConfigError> {
    let fail = |message: &str| ConfigError::Override {
        arg: arg.to_string(),
        message: message.to_string(),
    };
    let (key, raw) = arg
        .split_once('=')
        .ok_or_else(|| fail("expected KEY=VALUE, for example train.epochs=3"))?;
    let parts: Vec<&str> = key.trim().split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(fail("the key has an empty part"));
    }
    let value = parse_override_value(raw.trim());
    let (last, parents) = parts.split_last().expect("split yields at least one part");
    let mut node = table;
    for part in parents {
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        node = match entry {
            toml::Value::Table(t) => t,
            _ => return Err(fail(&format!("`{part}` is not a table"))),
        };
    }
    node.insert(last.to_string(), value);
    Ok(())
}

fn parse_override_value(raw: &str) -> toml::Value {
    let doc = format!("v = {raw}");
    match doc.parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").unwrap_or(toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"
name = "tiny"
domain = "imaging"
seed = 3

[data]
format = "medmnist_npz"
path = "datasets/tiny/imaging_tiny.npz"

[model]
kind = "resnet"
width = 8

[train]
epochs = 4
lr = 0.002
"#;

    fn load(text: &str, overrides: &[&str]) -> Result<Config, ConfigError> {
        let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        Config::from_toml_str(text, Path::new("configs/imaging/tiny.toml"), &o)
    }

    #[test]
    fn parses_and_fills_defaults() {
        let c = load(TINY, &[]).unwrap();
        assert_eq!(c.seed, 3);
        assert_eq!(c.train.epochs, 4);
        assert_eq!(c.train.batch_size, 64);
        assert_eq!(c.train.optimizer, OptimizerKind::Adamw);
        let ModelConfig::Resnet(m) = &c.model else { panic!("expected resnet") };
        assert_eq!(m.width, 8);
        assert_eq!(m.stages, 3);
        assert_eq!(c.data.path(), Path::new("datasets/tiny/imaging_tiny.npz"));
    }

    #[test]
    fn wrong_type_names_file_key_and_expectation() {
        let text = TINY.replace("lr = 0.002", "lr = \"fast\"");
        let msg = load(&text, &[]).unwrap_err().to_string();
        assert!(
            msg.starts_with("configs/imaging/tiny.toml: [train].lr: "),
            "{msg}"
        );
        assert!(msg.contains("expected a float"), "{msg}");
    }

    #[test]
    fn unknown_keys_are_rejected_in_every_section() {
        for (from, to, key) in [
            ("lr = 0.002", "lr = 0.002\nlearning_rate = 1", "[train]"),
            ("width = 8", "width = 8\nwidht = 9", "[model]"),
            ("seed = 3", "seed = 3\nsede = 3", "tiny.toml: sede: "),
            (
                "format = \"medmnist_npz\"",
                "format = \"medmnist_npz\"\npaht = 1",
                "[data]",
            ),
        ] {
            let text = TINY.replace(from, to);
            let msg = load(&text, &[]).unwrap_err().to_string();
            assert!(msg.contains(key), "{msg}");
            assert!(msg.contains("unknown field"), "{msg}");
        }
    }

    #[test]
    fn wrong_type_inside_tagged_section_names_the_key() {
        let text = TINY.replace("width = 8", "width = \"wide\"");
        let msg = load(&text, &[]).unwrap_err().to_string();
        assert!(msg.contains("[model].width"), "{msg}");
        assert!(msg.contains("non-negative integer"), "{msg}");
    }

    #[test]
    fn unknown_tag_lists_the_choices() {
        let text = TINY.replace("kind = \"resnet\"", "kind = \"vgg\"");
        let msg = load(&text, &[]).unwrap_err().to_string();
        assert!(msg.contains("[model].kind"), "{msg}");
        assert!(msg.contains("`resnet`"), "{msg}");
    }

    #[test]
    fn overrides_reach_any_key_and_are_type_checked() {
        let c = load(TINY, &["train.epochs=9", "model.dropout=0.25", "seed=11"]).unwrap();
        assert_eq!(c.train.epochs, 9);
        assert_eq!(c.seed, 11);
        let ModelConfig::Resnet(m) = &c.model else { panic!("expected resnet") };
        assert_eq!(m.dropout, 0.25);
        let c = load(TINY, &["train.augment.flip_horizontal=true"]).unwrap();
        assert!(c.train.augment.flip_horizontal);
        let err = load(TINY, &["train.epochs=many"]).unwrap_err().to_string();
        assert!(err.contains("[train].epochs"), "{err}");
        let err = load(TINY, &["train.epochs"]).unwrap_err().to_string();
        assert!(err.contains("KEY=VALUE"), "{err}");
    }

    #[test]
    fn ranges_are_checked() {
        let err = load(TINY, &["train.lr=-1"]).unwrap_err().to_string();
        assert!(err.contains("[train].lr: must be a positive number"), "{err}");
        let err = load(TINY, &["eval.threshold=2"]).unwrap_err().to_string();
        assert!(err.contains("[eval].threshold"), "{err}");
    }

    #[test]
    fn resolved_config_round_trips() {
        let c = load(TINY, &["train.epochs=2"]).unwrap();
        let again = load(&c.to_toml(), &[]).unwrap();
        assert_eq!(c, again);
    }

    #[test]
    fn dna_cnn_lists_must_agree() {
        let text = TINY
            .replace("kind = \"resnet\"\nwidth = 8", "kind = \"dna_cnn\"\nchannels = [8, 8]\nkernel_sizes = [5]");
        let msg = load(&text, &[]).unwrap_err().to_string();
        assert!(msg.contains("[model]: channels, kernel_sizes and pool_sizes"), "{msg}");
        let ok = TINY.replace("kind = \"resnet\"\nwidth = 8", "kind = \"dna_cnn\"");
        assert!(matches!(load(&ok, &[]).unwrap().model, ModelConfig::DnaCnn(_)));
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let msg = load("name = ", &[]).unwrap_err().to_string();
        assert!(msg.starts_with("configs/imaging/tiny.toml: not valid TOML"), "{msg}");
    }
}
