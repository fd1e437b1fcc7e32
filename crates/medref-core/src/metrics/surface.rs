//! Distances between the surfaces (boundaries) of two masks, in 2D or 3D.
//!
//! Overlap (Dice) says how much of a structure was found; it cannot say
//! whether the misses are a thin rim all round or one stray blob far away,
//! which matters for a vessel map or a tumour margin. Surface distances do:
//! the 95th-percentile Hausdorff distance (the far end of the boundary
//! error, without its single worst pixel) and the mean surface distance.
//! Definitions follow MONAI's `compute_hausdorff_distance` and
//! `compute_average_surface_distance` (symmetric), so numbers compare:
//! - a surface pixel is a mask pixel with a face neighbour outside the mask
//!   (pixels on the image border count as surface), as binary erosion with
//!   the cross-shaped element and a zero border gives;
//! - each surface pixel of one mask is given its Euclidean distance to the
//!   nearest surface pixel of the other, in physical units (`spacing` per
//!   axis: millimetres where known, else 1 = pixels);
//! - HD95 is the larger of the two directions' 95th percentiles (numpy's
//!   linear interpolation); the mean surface distance is the mean over both
//!   directions' distances together.

/// Surface distances of two masks in both directions.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceDistances {
    /// From each surface pixel of the prediction to the truth's surface.
    pub pred_to_truth: Vec<f64>,
    /// From each surface pixel of the truth to the prediction's surface.
    pub truth_to_pred: Vec<f64>,
}

impl SurfaceDistances {
    /// Surface distances of `pred` and `truth`, masks of `shape` (row-major,
    /// the last axis fastest) with `spacing` per axis. `None` when either
    /// mask is empty (the distance is then undefined, as in MONAI, which
    /// gives infinity), when lengths disagree or a spacing is not positive.
    pub fn new(pred: &[bool], truth: &[bool], shape: &[usize], spacing: &[f64]) -> Option<Self> {
        let n: usize = shape.iter().product();
        if pred.len() != n || truth.len() != n || spacing.len() != shape.len() || n == 0 {
            return None;
        }
        if spacing.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return None;
        }
        let (pred_edge, truth_edge) = (surface(pred, shape), surface(truth, shape));
        if !pred_edge.iter().any(|&e| e) || !truth_edge.iter().any(|&e| e) {
            return None;
        }
        let to_truth = distance_to(&truth_edge, shape, spacing);
        let to_pred = distance_to(&pred_edge, shape, spacing);
        let pick = |edge: &[bool], dist: &[f64]| -> Vec<f64> {
            edge.iter().zip(dist).filter(|(e, _)| **e).map(|(_, d)| *d).collect()
        };
        Some(Self { pred_to_truth: pick(&pred_edge, &to_truth), truth_to_pred: pick(&truth_edge, &to_pred) })
    }

    /// The symmetric Hausdorff distance at `percentile` (0-100; 95 for
    /// HD95, 100 for the classic maximum).
    pub fn hausdorff(&self, percentile: f64) -> f64 {
        percentile_of(&self.pred_to_truth, percentile).max(percentile_of(&self.truth_to_pred, percentile))
    }

    /// The mean over both directions' distances.
    pub fn mean(&self) -> f64 {
        let all = self.pred_to_truth.iter().chain(&self.truth_to_pred);
        all.clone().sum::<f64>() / all.count() as f64
    }
}

/// numpy's `percentile` (linear interpolation) of non-empty `values`.
fn percentile_of(values: &[f64], percentile: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    crate::metrics::bootstrap::percentile(&sorted, (percentile / 100.0).clamp(0.0, 1.0))
}

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for axis in (0..shape.len().saturating_sub(1)).rev() {
        strides[axis] = strides[axis + 1] * shape[axis + 1];
    }
    strides
}

/// Mask pixels with a face neighbour outside the mask or off the image.
fn surface(mask: &[bool], shape: &[usize]) -> Vec<bool> {
    let strides = strides(shape);
    (0..mask.len())
        .map(|i| {
            mask[i]
                && shape.iter().zip(&strides).any(|(&len, &stride)| {
                    let at = (i / stride) % len;
                    at == 0 || at + 1 == len || !mask[i - stride] || !mask[i + stride]
                })
        })
        .collect()
}

/// Euclidean distance from every pixel to the nearest `feature` pixel, as
/// the exact separable transform of Felzenszwalb and Huttenlocher (squared
/// distances along one axis at a time, each a lower envelope of parabolas).
fn distance_to(feature: &[bool], shape: &[usize], spacing: &[f64]) -> Vec<f64> {
    let mut d: Vec<f64> = feature.iter().map(|&f| if f { 0.0 } else { f64::INFINITY }).collect();
    let strides = strides(shape);
    for (axis, (&len, &stride)) in shape.iter().zip(&strides).enumerate() {
        let w2 = spacing[axis] * spacing[axis];
        let mut line = vec![0.0; len];
        let mut out = vec![0.0; len];
        let (mut v, mut z) = (vec![0usize; len], vec![0.0f64; len + 1]);
        for start in 0..d.len() {
            // Each line along `axis` once: from the pixels whose index on it is 0.
            if (start / stride) % len != 0 {
                continue;
            }
            for (k, slot) in line.iter_mut().enumerate() {
                *slot = d[start + k * stride];
            }
            envelope(&line, w2, &mut out, &mut v, &mut z);
            for (k, value) in out.iter().enumerate() {
                d[start + k * stride] = *value;
            }
        }
    }
    d.iter_mut().for_each(|x| *x = x.sqrt());
    d
}

