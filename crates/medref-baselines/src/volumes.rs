//! Imaging diagnosis support on volumes: MedMNIST 3D `.npz` files (CT and
//! MR cubes) trained with the compact 3D ResNet or the MedMNIST v2
//! paper's ResNet-18/50 "+3D"; the report shows the mid-slices of
//! example test volumes with their scores.
//!
//! Its own format (`medmnist3d_npz`) and baseline rather than a branch of
//! the 2D one: a volume batches to `[batch, 1, d, h, w]` for a different
//! network, and a config that names the format says what it expects to read.

mod examples;
mod mid_slices;

pub use examples::VolumeExamples;
pub use mid_slices::{mid_slice_svg, SliceRow};

use crate::imaging::NpzSection;
use burn::prelude::*;
use medref_core::config::{Config, ModelConfig};
use medref_data::{ImageSplit, VolumeDataset};
use medref_models::{Either, MedmnistResNet, PaperDepth, ResNet3d, Space, VolumeClassifier};
use medref_train::run::score_examples;
use medref_train::{Baseline, DataFormat, DataShape, ModelMeta, RunInfo, TrainError, Trained};
use std::path::Path;

/// Volumes with their official splits, and names for `predict`'s volumes.
pub struct Volumes {
    pub set: VolumeDataset,
    /// One name per test volume when they come from `predict`'s file.
    pub test_ids: Vec<String>,
    /// Train on a seeded subset of this many training volumes.
    pub max_train: Option<usize>,
}

/// A 3D ResNet on `[batch, 1, d, h, w]` volumes.
pub struct VolumeClassification;

/// Test volumes shown in the report: the first two of each class.
const SHOWN_PER_CLASS: usize = 2;

impl Baseline for VolumeClassification {
    type Data = Volumes;
    type Model = VolumeClassifier;
    type Split<'a> = VolumeExamples<'a>;
    const MODEL_KINDS: &'static [&'static str] = &["resnet3d", "resnet18", "resnet50"];

    fn shape(data: &Volumes) -> DataShape {
        let [d, h, w] = data.set.shape;
        DataShape {
            input_shape: vec![1, d, h, w],
            label_width: data.set.label_width,
            n_classes: Some(data.set.n_classes),
            class_names: Vec::new(),
        }
    }

    fn splits<'a>(config: &Config, data: &'a Volumes) -> [VolumeExamples<'a>; 3] {
        let ds = &data.set;
        let rows = crate::imaging::training_rows(config, ds.train.n, data.max_train);
        let split = |s: &'a ImageSplit, rows, augment| {
            VolumeExamples::new(s, ds.shape, ds.label_width, ds.n_classes, rows, augment)
        };
        [
            split(&ds.train, Some(rows), config.train.augment.clone()),
            split(&ds.val, None, Default::default()),
            split(&ds.test, None, Default::default()).with_ids(&data.test_ids),
        ]
    }

    fn build(config: &Config, meta: &ModelMeta, device: &Device) -> Result<VolumeClassifier, TrainError> {
        let (c, k) = (meta.input_shape[0], meta.n_outputs);
        if let ModelConfig::Resnet3d(m) = &config.model {
            return Ok(Either::Left(ResNet3d::new(m, c, k, device)));
        }
        let Some((depth, m)) = PaperDepth::of(&config.model) else {
            return Err(TrainError::Mismatch("the volume baseline trains `resnet3d`, `resnet18` or `resnet50`".into()));
        };
        Ok(Either::Right(MedmnistResNet::new(depth, m, Space::Volume, c, k, device)))
    }

    /// Mid-slices of the first test volumes of each class, with the
    /// model's score (single-label data only).
    fn explanation(run: &Trained<VolumeClassifier>, data: &Volumes) -> Result<Option<String>, TrainError> {
        let ds = &data.set;
        if ds.test.n == 0 || ds.label_width != 1 {
            return Ok(None);
        }
        let mut shown = Vec::new();
        for class in 0..ds.n_classes.min(2) as u32 {
            shown.extend((0..ds.test.n).filter(|&i| ds.test.labels[i] == class).take(SHOWN_PER_CLASS));
        }
        let examples =
            VolumeExamples::new(&ds.test, ds.shape, 1, ds.n_classes, Some(shown.clone()), Default::default());
        let scores = score_examples(run, &examples)?;
        let k = run.info.meta.n_outputs;
        let len = ds.volume_len();
        let rows: Vec<SliceRow> = shown
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let label = ds.test.labels[i] as usize;
                // Binary: the probability of class 1, as the ROC reads it.
                let c = if k == 2 { 1 } else { label };
                SliceRow {
                    voxels: &ds.test.images[i * len..(i + 1) * len],
                    caption: format!("test volume {i}: class {label}, model's P(class {c}) = {:.3}", scores[j * k + c]),
                }
            })
            .collect();
        Ok(Some(mid_slice_svg("Example test volumes, mid-slices", &rows, ds.shape)))
    }

    /// A MedMNIST 3D `.npz` (every split) or a `.npy` of one volume
    /// `[D, H, W]` or several `[N, D, H, W]`, uint8, of the model's size.
    fn read_new(run: &RunInfo, input: &Path) -> Result<Volumes, TrainError> {
        let m = &run.meta;
        let [1, d, h, w] = m.input_shape[..] else {
            return Err(TrainError::Mismatch(format!("{}: not a volume model", run.dir.display())));
        };
        let is_npz = input.extension().is_some_and(|e| e.eq_ignore_ascii_case("npz"));
        let (ids, images) = if is_npz {
            let ds = medref_data::read_medmnist3d(input)?;
            if ds.shape != [d, h, w] {
                return Err(TrainError::Mismatch(format!(
                    "{}: volumes are {:?} voxels, the model in {} expects {:?}",
                    input.display(),
                    ds.shape,
                    run.dir.display(),
                    [d, h, w]
                )));
            }
            let mut ids = Vec::new();
            let mut images = Vec::new();
            for (name, split) in ds.splits() {
                ids.extend((0..split.n).map(|i| format!("{name}-{i}")));
                images.extend_from_slice(&split.images);
            }
            (ids, images)
        } else {
            let (n, images) = medref_data::volumes::read_volume_npy(input, [d, h, w])?;
            let name = input.display().to_string();
            let ids = if n == 1 { vec![name] } else { (0..n).map(|i| format!("{name}[{i}]")).collect() };
            (ids, images)
        };
        let n = ids.len();
        let set = VolumeDataset {
            shape: [d, h, w],
            label_width: m.label_width,
            n_classes: m.n_outputs,
            test: ImageSplit { images, labels: vec![0; n * m.label_width], n },
            ..VolumeDataset::default()
        };
        Ok(Volumes { set, test_ids: ids, max_train: None })
    }
}

/// `format = "medmnist3d_npz"`: a MedMNIST 3D archive with its official
/// splits (the keys of `medmnist_npz`: `path`, `max_train`).
pub struct Medmnist3dNpz;

impl DataFormat for Medmnist3dNpz {
    type Baseline = VolumeClassification;
    type Section = NpzSection;
    const FORMAT: &'static str = "medmnist3d_npz";
    fn load(_config: &Config, d: &NpzSection, path: Option<&Path>) -> Result<Volumes, TrainError> {
        let set = medref_data::read_medmnist3d(path.unwrap_or(&d.path))?;
        Ok(Volumes { set, test_ids: Vec::new(), max_train: d.max_train })
    }
}
