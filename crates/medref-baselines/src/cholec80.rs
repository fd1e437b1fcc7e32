//! `format = "cholec80"`: surgical phase recognition from Cholec80
//! annotations and per-frame features, trained by the surgery baseline
//! (the TCN); videos are held out whole.

use crate::surgery::Surgery;
use medref_core::config::{Cholec80Data, Config, DataConfig};
use medref_timeseries::split_sets::split_frames;
use medref_timeseries::{read_cholec80, Cholec80Options, FrameSet, SubjectHoldout};
use medref_train::{DataFormat, TrainError};
use std::path::Path;

/// The registry's entry for this format.
pub struct Cholec80;

impl DataFormat for Cholec80 {
    type Baseline = Surgery;
    const FORMAT: &'static str = "cholec80";
    fn load(config: &Config, path: Option<&Path>) -> Result<FrameSet, TrainError> {
        let DataConfig::Cholec80(d) = &config.data else { return Err(crate::wrong_section(config)) };
        Ok(load_cholec80(d, path.unwrap_or(&d.path), config.seed)?)
    }
}

fn load_cholec80(d: &Cholec80Data, root: &Path, seed: u64) -> Result<FrameSet, medref_timeseries::TsError> {
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
    split_frames(videos, &holdout, d.standardise, seed, root)
}
