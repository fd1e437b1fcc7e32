//! medref-data: readers, writers and generators for medref's datasets.
//!
//! One module per format: [`npz`] (MedMNIST `.npz`, built on [`npy`]),
//! [`image_folder`] (`root/<class>/*.png`), [`dicom`] (single slices),
//! [`deidentify`] (DICOM Basic Confidentiality Profile),
//! [`volumes`] (MedMNIST 3D `.npz`),
//! [`synth_imaging`] and [`synth_volumes`] (tiny generated data with a
//! planted signal) and
//! [`fetch`] (downloading official files with MD5 checks). Every reader
//! returns [`DataError`], whose message starts with the file at fault.

#![warn(missing_docs)]

pub mod deidentify;
pub mod dicom;
pub mod error;
pub mod fetch;
pub mod genomics;
pub mod image_dataset;
pub mod image_folder;
pub mod npy;
pub mod npz;
pub mod segmentation_npz;
pub mod segmentation_pairs;
pub mod segmentation_patches;
pub mod synth_genomics;
pub mod synth_imaging;
pub mod synth_volumes;
pub mod volumes;

pub use dicom::{read_slice, DicomSlice};
pub use error::DataError;
pub use fetch::MedmnistFile;
pub use image_dataset::{ImageDataset, ImageSplit};
pub use image_folder::{read_class_folders, ClassFolders};
pub use npz::{read_medmnist, write_medmnist, ArrayInfo};
pub use segmentation_npz::read_segmentation_npz;
pub use segmentation_pairs::{
    image_png, mask_png, read_image, read_segmentation_pairs, MaskRule, PairPattern, SegmentationPair,
};
pub use segmentation_patches::{training_patch, Patch, PatchSampling};
pub use synth_imaging::SynthImagingSpec;
pub use synth_volumes::SynthVolumesSpec;
pub use volumes::{read_medmnist3d, write_medmnist3d, VolumeDataset};
