//! The seam between the one training loop and a domain.
//!
//! A domain implements [`Baseline`] once: which model kinds it trains, how
//! its data become train/val/test [`Examples`], how its network is built,
//! and which files its field reports beside the common ones. Each data
//! format implements [`DataFormat`]: how a config's `[data]` section is read
//! into that baseline's data. The registry (in `medref-baselines`) maps a
//! format name to a `Runner` (in `runner`), the type-erased pair the
//! commands call, so `train`, `--resume`, `eval` and `predict` never name a
//! domain.

use crate::examples::{Examples, Network};
use crate::TrainError;
use burn::prelude::*;
use medref_core::config::{Config, DataSection};
use medref_core::task::{FitMethod, TaskKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `model.json`: what `eval` and `predict` need to rebuild the network.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelMeta {
    /// `[model].kind` of the run.
    pub model: String,
    /// One example's input shape: `[channels, height, width]` for images,
    /// `[seq_len]` for DNA, `[n_features]` for tables, `[channels, len]` for
    /// windows (len 0: series of any length, padded per batch), `[channels]`
    /// for frame sequences.
    pub input_shape: Vec<usize>,
    /// 1: class index; > 1: multi-label with that many labels.
    pub label_width: usize,
    pub n_outputs: usize,
    /// Class (or label) names in output order, where the data names them.
    pub class_names: Vec<String>,
    pub best_epoch: usize,
    /// What the model predicts (absent in runs made before it was written;
    /// readers then go through `medref_core::task::run_task`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskKind>,
    /// By the loop or as a convex problem (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<FitMethod>,
    /// `model.safetensors` for PyTorch: architecture and name map (absent
    /// in runs made before it was written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pytorch: Option<crate::pytorch_weights::PytorchExport>,
}

/// A finished run's directory, config and `model.json`, before any model
/// is loaded.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub dir: PathBuf,
    pub config: Config,
    pub meta: ModelMeta,
}

/// What a data set tells the run about its examples, before any model.
#[derive(Debug, Clone, PartialEq)]
pub struct DataShape {
    /// As [`ModelMeta::input_shape`].
    pub input_shape: Vec<usize>,
    pub label_width: usize,
    /// Classes in the labels of a single-label classifier; `None` where the
    /// count is checked elsewhere or does not apply (regression).
    pub n_classes: Option<usize>,
    pub class_names: Vec<String>,
}

/// A trained model reopened with its run: what explanations, extras and
/// the genomics commands work on.
pub struct Trained<M> {
    pub info: RunInfo,
    /// In inference mode (`valid()`), on `device`.
    pub model: M,
    pub device: Device,
    /// What a direct fit kept beside the weights ([`DirectFit::state`]),
    /// for the model's extra files; `None` when reopened from disk.
    pub fit_state: Option<FitState>,
}

/// A solver's own result (a Cox fit's baseline hazard, say), handed from
/// [`Baseline::fit_directly`] to [`Baseline::write_model_extras`] so the
/// model is not fitted a second time.
pub type FitState = std::sync::Arc<dyn std::any::Any + Send + Sync>;

/// A model fitted outside the loop, as the convex problem it is.
pub struct DirectFit<M> {
    pub model: M,
    /// The mean objective at the solution (the history's training loss).
    pub objective: f64,
    /// What the solver did (iterations, final gradient, penalty), written
    /// as `convex_fit.json`.
    pub report: serde_json::Value,
    /// The solver's result beyond the weights, for the extras.
    pub state: Option<FitState>,
}

