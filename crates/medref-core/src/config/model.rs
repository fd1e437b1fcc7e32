//! `[model]`: which network to build; `kind` picks the model file in `medref-models`.

use super::data::invalid;
use super::defaults::*;
use serde::{Deserialize, Serialize};

/// What every `[model]` section can check about itself.
pub trait ModelSection {
    /// Range checks of this section's keys: `Err((key, message))`.
    fn validate(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

tagged_sections! {
    /// Which network to build; `kind` picks the model file in
    /// `medref-models`. Which kinds a data format can train is said once,
    /// by the domain baseline that reads the format.
    ModelConfig, ModelSection, "model", "kind", KINDS, kind;
    /// A small ResNet for images.
    "resnet" => Resnet(ResnetConfig),
    /// The same ResNet with 3D convolutions, for CT and MR volumes.
    "resnet3d" => Resnet3d(ResnetConfig),
    /// MedMNIST v2's ResNet-18 for 28x28 images or 28^3 volumes.
    "resnet18" => Resnet18(PaperResnetConfig),
    /// MedMNIST v2's ResNet-50 (bottleneck blocks), images or volumes.
    "resnet50" => Resnet50(PaperResnetConfig),
    /// A 1D CNN on one-hot DNA.
    "dna_cnn" => DnaCnn(DnaCnnConfig),
    /// Logistic regression (classification) or linear regression.
    "linear" => Linear(LinearConfig),
    /// A multi-layer perceptron on table features.
    "mlp" => Mlp(MlpConfig),
    /// Cox proportional hazards on table features (`task = "survival"`).
    "cox" => Cox(CoxConfig),
    /// A 1D CNN window classifier for sensor signals.
    "signal_cnn" => SignalCnn(SignalCnnConfig),
    /// A temporal convolutional network labelling every frame.
    "tcn" => Tcn(TcnConfig),
    /// A random forest on table features or fingerprints (`medref-trees`).
    "random_forest" => RandomForest(super::trees::RandomForestConfig),
    /// Histogram gradient boosting on table features or fingerprints.
    "gradient_boosting" => GradientBoosting(super::trees::GradientBoostingConfig),
    /// A 2D U-Net labelling every pixel, applied by a sliding window.
    "unet" => Unet(super::unet::UnetConfig),
}

/// A linear model on table features: L2-penalised logistic regression for
/// two classes, ridge regression for numbers, each fitted as the convex
/// problem it is (full batch, Newton's method, to a gradient tolerance) so
/// it is the model scikit-learn fits. Three or more classes are trained by
/// the loop (softmax, `[train].weight_decay`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearConfig {
    /// Inverse penalty strength, as scikit-learn's `LogisticRegression(C)`
    /// (default 1.0): the fit minimises the summed log-loss plus
    /// `||w||^2 / (2 C)`, intercept unpenalised. For regression the same
    /// penalty on the standardised target is `Ridge(alpha = 1 / C)`.
    #[serde(default = "default_c")]
    pub c: f64,
    /// Stop when the largest gradient entry of the mean objective is at most
    /// this (scikit-learn's scale for `tol`).
    #[serde(default = "default_gradient_tol")]
    pub tol: f64,
    /// `"l2"` (ridge, the default) or `"l1"` (LASSO: PatientLevelPrediction's
    /// default, `||w||_1 / C` in place of the squared norm; many weights
    /// become exactly zero). Two classes or a number.
    #[serde(default, skip_serializing_if = "Penalty::is_l2")]
    pub penalty: Penalty,
    /// With `penalty = "l1"`: choose `C` by this many folds of
    /// cross-validation on the training rows (held-out log-loss, 20 values
    /// over 4 decades up from the `C` that zeroes every weight) instead of
    /// using `c`; 0 uses `c`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cv_folds: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The penalty of a linear model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Penalty {
    /// `||w||^2 / (2 C)`.
    #[default]
    L2,
    /// `||w||_1 / C`.
    L1,
}

impl Penalty {
    fn is_l2(&self) -> bool {
        *self == Penalty::L2
    }
}

impl Default for LinearConfig {
    fn default() -> Self {
        Self { c: default_c(), tol: default_gradient_tol(), penalty: Penalty::L2, cv_folds: 0 }
    }
}

fn default_c() -> f64 {
    1.0
}

fn default_gradient_tol() -> f64 {
    1e-8
}

/// Cox proportional hazards, fitted as the convex problem it is (Newton's
/// method on the partial likelihood to a gradient tolerance), as lifelines
/// fits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoxConfig {
    /// `efron` (lifelines' default) or `breslow` handling of tied times.
    #[serde(default = "default_ties")]
    pub ties: String,
    /// Ridge penalty as lifelines' `CoxPHFitter(penalizer=...)` with
    /// `l1_ratio = 0` (0: the plain maximum partial likelihood estimate).
    #[serde(default)]
    pub penalizer: f64,
}

