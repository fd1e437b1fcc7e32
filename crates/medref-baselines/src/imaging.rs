//! Imaging diagnosis support: MedMNIST `.npz` files and folders of class
//! images, trained with the small ResNet or the MedMNIST v2 paper's
//! ResNet-18/50; occlusion saliency explains one test image.

mod examples;
mod occlusion;
mod sections;

pub use examples::{augment_image, ImageExamples};
pub use occlusion::{occlusion_saliency, Occlusion};
pub use sections::{ImageFolderSection, NpzSection};

use burn::prelude::*;
use medref_core::config::Config;
use medref_core::seed::Rng;
use medref_data::{ImageDataset, ImageSplit};
use medref_models::{Either, ImageClassifier, MedmnistResNet, PaperDepth, ResNet, Space};
use medref_train::RunInfo;
use medref_train::{Baseline, DataFormat, DataShape, ModelMeta, TrainError, Trained};
use std::path::{Path, PathBuf};

/// Images with their official splits, and names for `predict`'s images.
pub struct Images {
    pub set: ImageDataset,
    /// One name per test image when they come from files; empty otherwise.
    pub test_ids: Vec<String>,
    /// Train on a seeded subset of this many training images (both image
    /// formats' `max_train`).
    pub max_train: Option<usize>,
}

impl Images {
    fn read(set: ImageDataset, max_train: Option<usize>) -> Self {
        Images { set, test_ids: Vec::new(), max_train }
    }
}

/// A ResNet on `[batch, channels, h, w]` images.
pub struct Imaging;

/// The training rows: all, or a seeded subset of `limit` rows (volumes
/// draw theirs the same way).
pub(crate) fn training_rows(config: &Config, n: usize, limit: Option<usize>) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n).collect();
    if let Some(k) = limit.filter(|&k| k < n) {
        Rng::derive(config.seed, "max_train").shuffle(&mut rows);
        rows.truncate(k);
        rows.sort_unstable();
    }
    rows
}

impl Baseline for Imaging {
    type Data = Images;
    type Model = ImageClassifier;
    type Split<'a> = ImageExamples<'a>;
    const MODEL_KINDS: &'static [&'static str] = &["resnet", "resnet18", "resnet50"];
    const PREDICT_READS_FOLDER: bool = true;

    fn shape(data: &Images) -> DataShape {
        let ds = &data.set;
        DataShape {
            input_shape: vec![ds.channels, ds.height, ds.width],
            label_width: ds.label_width,
            n_classes: Some(ds.n_classes),
            class_names: Vec::new(),
        }
    }

    fn splits<'a>(config: &Config, data: &'a Images) -> [ImageExamples<'a>; 3] {
        let ds = &data.set;
        let rows = training_rows(config, ds.train.n, data.max_train);
        [
            ImageExamples::new(ds, &ds.train, Some(rows), config.train.augment.clone()),
            ImageExamples::new(ds, &ds.val, None, Default::default()),
            ImageExamples::new(ds, &ds.test, None, Default::default()).with_ids(&data.test_ids),
        ]
    }

    fn build(config: &Config, meta: &ModelMeta, device: &Device) -> Result<ImageClassifier, TrainError> {
        let (c, k) = (meta.input_shape[0], meta.n_outputs);
        if let medref_core::config::ModelConfig::Resnet(m) = &config.model {
            return Ok(Either::Left(ResNet::new(m, c, k, device)));
        }
        let Some((depth, m)) = PaperDepth::of(&config.model) else {
            return Err(TrainError::Mismatch("the imaging baseline trains `resnet`, `resnet18` or `resnet50`".into()));
        };
        Ok(Either::Right(MedmnistResNet::new(depth, m, Space::Plane, c, k, device)))
    }

    /// Occlusion saliency of the first test positive (class 1), else the
    /// first test image.
    fn explanation(run: &Trained<ImageClassifier>, data: &Images) -> Result<Option<String>, TrainError> {
        let ds = &data.set;
        if ds.test.n == 0 {
            return Ok(None);
        }
        let len = ds.channels * ds.height * ds.width;
        let i = (0..ds.test.n).find(|&i| ds.label_width == 1 && ds.test.labels[i] == 1).unwrap_or(0);
        let class = if ds.label_width == 1 { ds.test.labels[i] as usize } else { 0 };
        let o = occlusion_saliency(run, ds.test.image(i, len), class)?;
        Ok(Some(o.to_svg(&format!("Occlusion saliency, test image {i}, class {class}"))))
    }

    fn read_new(run: &RunInfo, input: &Path) -> Result<Images, TrainError> {
        let m = &run.meta;
        let [c, h, w] = m.input_shape[..] else {
            return Err(TrainError::Mismatch(format!("{}: not an image model", run.dir.display())));
        };
        let (ids, images) = read_predict_images(input, [c, h, w])?;
        let n = ids.len();
        let set = ImageDataset {
            channels: c,
            height: h,
            width: w,
            label_width: m.label_width,
            n_classes: m.n_outputs,
            train: ImageSplit::default(),
            val: ImageSplit::default(),
            test: ImageSplit { images, labels: vec![0; n * m.label_width], n },
        };
        Ok(Images { set, test_ids: ids, max_train: None })
    }
}

