//! Segmentation metrics: overlap and boundary error of predicted masks,
//! per image and as a mean over images with a bootstrap interval.
//!
//! An image, not a pixel, is the unit a segmentation study samples (pixels
//! of one image are anything but independent), so the interval resamples
//! images. Overlap (Dice, IoU) and pixel sensitivity and specificity are
//! counted inside an optional region of interest (DRIVE's field of view:
//! the black border outside the retina is not "correctly background").
//! Conventions follow MONAI's metrics so numbers compare with its tables:
//! an image whose truth is empty has no Dice or IoU (MONAI's
//! `ignore_empty`), and surface distances are undefined when either mask
//! is empty ([`super::surface`]); such images are left out of that
//! metric's mean and the summary says how many were used.

use std::collections::BTreeMap;

use super::bootstrap::bootstrap_ci;
use super::mean;
use super::surface::SurfaceDistances;

/// Pixel counts of one binary mask against its truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OverlapCounts {
    /// Foreground in both.
    pub true_positive: u64,
    /// Predicted foreground, truly background.
    pub false_positive: u64,
    /// Missed foreground.
    pub false_negative: u64,
    /// Background in both.
    pub true_negative: u64,
}

impl OverlapCounts {
    /// Counts inside `roi` (every pixel without one). `None` when lengths
    /// disagree.
    pub fn new(pred: &[bool], truth: &[bool], roi: Option<&[bool]>) -> Option<Self> {
        if pred.len() != truth.len() || roi.is_some_and(|r| r.len() != pred.len()) {
            return None;
        }
        let mut c = Self::default();
        for i in 0..pred.len() {
            if roi.is_some_and(|r| !r[i]) {
                continue;
            }
            match (pred[i], truth[i]) {
                (true, true) => c.true_positive += 1,
                (true, false) => c.false_positive += 1,
                (false, true) => c.false_negative += 1,
                (false, false) => c.true_negative += 1,
            }
        }
        Some(c)
    }

    /// `2 TP / (2 TP + FP + FN)`; `None` when the truth is empty.
    pub fn dice(&self) -> Option<f64> {
        let tp = self.true_positive as f64;
        self.has_truth().then(|| 2.0 * tp / (2.0 * tp + (self.false_positive + self.false_negative) as f64))
    }

    /// `TP / (TP + FP + FN)` (Jaccard); `None` when the truth is empty.
    pub fn iou(&self) -> Option<f64> {
        let tp = self.true_positive as f64;
        self.has_truth().then(|| tp / (tp + (self.false_positive + self.false_negative) as f64))
    }

    /// Share of true foreground pixels found; `None` without any.
    pub fn sensitivity(&self) -> Option<f64> {
        self.has_truth().then(|| self.true_positive as f64 / (self.true_positive + self.false_negative) as f64)
    }

    /// Share of true background pixels kept background; `None` without any.
    pub fn specificity(&self) -> Option<f64> {
        let negatives = self.true_negative + self.false_positive;
        (negatives > 0).then(|| self.true_negative as f64 / negatives as f64)
    }

    fn has_truth(&self) -> bool {
        self.true_positive + self.false_negative > 0
    }
}

/// One image's metrics; `None` where undefined (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ImageSegmentation {
    pub dice: Option<f64>,
    pub iou: Option<f64>,
    pub sensitivity: Option<f64>,
    pub specificity: Option<f64>,
    /// 95th-percentile symmetric Hausdorff distance, in `spacing` units.
    pub hd95: Option<f64>,
    /// Mean symmetric surface distance, in `spacing` units.
    pub mean_surface_distance: Option<f64>,
}

impl ImageSegmentation {
    /// Metrics of `pred` against `truth`, masks of `shape` (row-major) with
    /// `spacing` per axis (1 per axis for pixels). Inside `roi` when given:
    /// pixels outside it count for neither overlap nor surfaces. `None`
    /// when the lengths disagree with `shape`.
    pub fn new(pred: &[bool], truth: &[bool], roi: Option<&[bool]>, shape: &[usize], spacing: &[f64]) -> Option<Self> {
        let counts = OverlapCounts::new(pred, truth, roi)?;
        if pred.len() != shape.iter().product::<usize>() {
            return None;
        }
        let inside = |m: &[bool]| -> Vec<bool> {
            match roi {
                Some(r) => m.iter().zip(r).map(|(a, b)| *a && *b).collect(),
                None => m.to_vec(),
            }
        };
        let surfaces = SurfaceDistances::new(&inside(pred), &inside(truth), shape, spacing);
        Some(Self {
            dice: counts.dice(),
            iou: counts.iou(),
            sensitivity: counts.sensitivity(),
            specificity: counts.specificity(),
            hd95: surfaces.as_ref().map(|s| s.hausdorff(95.0)),
            mean_surface_distance: surfaces.as_ref().map(SurfaceDistances::mean),
        })
    }
}

/// Reads one metric of an image.
type Metric = fn(&ImageSegmentation) -> Option<f64>;

/// The metrics by name, as `metrics.json` keys them.
const METRICS: [(&str, Metric); 6] = [
    ("dice", |m| m.dice),
    ("iou", |m| m.iou),
    ("sensitivity", |m| m.sensitivity),
    ("specificity", |m| m.specificity),
    ("hd95", |m| m.hd95),
    ("mean_surface_distance", |m| m.mean_surface_distance),
];