fn default_ties() -> String {
    "efron".into()
}

impl ModelSection for CoxConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if !matches!(self.ties.as_str(), "efron" | "breslow") {
            return invalid("[model].ties", "must be `efron` or `breslow`");
        }
        if !(self.penalizer.is_finite() && self.penalizer >= 0.0) {
            return invalid("[model].penalizer", "must be zero or positive");
        }
        Ok(())
    }
}

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

/// A small ResNet-style CNN for `[batch, channels, h, w]` images, or with
/// `kind = "resnet3d"` for `[batch, channels, d, h, w]` volumes (the same
/// keys: a trainee moving from slices to volumes changes one word).
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

/// The ResNet-18 and ResNet-50 of the MedMNIST v2 paper, as its
/// experiment code builds them for 28-pixel inputs; whether convolutions
/// are 2D or 3D follows the data (`medmnist_npz` or `medmnist3d_npz`), so
/// the paper's 2D and 3D rows share one section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperResnetConfig {
    /// Channels of the first stage (the paper: 64); each later stage
    /// doubles it. Smaller only to try the recipe quickly: the paper's
    /// figures are for 64.
    #[serde(default = "paper_width")]
    pub width: usize,
}

fn paper_width() -> usize {
    64
}

impl Default for PaperResnetConfig {
    fn default() -> Self {
        Self { width: paper_width() }
    }
}

impl ModelSection for PaperResnetConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if self.width == 0 {
            return invalid("[model].width", "must be at least 1 (the paper's networks have 64)");
        }
        Ok(())
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

fn check_dropout(p: f64) -> Result<(), (String, String)> {
    if (0.0..1.0).contains(&p) {
        Ok(())
    } else {
        invalid("[model].dropout", "must lie in [0, 1)")
    }
}

impl ModelSection for ResnetConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if self.width == 0 || self.stages == 0 || self.blocks_per_stage == 0 {
            return invalid("[model]", "width, stages and blocks_per_stage must be at least 1");
        }
        check_dropout(self.dropout)
    }
}

impl ModelSection for DnaCnnConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if self.channels.is_empty()
            || self.kernel_sizes.len() != self.channels.len()
            || self.pool_sizes.len() != self.channels.len()
        {
            return invalid("[model]", "channels, kernel_sizes and pool_sizes must be non-empty lists of one length");
        }
        if self.channels.iter().chain(&self.kernel_sizes).chain(&self.pool_sizes).any(|&v| v == 0) || self.hidden == 0 {
            return invalid("[model]", "channels, kernel sizes, pool sizes and hidden must be at least 1");
        }
        check_dropout(self.dropout)
    }
}

impl ModelSection for LinearConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return invalid("[model].c", "must be a positive number (scikit-learn's C; larger means a weaker penalty)");
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return invalid("[model].tol", "must be a positive number");
        }
        if self.cv_folds == 1 {
            return invalid("[model].cv_folds", "cross-validation needs at least 2 folds (0 uses `c` as given)");
        }
        if self.cv_folds > 0 && self.penalty != Penalty::L1 {
            return invalid("[model].cv_folds", "cross-validation of C is for penalty = \"l1\"");
        }
        Ok(())
    }
}

impl ModelSection for MlpConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if self.hidden.contains(&0) {
            return invalid("[model].hidden", "every hidden width must be at least 1");
        }
        check_dropout(self.dropout)
    }
}

impl ModelSection for SignalCnnConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if self.channels.is_empty() || self.kernel_sizes.len() != self.channels.len() {
            return invalid("[model]", "channels and kernel_sizes must be non-empty lists of one length");
        }
        if self.channels.iter().chain(&self.kernel_sizes).any(|&v| v == 0) {
            return invalid("[model]", "channels and kernel sizes must be at least 1");
        }
        check_dropout(self.dropout)
    }
}

impl ModelSection for TcnConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        let m = self;
        if m.channels == 0 || m.layers == 0 || m.kernel_size < 2 || m.layers > 16 || !(1..=6).contains(&m.stages) {
            return invalid(
                "[model]",
                "channels >= 1, 1 <= layers <= 16, 1 <= stages <= 6 and kernel_size >= 2 are required",
            );
        }
        check_dropout(m.dropout)?;
        if !(m.smoothing.is_finite() && m.smoothing >= 0.0) {
            return invalid("[model].smoothing", "must be zero or positive");
        }
        Ok(())
    }
}
