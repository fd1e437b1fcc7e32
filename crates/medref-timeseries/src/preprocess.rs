//! Preprocessing that must respect subjects: per-channel standardisation
//! fitted on training subjects only, resampling, a magnitude channel, and
//! leave-subjects-out splits.
//!
//! Windows of one wearer are strongly correlated; a split that puts a
//! subject's windows on both sides, or a scaler fitted on test subjects,
//! reports accuracy that will not hold on a new resident or surgeon.

use std::collections::{BTreeSet, HashMap};

use medref_core::seed::Rng;
use serde::{Deserialize, Serialize};

use crate::error::TsError;
use crate::series::{natural_cmp, FrameSequence, Series, SeriesDataset, Signal};

/// Per-channel mean and standard deviation, `[channels]` each, applied as
/// `(x - mean) / std`. Saved beside a model so inference scales the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelScaler {
    /// Mean of each channel over the fitting data.
    pub mean: Vec<f32>,
    /// Population standard deviation of each channel; 1 where the channel
    /// was constant (or all missing), so it is only centred.
    pub std: Vec<f32>,
    /// Subtract each signal's own channel means before scaling (the
    /// statistics above are then those of centred signals): what a run
    /// with `centre_trials` did, so prediction does it too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub centre_each: bool,
}

impl ChannelScaler {
    /// Fits on `signals`, which should be the training subjects' only.
    /// NaN (missing) values are skipped; a channel with no value gets mean 0
    /// and std 1. Errors when there is no signal or channel counts differ.
    pub fn fit<'a, S: Signal + 'a>(signals: impl IntoIterator<Item = &'a S>) -> Result<Self, TsError> {
        // Welford's running mean and sum of squared deviations, per channel.
        let mut acc: Vec<(u64, f64, f64)> = Vec::new();
        let mut first = true;
        for s in signals {
            if first {
                acc = vec![(0, 0.0, 0.0); s.channels()];
                first = false;
            } else if s.channels() != acc.len() {
                return Err(TsError::Invalid(format!(
                    "cannot fit a channel scaler: a signal has {} channels, the first had {}",
                    s.channels(),
                    acc.len()
                )));
            }
            for (c, (n, mean, m2)) in acc.iter_mut().enumerate() {
                for &v in s.channel(c) {
                    if !v.is_nan() {
                        let v = v as f64;
                        *n += 1;
                        let delta = v - *mean;
                        *mean += delta / *n as f64;
                        *m2 += delta * (v - *mean);
                    }
                }
            }
        }
        if first {
            return Err(TsError::Invalid(
                "cannot fit a channel scaler on no signals (is the training split empty?)".into(),
            ));
        }
        let (mut mean, mut std) = (Vec::new(), Vec::new());
        for &(n, m, m2) in &acc {
            if n == 0 {
                mean.push(0.0);
                std.push(1.0);
                continue;
            }
            let sd = (m2 / n as f64).max(0.0).sqrt();
            mean.push(m as f32);
            // Below f32 resolution of the mean: a constant channel.
            std.push(if sd > 1e-7 * m.abs().max(1.0) { sd as f32 } else { 1.0 });
        }
        Ok(Self { mean, std, centre_each: false })
    }

    /// A scaler that only centres each signal on its own means.
    pub fn centring(channels: usize) -> Self {
        Self { mean: vec![0.0; channels], std: vec![1.0; channels], centre_each: true }
    }

    /// Scales `signal` in place. Errors when its channel count differs.
    pub fn apply<S: Signal>(&self, signal: &mut S) -> Result<(), TsError> {
        if signal.channels() != self.mean.len() {
            return Err(TsError::Invalid(format!(
                "the scaler was fitted on {} channels but the signal has {}",
                self.mean.len(),
                signal.channels()
            )));
        }
        if self.centre_each {
            crate::centring::centre_channels(signal);
        }
        let len = signal.len();
        for (c, chunk) in signal.values_mut().chunks_mut(len.max(1)).enumerate() {
            let (m, s) = (self.mean[c], self.std[c]);
            for v in chunk {
                *v = (*v - m) / s;
            }
        }
        Ok(())
    }

    /// Scales every signal in place.
    pub fn apply_all<'a, S: Signal + 'a>(&self, signals: impl IntoIterator<Item = &'a mut S>) -> Result<(), TsError> {
        signals.into_iter().try_for_each(|s| self.apply(s))
    }
}

