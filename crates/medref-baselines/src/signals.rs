//! Nursing care and dementia: sensor windows (a long sensor CSV cut into
//! windows per subject) and sktime `.ts` series, a class each, trained with
//! the 1D signal CNN. Subjects are held out whole (`splits.json`).

use burn::prelude::*;
use medref_core::config::{Config, ModelConfig};
use medref_core::seed::Rng;
use medref_models::SignalCnn;
use medref_timeseries::sections::{SensorCsvSection, TsSection};
use medref_timeseries::split_sets::{load_sensor_csv, load_ts, split_report};
use medref_timeseries::{bucket_by_length, pad_sequences, Series, SeriesSet};
use medref_timeseries::{ChannelScaler, SplitRecord};
use medref_train::run_dir::write_json;
use medref_train::tensor::to_tensor;
use medref_train::{Baseline, DataFormat, DataShape, Examples, FrameBatch, ModelMeta, RunInfo, Targets, TrainError};
use std::path::Path;

/// Windows or series as `[batch, channels, len]`, padded to the longest
/// of the batch when lengths differ.
pub struct SeriesExamples<'a> {
    series: &'a [Series],
    lengths: Vec<usize>,
    targets: Targets,
    hours: Option<f64>,
}

impl<'a> SeriesExamples<'a> {
    pub fn new(set: &SeriesSet, series: &'a [Series], hours: Option<f64>) -> Self {
        let labels = series.iter().map(|s| s.label).collect();
        let lengths = series.iter().map(|s| s.len).collect();
        Self { series, lengths, targets: Targets::Classes { labels, n_classes: set.class_names.len().max(2) }, hours }
    }
}