/// One-dimensional squared distance transform of `f` with squared step
/// `w2`: `out[p] = min_q f[q] + w2 (p - q)^2`.
fn envelope(f: &[f64], w2: f64, out: &mut [f64], v: &mut [usize], z: &mut [f64]) {
    let n = f.len();
    let Some(first) = f.iter().position(|x| x.is_finite()) else {
        out.iter_mut().for_each(|o| *o = f64::INFINITY);
        return;
    };
    let mut k = 0;
    v[0] = first;
    z[0] = f64::NEG_INFINITY;
    z[1] = f64::INFINITY;
    for q in first + 1..n {
        if !f[q].is_finite() {
            continue;
        }
        // z[0] is minus infinity, so this stops at k = 0 at the latest.
        let mut s = parabola_crossing(f, w2, v[k], q);
        while s <= z[k] {
            k -= 1;
            s = parabola_crossing(f, w2, v[k], q);
        }
        k += 1;
        v[k] = q;
        z[k] = s;
        z[k + 1] = f64::INFINITY;
    }
    let mut k = 0;
    for (p, o) in out.iter_mut().enumerate() {
        while z[k + 1] < p as f64 {
            k += 1;
        }
        let q = v[k];
        let dq = p as f64 - q as f64;
        *o = w2 * dq * dq + f[q];
    }
}

/// Where the parabolas rooted at `p` and `q` (p < q) cross.
fn parabola_crossing(f: &[f64], w2: f64, p: usize, q: usize) -> f64 {
    ((f[q] + w2 * (q * q) as f64) - (f[p] + w2 * (p * p) as f64)) / (2.0 * w2 * (q - p) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(shape: [usize; 2], on: &[(usize, usize)]) -> Vec<bool> {
        let mut m = vec![false; shape[0] * shape[1]];
        for &(r, c) in on {
            m[r * shape[1] + c] = true;
        }
        m
    }

    #[test]
    fn two_squares_one_column_apart_by_hand() {
        // 2x2 squares; every pixel is surface. Prediction to truth: the
        // left column is 1 away, the right one 0; the same the other way.
        let pred = mask([5, 5], &[(1, 1), (1, 2), (2, 1), (2, 2)]);
        let truth = mask([5, 5], &[(1, 2), (1, 3), (2, 2), (2, 3)]);
        let d = SurfaceDistances::new(&pred, &truth, &[5, 5], &[1.0, 1.0]).unwrap();
        let mut p2t = d.pred_to_truth.clone();
        p2t.sort_by(f64::total_cmp);
        assert_eq!(p2t, vec![0.0, 0.0, 1.0, 1.0]);
        assert_eq!(d.hausdorff(95.0), 1.0);
        assert_eq!(d.mean(), 0.5);
        // Columns 0.5 mm apart, rows 2 mm: the shift is along the columns.
        let d = SurfaceDistances::new(&pred, &truth, &[5, 5], &[2.0, 0.5]).unwrap();
        assert_eq!((d.hausdorff(95.0), d.mean()), (0.5, 0.25));
    }

    #[test]
    fn distances_are_euclidean_and_empty_masks_are_undefined() {
        let pred = mask([6, 6], &[(0, 0)]);
        let truth = mask([6, 6], &[(3, 4)]);
        let d = SurfaceDistances::new(&pred, &truth, &[6, 6], &[1.0, 1.0]).unwrap();
        assert_eq!((d.hausdorff(95.0), d.mean()), (5.0, 5.0));
        assert!(SurfaceDistances::new(&pred, &[false; 36], &[6, 6], &[1.0, 1.0]).is_none());
        assert!(SurfaceDistances::new(&pred, &truth, &[6, 6], &[0.0, 1.0]).is_none());
    }

    #[test]
    fn the_inside_of_a_filled_square_is_not_surface() {
        let on: Vec<(usize, usize)> = (1..4).flat_map(|r| (1..4).map(move |c| (r, c))).collect();
        let edge = surface(&mask([5, 5], &on), &[5, 5]);
        assert_eq!(edge.iter().filter(|&&e| e).count(), 8, "a 3x3 square has 8 boundary pixels");
        assert!(!edge[2 * 5 + 2]);
    }

    #[test]
    fn three_dimensional_voxels_with_spacing() {
        // One voxel each, 2 slices apart at 2.5 mm and 3 rows at 1 mm: sqrt(25 + 9).
        let shape = [4, 4, 4];
        let mut pred = vec![false; 64];
        let mut truth = vec![false; 64];
        pred[0] = true;
        truth[2 * 16 + 3 * 4] = true;
        let d = SurfaceDistances::new(&pred, &truth, &shape, &[2.5, 1.0, 1.0]).unwrap();
        assert!((d.hausdorff(100.0) - 34f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn the_transform_matches_brute_force() {
        // Scattered features on a 9x7 grid with unequal spacing.
        let shape = [9, 7];
        let feature: Vec<bool> = (0..63).map(|i| (i * 37 + 11) % 17 == 0).collect();
        let d = distance_to(&feature, &shape, &[1.3, 0.7]);
        for (i, got) in d.iter().enumerate() {
            let (r, c) = ((i / 7) as f64, (i % 7) as f64);
            let best = (0..63)
                .filter(|&j| feature[j])
                .map(|j| {
                    let (rj, cj) = ((j / 7) as f64, (j % 7) as f64);
                    ((1.3 * (r - rj)).powi(2) + (0.7 * (c - cj)).powi(2)).sqrt()
                })
                .fold(f64::INFINITY, f64::min);
            assert!((got - best).abs() < 1e-9, "pixel {i}: {got} vs {best}");
        }
    }
}
