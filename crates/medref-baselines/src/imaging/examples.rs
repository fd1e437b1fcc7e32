//! Imaging examples: normalisation and augmentation of `u8` images into
//! `[batch, channels, h, w]` float tensors.

use burn::prelude::*;
use medref_core::config::AugmentConfig;
use medref_core::seed::Rng;
use medref_data::{ImageDataset, ImageSplit};
use medref_train::tensor::to_tensor;
use medref_train::{Examples, Targets};
use ndarray::{Array4, Axis};

/// One split of an image dataset, seen through a list of rows (so a reduced
/// training set needs no copy).
pub struct ImageExamples<'a> {
    split: &'a ImageSplit,
    rows: Vec<usize>,
    shape: [usize; 3],
    targets: Targets,
    augment: AugmentConfig,
    /// Names of the images (file paths for `predict`); row numbers when empty.
    ids: &'a [String],
}

impl<'a> ImageExamples<'a> {
    /// `rows`: which images of `split` to use (`None`: all, in order).
    pub fn new(ds: &ImageDataset, split: &'a ImageSplit, rows: Option<Vec<usize>>, augment: AugmentConfig) -> Self {
        let rows = rows.unwrap_or_else(|| (0..split.n).collect());
        let k = ds.label_width;
        let labels: Vec<u32> = rows.iter().flat_map(|&r| split.labels[r * k..(r + 1) * k].iter().copied()).collect();
        let targets = Targets::from_label_rows(&labels, k, ds.n_classes);
        Self { split, rows, shape: [ds.channels, ds.height, ds.width], targets, augment, ids: &[] }
    }

    /// The same examples named by `ids` (one per row of the split).
    pub fn with_ids(mut self, ids: &'a [String]) -> Self {
        self.ids = ids;
        self
    }

    /// The image behind example `i`, normalised to `[-1, 1]` as MedMNIST's
    /// reference training does (`(x / 255 - 0.5) / 0.5`).
    pub fn normalised(&self, i: usize) -> Vec<f32> {
        let images = self.split.array(self.shape);
        images.index_axis(Axis(0), self.rows[i]).iter().map(|&v| v as f32 * (2.0 / 255.0) - 1.0).collect()
    }

    /// Which row of the underlying split example `i` is.
    pub fn row(&self, i: usize) -> usize {
        self.rows[i]
    }
}

impl Examples for ImageExamples<'_> {
    type Input = Tensor<4>;

    fn record_key(&self, i: usize) -> Option<u64> {
        let len = self.shape.iter().product::<usize>();
        let r = self.rows[i];
        Some(medref_core::record_key::content_key(self.split.images[r * len..(r + 1) * len].iter().copied()))
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

    fn batch(&self, indices: &[usize], device: &Device, augment: Option<&mut Rng>) -> Tensor<4> {
        let [c, h, w] = self.shape;
        let mut out = Array4::<f32>::zeros((indices.len(), c, h, w));
        let mut rng = augment.filter(|_| self.augment.is_active());
        for (mut row, &i) in out.outer_iter_mut().zip(indices) {
            let mut img = self.normalised(i);
            if let Some(rng) = rng.as_deref_mut() {
                img = augment_image(&img, self.shape, &self.augment, rng);
            }
            row.as_slice_mut().expect("a fresh array is contiguous").copy_from_slice(&img);
        }
        to_tensor(out, device)
    }
}

/// Random flips, then one rotation + translation resampled bilinearly with
/// edge pixels repeated outward (no black corners that a model could learn).
/// `img` is `[c, h, w]`.
pub fn augment_image(img: &[f32], [c, h, w]: [usize; 3], cfg: &AugmentConfig, rng: &mut Rng) -> Vec<f32> {
    let flip_x = cfg.flip_horizontal && rng.uniform() < 0.5;
    let flip_y = cfg.flip_vertical && rng.uniform() < 0.5;
    let angle = (rng.uniform() * 2.0 - 1.0) * cfg.rotate_degrees as f64 * std::f64::consts::PI / 180.0;
    let s = cfg.shift_pixels as f64;
    let (dx, dy) = ((rng.uniform() * 2.0 - 1.0) * s, (rng.uniform() * 2.0 - 1.0) * s);
    let (sin, cos) = angle.sin_cos();
    let (cx, cy) = ((w as f64 - 1.0) / 2.0, (h as f64 - 1.0) / 2.0);
    let mut out = vec![0f32; img.len()];
    for y in 0..h {
        for x in 0..w {
            // Inverse map: output pixel -> source position.
            let (ox, oy) = (x as f64 - cx - dx, y as f64 - cy - dy);
            let mut sx = cos * ox + sin * oy + cx;
            let mut sy = -sin * ox + cos * oy + cy;
            if flip_x {
                sx = w as f64 - 1.0 - sx;
            }
            if flip_y {
                sy = h as f64 - 1.0 - sy;
            }
            let sx = sx.clamp(0.0, w as f64 - 1.0);
            let sy = sy.clamp(0.0, h as f64 - 1.0);
            let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
            let (fx, fy) = ((sx - x0 as f64) as f32, (sy - y0 as f64) as f32);
            for ch in 0..c {
                let p = |yy: usize, xx: usize| img[ch * h * w + yy * w + xx];
                let top = p(y0, x0) * (1.0 - fx) + p(y0, x1) * fx;
                let bottom = p(y1, x0) * (1.0 - fx) + p(y1, x1) * fx;
                out[ch * h * w + y * w + x] = top * (1.0 - fy) + bottom * fy;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_augmentation_keeps_the_image_and_flip_mirrors_it() {
        let img: Vec<f32> = (0..12).map(|v| v as f32).collect(); // [1, 3, 4]
        let none = AugmentConfig::default();
        let mut rng = Rng::new(0);
        assert_eq!(augment_image(&img, [1, 3, 4], &none, &mut rng), img);
        let flip = AugmentConfig { flip_horizontal: true, ..Default::default() };
        let mut seen_flip = false;
        for s in 0..20 {
            let out = augment_image(&img, [1, 3, 4], &flip, &mut Rng::new(s));
            if out != img {
                assert_eq!(&out[0..4], &[3.0, 2.0, 1.0, 0.0]);
                seen_flip = true;
            }
        }
        assert!(seen_flip);
    }

    #[test]
    fn shift_moves_content_by_whole_pixels_with_edge_fill() {
        // A single bright column at x = 1 in a 1x1x5 row.
        let img = vec![0.0, 1.0, 0.0, 0.0, 0.0];
        let cfg = AugmentConfig { shift_pixels: 1, ..Default::default() };
        for s in 0..50 {
            let out = augment_image(&img, [1, 1, 5], &cfg, &mut Rng::new(s));
            let total: f32 = out.iter().sum();
            assert!((total - 1.0).abs() < 1e-5, "mass kept: {out:?}");
        }
    }
}