impl Examples for SeriesExamples<'_> {
    type Input = FrameBatch;

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

    /// Series of similar length batched together (equal lengths: the
    /// shuffle as it is).
    fn epoch_order(&self, order: Vec<usize>, batch_size: usize) -> Vec<usize> {
        bucket_by_length(order, &self.lengths, batch_size)
    }

    /// `[batch, channels, longest]`, zero-padded, with the true lengths.
    fn batch(&self, indices: &[usize], device: &Device, _augment: Option<&mut Rng>) -> FrameBatch {
        let c = self.series.first().map_or(0, |s| s.channels);
        let (x, lengths) = pad_sequences(indices.iter().map(|&i| &self.series[i]), c);
        FrameBatch { x: to_tensor(x, device), lengths }
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

    /// `splits.json` (who is in which split, and the recording hours),
    /// `scaler.json` (the training split's channel statistics) and
    /// `data_report.json` (values filled, lengths and what was done to
    /// them) and, when time stamps were checked, `gaps.json` (windows lost
    /// to long gaps per subject).
    fn write_data_extras(dir: &Path, set: &SeriesSet) -> Result<(), TrainError> {
        write_json(&dir.join("splits.json"), &split_report(&set.split, set.hours))?;
        write_json(&dir.join("data_report.json"), &set.report)?;
        if let Some(gaps) = &set.gaps {
            write_json(&dir.join("gaps.json"), &serde_json::json!({ "windows_dropped_at_gaps": gaps }))?;
        }
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
    type Section = TsSection;
    const FORMAT: &'static str = "ts";
    fn load(config: &Config, d: &TsSection, path: Option<&Path>) -> Result<SeriesSet, TrainError> {
        Ok(load_ts(d, config.seed, path)?)
    }
    /// Every case of a `.ts` file, one row each (its id from the file).
    fn read_new(run: &RunInfo, d: &TsSection, input: &Path) -> Result<SeriesSet, TrainError> {
        let series = medref_timeseries::scoring::ts_cases(d, input, saved_scaler(run)?.as_ref())?;
        scoring_set(run, input, series)
    }
}

/// `format = "sensor_csv"`: a long CSV of sensor streams cut into windows.
pub struct SensorCsv;

impl DataFormat for SensorCsv {
    type Baseline = Signals;
    type Section = SensorCsvSection;
    const FORMAT: &'static str = "sensor_csv";
    fn load(config: &Config, d: &SensorCsvSection, path: Option<&Path>) -> Result<SeriesSet, TrainError> {
        Ok(load_sensor_csv(d, config.seed, path)?)
    }
    /// One row per window, its id naming the subject, recording and first
    /// sample (`S03/r0/250`).
    fn read_new(run: &RunInfo, d: &SensorCsvSection, input: &Path) -> Result<SeriesSet, TrainError> {
        let series = medref_timeseries::scoring::sensor_windows(d, input, saved_scaler(run)?.as_ref())?;
        scoring_set(run, input, series)
    }
}

/// The channel scaling a run fitted on its training subjects
/// (`scaler.json`), if it standardised.
pub(crate) fn saved_scaler(run: &RunInfo) -> Result<Option<ChannelScaler>, TrainError> {
    let path = run.dir.join("scaler.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
    serde_json::from_str(&text).map(Some).map_err(|e| TrainError::RunDir { path, message: format!("unreadable: {e}") })
}

/// New series as a data set whose test split holds them, after checking
/// they have the shape the model was trained on.
fn scoring_set(run: &RunInfo, input: &Path, test: Vec<Series>) -> Result<SeriesSet, TrainError> {
    let [channels, len] = run.meta.input_shape[..] else {
        return Err(TrainError::Mismatch(format!("{}: not a signal model", run.dir.display())));
    };
    if test.is_empty() {
        return Err(TrainError::Mismatch(format!("{}: no series or windows to score", input.display())));
    }
    for s in &test {
        // len 0: the model was trained on series of any length.
        if s.channels != channels || (len > 0 && s.len != len) {
            let trained = if len > 0 { len.to_string() } else { "any length".into() };
            return Err(TrainError::Mismatch(format!(
                "{}: `{}` is {}x{} (channels x samples); the model was trained on {channels}x{trained}",
                input.display(),
                s.id,
                s.channels,
                s.len
            )));
        }
    }
    let class_names = run.meta.class_names.clone();
    let split = SplitRecord::default();
    Ok(SeriesSet {
        channels,
        len,
        class_names,
        train: Vec::new(),
        val: Vec::new(),
        test,
        scaler: None,
        split,
        hours: None,
        report: Default::default(),
        gaps: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use medref_timeseries::stack_series;

    fn set(lengths: &[usize]) -> SeriesSet {
        let series: Vec<Series> = lengths
            .iter()
            .enumerate()
            .map(|(i, &len)| Series {
                id: format!("s{i}"),
                subject: None,
                channels: 2,
                len,
                values: (0..2 * len).map(|v| (v * (i + 1)) as f32).collect(),
                label: i % 2,
            })
            .collect();
        SeriesSet {
            channels: 2,
            len: 0,
            class_names: vec!["a".into(), "b".into()],
            train: series,
            val: Vec::new(),
            test: Vec::new(),
            scaler: None,
            split: SplitRecord::default(),
            hours: None,
            report: Default::default(),
            gaps: None,
        }
    }

    /// Equal lengths reach the model exactly as before padding existed:
    /// the shuffle unchanged, and full batches holding the stacked windows
    /// (the signal CNN runs its plain path on a full batch).
    #[test]
    fn equal_lengths_batch_as_stacked_windows_in_the_shuffled_order() {
        let s = set(&[5; 12]);
        let ex = SeriesExamples::new(&s, &s.train, None);
        let order: Vec<usize> = (0..12).rev().collect();
        assert_eq!(ex.epoch_order(order.clone(), 4), order);
        let device = Device::flex();
        let idx = [3, 0, 7];
        let batch = ex.batch(&idx, &device, None);
        assert!(batch.is_full());
        let stacked = to_tensor(stack_series(idx.iter().map(|&i| &s.train[i]), 2, 5), &device);
        let (a, b): (Vec<f32>, Vec<f32>) =
            (batch.x.into_data().try_to_vec().unwrap(), stacked.into_data().try_to_vec().unwrap());
        assert_eq!(a, b);
    }

    #[test]
    fn unequal_lengths_are_padded_with_their_lengths() {
        let s = set(&[3, 9, 5]);
        let ex = SeriesExamples::new(&s, &s.train, None);
        let batch = ex.batch(&[0, 1], &Device::flex(), None);
        assert_eq!(batch.x.dims(), [2, 2, 9]);
        assert_eq!(batch.lengths, vec![3, 9]);
        assert!(!batch.is_full());
    }
}
