//! The `[data]` sections of the two image formats.

use medref_core::config::defaults::yes;
use medref_core::config::DataSection;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// MedMNIST `.npz` options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NpzSection {
    /// The `.npz` archive (`train_images`, `train_labels`, `val_...`, `test_...`).
    pub path: PathBuf,
    /// Use only the first N training images (after a seeded shuffle), for
    /// quick runs; validation and test splits are never cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_train: Option<usize>,
}

/// Folder-per-class image options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFolderSection {
    /// Holds `train/`, `val/` and `test/`, each with one folder per class.
    pub path: PathBuf,
    /// Resize every image to `size x size`; without it all must share a size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// Read colour images as one grey channel.
    #[serde(default = "yes")]
    pub grayscale: bool,
    /// As for `.npz` files: a seeded subset of the training images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_train: Option<usize>,
}

impl DataSection for NpzSection {
    fn path(&self) -> &Path {
        &self.path
    }
}

impl DataSection for ImageFolderSection {
    fn path(&self) -> &Path {
        &self.path
    }
}
