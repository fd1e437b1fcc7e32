//! Nursing care and dementia: sensor windows (a long sensor CSV cut into
//! windows per subject) and sktime `.ts` series, a class each, trained with
//! the 1D signal CNN. Subjects are held out whole (`splits.json`).

use burn::prelude::*;
use medref_core::config::{Config, DataConfig, ModelConfig};
use medref_core::seed::Rng;
use medref_models::SignalCnn;
use medref_timeseries::split_sets::{load_sensor_csv, load_ts, split_report};
use medref_timeseries::{stack_series, Series, SeriesSet};
use medref_train::tensor::to_tensor;
use medref_train::run_dir::write_json;
use medref_train::{Baseline, DataFormat, DataShape, Examples, ModelMeta, Targets, TrainError};
use std::path::Path;

/// Windows or series as `[batch, channels, len]`.
pub struct SeriesExamples<'a> {
    series: &'a [Series],
    targets: Targets,
    hours: Option<f64>,
}

impl<'a> SeriesExamples<'a> {
    pub fn new(set: &SeriesSet, series: &'a [Series], hours: Option<f64>) -> Self {
        let labels = series.iter().map(|s| s.label).collect();
        Self { series, targets: Targets::Classes { labels, n_classes: set.class_names.len().max(2) }, hours }
    }
}

impl Examples for SeriesExamples<'_> {
    type Input = Tensor<3>;

    fn len(&self) -> usize {
        self.series.len()
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    fn example_id(&self, i: usize) -> String {
        self.series[i].id.clone()
    }

    fn recording_hours(&self) -> Option<f64> {
        self.hours
    }

    fn record_key(&self, i: usize) -> Option<u64> {
        Some(medref_core::record_key::float_key(&self.series[i].values))
    }

    fn batch(&self, indices: &[usize], device: &Device, _augment: Option<&mut Rng>) -> Tensor<3> {
        let (c, l) = self.series.first().map_or((0, 0), |s| (s.channels, s.len));
        to_tensor(stack_series(indices.iter().map(|&i| &self.series[i]), c, l), device)
    }
}

/// The signal CNN on `[batch, channels, window]`.
pub struct Signals;

impl Baseline for Signals {
    type Data = SeriesSet;
    type Model = SignalCnn;
    type Split<'a> = SeriesExamples<'a>;
    const MODEL_KINDS: &'static [&'static str] = &["signal_cnn"];

    fn shape(set: &SeriesSet) -> DataShape {
        DataShape {
            input_shape: vec![set.channels, set.len],
            label_width: 1,
            n_classes: Some(set.class_names.len()),
            class_names: set.class_names.clone(),
        }
    }

    fn splits<'a>(_config: &Config, set: &'a SeriesSet) -> [SeriesExamples<'a>; 3] {
        let hours = set.hours.map(|h| h.map(Some)).unwrap_or([None; 3]);
        [
            SeriesExamples::new(set, &set.train, hours[0]),
            SeriesExamples::new(set, &set.val, hours[1]),
            SeriesExamples::new(set, &set.test, hours[2]),
        ]
    }

    fn build(config: &Config, meta: &ModelMeta, device: &Device) -> Result<SignalCnn, TrainError> {
        let ModelConfig::SignalCnn(m) = &config.model else {
            return Err(TrainError::Mismatch("the signals baseline trains `signal_cnn` models".into()));
        };
        Ok(SignalCnn::new(m, meta.input_shape[0], meta.n_outputs, device))
    }

    /// `splits.json` (who is in which split, and the recording hours) and
    /// `scaler.json` (the training split's channel statistics).
    fn write_data_extras(dir: &Path, set: &SeriesSet) -> Result<(), TrainError> {
        write_json(&dir.join("splits.json"), &split_report(&set.split, set.hours))?;
        if let Some(scaler) = &set.scaler {
            write_json(&dir.join("scaler.json"), scaler)?;
        }
        Ok(())
    }
}

/// `format = "ts"`: sktime/UEA `.ts` series.
pub struct Ts;

impl DataFormat for Ts {
    type Baseline = Signals;
    const FORMAT: &'static str = "ts";
    fn load(config: &Config, path: Option<&Path>) -> Result<SeriesSet, TrainError> {
        let DataConfig::Ts(d) = &config.data else { return Err(crate::wrong_section(config)) };
        Ok(load_ts(d, config.seed, path)?)
    }
}

/// `format = "sensor_csv"`: a long CSV of sensor streams cut into windows.
pub struct SensorCsv;

impl DataFormat for SensorCsv {
    type Baseline = Signals;
    const FORMAT: &'static str = "sensor_csv";
    fn load(config: &Config, path: Option<&Path>) -> Result<SeriesSet, TrainError> {
        let DataConfig::SensorCsv(d) = &config.data else { return Err(crate::wrong_section(config)) };
        Ok(load_sensor_csv(d, config.seed, path)?)
    }
}
