//! Signals over time for the training loop: sensor windows
//! `[batch, channels, window]` with a class each (eldercare), and whole
//! sequences with a class per frame (surgery).
//!
//! Splits are by subject only: windows of one person are near copies of
//! each other, so a window-level split would test on the people the model
//! trained on. The split is recorded in `splits.json`.

use crate::examples::{Examples, Network, Targets};
use crate::TrainError;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use medref_core::config::{JigsawsData, SensorCsvData, TsData};
use medref_core::seed::Rng;
use medref_models::Tcn;
use medref_tabular::split::split_train_val_test;
use medref_timeseries::{
    add_magnitude, read_jigsaws, read_sensor_csv, read_ts, subject_split, ChannelScaler, FrameSequence, JigsawsOptions,
    SensorCsvSpec, Series, SubjectHoldout, TsError,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

impl From<TsError> for TrainError {
    fn from(e: TsError) -> Self {
        TrainError::Mismatch(e.to_string())
    }
}

/// Who is in which split, written as `splits.json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SplitRecord {
    /// `subjects` (when the data has them) or `ids` per split.
    pub by: String,
    pub train: Vec<String>,
    pub val: Vec<String>,
    pub test: Vec<String>,
}

/// Equal-length windows or series with one class each.
#[derive(Debug, Clone)]
pub struct SeriesSet {
    pub channels: usize,
    pub len: usize,
    pub class_names: Vec<String>,
    pub train: Vec<Series>,
    pub val: Vec<Series>,
    pub test: Vec<Series>,
    pub scaler: Option<ChannelScaler>,
    pub split: SplitRecord,
    /// Recording hours behind each split (sensor CSV only).
    pub hours: Option<[f64; 3]>,
}

/// Sequences with a class per frame.
#[derive(Debug, Clone)]
pub struct FrameSet {
    pub channels: usize,
    pub class_names: Vec<String>,
    pub train: Vec<FrameSequence>,
    pub val: Vec<FrameSequence>,
    pub test: Vec<FrameSequence>,
    pub scaler: Option<ChannelScaler>,
    pub split: SplitRecord,
}

fn pick<T: Clone>(items: &[T], idx: &[usize]) -> Vec<T> {
    idx.iter().map(|&i| items[i].clone()).collect()
}

/// Reads a `format = "ts"` config: the training file, and the official
/// test file or a stratified split of the training file.
pub fn load_ts(d: &TsData, seed: u64, path: Option<&Path>) -> Result<SeriesSet, TrainError> {
    let main_path = path.unwrap_or(&d.path);
    let train_file = read_ts(main_path)?;
    let labels: Vec<u32> = train_file.labels().iter().map(|&l| l as u32).collect();
    let (train, val, test) = match &d.test_path {
        Some(tp) => {
            let test_file = read_ts(tp)?;
            if test_file.class_names != train_file.class_names {
                return Err(TrainError::Mismatch(format!(
                    "{}: its classes differ from those of {} ({} vs {} classes)",
                    tp.display(),
                    main_path.display(),
                    test_file.class_names.len(),
                    train_file.class_names.len()
                )));
            }
            let s = split_train_val_test(&labels, 1, [1.0 - d.val_fraction, d.val_fraction, 0.0], seed)
                .map_err(TrainError::Mismatch)?;
            (pick(&train_file.series, &s.train), pick(&train_file.series, &s.val), test_file.series)
        }
        None => {
            let s = split_train_val_test(&labels, 1, [1.0 - d.val_fraction - d.test_fraction, d.val_fraction, d.test_fraction], seed)
                .map_err(TrainError::Mismatch)?;
            (pick(&train_file.series, &s.train), pick(&train_file.series, &s.val), pick(&train_file.series, &s.test))
        }
    };
    let ids = |v: &[Series]| v.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    let split = SplitRecord { by: "ids".into(), train: ids(&train), val: ids(&val), test: ids(&test) };
    finish_series(train, val, test, train_file.class_names, d.standardise, split, None, main_path)
}

