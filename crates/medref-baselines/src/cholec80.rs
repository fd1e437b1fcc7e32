//! `format = "cholec80"`: surgical phase recognition from Cholec80
//! annotations and per-frame features, trained by the surgery baseline
//! (the TCN); videos are held out whole.

use crate::surgery::Surgery;
use medref_core::config::defaults::{default_subject_fraction, one, yes};
use medref_core::config::{Config, DataSection};
use medref_timeseries::split_sets::split_frames;
use medref_timeseries::{read_cholec80, Cholec80Options, FrameSet, SubjectHoldout};
use medref_train::{DataFormat, RunInfo, TrainError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The registry's entry for this format.
pub struct Cholec80;

impl DataFormat for Cholec80 {
    type Baseline = Surgery;
    type Section = Cholec80Section;
    const FORMAT: &'static str = "cholec80";
    const READS_FOLDER: bool = true;
    fn load(config: &Config, d: &Cholec80Section, path: Option<&Path>) -> Result<FrameSet, TrainError> {
        Ok(load_cholec80(d, path.unwrap_or(&d.path), config.seed)?)
    }
    /// One video's per-frame features (`.npy` or CSV): one row per kept
    /// feature row with its predicted phase.
    fn read_new(run: &RunInfo, d: &Cholec80Section, input: &Path) -> Result<FrameSet, TrainError> {
        let table = medref_timeseries::cholec80::read_frame_features(input, false)?;
        crate::surgery::frames_to_score(run, input, &table, d.subsample)
    }
}

fn load_cholec80(d: &Cholec80Section, root: &Path, seed: u64) -> Result<FrameSet, medref_timeseries::TsError> {
    let options = Cholec80Options {
        class_names: (!d.phases.is_empty()).then(|| d.phases.clone()),
        annotation_frames_per_row: d.annotation_frames_per_row,
        subsample: d.subsample,
        csv_header: false,
    };
    let videos = read_cholec80(root, &options)?;
    let holdout = if d.val_videos.is_empty() && d.test_videos.is_empty() {
        SubjectHoldout::Fractions { val: d.val_fraction, test: d.test_fraction }
    } else {
        SubjectHoldout::Named { val: d.val_videos.clone(), test: d.test_videos.clone() }
    };
    let prep = medref_timeseries::split_sets::FramePrep { standardise: d.standardise, centre_trials: false };
    split_frames(videos, &holdout, prep, seed, root)
}

/// Videos are held out whole: frames of one operation are near copies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cholec80Section {
    /// Holds `phase_annotations/` and `features/`.
    pub path: PathBuf,
    /// Annotation frames per feature row: 25 for features at 1 fps of the
    /// 25 fps videos, 1 for features of every frame.
    #[serde(default = "default_frames_per_row")]
    pub annotation_frames_per_row: usize,
    /// Keep every k-th feature row.
    #[serde(default = "one")]
    pub subsample: usize,
    /// Phase names in class order (default: the seven Cholec80 phases).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<String>,
    /// Videos (`video01`, ...) held out; without them, fractions of the
    /// videos are drawn with the seed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub val_videos: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_videos: Vec<String>,
    #[serde(default = "default_subject_fraction")]
    pub val_fraction: f64,
    #[serde(default = "default_subject_fraction")]
    pub test_fraction: f64,
    #[serde(default = "yes")]
    pub standardise: bool,
}

fn default_frames_per_row() -> usize {
    25
}

impl DataSection for Cholec80Section {
    fn path(&self) -> &Path {
        &self.path
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.annotation_frames_per_row == 0 || self.subsample == 0 {
            return Err(("[data]".into(), "annotation_frames_per_row and subsample must be at least 1".into()));
        }
        Ok(())
    }
}
