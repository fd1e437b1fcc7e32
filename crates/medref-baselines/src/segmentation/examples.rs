//! Segmentation examples for the one loop. Training examples are random
//! patches (`patches_per_image` per image and epoch, example `i` drawn
//! from image `i / patches_per_image`), cut with their masks at batch time,
//! so they build their own targets ([`Examples::training_batch`]).
//! Validation and test examples are whole images, which the network
//! predicts by a sliding window.

use burn::prelude::*;
use medref_core::seed::Rng;
use medref_core::targets::MaskTargets;
use medref_data::{training_patch, PatchSampling, SegmentationPair};
use medref_models::SegmentationInput;
use medref_train::examples::content_key;
use medref_train::{Examples, Targets};

/// One split's images.
pub struct SegmentationExamples<'a> {
    pairs: &'a [SegmentationPair],
    targets: Targets,
    /// Training: how patches are drawn, and how many per image.
    patches: Option<(PatchSampling, usize)>,
}

/// The pixel targets of whole images.
fn mask_targets(pairs: &[SegmentationPair], n_classes: usize) -> MaskTargets {
    let mut m = MaskTargets { offsets: vec![0], n_classes, ..Default::default() };
    let with_roi = pairs.iter().any(|p| p.roi.is_some());
    for p in pairs {
        m.labels.extend_from_slice(&p.mask);
        if with_roi {
            match &p.roi {
                Some(r) => m.roi.extend_from_slice(r),
                None => m.roi.extend(std::iter::repeat_n(true, p.mask.len())),
            }
        }
        m.offsets.push(m.labels.len());
        m.shapes.push([p.height, p.width]);
    }
    m
}

impl<'a> SegmentationExamples<'a> {
    /// Whole images (validation, test, `predict`).
    pub fn images(pairs: &'a [SegmentationPair], n_classes: usize) -> Self {
        Self { pairs, targets: Targets::Masks(mask_targets(pairs, n_classes)), patches: None }
    }

    /// Random training patches.
    pub fn patches(pairs: &'a [SegmentationPair], n_classes: usize, sampling: PatchSampling, per_image: usize) -> Self {
        Self { patches: Some((sampling, per_image.max(1))), ..Self::images(pairs, n_classes) }
    }

    fn image_of(&self, i: usize) -> &SegmentationPair {
        let per = self.patches.as_ref().map_or(1, |(_, n)| *n);
        &self.pairs[i / per]
    }

    /// Patches (inputs) and their dense targets `[pixels, n_classes + 1]`.
    fn draw(&self, indices: &[usize], device: &Device, rng: &mut Rng) -> (Tensor<4>, Tensor<2>) {
        let (sampling, _) = self.patches.as_ref().expect("patches are drawn for training splits");
        let size = sampling.size;
        let channels = self.pairs.first().map_or(1, |p| p.channels);
        let k = self.targets.n_outputs();
        let mut pixels = Vec::with_capacity(indices.len() * channels * size * size);
        let mut dense = vec![0f32; indices.len() * size * size * (k + 1)];
        for (b, &i) in indices.iter().enumerate() {
            let patch = training_patch(self.image_of(i), sampling, rng);
            pixels.extend_from_slice(&patch.pixels);
            for (q, (&class, &counts)) in patch.classes.iter().zip(&patch.counts).enumerate() {
                let row = (b * size * size + q) * (k + 1);
                dense[row + usize::from(class)] = 1.0;
                dense[row + k] = f32::from(u8::from(counts));
            }
        }
        let n = indices.len();
        (
            Tensor::from_data(TensorData::new(pixels, [n, channels, size, size]), device),
            Tensor::from_data(TensorData::new(dense, [n * size * size, k + 1]), device),
        )
    }
}

impl Examples for SegmentationExamples<'_> {
    type Input = SegmentationInput;

    fn len(&self) -> usize {
        self.pairs.len() * self.patches.as_ref().map_or(1, |(_, n)| *n)
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    fn example_id(&self, i: usize) -> String {
        self.image_of(i).id.clone()
    }

    fn record_key(&self, i: usize) -> Option<u64> {
        Some(content_key(self.image_of(i).image.iter().copied()))
    }

    fn batch(&self, indices: &[usize], device: &Device, augment: Option<&mut Rng>) -> SegmentationInput {
        if self.patches.is_some() {
            // The loop asks a patch split only for training batches, which
            // carry the seeded generator; a fixed one keeps any other caller
            // deterministic.
            let mut fallback = Rng::new(0);
            return SegmentationInput::Patches(Box::new(
                self.draw(indices, device, augment.unwrap_or(&mut fallback)).0,
            ));
        }
        let images = indices
            .iter()
            .map(|&i| {
                let p = &self.pairs[i];
                (p.image.iter().map(|&v| f32::from(v) / 255.0).collect(), [p.channels, p.height, p.width])
            })
            .collect();
        SegmentationInput::Images { images, device: device.clone() }
    }

    fn training_batch(&self, indices: &[usize], device: &Device, augment: &mut Rng) -> (SegmentationInput, Tensor<2>) {
        let (x, y) = self.draw(indices, device, augment);
        (SegmentationInput::Patches(Box::new(x)), y)
    }
}
