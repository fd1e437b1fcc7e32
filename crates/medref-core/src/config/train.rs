//! `[train]` and `[eval]`: how the one loop trains and how runs are scored.

use super::defaults::*;
use serde::{Deserialize, Serialize};

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
    /// Multiply the rate by `step_gamma` at each epoch of `milestones`
    /// (PyTorch's `MultiStepLR`, the MedMNIST v2 recipe).
    Multistep,
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
    /// Segmentation: mean foreground Dice over images, inside the region
    /// of interest (the quantity segmentation papers select on).
    Dice,
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
            Monitor::Dice => "dice",
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
    /// For `step` and `multistep`: the factor of each decay.
    #[serde(default = "default_step_gamma")]
    pub step_gamma: f64,
    /// For `schedule = "multistep"`: the epochs (counted from 0, warm-up
    /// included, as PyTorch's `MultiStepLR` stepped once an epoch counts
    /// them) from which the rate is multiplied by `step_gamma` once more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<usize>,
    /// Stop after this many epochs without improvement of `monitor`; 0 never stops early.
    #[serde(default = "default_patience")]
    pub patience: usize,
    #[serde(default = "default_monitor")]
    pub monitor: Monitor,
    #[serde(default = "default_class_weights")]
    pub class_weights: ClassWeights,
    #[serde(default)]
    pub augment: AugmentConfig,
    /// After each epoch, set every batch-norm layer's running mean and
    /// variance to those of its inputs over the whole training split under
    /// the epoch's weights (training batches, no gradient),
    /// before validation scores the epoch, so the epoch chosen and the
    /// model saved normalise as they were trained. Off: the running
    /// averages (momentum 0.1), which after few steps lag the weights and
    /// shift the scores away from the cut-off. No effect on models without
    /// batch norm.
    #[serde(default = "yes")]
    pub precise_bn: bool,
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
            milestones: Vec::new(),
            patience: default_patience(),
            monitor: default_monitor(),
            class_weights: default_class_weights(),
            augment: AugmentConfig::default(),
            precise_bn: yes(),
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