/// Linear interpolation of `[channels, len]` values sampled at `from_hz`
/// onto a grid at `to_hz` starting at the same instant. Returns the values
/// `[channels, new_len]` and `new_len = floor((len - 1) * to_hz / from_hz) + 1`
/// (the last output sample never lies past the last input one). NaN
/// neighbours give NaN.
pub fn resample_linear(
    values: &[f32],
    channels: usize,
    len: usize,
    from_hz: f64,
    to_hz: f64,
) -> Result<(Vec<f32>, usize), TsError> {
    let positions = resample_positions(len, from_hz, to_hz)?;
    if values.len() != channels * len {
        return Err(TsError::Invalid(format!("{} values do not fill [channels {channels}, len {len}]", values.len())));
    }
    let new_len = positions.len();
    let mut out = Vec::with_capacity(channels * new_len);
    for c in 0..channels {
        let x = &values[c * len..(c + 1) * len];
        for &p in &positions {
            let i = (p.floor() as usize).min(len - 1);
            let frac = (p - i as f64) as f32;
            let v = if i + 1 < len && frac > 0.0 { x[i] + (x[i + 1] - x[i]) * frac } else { x[i] };
            out.push(v);
        }
    }
    Ok((out, new_len))
}

/// Input positions (in input samples) of the output grid.
fn resample_positions(len: usize, from_hz: f64, to_hz: f64) -> Result<Vec<f64>, TsError> {
    if !(from_hz.is_finite() && from_hz > 0.0 && to_hz.is_finite() && to_hz > 0.0) {
        return Err(TsError::Invalid(format!("sampling rates must be positive (from {from_hz} Hz to {to_hz} Hz)")));
    }
    if len == 0 {
        return Err(TsError::Invalid("cannot resample an empty signal".into()));
    }
    let ratio = from_hz / to_hz;
    // Small tolerance so 100 samples at 50 Hz -> 25 Hz gives exactly 50.
    let new_len = (((len - 1) as f64 / ratio) + 1e-9).floor() as usize + 1;
    Ok((0..new_len).map(|j| j as f64 * ratio).collect())
}

/// A [`Series`] resampled from `from_hz` to `to_hz` ([`resample_linear`]).
pub fn resample_series(series: &Series, from_hz: f64, to_hz: f64) -> Result<Series, TsError> {
    let (values, len) = resample_linear(&series.values, series.channels, series.len, from_hz, to_hz)?;
    Ok(Series { values, len, ..series.clone() })
}

/// A [`FrameSequence`] resampled from `from_hz` to `to_hz`: values by
/// linear interpolation, frame labels and source frames from the nearest
/// input frame (labels cannot be interpolated).
pub fn resample_frames(sequence: &FrameSequence, from_hz: f64, to_hz: f64) -> Result<FrameSequence, TsError> {
    let (values, len) = resample_linear(&sequence.values, sequence.channels, sequence.len, from_hz, to_hz)?;
    let nearest: Vec<usize> = resample_positions(sequence.len, from_hz, to_hz)?
        .iter()
        .map(|p| (p.round() as usize).min(sequence.len - 1))
        .collect();
    Ok(FrameSequence {
        values,
        len,
        frame_labels: nearest.iter().map(|&i| sequence.frame_labels[i]).collect(),
        source_frames: nearest.iter().map(|&i| sequence.source_frames[i]).collect(),
        ..sequence.clone()
    })
}

/// Appends the Euclidean norm of the channels in `group` as a new last
/// channel, e.g. `[0, 1, 2]` for an accelerometer's x, y, z: the
/// magnitude does not depend on how the device is worn.
pub fn add_magnitude<S: Signal>(signal: &mut S, group: &[usize]) -> Result<(), TsError> {
    if group.is_empty() || group.iter().any(|&c| c >= signal.channels()) {
        return Err(TsError::Invalid(format!(
            "magnitude group {group:?} must name channels below {}",
            signal.channels()
        )));
    }
    let magnitude: Vec<f32> =
        (0..signal.len()).map(|t| group.iter().map(|&c| signal.channel(c)[t].powi(2)).sum::<f32>().sqrt()).collect();
    signal.push_channel(&magnitude);
    Ok(())
}

/// [`add_magnitude`] on every series of a dataset, naming the new channel
/// `name` in `channel_names`.
pub fn add_magnitude_channel(dataset: &mut SeriesDataset, group: &[usize], name: &str) -> Result<(), TsError> {
    for s in &mut dataset.series {
        add_magnitude(s, group)?;
    }
    dataset.channel_names.push(name.to_string());
    Ok(())
}

/// Which subjects to hold out.
#[derive(Debug, Clone, PartialEq)]
pub enum SubjectHoldout {
    /// These subjects for validation and these for test; the rest train.
    Named {
        /// Validation subjects.
        val: Vec<String>,
        /// Test subjects.
        test: Vec<String>,
    },
    /// Fractions of the *subjects* (not of the items), drawn with the seed;
    /// each non-zero fraction gets at least one subject.
    Fractions {
        /// Fraction of subjects for validation, `0 <= val < 1`.
        val: f64,
        /// Fraction of subjects for test, `0 <= test < 1`.
        test: f64,
    },
}

