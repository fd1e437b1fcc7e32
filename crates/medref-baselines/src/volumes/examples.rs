//! Volume examples: normalisation and augmentation of `u8` volumes into
//! `[batch, 1, depth, height, width]` float tensors.

use crate::imaging::augment_image;
use burn::prelude::*;
use medref_core::config::AugmentConfig;
use medref_core::seed::Rng;
use medref_data::ImageSplit;
use medref_train::tensor::to_tensor;
use medref_train::{Examples, Targets};
use ndarray::Array5;

/// One split of a volume dataset, seen through a list of rows (so a
/// reduced training set needs no copy).
pub struct VolumeExamples<'a> {
    split: &'a ImageSplit,
    rows: Vec<usize>,
    shape: [usize; 3],
    targets: Targets,
    augment: AugmentConfig,
    /// Names of the volumes (for `predict`); row numbers when empty.
    ids: &'a [String],
}

impl<'a> VolumeExamples<'a> {
    /// `rows`: which volumes of `split` to use (`None`: all, in order).
    pub fn new(
        split: &'a ImageSplit,
        shape: [usize; 3],
        label_width: usize,
        n_classes: usize,
        rows: Option<Vec<usize>>,
        augment: AugmentConfig,
    ) -> Self {
        let rows = rows.unwrap_or_else(|| (0..split.n).collect());
        let k = label_width;
        let labels: Vec<u32> = rows.iter().flat_map(|&r| split.labels[r * k..(r + 1) * k].iter().copied()).collect();
        let targets = Targets::from_label_rows(&labels, k, n_classes);
        Self { split, rows, shape, targets, augment, ids: &[] }
    }

    /// The same examples named by `ids` (one per row of the split).
    pub fn with_ids(mut self, ids: &'a [String]) -> Self {
        self.ids = ids;
        self
    }

    fn voxels(&self, i: usize) -> &[u8] {
        let len: usize = self.shape.iter().product();
        let r = self.rows[i];
        &self.split.images[r * len..(r + 1) * len]
    }

    /// The volume behind example `i`, `[d, h, w]` normalised to `[-1, 1]` as
    /// MedMNIST's reference training does for 2D images.
    pub fn normalised(&self, i: usize) -> Vec<f32> {
        self.voxels(i).iter().map(|&v| v as f32 * (2.0 / 255.0) - 1.0).collect()
    }
}

impl Examples for VolumeExamples<'_> {
    type Input = Tensor<5>;

    fn record_key(&self, i: usize) -> Option<u64> {
        Some(medref_core::record_key::content_key(self.voxels(i).iter().copied()))
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn example_id(&self, i: usize) -> String {
        self.ids.get(self.rows[i]).cloned().unwrap_or_else(|| i.to_string())
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    /// `[augment]` moves every axial slice the same way (flips, in-plane
    /// rotation and shift): the 2D transform applied to the `[d, h, w]`
    /// stack as if its slices were channels.
    fn batch(&self, indices: &[usize], device: &Device, augment: Option<&mut Rng>) -> Tensor<5> {
        let [d, h, w] = self.shape;
        let mut out = Array5::<f32>::zeros((indices.len(), 1, d, h, w));
        let mut rng = augment.filter(|_| self.augment.is_active());
        for (mut row, &i) in out.outer_iter_mut().zip(indices) {
            let mut v = self.normalised(i);
            if let Some(rng) = rng.as_deref_mut() {
                v = augment_image(&v, self.shape, &self.augment, rng);
            }
            row.as_slice_mut().expect("a fresh array is contiguous").copy_from_slice(&v);
        }
        to_tensor(out, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flip_mirrors_every_slice_alike() {
        let split = ImageSplit { images: (0..2 * 2 * 3).map(|v| v as u8 * 20).collect(), labels: vec![1], n: 1 };
        let flip = AugmentConfig { flip_horizontal: true, ..Default::default() };
        let ex = VolumeExamples::new(&split, [2, 2, 3], 1, 2, None, flip);
        let plain: Vec<f32> = ex.batch(&[0], &Device::flex(), None).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(plain, ex.normalised(0));
        let mut seen = false;
        for s in 0..20 {
            let v: Vec<f32> =
                ex.batch(&[0], &Device::flex(), Some(&mut Rng::new(s))).into_data().try_to_vec::<f32>().unwrap();
            if v != plain {
                // Each row of each slice reversed: x -> w - 1 - x.
                for row in 0..4 {
                    let (a, b) = (&v[row * 3..row * 3 + 3], &plain[row * 3..row * 3 + 3]);
                    assert_eq!(a, [b[2], b[1], b[0]]);
                }
                seen = true;
            }
        }
        assert!(seen, "a flip with probability 1/2 happened in 20 draws");
    }
}
