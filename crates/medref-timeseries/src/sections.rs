//! The `[data]` sections of the signal and kinematics formats (`ts`,
//! `sensor_csv`, `jigsaws`): the options their dataset assembly takes,
//! parsed straight from the config.

use crate::{add_magnitude, LengthPolicy, MissingPolicy, SensorCsvSpec, Series, Truncate, TsError};
use medref_core::config::defaults::{default_fraction, default_label_column, default_subject_fraction, yes};
use medref_core::config::{check_holdout_fractions, invalid, DataSection};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// UEA/sktime `.ts` series (BasicMotions and the rest of the archive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsSection {
    /// The training file (`*_TRAIN.ts`).
    pub path: PathBuf,
    /// The official test file (`*_TEST.ts`); without it, test cases are
    /// split off `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_path: Option<PathBuf>,
    /// Share of the training cases held out (stratified) for validation.
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    /// Share held out for test.
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
    /// Standardise each channel with statistics of the training cases.
    #[serde(default = "yes")]
    pub standardise: bool,
    /// What to do with `?` / `NaN` values (default `interpolate`).
    #[serde(default)]
    pub missing: MissingPolicy,
    /// Interpolate every series linearly to this many steps (for users who
    /// want one fixed length); without it, and without `max_length`, series
    /// keep their lengths and each batch is padded and masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resample: Option<usize>,
    /// Cut series longer than this many steps (shorter ones are padded per
    /// batch and masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Which part `max_length` keeps: `start` (the first steps) or `centre`.
    #[serde(default)]
    pub truncate: Truncate,
}

impl TsSection {
    /// The section's `resample`, `max_length` and `truncate`.
    pub fn length_policy(&self) -> LengthPolicy {
        LengthPolicy { resample: self.resample, max_length: self.max_length, truncate: self.truncate }
    }
}

/// Sensor streams in one long CSV (timestamp, channels..., subject, label).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorCsvSection {
    /// The file (or folder) the data is read from.
    pub path: PathBuf,
    /// Column of sample times (in units of `seconds_per_unit`).
    #[serde(default = "default_timestamp_column")]
    pub timestamp_column: String,
    /// Channel columns in input order; empty: every other column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// Column naming the person each sample comes from.
    #[serde(default = "default_subject_column")]
    pub subject_column: String,
    /// Column holding the class label.
    #[serde(default = "default_label_column")]
    pub label_column: String,
    /// Seconds per timestamp unit (0.001 for milliseconds).
    #[serde(default = "default_seconds_per_unit")]
    pub seconds_per_unit: f64,
    /// Samples per window.
    #[serde(default = "default_window")]
    pub window: usize,
    /// Samples between window starts.
    #[serde(default = "default_stride")]
    pub stride: usize,
    /// `majority`, `last`, or `any:<label>` (binary detection, e.g. `any:fall`).
    #[serde(default = "default_label_rule")]
    pub label_rule: String,
    /// Class names in output order (`majority`/`last`); default: every label found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_names: Vec<String>,
    /// Subjects held out for validation and test; without them, fractions
    /// of the subjects are drawn with the seed. Never split by window: a
    /// person's windows are nearly copies of each other.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub val_subjects: Vec<String>,
    /// Subjects held out for test.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_subjects: Vec<String>,
    /// Share held out for validation.
    #[serde(default = "default_subject_fraction")]
    pub val_fraction: f64,
    /// Share held out for test.
    #[serde(default = "default_subject_fraction")]
    pub test_fraction: f64,
    /// Channel indices whose Euclidean norm is added as one more channel
    /// (e.g. `[0, 1, 2]` for an accelerometer's magnitude, which does not
    /// depend on how the watch is worn).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub magnitude: Vec<usize>,
    /// Standardise each channel with statistics of the training split.
    #[serde(default = "yes")]
    pub standardise: bool,
    /// What to do with empty, `NaN` or `?` channel cells and with samples
    /// lost in short gaps (default `interpolate`, within each window).
    #[serde(default)]
    pub missing: MissingPolicy,
    /// The sensor's sampling rate; with it, time stamps are checked and
    /// gaps found (see `max_gap_seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling_hz: Option<f64>,
    /// Gaps up to this long are filled by `missing`; a longer gap ends the
    /// recording, and windows that would straddle it are dropped (counted
    /// per split in `data_report.json`, per subject in `gaps.json`), as is
    /// a piece shorter than one window. Without `sampling_hz`, only the
    /// split at long gaps applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_gap_seconds: Option<f64>,
}

