//! Imaging segmentation: image/mask pairs (`format = "segmentation"`)
//! trained with the U-Net on random patches and scored on whole images by
//! a sliding window, as a MONAI user would: Dice + cross-entropy loss,
//! Dice, IoU, sensitivity, specificity, HD95 and mean surface distance
//! per image inside the region of interest, with a bootstrap interval over
//! images. `predict` writes the predicted mask as PNG.

mod examples;
mod overlay;
mod section;
mod split;

pub use examples::SegmentationExamples;
pub use section::SegmentationSection;
pub use split::SplitLists;

use burn::prelude::*;
use medref_core::config::{Config, ModelConfig, UnetConfig};
use medref_data::{MaskRule, PairPattern, PatchSampling, SegmentationPair};
use medref_models::{Segmenter, SlidingWindow, UnetSpec};
use medref_train::run_dir::write_json;
use medref_train::{Baseline, DataFormat, DataShape, ModelMeta, RunInfo, TrainError, Trained};
use std::path::Path;

/// Train, val and test images with what training and `predict` need.
pub struct SegmentationData {
    pub splits: [Vec<SegmentationPair>; 3],
    /// Image channels (1 grey, 3 colour).
    pub channels: usize,
    /// Classes of the masks, background included.
    pub n_classes: usize,
    /// Grey level of each class in the mask files (for `predict`'s PNG).
    pub grey_levels: Vec<u8>,
    pub sampling: PatchSampling,
    pub patches_per_image: usize,
}

/// The U-Net on image/mask pairs.
pub struct Segmentation;

/// The `[model]` section; the registry pairs this format with `unet` only.
fn unet_config(config: &Config) -> Result<&UnetConfig, TrainError> {
    match &config.model {
        ModelConfig::Unet(m) => Ok(m),
        other => {
            Err(TrainError::Mismatch(format!("[model].kind = \"{}\": segmentation trains `unet` models", other.kind())))
        }
    }
}

impl Baseline for Segmentation {
    type Data = SegmentationData;
    type Model = Segmenter;
    type Split<'a> = SegmentationExamples<'a>;
    const MODEL_KINDS: &'static [&'static str] = &["unet"];

    fn shape(data: &SegmentationData) -> DataShape {
        DataShape {
            // Images of any size: the network sees windows of `[model].patch`.
            input_shape: vec![data.channels, 0, 0],
            label_width: 1,
            n_classes: Some(data.n_classes),
            class_names: Vec::new(),
        }
    }

    fn splits<'a>(_config: &Config, data: &'a SegmentationData) -> [SegmentationExamples<'a>; 3] {
        let [train, val, test] = &data.splits;
        let k = data.n_classes;
        [
            SegmentationExamples::patches(train, k, data.sampling.clone(), data.patches_per_image),
            SegmentationExamples::images(val, k),
            SegmentationExamples::images(test, k),
        ]
    }

    fn build(config: &Config, meta: &ModelMeta, device: &Device) -> Result<Segmenter, TrainError> {
        let m = unet_config(config)?;
        let spec = UnetSpec {
            in_channels: meta.input_shape.first().copied().unwrap_or(1),
            n_classes: meta.n_outputs,
            depth: m.depth,
            width: m.width,
            batch_norm: m.batch_norm,
            transposed: m.upsample == "transposed",
        };
        let window =
            SlidingWindow { size: m.patch, overlap: m.overlap, sigma_scale: m.sigma_scale, batch: m.sw_batch_size };
        Ok(Segmenter::new(&spec, window, device))
    }

    /// The first test image with its true and predicted outlines.
    fn explanation(run: &Trained<Segmenter>, data: &SegmentationData) -> Result<Option<String>, TrainError> {
        let Some(pair) = data.splits[2].first() else { return Ok(None) };
        let (h, w) = (pair.height, pair.width);
        let pixels: Vec<f32> = pair.image.iter().map(|&v| f32::from(v) / 255.0).collect();
        let logits = run.model.image_logits(&pixels, [pair.channels, h, w], &run.device);
        let logits: Vec<f64> = logits.into_iter().map(f64::from).collect();
        let predicted: Vec<bool> =
            medref_train::evaluate::argmax_rows(&logits, data.n_classes).into_iter().map(|c| c != 0).collect();
        let truth: Vec<bool> = pair.mask.iter().map(|&c| c != 0).collect();
        let png = medref_data::image_png(&pair.image, pair.channels, h, w)
            .map_err(|e| TrainError::Mismatch(format!("{}: {e}", pair.id)))?;
        let title = format!("Test image {}: true and predicted outlines", pair.id);
        Ok(Some(overlay::contour_svg(&png, h, w, &truth, &predicted, &title)))
    }

    fn write_data_extras(dir: &Path, data: &SegmentationData) -> Result<(), TrainError> {
        write_json(&dir.join("splits.json"), &SplitLists::of(&data.splits))
    }

    /// The predicted class of each pixel of the one input image, as PNG.
    fn prediction_file(
        _run: &Trained<Segmenter>,
        data: &SegmentationData,
        scores: &[f64],
    ) -> Result<Option<Vec<u8>>, TrainError> {
        let Some(image) = data.splits[2].first() else { return Ok(None) };
        let classes: Vec<u8> =
            medref_train::evaluate::argmax_rows(scores, data.n_classes).into_iter().map(|c| c as u8).collect();
        medref_data::mask_png(&classes, image.height, image.width, &data.grey_levels)
            .map(Some)
            .map_err(|e| TrainError::Mismatch(format!("{}: {e}", image.id)))
    }
}

