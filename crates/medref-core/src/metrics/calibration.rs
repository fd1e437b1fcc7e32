//! Calibration: whether a predicted 0.8 means "80% of such patients are
//! positive", which matters as soon as a probability is shown to a clinician.

use serde::{Deserialize, Serialize};

/// Whether every score is a probability (NaN fails too).
fn all_probabilities(scores: &[f64]) -> bool {
    scores.iter().all(|s| (0.0..=1.0).contains(s))
}

/// Mean squared difference between the predicted probability and the 0/1
/// outcome: 0 is perfect, 0.25 is what always saying 0.5 earns.
///
/// Same as scikit-learn's `brier_score_loss`. Empty input, different
/// lengths, or a score outside `[0, 1]` (NaN included) give NaN.
pub fn brier_score(labels: &[bool], scores: &[f64]) -> f64 {
    if labels.len() != scores.len() || labels.is_empty() || !all_probabilities(scores) {
        return f64::NAN;
    }
    let total: f64 =
        labels.iter().zip(scores).map(|(&label, &score)| (score - f64::from(u8::from(label))).powi(2)).sum();
    total / labels.len() as f64
}

/// Multi-class Brier score for `probs` of shape `[n, n_classes]` (row-major):
/// mean over samples of the summed squared error against the one-hot truth,
/// ranging from 0 to 2.
///
/// This is Brier's original definition and scikit-learn's multi-class
/// `brier_score_loss`; for two classes it is twice [`brier_score`]. Empty
/// input, `probs.len() != labels.len() * n_classes`, a label `>= n_classes`
/// or a probability outside `[0, 1]` give NaN.
pub fn brier_score_multiclass(labels: &[usize], probs: &[f64], n_classes: usize) -> f64 {
    let shape_ok = n_classes > 0 && Some(probs.len()) == labels.len().checked_mul(n_classes);
    if !shape_ok || labels.is_empty() || labels.iter().any(|&class| class >= n_classes) || !all_probabilities(probs) {
        return f64::NAN;
    }
    let total: f64 = labels
        .iter()
        .zip(probs.chunks_exact(n_classes))
        .map(|(&truth, row)| {
            row.iter().enumerate().map(|(class, &p)| (p - if class == truth { 1.0 } else { 0.0 }).powi(2)).sum::<f64>()
        })
        .sum();
    total / labels.len() as f64
}

/// One bin of a reliability diagram: the samples whose score fell in
/// `[lower, upper)` (the last bin also holds 1.0), their mean score and the
/// fraction of them that were positive. A calibrated model has
/// `mean_score` close to `fraction_positive` in every bin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge, inclusive.
    pub lower: f64,
    /// Upper edge, exclusive except for the last bin (1.0).
    pub upper: f64,
    /// Samples in the bin, always at least one.
    pub count: u64,
    /// Mean predicted probability of those samples: the x of the diagram.
    pub mean_score: f64,
    /// Fraction of those samples that were positive: the y of the diagram.
    pub fraction_positive: f64,
}

/// Which of `n_bins` equal-width bins on `[0, 1]` holds `score`, using the
/// bin edges `i / n_bins` exactly as [`CalibrationBin`] reports them.
fn bin_index(score: f64, n_bins: usize) -> usize {
    let lower_edge = |i: usize| i as f64 / n_bins as f64;
    let mut bin = ((score * n_bins as f64) as usize).min(n_bins - 1);
    // The product can round across an edge; settle on the reported edges.
    if bin > 0 && score < lower_edge(bin) {
        bin -= 1;
    } else if bin + 1 < n_bins && score >= lower_edge(bin + 1) {
        bin += 1;
    }
    bin
}

/// Per-bin sums, or `None` where calibration is undefined.
fn binned(labels: &[bool], scores: &[f64], n_bins: usize) -> Option<Vec<(u64, f64, u64)>> {
    if n_bins == 0 || labels.len() != scores.len() || labels.is_empty() || !all_probabilities(scores) {
        return None;
    }
    let mut bins = vec![(0u64, 0.0f64, 0u64); n_bins];
    for (&label, &score) in labels.iter().zip(scores) {
        let bin = &mut bins[bin_index(score, n_bins)];
        bin.0 += 1;
        bin.1 += score;
        bin.2 += u64::from(label);
    }
    Some(bins)
}