/// Item indices per split, and the subjects behind them. No subject is in
/// two splits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubjectSplit {
    /// Items of training subjects, in input order.
    pub train: Vec<usize>,
    /// Items of validation subjects, in input order.
    pub val: Vec<usize>,
    /// Items of test subjects, in input order.
    pub test: Vec<usize>,
    /// Training subjects, natural order.
    pub train_subjects: Vec<String>,
    /// Validation subjects, natural order.
    pub val_subjects: Vec<String>,
    /// Test subjects, natural order.
    pub test_subjects: Vec<String>,
}

fn distinct_sorted<S: AsRef<str>>(subjects: &[S]) -> Vec<String> {
    let mut v: Vec<String> =
        subjects.iter().map(|s| s.as_ref().to_string()).collect::<BTreeSet<_>>().into_iter().collect();
    v.sort_by(|a, b| natural_cmp(a, b));
    v
}

fn assign<S: AsRef<str>>(subjects: &[S], split_of: &HashMap<String, u8>) -> SubjectSplit {
    let mut out = SubjectSplit::default();
    for (i, s) in subjects.iter().enumerate() {
        match split_of.get(s.as_ref()).copied().unwrap_or(0) {
            1 => out.val.push(i),
            2 => out.test.push(i),
            _ => out.train.push(i),
        }
    }
    for subject in distinct_sorted(subjects) {
        match split_of.get(&subject).copied().unwrap_or(0) {
            1 => out.val_subjects.push(subject),
            2 => out.test_subjects.push(subject),
            _ => out.train_subjects.push(subject),
        }
    }
    out
}

/// Splits items by subject (`subjects[i]` is item `i`'s subject) so that
/// every subject's items land in exactly one of train, validation, test.
///
/// Errors: a named subject absent from the data or named for both
/// validation and test, fractions outside `[0, 1)`, or a split that leaves
/// no training subject.
pub fn subject_split<S: AsRef<str>>(
    subjects: &[S],
    holdout: &SubjectHoldout,
    seed: u64,
) -> Result<SubjectSplit, TsError> {
    let distinct = distinct_sorted(subjects);
    let mut split_of: HashMap<String, u8> = HashMap::new();
    match holdout {
        SubjectHoldout::Named { val, test } => {
            for (names, code) in [(val, 1u8), (test, 2u8)] {
                for name in names {
                    if !distinct.contains(name) {
                        return Err(TsError::Invalid(format!(
                            "held-out subject `{name}` is not in the data ({} subjects: {})",
                            distinct.len(),
                            distinct.join(", ")
                        )));
                    }
                    if split_of.insert(name.clone(), code).is_some_and(|c| c != code) {
                        return Err(TsError::Invalid(format!(
                            "subject `{name}` is named for both validation and test"
                        )));
                    }
                }
            }
        }
        SubjectHoldout::Fractions { val, test } => {
            medref_core::split::check_holdout(*val, *test)
                .map_err(|m| TsError::Invalid(format!("subject fractions: {m}")))?;
            let n = distinct.len();
            let count = |f: f64| {
                if f > 0.0 {
                    ((f * n as f64).round() as usize).max(1)
                } else {
                    0
                }
            };
            let (n_val, n_test) = (count(*val), count(*test));
            if n_val + n_test >= n {
                return Err(TsError::Invalid(format!(
                    "{n} subjects cannot give {n_val} validation and {n_test} test subjects and \
                     still leave one for training"
                )));
            }
            let mut order = distinct.clone();
            Rng::derive(seed, "subject_split").shuffle(&mut order);
            for (k, subject) in order.into_iter().enumerate() {
                let code = if k < n_test {
                    2
                } else if k < n_test + n_val {
                    1
                } else {
                    0
                };
                split_of.insert(subject, code);
            }
        }
    }
    let split = assign(subjects, &split_of);
    if split.train_subjects.is_empty() {
        return Err(TsError::Invalid("every subject is held out; leave at least one for training".into()));
    }
    Ok(split)
}

/// One split per subject, that subject as test and all others as train
/// (no validation): leave-one-user-out, the JIGSAWS protocol.
pub fn leave_one_subject_out<S: AsRef<str>>(subjects: &[S]) -> Vec<SubjectSplit> {
    distinct_sorted(subjects)
        .into_iter()
        .map(|held_out| {
            let split_of = HashMap::from([(held_out, 2u8)]);
            assign(subjects, &split_of)
        })
        .collect()
}

#[cfg(test)]
mod tests;
