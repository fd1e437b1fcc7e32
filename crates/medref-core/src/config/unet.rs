//! `[model]` of the segmentation U-Net (`kind = "unet"`): the network's
//! shape and how a whole image is predicted from windows of the size it
//! was trained on. The window keys follow MONAI's
//! `sliding_window_inference` (`overlap`, `sigma_scale`, `sw_batch_size`),
//! so a setting carries over from a MONAI script.

use super::data::invalid;
use super::model::ModelSection;
use serde::{Deserialize, Serialize};

/// A 2D U-Net trained on square patches and applied to whole images by a
/// sliding window with Gaussian weighting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnetConfig {
    /// Halvings of the image (4 in the original paper).
    #[serde(default = "default_depth")]
    pub depth: usize,
    /// Channels at full resolution, doubled at each halving (64 in the paper).
    #[serde(default = "default_width")]
    pub width: usize,
    #[serde(default = "super::defaults::yes")]
    pub batch_norm: bool,
    /// `transposed` (learned 2x2 upsampling, the paper) or `bilinear`.
    #[serde(default = "default_upsample")]
    pub upsample: String,
    /// Side of the square patches training draws and of the windows
    /// inference slides, in pixels; a multiple of `2^depth`.
    #[serde(default = "default_patch")]
    pub patch: usize,
    /// Share of a window that overlaps its neighbour (MONAI's default 0.25).
    #[serde(default = "default_overlap")]
    pub overlap: f64,
    /// Standard deviation of the Gaussian window weight, as a share of the
    /// window side (MONAI's 0.125): window centres count more than edges.
    #[serde(default = "default_sigma_scale")]
    pub sigma_scale: f64,
    /// Windows run through the network at once.
    #[serde(default = "default_sw_batch")]
    pub sw_batch_size: usize,
}

fn default_depth() -> usize {
    3
}
fn default_width() -> usize {
    16
}
fn default_upsample() -> String {
    "transposed".into()
}
fn default_patch() -> usize {
    64
}
fn default_overlap() -> f64 {
    0.25
}
fn default_sigma_scale() -> f64 {
    0.125
}
fn default_sw_batch() -> usize {
    4
}

impl Default for UnetConfig {
    fn default() -> Self {
        Self {
            depth: default_depth(),
            width: default_width(),
            batch_norm: true,
            upsample: default_upsample(),
            patch: default_patch(),
            overlap: default_overlap(),
            sigma_scale: default_sigma_scale(),
            sw_batch_size: default_sw_batch(),
        }
    }
}

impl ModelSection for UnetConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if !(1..=6).contains(&self.depth) {
            return invalid("[model].depth", "must be 1 to 6");
        }
        if self.width < 2 {
            return invalid("[model].width", "must be at least 2");
        }
        if !matches!(self.upsample.as_str(), "transposed" | "bilinear") {
            return invalid("[model].upsample", "must be `transposed` or `bilinear`");
        }
        if self.patch == 0 || !self.patch.is_multiple_of(1 << self.depth) {
            return invalid(
                "[model].patch",
                "must be a positive multiple of 2^depth (the U-Net halves it depth times)",
            );
        }
        if !(0.0..1.0).contains(&self.overlap) {
            return invalid("[model].overlap", "must be at least 0 and below 1");
        }
        if !(self.sigma_scale.is_finite() && self.sigma_scale > 0.0) {
            return invalid("[model].sigma_scale", "must be positive");
        }
        if self.sw_batch_size == 0 {
            return invalid("[model].sw_batch_size", "must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_the_network_cannot_halve_is_refused() {
        let bad = UnetConfig { depth: 3, patch: 60, ..UnetConfig::default() };
        assert_eq!(bad.validate().unwrap_err().0, "[model].patch");
        assert!(UnetConfig { patch: 64, ..bad }.validate().is_ok());
        let overlap = UnetConfig { overlap: 1.0, ..UnetConfig::default() };
        assert_eq!(overlap.validate().unwrap_err().0, "[model].overlap");
    }
}
