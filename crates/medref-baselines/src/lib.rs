//! medref-baselines: one module per domain, plugged into the one training
//! loop of `medref-train` through its `Baseline` and `DataFormat` traits.
//!
//! | module | domain | formats | model kinds |
//! |---|---|---|---|
//! | [`imaging`] | imaging diagnosis support | `medmnist_npz`, `image_folder` | `resnet`, `resnet18`, `resnet50` |
//! | [`volumes`] | imaging diagnosis support | `medmnist3d_npz` | `resnet3d`, `resnet18`, `resnet50` |
//! | [`segmentation`] | imaging diagnosis support | `segmentation` | `unet` |
//! | [`genomics`] | genomic medicine | `sequence_csv`, `bed_regions` | `dna_cnn` |
//! | [`tables`] | diagnosis and treatment support | `table` | `linear`, `mlp`, `cox` |
//! | [`molecules`] | drug development | `molecules` | `linear`, `mlp` |
//! | [`trees`] | tables and molecules | `table`, `molecules` | `random_forest`, `gradient_boosting` |
//! | [`signals`] | nursing care and dementia | `ts`, `sensor_csv` | `signal_cnn` |
//! | [`surgery`] | surgical support | `jigsaws` | `tcn` |
//!
//! [`registry::FORMATS`] maps each format to its baseline; the commands go
//! through [`runner_for`] and never name a domain.

pub mod cholec80;
pub mod fasta_classes;
pub mod genomics;
pub mod imaging;
pub mod molecules;
pub mod registry;
pub mod rwd;
pub mod segmentation;
pub mod signals;
pub mod surgery;
pub mod tables;
pub mod trees;
pub mod volumes;

use medref_core::config::{Config, ConfigError};
use medref_train::run::{TrainOutcome, TrainRequest};
use medref_train::runner::{check_pairing, Runner};
use medref_train::RunInfo;
use medref_train::{DeviceChoice, Progress, TrainError};
use std::path::Path;

/// Reads a config file, its `[data]` section parsed by the registered
/// format it names.
pub fn load_config(path: &Path, overrides: &[String]) -> Result<Config, ConfigError> {
    Config::load(path, overrides, &registry::FORMATS)
}

/// Reads a finished run's directory (its config parsed by the registry).
pub fn open_run(dir: &Path) -> Result<RunInfo, TrainError> {
    medref_train::run::open_run(dir, &registry::FORMATS)
}

/// The runner of a config's data format, after checking that its baseline
/// trains the config's model kind.
pub fn runner_for(config: &Config) -> Result<&'static dyn Runner, TrainError> {
    let format = config.data.format();
    let runner = registry::FORMATS
        .runner(format)
        .ok_or_else(|| TrainError::Mismatch(format!("[data].format = \"{format}\" has no baseline registered")))?;
    check_pairing(runner, config)?;
    Ok(runner)
}

/// `medref train`: trains (or resumes) the request's config.
pub fn train(req: &TrainRequest, progress: &mut dyn Progress) -> Result<TrainOutcome, TrainError> {
    runner_for(&req.config)?.train(req, progress)
}

/// `medref data validate`: reads `data` (or the config's own data) as
/// `train` would, with the same checks and messages.
pub fn validate(config: &Config, data: Option<&Path>) -> Result<medref_train::run::DataSummary, TrainError> {
    runner_for(config)?.inspect(config, data)
}

/// `medref eval`: re-scores the run in `dir`, on its data or on `data`.
pub fn eval(
    dir: &Path,
    device: DeviceChoice,
    data: Option<&Path>,
) -> Result<medref_train::evaluate::Metrics, TrainError> {
    let run = open_run(dir)?;
    runner_for(&run.config)?.eval(&run, device, data)
}

/// `medref predict`: scores a user's file with the run in `dir`.
pub fn predict(dir: &Path, device: DeviceChoice, input: &Path) -> Result<medref_train::Prediction, TrainError> {
    let run: RunInfo = open_run(dir)?;
    runner_for(&run.config)?.predict(&run, device, input)
}