/// A domain's model family on its kind of examples.
pub trait Baseline: 'static {
    /// The data as its formats yield it: three splits plus what the run
    /// records about them (preprocessing, subjects, class names).
    type Data;
    /// The network; its input is what the splits batch.
    type Model: Network;
    /// One split seen by the loop (`Sync`: the loop assembles the next
    /// batch on a second thread).
    type Split<'a>: Examples<Input = <Self::Model as Network>::Input> + Sync;

    /// `[model].kind` values this baseline trains: the one statement of
    /// which data go with which models.
    const MODEL_KINDS: &'static [&'static str];

    /// Input shape, label width and classes of the data.
    fn shape(data: &Self::Data) -> DataShape;

    /// Train, val and test examples. The train split carries the config's
    /// augmentation (and any subset of rows); val and test never do.
    fn splits<'a>(config: &Config, data: &'a Self::Data) -> [Self::Split<'a>; 3];

    /// A fresh network for `meta` (input shape and outputs) on `device`.
    fn build(config: &Config, meta: &ModelMeta, device: &Device) -> Result<Self::Model, TrainError>;

    /// Fits the model as the convex problem it is (full batch, to a stated
    /// gradient tolerance, deterministic) instead of by the loop; `None`
    /// when the loop trains this config's model. `model` is the freshly
    /// built network to put the solution into.
    fn fit_directly(
        _config: &Config,
        _data: &Self::Data,
        _model: Self::Model,
    ) -> Option<Result<DirectFit<Self::Model>, TrainError>> {
        None
    }

    /// Whether `predict` takes a folder as its input (of images, say).
    const PREDICT_READS_FOLDER: bool = false;

    /// Files beside the weights that hold the fitted model (a tree
    /// ensemble's `trees.json`): the manifest records their SHA-256 as it
    /// does the weights', and `eval`/`predict` refuse a changed one.
    const MODEL_FILES: &'static [&'static str] = &[];

    /// Puts a finished run's fitted model into `fresh` (just built): its
    /// `model.bpk` weights, unless the model keeps its fit in its own file
    /// (a tree ensemble has no tensors to load).
    fn load_fitted(info: &RunInfo, fresh: Self::Model) -> Result<Self::Model, TrainError> {
        crate::checkpoint::load_weights(fresh, &info.dir.join("model.bpk"))
    }

    /// Files the field reports about the data, written before training
    /// (`preprocess.json`, `splits.json`...).
    fn write_data_extras(_dir: &Path, _data: &Self::Data) -> Result<(), TrainError> {
        Ok(())
    }

    /// Files that need the trained model (`feature_importance.csv`...).
    fn write_model_extras(_run: &Trained<Self::Model>, _data: &Self::Data) -> Result<(), TrainError> {
        Ok(())
    }

    /// The explanation picture (SVG) of one test example, for `plots/`.
    fn explanation(_run: &Trained<Self::Model>, _data: &Self::Data) -> Result<Option<String>, TrainError> {
        Ok(None)
    }

    /// Columns `predict` adds after the scores (a survival model's
    /// probability of being event-free at the horizon, say): names and one
    /// value per row.
    fn prediction_columns(_run: &Trained<Self::Model>, _scores: &[f64]) -> Result<Vec<(String, Vec<f64>)>, TrainError> {
        Ok(Vec::new())
    }

    /// A prediction that is a file of its own rather than a table row per
    /// example (a segmentation's mask as PNG): the bytes `predict` writes
    /// to `--out`, from the scores of the input's examples. `None` (the
    /// default): `predict` writes its CSV table.
    fn prediction_file(
        _run: &Trained<Self::Model>,
        _data: &Self::Data,
        _scores: &[f64],
    ) -> Result<Option<Vec<u8>>, TrainError> {
        Ok(None)
    }

    /// A user's file for `predict`, as data whose test split holds its
    /// examples (labels are placeholders).
    fn read_new(run: &RunInfo, input: &Path) -> Result<Self::Data, TrainError> {
        Err(TrainError::Mismatch(format!(
            "{}: `medref predict` does not read this kind of data yet; use `medref eval {} --data FILE`, which scores every split of a file in the training format",
            input.display(),
            run.dir.display()
        )))
    }
}

/// What `predict` gives back.
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    /// CSV text `id,score_0,...,predicted`, for stdout or `--out`.
    Table(String),
    /// A file's bytes (a mask as PNG), which only `--out` can take.
    File(Vec<u8>),
}

/// A `[data].format`: everything medref knows about it, in one place: its
/// config section (a type the registry parses, unknown keys refused),
/// whether it reads a folder, how the section is read into the baseline's
/// data, and how new inputs are read for `predict`.
pub trait DataFormat: 'static {
    type Baseline: Baseline;
    /// The `[data]` section's keys, beside `format`.
    type Section: DataSection + DeserializeOwned + Serialize + PartialEq + std::fmt::Debug + Send + Sync + 'static;
    /// The `format = "..."` value.
    const FORMAT: &'static str;
    /// Whether the data (and so `eval --data`) is a folder rather than a file.
    const READS_FOLDER: bool = false;
    /// Whether `predict` takes a folder (an OMOP CDM), where the
    /// baseline's own inputs are files.
    const PREDICT_READS_FOLDER: bool = false;

    /// Reads the config's data; `path` replaces its main file (`eval --data`).
    fn load(
        config: &Config,
        section: &Self::Section,
        path: Option<&Path>,
    ) -> Result<<Self::Baseline as Baseline>::Data, TrainError>;

    /// New inputs for `predict`; the baseline's reader unless the format
    /// needs its own (a table's layout, a molecule file).
    fn read_new(
        run: &RunInfo,
        _section: &Self::Section,
        input: &Path,
    ) -> Result<<Self::Baseline as Baseline>::Data, TrainError> {
        <Self::Baseline as Baseline>::read_new(run, input)
    }
}
