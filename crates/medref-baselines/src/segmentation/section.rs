//! `[data]` of `format = "segmentation"`: where the images and masks lie,
//! how masks become classes, how the images are split, and how training
//! patches are drawn.

use medref_core::config::defaults::yes;
use medref_core::config::{check_holdout_fractions, invalid, DataSection};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Image/mask pairs in a folder, matched by `{id}` patterns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentationSection {
    /// The data folder; the patterns are relative to it. Or one `.npz`
    /// holding `{prefix}_images` and `{prefix}_masks` arrays (no patterns;
    /// `train`/`val`/`test` prefixes are the file's own split).
    pub path: PathBuf,
    /// The images, `{id}` in the file name: `training/images/{id}_training.tif`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// The mask of each image: `training/1st_manual/{id}_manual1.gif`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mask: String,
    /// An optional region of interest per image (DRIVE's field of view):
    /// loss and metrics count only the pixels inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roi: Option<String>,
    /// A test set of its own (DRIVE's `test/` folder), with the same three
    /// roles; the images of `image` then split into train and val only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mask: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_roi: Option<String>,
    /// A fixed split: a JSON file `{"train": [ids], "val": [ids], "test":
    /// [ids]}` (a run's `splits.json` is one), relative to the working
    /// directory. Every image must be in exactly one list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_file: Option<PathBuf>,
    /// Without a split file: seeded shares of the images held out.
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
    /// Binary masks: grey level at or above this is foreground (JPEG masks
    /// are never exactly 0 and 255).
    #[serde(default = "default_threshold")]
    pub mask_threshold: u8,
    /// Multi-class masks: the grey level of each class, background first;
    /// any other level is an error naming the pixel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask_values: Option<Vec<u8>>,
    /// Read colour images as one grey channel.
    #[serde(default)]
    pub grayscale: bool,
    /// Random patches drawn from each training image per epoch.
    #[serde(default = "default_patches")]
    pub patches_per_image: usize,
    /// Share of patches centred on a foreground pixel (MONAI's
    /// `pos / (pos + neg)`).
    #[serde(default = "default_share")]
    pub foreground_share: f64,
    /// Random flips of patch and mask together.
    #[serde(default = "yes")]
    pub flips: bool,
    /// Random quarter turns of patch and mask together.
    #[serde(default = "yes")]
    pub rotate90: bool,
    /// Largest random change of contrast and brightness (pixels in [0, 1]).
    #[serde(default = "default_jitter")]
    pub intensity_jitter: f64,
}

fn default_fraction() -> f64 {
    0.1
}
fn default_threshold() -> u8 {
    128
}
fn default_patches() -> usize {
    4
}
fn default_share() -> f64 {
    0.5
}
fn default_jitter() -> f64 {
    0.1
}

impl SegmentationSection {
    /// Whether `path` names one `.npz` of arrays rather than a folder of files.
    pub fn is_npz(&self) -> bool {
        self.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npz"))
    }

    /// The grey level of each class, for masks written by `predict`.
    pub fn grey_levels(&self) -> Vec<u8> {
        self.mask_values.clone().unwrap_or_else(|| vec![0, 255])
    }
}

impl DataSection for SegmentationSection {
    fn path(&self) -> &Path {
        &self.path
    }
    fn inputs(&self) -> Vec<&Path> {
        std::iter::once(self.path.as_path()).chain(self.split_file.as_deref()).collect()
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.is_npz() {
            let patterns = [&self.test_image, &self.test_mask, &self.roi, &self.test_roi];
            if !self.image.is_empty() || !self.mask.is_empty() || patterns.iter().any(|p| p.is_some()) {
                return invalid(
                    "[data].image",
                    "an .npz holds its images and masks as arrays: leave out image, mask, roi and the test_ patterns",
                );
            }
        } else if self.image.is_empty() || self.mask.is_empty() {
            return invalid(
                "[data].image",
                "a folder of pairs needs `image` and `mask` patterns with {id} (or give an .npz as `path`)",
            );
        }
        fn given(p: &String) -> Option<&String> {
            (!p.is_empty()).then_some(p)
        }
        for (key, pattern) in [("image", given(&self.image)), ("mask", given(&self.mask)), ("roi", self.roi.as_ref())]
            .into_iter()
            .chain([("test_image", self.test_image.as_ref()), ("test_mask", self.test_mask.as_ref())])
            .chain([("test_roi", self.test_roi.as_ref())])
        {
            if pattern.is_some_and(|p| !p.contains("{id}")) {
                return invalid(&format!("[data].{key}"), "must contain {id} where the image's id goes");
            }
        }
        if self.test_image.is_some() != self.test_mask.is_some() {
            return invalid("[data].test_image", "test_image and test_mask go together");
        }
        if self.test_roi.is_some() && self.test_image.is_none() {
            return invalid("[data].test_roi", "needs test_image and test_mask");
        }
        let test_share = if self.test_image.is_some() { 0.0 } else { self.test_fraction };
        if self.split_file.is_none() {
            check_holdout_fractions(self.val_fraction, test_share)?;
        }
        if self.mask_values.as_ref().is_some_and(|v| v.len() < 2) {
            return invalid("[data].mask_values", "needs the grey level of at least two classes");
        }
        if self.patches_per_image == 0 {
            return invalid("[data].patches_per_image", "must be at least 1");
        }
        if !(0.0..=1.0).contains(&self.foreground_share) {
            return invalid("[data].foreground_share", "must be between 0 and 1");
        }
        if !(0.0..1.0).contains(&self.intensity_jitter) {
            return invalid("[data].intensity_jitter", "must be at least 0 and below 1");
        }
        Ok(())
    }
}
