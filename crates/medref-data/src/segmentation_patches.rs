//! Training patches for segmentation: a square cut from an image together
//! with its mask and region of interest, then flipped, rotated by quarter
//! turns and brightened, all three alike.
//!
//! Whole retinal photographs do not fit a training batch and are mostly
//! background; MONAI trains on random patches, a configurable share of
//! them centred on a foreground pixel (its `RandCropByPosNegLabeld`,
//! `pos / (pos + neg)`), the rest on a background pixel, so that thin
//! vessels are seen often enough. The geometry is the same for the image,
//! the mask and the region, or the model would learn from labels that no
//! longer lie under their pixels; intensity jitter touches the image only.

use crate::segmentation_pairs::SegmentationPair;
use medref_core::seed::Rng;

/// How training patches are drawn and varied.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchSampling {
    /// Side of the square patch in pixels.
    pub size: usize,
    /// Share of patches centred on a foreground pixel (0 to 1).
    pub foreground_share: f64,
    /// Random horizontal and vertical flips (each with probability 1/2).
    pub flips: bool,
    /// A random number of quarter turns (0 to 3).
    pub rotate90: bool,
    /// Largest change of contrast and brightness: each patch's pixels (in
    /// [0, 1]) become `x * (1 + a) + b`, `a` and `b` uniform in
    /// `[-jitter, jitter]`.
    pub intensity_jitter: f64,
}

/// One patch: pixels `[channels, size, size]` in [0, 1] before jitter, the
/// class of each pixel and whether it counts (inside the image and the
/// region of interest), row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// `[channels, size, size]`.
    pub pixels: Vec<f32>,
    /// `[size, size]`.
    pub classes: Vec<u8>,
    /// `[size, size]`: inside the image and its region of interest.
    pub counts: Vec<bool>,
}

/// Tries at drawing a centre of the wanted kind before taking any pixel
/// (an image may have no foreground inside its region).
const CENTRE_TRIES: usize = 200;

/// The centre pixel of a patch: foreground with probability
/// `foreground_share` (background otherwise), inside the region of interest.
fn draw_centre(pair: &SegmentationPair, share: f64, rng: &mut Rng) -> usize {
    let n = pair.height * pair.width;
    let want_foreground = rng.uniform() < share;
    let inside = |p: usize| pair.roi.as_ref().is_none_or(|r| r[p]);
    for _ in 0..CENTRE_TRIES {
        let p = rng.below(n);
        if inside(p) && (pair.mask[p] != 0) == want_foreground {
            return p;
        }
    }
    rng.below(n)
}

/// Cuts the patch centred (as nearly as the image allows) on `centre`;
/// parts beyond a smaller image are zero and do not count.
fn cut(pair: &SegmentationPair, centre: usize, size: usize) -> Patch {
    let (h, w, c) = (pair.height as i64, pair.width as i64, pair.channels);
    let s = size as i64;
    let corner = |centre: i64, extent: i64| (centre - s / 2).clamp(0.min(extent - s), (extent - s).max(0));
    let (top, left) = (corner((centre / pair.width) as i64, h), corner((centre % pair.width) as i64, w));
    let mut patch =
        Patch { pixels: vec![0.0; c * size * size], classes: vec![0; size * size], counts: vec![false; size * size] };
    for y in 0..s {
        for x in 0..s {
            let (r, q) = (top + y, left + x);
            if !(0..h).contains(&r) || !(0..w).contains(&q) {
                continue;
            }
            let (src, dst) = ((r * w + q) as usize, (y * s + x) as usize);
            patch.classes[dst] = pair.mask[src];
            patch.counts[dst] = pair.roi.as_ref().is_none_or(|roi| roi[src]);
            for ch in 0..c {
                patch.pixels[ch * size * size + dst] =
                    f32::from(pair.image[ch * pair.height * pair.width + src]) / 255.0;
            }
        }
    }
    patch
}

/// Moves every plane of the patch by `map(y, x) -> (y', x')`.
fn remap<T: Copy + Default>(
    plane: &[T],
    size: usize,
    planes: usize,
    map: impl Fn(usize, usize) -> (usize, usize),
) -> Vec<T> {
    let mut out = vec![T::default(); plane.len()];
    for p in 0..planes {
        for y in 0..size {
            for x in 0..size {
                let (ty, tx) = map(y, x);
                out[p * size * size + ty * size + tx] = plane[p * size * size + y * size + x];
            }
        }
    }
    out
}

/// Applies one geometric change to image, mask and region alike.
fn transform(patch: Patch, size: usize, channels: usize, map: impl Fn(usize, usize) -> (usize, usize) + Copy) -> Patch {
    Patch {
        pixels: remap(&patch.pixels, size, channels, map),
        classes: remap(&patch.classes, size, 1, map),
        counts: remap(&patch.counts, size, 1, map),
    }
}