/// JIGSAWS layout: `<path>/kinematics/<trial>.txt` (or
/// `kinematics/AllGestures/`) and `<path>/transcriptions/<trial>.txt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JigsawsSection {
    /// The file (or folder) the data is read from.
    pub path: PathBuf,
    /// Surgeons (trial-name letters, `B`, `C`, ...) held out; without them,
    /// fractions of the surgeons are drawn with the seed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub val_subjects: Vec<String>,
    /// Subjects held out for test.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_subjects: Vec<String>,
    /// Share held out for validation.
    #[serde(default = "default_subject_fraction")]
    pub val_fraction: f64,
    /// Share held out for test.
    #[serde(default = "default_subject_fraction")]
    pub test_fraction: f64,
    /// Standardise each channel with statistics of the training split.
    #[serde(default = "yes")]
    pub standardise: bool,
    /// Centre each trial on its own channel means first, removing a
    /// surgeon's constant offsets that a few training surgeons cannot
    /// teach the network to ignore (`medref_timeseries::centring`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub centre_trials: bool,
}

fn default_timestamp_column() -> String {
    "timestamp".into()
}
fn default_subject_column() -> String {
    "subject".into()
}
fn default_seconds_per_unit() -> f64 {
    1.0
}
fn default_window() -> usize {
    50
}
fn default_stride() -> usize {
    25
}
fn default_label_rule() -> String {
    "majority".into()
}

impl DataSection for TsSection {
    fn path(&self) -> &Path {
        &self.path
    }
    fn inputs(&self) -> Vec<&Path> {
        std::iter::once(&self.path).chain(&self.test_path).map(PathBuf::as_path).collect()
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.resample == Some(0) || self.max_length == Some(0) {
            return invalid("[data]", "resample and max_length must be at least 1 step");
        }
        if self.resample.is_some() && self.max_length.is_some() {
            return invalid("[data]", "set resample or max_length, not both (resampling already fixes the length)");
        }
        // With a test file only `val_fraction` is drawn; the check is the same.
        check_holdout_fractions(self.val_fraction, if self.test_path.is_some() { 0.0 } else { self.test_fraction })
    }
}

impl SensorCsvSection {
    /// How the reader cuts the file into windows, as this section says.
    pub fn spec(&self) -> Result<SensorCsvSpec, TsError> {
        let rule = self.label_rule.parse().map_err(|e: String| TsError::Mismatch(format!("[data].label_rule: {e}")))?;
        Ok(SensorCsvSpec {
            timestamp_column: self.timestamp_column.clone(),
            channel_columns: self.channels.clone(),
            subject_column: self.subject_column.clone(),
            label_column: self.label_column.clone(),
            seconds_per_unit: self.seconds_per_unit,
            window: self.window,
            stride: self.stride,
            label_rule: rule,
            class_names: (!self.class_names.is_empty()).then(|| self.class_names.clone()),
            missing: self.missing,
            sampling_hz: self.sampling_hz,
            max_gap_seconds: self.max_gap_seconds,
            // A long gap may leave a piece shorter than a window: skipped,
            // and counted in data_report.json.
            drop_short_recordings: self.sampling_hz.is_some() || self.max_gap_seconds.is_some(),
            ..SensorCsvSpec::default()
        })
    }

    /// Adds the configured magnitude channel to every window.
    pub fn add_magnitude(&self, series: &mut [Series]) -> Result<(), TsError> {
        if self.magnitude.is_empty() {
            return Ok(());
        }
        for s in series {
            add_magnitude(s, &self.magnitude).map_err(|e| TsError::Mismatch(format!("[data].magnitude: {e}")))?;
        }
        Ok(())
    }
}

impl DataSection for SensorCsvSection {
    fn path(&self) -> &Path {
        &self.path
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.window == 0 || self.stride == 0 {
            return invalid("[data]", "window and stride must be at least 1");
        }
        if self.sampling_hz.is_some_and(|hz| !(hz.is_finite() && hz > 0.0)) {
            return invalid("[data].sampling_hz", "must be a positive number of samples per second");
        }
        if self.max_gap_seconds.is_some_and(|g| !(g.is_finite() && g >= 0.0)) {
            return invalid("[data].max_gap_seconds", "must be a number of seconds, 0 or more");
        }
        if self.max_gap_seconds.unwrap_or(0.0) * self.sampling_hz.unwrap_or(0.0) > 100_000.0 {
            return invalid("[data].max_gap_seconds", "fills at most 100000 samples per gap (x sampling_hz)");
        }
        check_holdout_fractions(self.val_fraction, self.test_fraction)
    }
}

impl DataSection for JigsawsSection {
    fn path(&self) -> &Path {
        &self.path
    }
    fn validate(&self) -> Result<(), (String, String)> {
        check_holdout_fractions(self.val_fraction, self.test_fraction)
    }
}