/// Reads a `format = "sensor_csv"` config: windows per subject, subjects
/// held out for validation and test.
pub fn load_sensor_csv(d: &SensorCsvData, seed: u64, path: Option<&Path>) -> Result<SeriesSet, TrainError> {
    let main_path = path.unwrap_or(&d.path);
    let rule = d.label_rule.parse().map_err(|e: String| TrainError::Mismatch(format!("[data].label_rule: {e}")))?;
    let spec = SensorCsvSpec {
        timestamp_column: d.timestamp_column.clone(),
        channel_columns: d.channels.clone(),
        subject_column: d.subject_column.clone(),
        label_column: d.label_column.clone(),
        seconds_per_unit: d.seconds_per_unit,
        window: d.window,
        stride: d.stride,
        label_rule: rule,
        class_names: (!d.class_names.is_empty()).then(|| d.class_names.clone()),
        ..SensorCsvSpec::default()
    };
    let windows = read_sensor_csv(main_path, &spec)?;
    let mut series = windows.dataset.series;
    if !d.magnitude.is_empty() {
        for s in &mut series {
            add_magnitude(s, &d.magnitude).map_err(|e| TrainError::Mismatch(format!("[data].magnitude: {e}")))?;
        }
    }
    let subjects: Vec<String> = series.iter().map(|s| s.subject.clone().unwrap_or_default()).collect();
    let holdout = if d.val_subjects.is_empty() && d.test_subjects.is_empty() {
        SubjectHoldout::Fractions { val: d.val_fraction, test: d.test_fraction }
    } else {
        SubjectHoldout::Named { val: d.val_subjects.clone(), test: d.test_subjects.clone() }
    };
    let s = subject_split(&subjects, &holdout, seed).map_err(|e| TrainError::Mismatch(format!("{}: {e}", main_path.display())))?;
    let hours_of = |names: &[String]| -> f64 {
        windows.recordings.iter().filter(|r| names.contains(&r.subject)).map(|r| r.duration_seconds).sum::<f64>() / 3600.0
    };
    let hours = [hours_of(&s.train_subjects), hours_of(&s.val_subjects), hours_of(&s.test_subjects)];
    let split = SplitRecord {
        by: "subjects".into(),
        train: s.train_subjects.clone(),
        val: s.val_subjects.clone(),
        test: s.test_subjects.clone(),
    };
    finish_series(
        pick(&series, &s.train),
        pick(&series, &s.val),
        pick(&series, &s.test),
        windows.dataset.class_names,
        d.standardise,
        split,
        Some(hours),
        main_path,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish_series(
    mut train: Vec<Series>,
    mut val: Vec<Series>,
    mut test: Vec<Series>,
    class_names: Vec<String>,
    standardise: bool,
    split: SplitRecord,
    hours: Option<[f64; 3]>,
    path: &Path,
) -> Result<SeriesSet, TrainError> {
    let first = train.first().ok_or_else(|| TrainError::Mismatch(format!("{}: no training series after the split", path.display())))?;
    let (channels, len) = (first.channels, first.len);
    for s in train.iter().chain(&val).chain(&test) {
        if (s.channels, s.len) != (channels, len) {
            return Err(TrainError::Mismatch(format!(
                "{}: series `{}` is {}x{}, others {channels}x{len}; the window model needs equal lengths (resample first)",
                path.display(),
                s.id,
                s.channels,
                s.len
            )));
        }
        if s.values.iter().any(|v| v.is_nan()) {
            return Err(TrainError::Mismatch(format!("{}: series `{}` has missing values", path.display(), s.id)));
        }
    }
    let scaler = if standardise {
        let scaler = ChannelScaler::fit(train.iter())?;
        for s in train.iter_mut().chain(val.iter_mut()).chain(test.iter_mut()) {
            scaler.apply(s)?;
        }
        Some(scaler)
    } else {
        None
    };
    Ok(SeriesSet { channels, len, class_names, train, val, test, scaler, split, hours })
}

/// Reads a `format = "jigsaws"` config, surgeons held out.
pub fn load_jigsaws(d: &JigsawsData, seed: u64, path: Option<&Path>) -> Result<FrameSet, TrainError> {
    let root = path.unwrap_or(&d.path);
    let ds = read_jigsaws(root, &JigsawsOptions::default())?;
    let subjects: Vec<String> = ds.sequences.iter().map(|s| s.subject.clone().unwrap_or_else(|| s.id.clone())).collect();
    let holdout = if d.val_subjects.is_empty() && d.test_subjects.is_empty() {
        SubjectHoldout::Fractions { val: d.val_fraction, test: d.test_fraction }
    } else {
        SubjectHoldout::Named { val: d.val_subjects.clone(), test: d.test_subjects.clone() }
    };
    let s = subject_split(&subjects, &holdout, seed).map_err(|e| TrainError::Mismatch(format!("{}: {e}", root.display())))?;
    let (mut train, mut val, mut test) = (pick(&ds.sequences, &s.train), pick(&ds.sequences, &s.val), pick(&ds.sequences, &s.test));
    let channels = train.first().map(|t| t.channels).ok_or_else(|| TrainError::Mismatch(format!("{}: no training trials", root.display())))?;
    let scaler = if d.standardise {
        let scaler = ChannelScaler::fit(train.iter())?;
        for t in train.iter_mut().chain(val.iter_mut()).chain(test.iter_mut()) {
            scaler.apply(t)?;
        }
        Some(scaler)
    } else {
        None
    };
    let split = SplitRecord { by: "subjects".into(), train: s.train_subjects, val: s.val_subjects, test: s.test_subjects };
    Ok(FrameSet { channels, class_names: ds.class_names, train, val, test, scaler, split })
}

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
        Some(crate::examples::float_key(&self.series[i].values))
    }

    fn batch(&self, indices: &[usize], device: &Device, _augment: Option<&mut Rng>) -> Tensor<3> {
        let (c, l) = self.series.first().map_or((0, 0), |s| (s.channels, s.len));
        let mut data = Vec::with_capacity(indices.len() * c * l);
        for &i in indices {
            data.extend_from_slice(&self.series[i].values);
        }
        Tensor::from_data(TensorData::new(data, [indices.len(), c, l]), device)
    }
}

