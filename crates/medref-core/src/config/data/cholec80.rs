//! `format = "cholec80"`: surgical phase annotations of cholecystectomy
//! videos with per-frame features computed beforehand
//! (`<path>/phase_annotations/<video>-phase.txt`, `<path>/features/<video>.npy|csv`).

use super::super::defaults::*;
use super::DataSection;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Videos are held out whole: frames of one operation are near copies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cholec80Data {
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

impl DataSection for Cholec80Data {
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