/// A random training patch of `pair`, varied as `sampling` says, every
/// draw taken from `rng` in a fixed order (so a seed fixes the batch).
pub fn training_patch(pair: &SegmentationPair, sampling: &PatchSampling, rng: &mut Rng) -> Patch {
    let size = sampling.size;
    let centre = draw_centre(pair, sampling.foreground_share, rng);
    let mut patch = cut(pair, centre, size);
    let last = size - 1;
    let c = pair.channels;
    if sampling.flips {
        if rng.uniform() < 0.5 {
            patch = transform(patch, size, c, |y, x| (y, last - x));
        }
        if rng.uniform() < 0.5 {
            patch = transform(patch, size, c, |y, x| (last - y, x));
        }
    }
    if sampling.rotate90 {
        for _ in 0..rng.below(4) {
            // A quarter turn anticlockwise: (y, x) -> (last - x, y).
            patch = transform(patch, size, c, |y, x| (last - x, y));
        }
    }
    if sampling.intensity_jitter > 0.0 {
        let j = sampling.intensity_jitter;
        let scale = 1.0 + (rng.uniform() * 2.0 - 1.0) * j;
        let shift = (rng.uniform() * 2.0 - 1.0) * j;
        patch.pixels.iter_mut().for_each(|v| *v = (f64::from(*v) * scale + shift) as f32);
    }
    patch
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 6x5 grey image whose pixel value is its index, a mask marking
    /// column 2 and a region leaving out row 0.
    fn pair() -> SegmentationPair {
        let (h, w) = (6, 5);
        SegmentationPair {
            id: "a".into(),
            image: (0..(h * w) as u8).collect(),
            channels: 1,
            height: h,
            width: w,
            mask: (0..h * w).map(|p| u8::from(p % w == 2)).collect(),
            roi: Some((0..h * w).map(|p| p >= w).collect()),
        }
    }

    fn plain(size: usize, share: f64) -> PatchSampling {
        PatchSampling { size, foreground_share: share, flips: false, rotate90: false, intensity_jitter: 0.0 }
    }

    #[test]
    fn a_foreground_patch_is_centred_on_foreground_inside_the_region() {
        let p = pair();
        let mut rng = Rng::new(3);
        for _ in 0..20 {
            let patch = training_patch(&p, &plain(3, 1.0), &mut rng);
            // The centre of a 3x3 patch inside the image is its pixel 4.
            assert_eq!(patch.classes[4], 1);
            assert!(patch.counts[4]);
            // Mask and pixels stay together: foreground is column 2 (value % 5 == 2).
            for (v, c) in patch.pixels.iter().zip(&patch.classes) {
                assert_eq!(((v * 255.0).round() as usize % 5 == 2) as u8, *c);
            }
        }
        let background = training_patch(&p, &plain(3, 0.0), &mut rng);
        assert_eq!(background.classes[4], 0);
    }

    #[test]
    fn a_patch_larger_than_the_image_is_padded_and_the_padding_does_not_count() {
        let patch = training_patch(&pair(), &plain(8, 0.5), &mut Rng::new(1));
        assert_eq!(patch.counts.iter().filter(|&&c| c).count(), 5 * 5, "rows 1-5 of 6, all 5 columns");
        assert_eq!(patch.classes.iter().filter(|&&c| c == 1).count(), 6);
    }

    /// Flips and rotations move pixels, classes and region together, and
    /// keep every value; jitter changes pixels only.
    #[test]
    fn augmentation_keeps_image_and_mask_aligned() {
        let p = pair();
        let sampling =
            PatchSampling { size: 4, foreground_share: 0.5, flips: true, rotate90: true, intensity_jitter: 0.0 };
        let mut seen_turned = false;
        for seed in 0..30 {
            let patch = training_patch(&p, &sampling, &mut Rng::new(seed));
            for (v, c) in patch.pixels.iter().zip(&patch.classes) {
                assert_eq!(((v * 255.0).round() as usize % 5 == 2) as u8, *c, "seed {seed}");
            }
            // Column 2 upright is a vertical line; turned, it is a horizontal one.
            seen_turned |= patch.classes.chunks(4).any(|row| row.iter().all(|&c| c == 1));
        }
        assert!(seen_turned, "some patch was rotated by a quarter turn");
        let jitter = PatchSampling { intensity_jitter: 0.2, ..plain(4, 0.5) };
        let (a, b) =
            (training_patch(&p, &plain(4, 0.5), &mut Rng::new(9)), training_patch(&p, &jitter, &mut Rng::new(9)));
        assert_eq!((a.classes, a.counts), (b.classes, b.counts));
        assert_ne!(a.pixels, b.pixels);
    }

    #[test]
    fn the_same_seed_gives_the_same_patch() {
        let sampling =
            PatchSampling { size: 4, foreground_share: 0.5, flips: true, rotate90: true, intensity_jitter: 0.1 };
        let draw = |seed| training_patch(&pair(), &sampling, &mut Rng::new(seed));
        assert_eq!(draw(5), draw(5));
    }
}
