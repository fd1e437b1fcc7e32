//! Signal datasets split by subject, ready for a model: equal-length
//! windows or series with a class each ([`SeriesSet`], eldercare) and whole
//! sequences with a class per frame ([`FrameSet`], surgery).
//!
//! Splits are by subject only: windows of one person are near copies of
//! each other, so a window-level split would test on the people the model
//! trained on. The split is recorded in `splits.json`.

use crate::missing::refuse_unobserved_channel;
use crate::sections::{JigsawsSection, SensorCsvSection, TsSection};
use crate::{
    fill_series, read_jigsaws, read_sensor_csv, read_ts_with, subject_split, ChannelScaler, FrameDataset,
    FrameSequence, JigsawsOptions, LengthPolicy, MissingPolicy, Series, SubjectHoldout, TsError,
};
use medref_core::split::split_train_val_test;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Who is in which split, written as `splits.json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SplitRecord {
    /// `subjects` (when the data has them) or `ids` per split.
    pub by: String,
    /// Training part.
    pub train: Vec<String>,
    /// Validation part (picks the best epoch).
    pub val: Vec<String>,
    /// Test part (judges the run).
    pub test: Vec<String>,
}

/// Windows or series with one class each, missing values filled.
#[derive(Debug, Clone)]
pub struct SeriesSet {
    /// Channels per time step the model sees (availability channels
    /// included under `missing = "mask"`).
    pub channels: usize,
    /// Time steps of every window or series; 0 when lengths differ (the
    /// model then pads each batch and masks the padding).
    pub len: usize,
    /// Class names in label order.
    pub class_names: Vec<String>,
    /// Training part.
    pub train: Vec<Series>,
    /// Validation part (picks the best epoch).
    pub val: Vec<Series>,
    /// Test part (judges the run).
    pub test: Vec<Series>,
    /// Channel statistics of the training split, when standardised.
    pub scaler: Option<ChannelScaler>,
    /// Who is in which split (`splits.json`).
    pub split: SplitRecord,
    /// Recording hours behind each split (sensor CSV only).
    pub hours: Option<[f64; 3]>,
    /// `data_report.json`: series per split, values filled, lengths and
    /// what was done to them (aggregates only: a published bundle keeps it).
    pub report: serde_json::Map<String, serde_json::Value>,
    /// `gaps.json`: windows lost to long gaps per subject, when the sensor
    /// CSV's time stamps were checked (kept out of published bundles, as it
    /// names subjects).
    pub gaps: Option<BTreeMap<String, usize>>,
}

/// How series are made ready for the model, from the `[data]` section.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeriesPrep {
    /// Standardise channels with the training split's statistics.
    pub standardise: bool,
    /// What to do with missing values.
    pub missing: MissingPolicy,
    /// Fixed or free lengths.
    pub lengths: LengthPolicy,
}

/// Sequences with a class per frame.
#[derive(Debug, Clone)]
pub struct FrameSet {
    /// Channels per time step.
    pub channels: usize,
    /// Class names in label order.
    pub class_names: Vec<String>,
    /// Training part.
    pub train: Vec<FrameSequence>,
    /// Validation part (picks the best epoch).
    pub val: Vec<FrameSequence>,
    /// Test part (judges the run).
    pub test: Vec<FrameSequence>,
    /// Channel statistics of the training split, when standardised.
    pub scaler: Option<ChannelScaler>,
    /// Who is in which split (`splits.json`).
    pub split: SplitRecord,
}

fn pick<T: Clone>(items: &[T], idx: &[usize]) -> Vec<T> {
    idx.iter().map(|&i| items[i].clone()).collect()
}

/// Reads a `format = "ts"` config: the training file, and the official
/// test file or a stratified split of the training file.
pub fn load_ts(d: &TsSection, seed: u64, path: Option<&Path>) -> Result<SeriesSet, TsError> {
    let main_path = path.unwrap_or(&d.path);
    let train_file = read_ts_with(main_path, d.missing)?;
    let labels: Vec<u32> = train_file.labels().iter().map(|&l| l as u32).collect();
    let (train, val, test) = match &d.test_path {
        Some(tp) => {
            let test_file = read_ts_with(tp, d.missing)?;
            if test_file.class_names != train_file.class_names {
                return Err(TsError::Mismatch(format!(
                    "{}: its classes differ from those of {} ({} vs {} classes)",
                    tp.display(),
                    main_path.display(),
                    test_file.class_names.len(),
                    train_file.class_names.len()
                )));
            }
            let s = split_train_val_test(&labels, 1, d.val_fraction, 0.0, seed).map_err(TsError::Mismatch)?;
            (pick(&train_file.series, &s.train), pick(&train_file.series, &s.val), test_file.series)
        }
        None => {
            let s =
                split_train_val_test(&labels, 1, d.val_fraction, d.test_fraction, seed).map_err(TsError::Mismatch)?;
            (pick(&train_file.series, &s.train), pick(&train_file.series, &s.val), pick(&train_file.series, &s.test))
        }
    };
    let ids = |v: &[Series]| v.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    let split = SplitRecord { by: "ids".into(), train: ids(&train), val: ids(&val), test: ids(&test) };
    let prep = SeriesPrep { standardise: d.standardise, missing: d.missing, lengths: d.length_policy() };
    finish_series([train, val, test], train_file.class_names, prep, split, None, main_path)
}

/// Reads a `format = "sensor_csv"` config: windows per subject, subjects
/// held out for validation and test.
pub fn load_sensor_csv(d: &SensorCsvSection, seed: u64, path: Option<&Path>) -> Result<SeriesSet, TsError> {
    let main_path = path.unwrap_or(&d.path);
    let windows = read_sensor_csv(main_path, &d.spec()?)?;
    let mut series = windows.dataset.series;
    d.add_magnitude(&mut series)?;
    let subjects: Vec<String> = series.iter().map(|s| s.subject.clone().unwrap_or_default()).collect();
    let holdout = if d.val_subjects.is_empty() && d.test_subjects.is_empty() {
        SubjectHoldout::Fractions { val: d.val_fraction, test: d.test_fraction }
    } else {
        SubjectHoldout::Named { val: d.val_subjects.clone(), test: d.test_subjects.clone() }
    };
    let s = subject_split(&subjects, &holdout, seed)
        .map_err(|e| TsError::Mismatch(format!("{}: {e}", main_path.display())))?;
    let hours_of = |names: &[String]| -> f64 {
        windows.recordings.iter().filter(|r| names.contains(&r.subject)).map(|r| r.duration_seconds).sum::<f64>()
            / 3600.0
    };
    let hours = [hours_of(&s.train_subjects), hours_of(&s.val_subjects), hours_of(&s.test_subjects)];
    let split = SplitRecord {
        by: "subjects".into(),
        train: s.train_subjects.clone(),
        val: s.val_subjects.clone(),
        test: s.test_subjects.clone(),
    };
    let prep = SeriesPrep { standardise: d.standardise, missing: d.missing, lengths: LengthPolicy::default() };
    let parts = [pick(&series, &s.train), pick(&series, &s.val), pick(&series, &s.test)];
    let mut set = finish_series(parts, windows.dataset.class_names, prep, split, Some(hours), main_path)?;
    if d.sampling_hz.is_some() || d.max_gap_seconds.is_some() {
        set.report.insert("gap_samples_inserted".into(), windows.gap_samples_inserted.into());
        let short = windows.recordings.iter().filter(|r| r.windows == 0).count();
        set.report.insert("recordings_shorter_than_a_window".into(), short.into());
        let dropped = &windows.windows_dropped_at_gaps;
        for (name, subjects) in SPLITS.iter().zip([&s.train_subjects, &s.val_subjects, &s.test_subjects]) {
            let n: usize = subjects.iter().filter_map(|subject| dropped.get(subject)).sum();
            set.report.insert(format!("{name}_windows_dropped_at_gaps"), n.into());
        }
        set.gaps = Some(windows.windows_dropped_at_gaps);
    }
    Ok(set)
}

const SPLITS: [&str; 3] = ["train", "val", "test"];

/// Fixes lengths, scales, fills missing values (adding availability
/// channels under `mask`) and records what was done, split by split.
/// `path` names the data in errors.
fn finish_series(
    mut parts: [Vec<Series>; 3],
    class_names: Vec<String>,
    prep: SeriesPrep,
    split: SplitRecord,
    hours: Option<[f64; 3]>,
    path: &Path,
) -> Result<SeriesSet, TsError> {
    let mut report = serde_json::Map::new();
    for (name, part) in SPLITS.iter().zip(&mut parts) {
        report.insert(format!("{name}_rows"), part.len().into());
        let resized = part.iter_mut().map(|s| prep.lengths.apply(s)).filter(|&changed| changed).count();
        if prep.lengths.resample.is_some() || prep.lengths.max_length.is_some() {
            report.insert(format!("{name}_series_resized"), resized.into());
        }
        if let Some(l) = crate::LengthSummary::of(part) {
            report.insert(format!("{name}_length_min"), l.min.into());
            report.insert(format!("{name}_length_median"), l.median.into());
            report.insert(format!("{name}_length_max"), l.max.into());
        }
    }
    let [train, val, test] = &mut parts;
    let first = train
        .first()
        .ok_or_else(|| TsError::Mismatch(format!("{}: no training series after the split", path.display())))?;
    let signal_channels = first.channels;
    let len = first.len;
    let equal = train.iter().chain(val.iter()).chain(test.iter()).all(|s| s.len == len);
    for s in train.iter().chain(val.iter()).chain(test.iter()) {
        if s.channels != signal_channels {
            return Err(TsError::Mismatch(format!(
                "{}: series `{}` has {} channels, others {signal_channels}",
                path.display(),
                s.id,
                s.channels
            )));
        }
        refuse_unobserved_channel(path, s)?;
    }
    report.insert("lengths".into(), prep.lengths.describe(equal).into());
    report.insert("missing".into(), prep.missing.name().into());
    let scaler = if prep.standardise {
        // Missing values are skipped: statistics of observed samples only.
        let scaler = ChannelScaler::fit(train.iter())?;
        for s in train.iter_mut().chain(val.iter_mut()).chain(test.iter_mut()) {
            scaler.apply(s)?;
        }
        Some(scaler)
    } else {
        None
    };
    for (name, part) in SPLITS.iter().zip(&mut parts) {
        let filled: usize = part.iter_mut().map(|s| fill_series(s, prep.missing)).sum();
        report.insert(format!("{name}_filled_values"), filled.into());
    }
    let [train, val, test] = parts;
    let channels = prep.missing.model_channels(signal_channels);
    let len = if equal { len } else { 0 };
    Ok(SeriesSet { channels, len, class_names, train, val, test, scaler, split, hours, report, gaps: None })
}

/// Reads a `format = "jigsaws"` config, surgeons held out.
pub fn load_jigsaws(d: &JigsawsSection, seed: u64, path: Option<&Path>) -> Result<FrameSet, TsError> {
    let root = path.unwrap_or(&d.path);
    let ds = read_jigsaws(root, &JigsawsOptions::default())?;
    let holdout = if d.val_subjects.is_empty() && d.test_subjects.is_empty() {
        SubjectHoldout::Fractions { val: d.val_fraction, test: d.test_fraction }
    } else {
        SubjectHoldout::Named { val: d.val_subjects.clone(), test: d.test_subjects.clone() }
    };
    split_frames(ds, &holdout, FramePrep { standardise: d.standardise, centre_trials: d.centre_trials }, seed, root)
}

/// How frame sequences are scaled before the network sees them.
#[derive(Debug, Clone, Copy)]
pub struct FramePrep {
    /// Each channel standardised with the training split's statistics.
    pub standardise: bool,
    /// Each trial first centred on its own channel means ([`crate::centring`]).
    pub centre_trials: bool,
}

/// Holds out whole subjects (surgeons, or videos where a sequence has no
/// subject) of frame-labelled sequences, and standardises channels with
/// the training split's statistics when asked. `source` names the data in
/// errors.
pub fn split_frames(
    ds: FrameDataset,
    holdout: &SubjectHoldout,
    prep: FramePrep,
    seed: u64,
    source: &Path,
) -> Result<FrameSet, TsError> {
    let root = source;
    let subjects: Vec<String> =
        ds.sequences.iter().map(|s| s.subject.clone().unwrap_or_else(|| s.id.clone())).collect();
    let s =
        subject_split(&subjects, holdout, seed).map_err(|e| TsError::Mismatch(format!("{}: {e}", root.display())))?;
    let (mut train, mut val, mut test) =
        (pick(&ds.sequences, &s.train), pick(&ds.sequences, &s.val), pick(&ds.sequences, &s.test));
    let channels = train
        .first()
        .map(|t| t.channels)
        .ok_or_else(|| TsError::Mismatch(format!("{}: no training trials", root.display())))?;
    if prep.centre_trials {
        train.iter_mut().chain(val.iter_mut()).chain(test.iter_mut()).for_each(crate::centring::centre_channels);
    }
    // The scaler is fitted on centred trials and then centres too, which
    // changes nothing here and makes prediction centre new trials.
    let scaler = match (prep.standardise, prep.centre_trials) {
        (true, centre_each) => Some(ChannelScaler { centre_each, ..ChannelScaler::fit(train.iter())? }),
        (false, true) => Some(ChannelScaler::centring(channels)),
        (false, false) => None,
    };
    if let Some(scaler) = &scaler {
        for t in train.iter_mut().chain(val.iter_mut()).chain(test.iter_mut()) {
            scaler.apply(t)?;
        }
    }
    let split =
        SplitRecord { by: "subjects".into(), train: s.train_subjects, val: s.val_subjects, test: s.test_subjects };
    Ok(FrameSet { channels, class_names: ds.class_names, train, val, test, scaler, split })
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
