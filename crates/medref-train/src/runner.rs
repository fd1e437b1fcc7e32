//! The type-erased form of a [`DataFormat`] with its baseline, which the
//! registry of formats holds and the commands call.

use crate::baseline::{Baseline, DataFormat, Prediction, RunInfo};
use crate::device::DeviceChoice;
use crate::evaluate::Metrics;
use crate::fit::Progress;
use crate::run::{self, TrainOutcome, TrainRequest};
use crate::TrainError;
use medref_core::config::{Config, DataConfig, DataFormats};
use std::marker::PhantomData;
use std::path::Path;

/// A format with its baseline, type-erased for the registry.
pub trait Runner: Sync {
    /// The `[data].format` it reads.
    fn format(&self) -> &'static str;
    /// The `[model].kind` values it trains.
    fn model_kinds(&self) -> &'static [&'static str];
    /// Parses its `[data]` section (the table without `format`).
    fn parse_section(&self, table: toml::Table) -> Result<DataConfig, (String, String)>;
    /// Whether its data (and `eval --data`) may be a folder.
    fn reads_folder(&self) -> bool;
    /// Whether `predict` may be given a folder.
    fn predict_reads_folder(&self) -> bool;
    /// Reads the data as training would and says what it holds.
    fn inspect(&self, config: &Config, path: Option<&Path>) -> Result<run::DataSummary, TrainError>;
    /// Trains (or resumes) a run and writes its directory.
    fn train(&self, req: &TrainRequest, progress: &mut dyn Progress) -> Result<TrainOutcome, TrainError>;
    /// Re-scores a run on its data, or on `data` in the same format.
    fn eval(&self, run: &RunInfo, device: DeviceChoice, data: Option<&Path>) -> Result<Metrics, TrainError>;
    /// Scores a user's file: CSV `id,score_0,...,predicted`, or a file of
    /// the baseline's own kind (a mask).
    fn predict(&self, run: &RunInfo, device: DeviceChoice, input: &Path) -> Result<Prediction, TrainError>;
}

/// The [`Runner`] of format `F`; the registry holds one per format.
pub struct Registered<F>(PhantomData<fn() -> F>);

impl<F> Registered<F> {
    /// For `&Registered::<F>::NEW` in a static table.
    pub const NEW: Self = Registered(PhantomData);
}

impl<F: DataFormat> Runner for Registered<F> {
    fn format(&self) -> &'static str {
        F::FORMAT
    }
    fn model_kinds(&self) -> &'static [&'static str] {
        F::Baseline::MODEL_KINDS
    }
    fn parse_section(&self, table: toml::Table) -> Result<DataConfig, (String, String)> {
        DataConfig::parse_as::<F::Section>(F::FORMAT, table)
    }
    fn reads_folder(&self) -> bool {
        F::READS_FOLDER
    }
    fn predict_reads_folder(&self) -> bool {
        F::Baseline::PREDICT_READS_FOLDER || F::PREDICT_READS_FOLDER
    }
    fn inspect(&self, config: &Config, path: Option<&Path>) -> Result<run::DataSummary, TrainError> {
        run::inspect::<F>(config, path)
    }
    fn train(&self, req: &TrainRequest, progress: &mut dyn Progress) -> Result<TrainOutcome, TrainError> {
        run::train::<F>(req, progress)
    }
    fn eval(&self, run: &RunInfo, device: DeviceChoice, data: Option<&Path>) -> Result<Metrics, TrainError> {
        run::eval::<F>(run, device, data)
    }
    fn predict(&self, run: &RunInfo, device: DeviceChoice, input: &Path) -> Result<Prediction, TrainError> {
        run::predict::<F>(run, device, input)
    }
}

/// The registry of formats: the one list that both parses `[data]`
/// sections (as [`DataFormats`]) and runs them.
pub struct Registry(pub &'static [&'static dyn Runner]);

impl Registry {
    /// The runner of `format`, if registered.
    pub fn runner(&self, format: &str) -> Option<&'static dyn Runner> {
        self.0.iter().copied().find(|r| r.format() == format)
    }

    /// Formats registered more than once (a registry bug: the first would
    /// silently win).
    pub fn duplicates(&self) -> Vec<&'static str> {
        let mut seen = std::collections::BTreeSet::new();
        self.0.iter().map(|r| r.format()).filter(|f| !seen.insert(*f)).collect()
    }
}

impl DataFormats for Registry {
    fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|r| r.format()).collect()
    }
    fn parse(&self, name: &str, table: toml::Table) -> Option<Result<DataConfig, (String, String)>> {
        self.runner(name).map(|r| r.parse_section(table))
    }
}

/// Refuses a config whose model kind the format's baseline does not train,
/// naming both and the kinds that would work.
pub fn check_pairing(runner: &dyn Runner, config: &Config) -> Result<(), TrainError> {
    let kind = config.model.kind();
    if runner.model_kinds().contains(&kind) {
        return Ok(());
    }
    let kinds: Vec<String> = runner.model_kinds().iter().map(|k| format!("`{k}`")).collect();
    Err(TrainError::Mismatch(format!(
        "[model].kind = \"{kind}\" cannot read [data].format = \"{}\"; that format trains {}",
        runner.format(),
        kinds.join(" or ")
    )))
}