/// The reliability diagram behind [`expected_calibration_error`], for plots.
///
/// Bins are `n_bins` equal-width intervals `[i/n_bins, (i+1)/n_bins)` with
/// 1.0 in the last one. Empty bins are left out, as in scikit-learn's
/// `calibration_curve`, so every field is a number. An empty `Vec` for empty
/// input, different lengths, `n_bins == 0` or a score outside `[0, 1]`.
pub fn calibration_curve(labels: &[bool], scores: &[f64], n_bins: usize) -> Vec<CalibrationBin> {
    let Some(bins) = binned(labels, scores, n_bins) else {
        return Vec::new();
    };
    bins.into_iter()
        .enumerate()
        .filter(|(_, (count, _, _))| *count > 0)
        .map(|(i, (count, score_sum, positives))| CalibrationBin {
            lower: i as f64 / n_bins as f64,
            upper: (i + 1) as f64 / n_bins as f64,
            count,
            mean_score: score_sum / count as f64,
            fraction_positive: positives as f64 / count as f64,
        })
        .collect()
}

/// Expected calibration error: the count-weighted mean over equal-width bins
/// of `|mean score - fraction positive|`, 0 for a perfectly calibrated model.
///
/// Bin edges as in [`calibration_curve`]: a score on an edge `i/n_bins` goes
/// to the bin above, and 1.0 goes to the last bin. The value depends on
/// `n_bins`; medref's summaries use 15. Empty input, different lengths,
/// `n_bins == 0` or a score outside `[0, 1]` give NaN.
pub fn expected_calibration_error(labels: &[bool], scores: &[f64], n_bins: usize) -> f64 {
    let curve = calibration_curve(labels, scores, n_bins);
    let total: u64 = curve.iter().map(|bin| bin.count).sum();
    if total == 0 {
        return f64::NAN;
    }
    curve.iter().map(|bin| bin.count as f64 * (bin.mean_score - bin.fraction_positive).abs()).sum::<f64>()
        / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    // Hand example, 5 bins of width 0.2.
    const LABELS: [bool; 8] = [false, false, true, false, true, true, true, false];
    const SCORES: [f64; 8] = [0.05, 0.15, 0.35, 0.45, 0.85, 0.95, 1.0, 0.62];

    #[test]
    fn brier_binary_by_hand() {
        // (0.1^2 + 0.2^2 + 0.4^2 + 0.5^2) / 4 = 0.46 / 4 = 0.115;
        // scikit-learn 1.9.1 gives 0.115.
        let value = brier_score(&[true, false, true, false], &[0.9, 0.2, 0.6, 0.5]);
        assert!(close(value, 0.115));
        assert!(brier_score(&[], &[]).is_nan());
        assert!(brier_score(&[true], &[1.5]).is_nan());
        assert!(brier_score(&[true], &[0.5, 0.5]).is_nan());
    }

    #[test]
    fn brier_multiclass_by_hand() {
        // Sample 0 (true 0): 0.3^2 + 0.2^2 + 0.1^2 = 0.14;
        // sample 1 (true 2): 0.1^2 + 0.3^2 + 0.4^2 = 0.26. Mean 0.2.
        // scikit-learn 1.9.1 brier_score_loss(labels=[0,1,2]) gives 0.2.
        let probs = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6];
        assert!(close(brier_score_multiclass(&[0, 2], &probs, 3), 0.2));
        assert!(brier_score_multiclass(&[0, 3], &probs, 3).is_nan());
        assert!(brier_score_multiclass(&[0], &probs, 3).is_nan());
        assert!(brier_score_multiclass(&[], &[], 3).is_nan());
    }

    #[test]
    fn two_class_brier_is_twice_binary() {
        let labels = [true, false, true];
        let scores = [0.8, 0.3, 0.4];
        let probs: Vec<f64> = scores.iter().flat_map(|&p| [1.0 - p, p]).collect();
        let classes: Vec<usize> = labels.iter().map(|&l| usize::from(l)).collect();
        let multi = brier_score_multiclass(&classes, &probs, 2);
        assert!(close(multi, 2.0 * brier_score(&labels, &scores)));
    }

    #[test]
    fn calibration_curve_by_hand() {
        // [0, .2): 0.05, 0.15, no positive -> mean 0.1, frac 0.
        // [.2, .4): 0.35 positive. [.4, .6): 0.45 negative.
        // [.6, .8): 0.62 negative. [.8, 1]: 0.85, 0.95, 1.0 all positive.
        // scikit-learn 1.9.1 calibration_curve(n_bins=5) gives prob_true
        // [0, 1, 0, 0, 1], prob_pred [0.1, 0.35, 0.45, 0.62, 0.9333].
        let curve = calibration_curve(&LABELS, &SCORES, 5);
        let counts: Vec<u64> = curve.iter().map(|b| b.count).collect();
        let fractions: Vec<f64> = curve.iter().map(|b| b.fraction_positive).collect();
        assert_eq!(counts, vec![2, 1, 1, 1, 3]);
        assert_eq!(fractions, vec![0.0, 1.0, 0.0, 0.0, 1.0]);
        assert!(close(curve[0].mean_score, 0.1));
        assert!(close(curve[4].mean_score, 2.8 / 3.0));
        assert_eq!((curve[4].lower, curve[4].upper), (0.8, 1.0));
    }

    #[test]
    fn ece_by_hand() {
        // Gaps: 0.1 (2 samples), 0.65, 0.45, 0.62, 0.2/3 (3 samples).
        // (0.2 + 0.65 + 0.45 + 0.62 + 0.2) / 8 = 2.12 / 8 = 0.265.
        assert!(close(expected_calibration_error(&LABELS, &SCORES, 5), 0.265));
        assert!(expected_calibration_error(&LABELS, &SCORES, 0).is_nan());
        assert!(expected_calibration_error(&[], &[], 10).is_nan());
        assert!(expected_calibration_error(&[true], &[f64::NAN], 10).is_nan());
    }

    #[test]
    fn edges_go_to_the_bin_above_and_one_to_the_last() {
        // The product score * n_bins can round across an edge both ways:
        // (15/22) * 22 is 14.999999999999998, yet 15/22 is bin 15's lower edge;
        // 0.9.next_down() * 10 is 9.0, yet that score is below the edge 0.9.
        assert_eq!(bin_index(15.0 / 22.0, 22), 15);
        assert_eq!(bin_index(0.9_f64.next_down(), 10), 8);
        // scikit-learn's searchsorted against np.linspace edges puts 0.3 in
        // bin 2 (its edge is 0.30000000000000004); here it opens bin 3.
        assert_eq!(bin_index(0.3, 10), 3);
        assert_eq!(bin_index(0.0, 10), 0);
        assert_eq!(bin_index(1.0, 10), 9);
        assert_eq!(bin_index(0.4, 5), 2);
        assert_eq!(bin_index(0.4_f64.next_down(), 5), 1);
        for n_bins in [7, 10, 15, 22, 100, 1000] {
            for i in 1..n_bins {
                let edge = i as f64 / n_bins as f64;
                assert_eq!(bin_index(edge, n_bins), i, "edge {edge}");
                assert_eq!(bin_index(edge.next_down(), n_bins), i - 1, "below {edge}");
            }
        }
    }

    #[test]
    fn perfectly_calibrated_bins_give_zero_ece() {
        // Bin [.2, .3): scores 0.25, 1 of 4 positive; bin [.7, .8): 0.75, 3 of 4.
        let labels = [true, false, false, false, true, true, true, false];
        let scores = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75];
        assert!(close(expected_calibration_error(&labels, &scores, 10), 0.0));
    }
}