/// How the section's masks become classes, and how many there are.
fn mask_rule(d: &SegmentationSection) -> (MaskRule, usize) {
    match &d.mask_values {
        Some(values) => (MaskRule::Values(values.clone()), values.len()),
        None => (MaskRule::Threshold(d.mask_threshold), 2),
    }
}

/// `format = "segmentation"`: image/mask pairs in a folder.
pub struct Segmentations;

impl DataFormat for Segmentations {
    type Baseline = Segmentation;
    type Section = SegmentationSection;
    const FORMAT: &'static str = "segmentation";
    const READS_FOLDER: bool = true;

    fn load(config: &Config, d: &SegmentationSection, path: Option<&Path>) -> Result<SegmentationData, TrainError> {
        if config.train.augment.is_active() {
            return Err(TrainError::Mismatch(
                "[train.augment] moves images without their masks; segmentation augments patches with [data].flips, rotate90 and intensity_jitter".into(),
            ));
        }
        let unet = unet_config(config)?;
        let root = path.unwrap_or(&d.path);
        let (rule, n_classes) = mask_rule(d);
        let splits = if d.is_npz() {
            let mut arrays = medref_data::read_segmentation_npz(root, &rule, d.grayscale)?;
            let prefixes: Vec<&str> = arrays.iter().map(|(p, _)| p.as_str()).collect();
            if prefixes == ["train", "val", "test"] && d.split_file.is_none() {
                let test = arrays.pop().map(|(_, pairs)| pairs).unwrap_or_default();
                let val = arrays.pop().map(|(_, pairs)| pairs).unwrap_or_default();
                let train = arrays.pop().map(|(_, pairs)| pairs).unwrap_or_default();
                [train, val, test]
            } else if let Some(file) = &d.split_file {
                split::by_file(arrays.into_iter().flat_map(|(_, pairs)| pairs).collect(), file)?
            } else {
                // A `test` prefix is held out as it is (DRIVE's test folder); the rest split by fraction.
                let test = arrays.iter().position(|(p, _)| p == "test").map(|i| arrays.remove(i).1);
                let rest = arrays.into_iter().flat_map(|(_, pairs)| pairs).collect();
                split::by_fraction(rest, test, d.val_fraction, d.test_fraction, config.seed)?
            }
        } else {
            let pattern = PairPattern { image: d.image.clone(), mask: d.mask.clone(), roi: d.roi.clone() };
            let pairs = medref_data::read_segmentation_pairs(root, &pattern, &rule, d.grayscale)?;
            let test = match (&d.test_image, &d.test_mask) {
                (Some(image), Some(mask)) => {
                    let pattern = PairPattern { image: image.clone(), mask: mask.clone(), roi: d.test_roi.clone() };
                    Some(medref_data::read_segmentation_pairs(root, &pattern, &rule, d.grayscale)?)
                }
                _ => None,
            };
            match &d.split_file {
                Some(file) => {
                    let mut all = pairs;
                    all.extend(test.unwrap_or_default());
                    split::by_file(all, file)?
                }
                None => split::by_fraction(pairs, test, d.val_fraction, d.test_fraction, config.seed)?,
            }
        };
        let channels = splits.iter().flatten().map(|p| p.channels).max().unwrap_or(1);
        if !splits[0].iter().any(|p| p.mask.iter().any(|&c| c != 0)) {
            return Err(TrainError::Mismatch(format!(
                "{}: no training mask has a foreground pixel (check mask_threshold or mask_values)",
                root.join(&d.mask).display()
            )));
        }
        let sampling = PatchSampling {
            size: unet.patch,
            foreground_share: d.foreground_share,
            flips: d.flips,
            rotate90: d.rotate90,
            intensity_jitter: d.intensity_jitter,
        };
        Ok(SegmentationData {
            splits,
            channels,
            n_classes,
            grey_levels: d.grey_levels(),
            sampling,
            patches_per_image: d.patches_per_image,
        })
    }

    /// One image file: its mask is what `predict` computes (the placeholder
    /// mask here is all background).
    fn read_new(run: &RunInfo, d: &SegmentationSection, input: &Path) -> Result<SegmentationData, TrainError> {
        let (channels, height, width, image) = medref_data::read_image(input, d.grayscale)?;
        let expected = run.meta.input_shape.first().copied().unwrap_or(channels);
        if channels != expected {
            return Err(TrainError::Mismatch(format!(
                "{}: has {channels} channel(s), but the model in {} was trained on {expected}",
                input.display(),
                run.dir.display()
            )));
        }
        let id = input.file_stem().map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
        let pair = SegmentationPair { id, image, channels, height, width, mask: vec![0; height * width], roi: None };
        let (_, n_classes) = mask_rule(d);
        let size = unet_config(&run.config)?.patch;
        Ok(SegmentationData {
            splits: [Vec::new(), Vec::new(), vec![pair]],
            channels,
            n_classes,
            grey_levels: d.grey_levels(),
            sampling: PatchSampling {
                size,
                foreground_share: 0.0,
                flips: false,
                rotate90: false,
                intensity_jitter: 0.0,
            },
            patches_per_image: 1,
        })
    }
}
