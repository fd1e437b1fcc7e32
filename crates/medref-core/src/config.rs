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
}

impl DataConfig {
    /// The file or folder the data is read from, for the manifest and errors.
    pub fn path(&self) -> &Path {
        match self {
            DataConfig::MedmnistNpz(d) => &d.path,
            DataConfig::ImageFolder(d) => &d.path,
            DataConfig::SequenceCsv(d) => &d.path,
            DataConfig::BedRegions(d) => &d.bed,
        }
    }

    /// Every file or folder the data is read from (the manifest hashes
    /// them all: a BED file means nothing without its reference).
    pub fn inputs(&self) -> Vec<&Path> {
        match self {
            DataConfig::BedRegions(d) => vec![&d.bed, &d.reference],
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
            other => Err((
                "[data].format".into(),
                format!(
                    "unknown format `{other}`, expected one of `medmnist_npz`, `image_folder`, `sequence_csv`, `bed_regions`"
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

/// Which network to build; `kind` picks the model file in `medref-models`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConfig {
    Resnet(ResnetConfig),
    DnaCnn(DnaCnnConfig),
}

impl ModelConfig {
    fn parse(table: toml::Table) -> Result<Self, (String, String)> {
        let (tag, rest) = take_tag("model", "kind", table)?;
        match tag.as_str() {
            "resnet" => section("model", rest).map(ModelConfig::Resnet),
            "dna_cnn" => section("model", rest).map(ModelConfig::DnaCnn),
            other => Err((
                "[model].kind".into(),
                format!("unknown kind `{other}`, expected one of `resnet`, `dna_cnn`"),
            )),
        }
    }
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
}

impl Monitor {
    /// Whether a larger value is better.
    pub fn maximise(self) -> bool {
        !matches!(self, Monitor::Loss)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Monitor::Auroc => "auroc",
            Monitor::Accuracy => "accuracy",
            Monitor::BalancedAccuracy => "balanced_accuracy",
            Monitor::Loss => "loss",
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
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            bootstrap: default_bootstrap(),
            threshold: default_threshold(),
            ece_bins: default_ece_bins(),
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
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
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