/// Several sequences padded to the longest, with their true lengths so the
/// network can drop the padded frames.
pub struct FrameBatch {
    /// `[batch, channels, max_len]`, zero-padded at the end.
    pub x: Tensor<3>,
    pub lengths: Vec<usize>,
}

/// Whole sequences for frame labelling.
pub struct FrameExamples<'a> {
    sequences: &'a [FrameSequence],
    targets: Targets,
}

impl<'a> FrameExamples<'a> {
    pub fn new(set: &FrameSet, sequences: &'a [FrameSequence]) -> Self {
        let mut labels = Vec::new();
        let mut offsets = vec![0];
        for s in sequences {
            labels.extend_from_slice(&s.frame_labels);
            offsets.push(labels.len());
        }
        Self { sequences, targets: Targets::Frames { labels, offsets, n_classes: set.class_names.len().max(2) } }
    }
}

impl Examples for FrameExamples<'_> {
    type Input = FrameBatch;

    fn len(&self) -> usize {
        self.sequences.len()
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    fn example_id(&self, i: usize) -> String {
        self.sequences[i].id.clone()
    }

    fn row_ids(&self) -> Vec<String> {
        self.sequences
            .iter()
            .flat_map(|s| s.source_frames.iter().map(move |f| format!("{}:{}", s.id, f + 1)))
            .collect()
    }

    fn batch(&self, indices: &[usize], device: &Device, _augment: Option<&mut Rng>) -> FrameBatch {
        let c = self.sequences.first().map_or(0, |s| s.channels);
        let max_len = indices.iter().map(|&i| self.sequences[i].len).max().unwrap_or(0);
        let mut data = vec![0f32; indices.len() * c * max_len];
        for (b, &i) in indices.iter().enumerate() {
            let s = &self.sequences[i];
            for ch in 0..c {
                let dst = (b * c + ch) * max_len;
                data[dst..dst + s.len].copy_from_slice(&s.values[ch * s.len..(ch + 1) * s.len]);
            }
        }
        FrameBatch {
            x: Tensor::from_data(TensorData::new(data, [indices.len(), c, max_len]), device),
            lengths: indices.iter().map(|&i| self.sequences[i].len).collect(),
        }
    }
}

/// The TCN's output for the real frames of each sequence, `[b, classes, len]` each.
fn per_sequence(model: &Tcn, input: FrameBatch) -> Vec<Tensor<2>> {
    let out = model.forward(input.x); // [b, k, max_len]
    input
        .lengths
        .iter()
        .enumerate()
        .map(|(b, &len)| out.clone().narrow(0, b, 1).narrow(2, 0, len).squeeze_dim::<2>(0))
        .collect()
}

impl Network for Tcn {
    type Input = FrameBatch;

    fn logits(&self, input: FrameBatch) -> Tensor<2> {
        let parts: Vec<Tensor<2>> = per_sequence(self, input).into_iter().map(|t| t.transpose()).collect();
        Tensor::cat(parts, 0)
    }

    /// MS-TCN's smoothing loss: the squared difference of neighbouring
    /// frames' log-probabilities, truncated at 4 (so true boundaries are not
    /// punished without limit), averaged over frames and classes. The
    /// previous frame is held fixed, as in the original.
    fn logits_and_penalty(&self, input: FrameBatch) -> (Tensor<2>, Option<Tensor<1>>) {
        let parts = per_sequence(self, input);
        let weight = self.smoothing();
        let penalty = (weight > 0.0)
            .then(|| {
                let terms: Vec<Tensor<1>> = parts
                    .iter()
                    .filter(|p| p.dims()[1] >= 2)
                    .map(|p| {
                        let logp = log_softmax(p.clone(), 0); // [k, len]
                        let len = logp.dims()[1];
                        let now = logp.clone().narrow(1, 1, len - 1);
                        let before = logp.narrow(1, 0, len - 1).detach();
                        let d = (now - before).clamp(-4.0, 4.0);
                        (d.clone() * d).mean().reshape([1])
                    })
                    .collect();
                let n = terms.len();
                (n > 0).then(|| Tensor::cat(terms, 0).sum().reshape([1]) * (weight / n as f64))
            })
            .flatten();
        let logits = Tensor::cat(parts.into_iter().map(|t| t.transpose()).collect(), 0);
        (logits, penalty)
    }
}

/// `splits.json` and, for windows cut from recordings, the hours behind
/// each split.
pub fn split_report(split: &SplitRecord, hours: Option<[f64; 3]>) -> BTreeMap<String, serde_json::Value> {
    let mut m = BTreeMap::new();
    m.insert("by".into(), serde_json::json!(split.by));
    m.insert("train".into(), serde_json::json!(split.train));
    m.insert("val".into(), serde_json::json!(split.val));
    m.insert("test".into(), serde_json::json!(split.test));
    if let Some(h) = hours {
        m.insert("recording_hours".into(), serde_json::json!({"train": h[0], "val": h[1], "test": h[2]}));
    }
    m
}