/// Mean over images of each metric, `<metric>_ci_low`/`_ci_high` (a
/// percentile bootstrap over images, `bootstrap` resamples; 0 skips it),
/// and `<metric>_images`, the number of images where it was defined; `n`
/// is the number of images. Undefined means are absent.
pub fn segmentation_summary(per_image: &[ImageSegmentation], bootstrap: usize, seed: u64) -> BTreeMap<String, f64> {
    let mut map = BTreeMap::new();
    map.insert("n".to_string(), per_image.len() as f64);
    for (name, get) in METRICS {
        let values: Vec<f64> = per_image.iter().filter_map(get).filter(|v| v.is_finite()).collect();
        map.insert(format!("{name}_images"), values.len() as f64);
        let Some(average) = mean(values.iter().copied()) else { continue };
        map.insert(name.to_string(), average);
        if bootstrap == 0 {
            continue;
        }
        let ci = bootstrap_ci(values.len(), bootstrap, seed, |idx| mean(idx.iter().map(|&i| values[i])));
        if let Some(ci) = ci {
            map.insert(format!("{name}_ci_low"), ci.lower);
            map.insert(format!("{name}_ci_high"), ci.upper);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 5x5 image: truth a 2x2 square at rows 1-2, columns 2-3; the
    /// prediction the same square one column to the left.
    fn shifted_squares() -> (Vec<bool>, Vec<bool>) {
        let at = |cells: [(usize, usize); 4]| {
            let mut m = vec![false; 25];
            cells.iter().for_each(|&(r, c)| m[r * 5 + c] = true);
            m
        };
        (at([(1, 1), (1, 2), (2, 1), (2, 2)]), at([(1, 2), (1, 3), (2, 2), (2, 3)]))
    }

    #[test]
    fn overlap_of_two_shifted_squares_by_hand() {
        let (pred, truth) = shifted_squares();
        let m = ImageSegmentation::new(&pred, &truth, None, &[5, 5], &[1.0, 1.0]).unwrap();
        // TP 2, FP 2, FN 2, TN 19.
        assert_eq!(m.dice, Some(0.5));
        assert_eq!(m.iou, Some(2.0 / 6.0));
        assert_eq!(m.sensitivity, Some(0.5));
        assert_eq!(m.specificity, Some(19.0 / 21.0));
        assert_eq!((m.hd95, m.mean_surface_distance), (Some(1.0), Some(0.5)));
    }

    #[test]
    fn pixels_outside_the_region_of_interest_do_not_count() {
        let (pred, truth) = shifted_squares();
        // Only columns 2-4: the stray predicted column 1 is outside.
        let roi: Vec<bool> = (0..25).map(|i| i % 5 >= 2).collect();
        let m = ImageSegmentation::new(&pred, &truth, Some(&roi), &[5, 5], &[1.0, 1.0]).unwrap();
        // TP 2, FP 0, FN 2, TN 11.
        assert_eq!(m.dice, Some(4.0 / 6.0));
        assert_eq!(m.specificity, Some(1.0));
    }

    #[test]
    fn an_empty_truth_leaves_overlap_undefined_and_the_summary_counts_images() {
        let (pred, _) = shifted_squares();
        let empty = ImageSegmentation::new(&pred, &[false; 25], None, &[5, 5], &[1.0, 1.0]).unwrap();
        assert_eq!((empty.dice, empty.hd95), (None, None));
        assert_eq!(empty.specificity, Some(21.0 / 25.0));
        let (pred, truth) = shifted_squares();
        let good = ImageSegmentation::new(&truth, &truth, None, &[5, 5], &[1.0, 1.0]).unwrap();
        let half = ImageSegmentation::new(&pred, &truth, None, &[5, 5], &[1.0, 1.0]).unwrap();
        let s = segmentation_summary(&[good, half, empty], 200, 0);
        assert_eq!(s["n"], 3.0);
        assert_eq!((s["dice"], s["dice_images"]), (0.75, 2.0));
        assert_eq!(s["hd95"], 0.5);
        assert!(s["dice_ci_low"] >= 0.5 && s["dice_ci_high"] <= 1.0 && s["dice_ci_low"] < s["dice_ci_high"]);
        assert!(!segmentation_summary(&[good, half], 0, 0).contains_key("dice_ci_low"));
    }

    /// A circle against an ellipse on a 32x40 grid with 0.8 x 1.1 mm
    /// pixels; the expected values are SciPy's (`binary_erosion` for the
    /// surfaces, `distance_transform_edt` with `sampling`, numpy's
    /// percentile), computed the way MONAI does.
    #[test]
    fn a_circle_against_an_ellipse_matches_scipy() {
        let (h, w) = (32usize, 40usize);
        let grid = |inside: &dyn Fn(f64, f64) -> bool| -> Vec<bool> {
            (0..h * w).map(|i| inside((i / w) as f64, (i % w) as f64)).collect()
        };
        let pred = grid(&|r, c| (r - 15.3).powi(2) + (c - 18.7).powi(2) <= 81.0);
        let truth = grid(&|r, c| ((r - 16.0) / 8.0).powi(2) + ((c - 20.0) / 11.0).powi(2) <= 1.0);
        let counts = OverlapCounts::new(&pred, &truth, None).unwrap();
        assert_eq!((counts.true_positive, counts.false_positive, counts.false_negative), (231, 24, 44));
        let m = ImageSegmentation::new(&pred, &truth, None, &[h, w], &[0.8, 1.1]).unwrap();
        assert!((m.dice.unwrap() - 0.8716981132075472).abs() < 1e-12);
        assert!((m.hd95.unwrap() - 3.3000000000000003).abs() < 1e-9, "{:?}", m.hd95);
        assert!((m.mean_surface_distance.unwrap() - 1.0915757104170343).abs() < 1e-9, "{:?}", m.mean_surface_distance);
    }
}