/// `format = "medmnist_npz"`: a MedMNIST archive with its official splits.
pub struct MedmnistNpz;

impl DataFormat for MedmnistNpz {
    type Baseline = Imaging;
    type Section = NpzSection;
    const FORMAT: &'static str = "medmnist_npz";
    fn load(_config: &Config, d: &NpzSection, path: Option<&Path>) -> Result<Images, TrainError> {
        Ok(Images::read(medref_data::npz::read_medmnist(path.unwrap_or(&d.path))?, d.max_train))
    }
}

/// `format = "image_folder"`: `root/{train,val,test}/<class>/*`.
pub struct ImageFolder;

impl DataFormat for ImageFolder {
    type Baseline = Imaging;
    type Section = ImageFolderSection;
    const FORMAT: &'static str = "image_folder";
    const READS_FOLDER: bool = true;
    fn load(_config: &Config, d: &ImageFolderSection, path: Option<&Path>) -> Result<Images, TrainError> {
        let set = medref_data::image_folder::read_split_folders(path.unwrap_or(&d.path), d.size, d.grayscale)?;
        Ok(Images::read(set, d.max_train))
    }
}

/// Images of a `predict` input: a MedMNIST `.npz` (every split), a DICOM
/// slice, a folder of images, or one image file, resized to the model.
fn read_predict_images(input: &Path, [c, h, w]: [usize; 3]) -> Result<(Vec<String>, Vec<u8>), TrainError> {
    let ext = input.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
    let size = (h as u32, w as u32);
    let grey = c == 1;
    match ext.as_deref() {
        Some("npz") => {
            let ds = medref_data::npz::read_medmnist(input)?;
            if (ds.channels, ds.height, ds.width) != (c, h, w) {
                return Err(TrainError::Mismatch(format!(
                    "{}: images are {}x{}x{}, the model expects {c}x{h}x{w}",
                    input.display(),
                    ds.channels,
                    ds.height,
                    ds.width
                )));
            }
            let mut ids = Vec::new();
            let mut images = Vec::new();
            for (name, split) in ds.splits() {
                ids.extend((0..split.n).map(|i| format!("{name}-{i}")));
                images.extend_from_slice(&split.images);
            }
            Ok((ids, images))
        }
        Some("dcm") => {
            let slice = medref_data::dicom::read_slice(input)?;
            let pixels = slice.to_u8(None);
            let img = medref_data::image_folder::resize_grey(&pixels, slice.rows, slice.cols, size, grey)
                .map_err(TrainError::from)?;
            Ok((vec![input.display().to_string()], img))
        }
        _ if input.is_dir() => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(TrainError::io(input))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            let mut ids = Vec::new();
            let mut images = Vec::new();
            for f in files {
                images.extend(medref_data::image_folder::load_image(&f, Some(size), grey)?);
                ids.push(f.display().to_string());
            }
            if ids.is_empty() {
                return Err(TrainError::Mismatch(format!("{}: no image files in this folder", input.display())));
            }
            Ok((ids, images))
        }
        _ => Ok((vec![input.display().to_string()], medref_data::image_folder::load_image(input, Some(size), grey)?)),
    }
}
