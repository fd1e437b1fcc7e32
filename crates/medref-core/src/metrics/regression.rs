//! Regression metrics: how far predicted quantities (length of stay, dose,
//! binding affinity, age from an image) fall from the measured ones, and
//! whether they at least move together.
//!
//! Error metrics ([`rmse`], [`mae`]) are in the units of the target, so a
//! clinician can read them; [`r2`] compares against always predicting the
//! mean; [`pearson`] and [`spearman`] ask only whether predictions track the
//! truth, which is what matters when the output is used to rank patients.
//!
//! Every function takes `(y_true, y_pred)` of equal length and returns NaN
//! where the metric is undefined: empty input, different lengths, or a
//! non-finite value (NaN or infinity) in either slice. A non-finite value is
//! refused rather than propagated because one infinite prediction would
//! otherwise turn RMSE into infinity and Pearson into NaN for unrelated
//! reasons; the summaries leave such metrics out.

/// Whether the two slices form a usable sample: same length, at least one
/// pair, and only finite numbers.
fn paired(y_true: &[f64], y_pred: &[f64]) -> bool {
    y_true.len() == y_pred.len() && !y_true.is_empty() && y_true.iter().chain(y_pred).all(|v| v.is_finite())
}

/// Whether every value equals the first. Checked exactly instead of testing
/// the sum of squares against zero, because the mean of three copies of 0.1
/// is not exactly 0.1 and would leave a tiny, meaningless spread.
fn is_constant(values: &[f64]) -> bool {
    values.iter().all(|&v| v == values[0])
}

/// Root mean squared error, `sqrt(mean((y_pred - y_true)^2))`, in the units
/// of the target; large errors weigh more than in [`mae`].
///
/// Same as `sqrt(sklearn.metrics.mean_squared_error)`. NaN for empty,
/// different-length or non-finite input.
pub fn rmse(y_true: &[f64], y_pred: &[f64]) -> f64 {
    if !paired(y_true, y_pred) {
        return f64::NAN;
    }
    let squared = y_true.iter().zip(y_pred).map(|(t, p)| (p - t).powi(2));
    super::mean(squared).map_or(f64::NAN, f64::sqrt)
}

/// Mean absolute error, `mean(|y_pred - y_true|)`, in the units of the
/// target: the typical miss, less swayed by a few outliers than [`rmse`].
///
/// Same as `sklearn.metrics.mean_absolute_error`. NaN for empty,
/// different-length or non-finite input.
pub fn mae(y_true: &[f64], y_pred: &[f64]) -> f64 {
    if !paired(y_true, y_pred) {
        return f64::NAN;
    }
    super::mean(y_true.iter().zip(y_pred).map(|(t, p)| (p - t).abs())).unwrap_or(f64::NAN)
}

/// Coefficient of determination, `1 - SS_res / SS_tot`: 1 is perfect, 0 is
/// no better than predicting the mean of `y_true`, and it is negative for
/// worse than that (it is not the square of anything).
///
/// Same as `sklearn.metrics.r2_score` wherever that is finite. NaN when
/// `y_true` is constant (including a single sample), where `SS_tot` is 0 and
/// the ratio is undefined; scikit-learn instead reports 1.0 or 0.0 there,
/// which would put a made-up number in `metrics.json`. Also NaN for empty,
/// different-length or non-finite input.
pub fn r2(y_true: &[f64], y_pred: &[f64]) -> f64 {
    if !paired(y_true, y_pred) || is_constant(y_true) {
        return f64::NAN;
    }
    let Some(mean_true) = super::mean(y_true.iter().copied()) else {
        return f64::NAN;
    };
    let ss_res: f64 = y_true.iter().zip(y_pred).map(|(t, p)| (t - p).powi(2)).sum();
    let ss_tot: f64 = y_true.iter().map(|t| (t - mean_true).powi(2)).sum();
    1.0 - ss_res / ss_tot
}

/// Pearson's correlation coefficient: how well a straight line relates
/// predictions to the truth, from -1 to 1, blind to offset and scale.
///
/// Same as `scipy.stats.pearsonr(...)[0]`. Computed from centred values (two
/// passes) so that large offsets, such as systolic pressures near 120, do
/// not cancel digits; the result is clamped to `[-1, 1]` against rounding.
/// NaN when either slice is constant (fewer than two samples included), and
/// for empty, different-length or non-finite input.
pub fn pearson(y_true: &[f64], y_pred: &[f64]) -> f64 {
    if !paired(y_true, y_pred) || is_constant(y_true) || is_constant(y_pred) {
        return f64::NAN;
    }
    let (Some(mean_x), Some(mean_y)) = (super::mean(y_true.iter().copied()), super::mean(y_pred.iter().copied()))
    else {
        return f64::NAN;
    };
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in y_true.iter().zip(y_pred) {
        let (dx, dy) = (x - mean_x, y - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0)
}

/// Spearman's rank correlation: [`pearson`] on the ranks, so 1 means the
/// predictions put the samples in exactly the right order whatever the
/// scale, which is what a triage list needs.
///
/// Tied values share the average of the ranks they span (two values tied
/// for 2nd and 3rd both get 2.5), as `scipy.stats.spearmanr` does. NaN when
/// either slice is constant, and for empty, different-length or non-finite
/// input.
pub fn spearman(y_true: &[f64], y_pred: &[f64]) -> f64 {
    if !paired(y_true, y_pred) {
        return f64::NAN;
    }
    pearson(&average_ranks(y_true), &average_ranks(y_pred))
}

/// 1-based ranks of `values` (no NaN), ties sharing the mean of the ranks
/// they span, as `scipy.stats.rankdata(method="average")`.
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    // `==` rather than `total_cmp` makes -0.0 and 0.0 one tie; they are
    // neighbours in the sorted order, so the run is contiguous.
    for tie in order.chunk_by(|&a, &b| values[a] == values[b]) {
        let end = start + tie.len();
        // Positions start..end hold ranks start+1 ..= end; their mean:
        let shared = (start + 1 + end) as f64 / 2.0;
        for &index in tie {
            ranks[index] = shared;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn error_metrics_by_hand() {
        // Errors y_pred - y_true: 0.5, 0, -0.5, 1.
        // MAE = (0.5 + 0 + 0.5 + 1) / 4 = 0.5.
        // MSE = (0.25 + 0 + 0.25 + 1) / 4 = 0.375, RMSE = sqrt(0.375).
        // R2: mean(y_true) = 2.5, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5,
        // SS_res = 1.5, so 1 - 1.5 / 5 = 0.7.
        // scikit-learn 1.9.1: sqrt(mean_squared_error) 0.6123724356957945,
        // mean_absolute_error 0.5, r2_score 0.7.
        let y_true = [1.0, 2.0, 3.0, 4.0];
        let y_pred = [1.5, 2.0, 2.5, 5.0];
        assert!(close(mae(&y_true, &y_pred), 0.5));
        assert!(close(rmse(&y_true, &y_pred), 0.375f64.sqrt()));
        assert!(close(rmse(&y_true, &y_pred), 0.6123724356957945));
        assert!(close(r2(&y_true, &y_pred), 0.7));
    }

    #[test]
    fn correlations_by_hand() {
        // Centred y_true: -1.5, -0.5, 0.5, 1.5 (Sxx = 5). Centred y_pred
        // (mean 2.75): -1.25, -0.75, -0.25, 2.25 (Syy = 7.25).
        // Sxy = 1.875 + 0.375 - 0.125 + 3.375 = 5.5; r = 5.5 / sqrt(36.25).
        // Both slices are in the same order, so Spearman is 1.
        // scipy 1.17.1: pearsonr 0.9135002783911398, spearmanr 1.0.
        let y_true = [1.0, 2.0, 3.0, 4.0];
        let y_pred = [1.5, 2.0, 2.5, 5.0];
        assert!(close(pearson(&y_true, &y_pred), 5.5 / 36.25f64.sqrt()));
        assert!(close(pearson(&y_true, &y_pred), 0.9135002783911398));
        assert!(close(spearman(&y_true, &y_pred), 1.0));
        // A perfect but rescaled and reversed relation.
        let reversed: Vec<f64> = y_true.iter().map(|v| 100.0 - 3.0 * v).collect();
        assert!(close(pearson(&y_true, &reversed), -1.0));
        assert!(close(spearman(&y_true, &reversed), -1.0));
    }

    #[test]
    fn spearman_gives_ties_average_ranks() {
        // y_pred 10, 20, 20, 40, 30 ranks 1, 2.5, 2.5, 5, 4 (the two 20s
        // share ranks 2 and 3). Centred: -2, -0.5, -0.5, 2, 1 (Syy = 9.5);
        // y_true ranks centred -2, -1, 0, 1, 2 (Sxx = 10).
        // Sxy = 4 + 0.5 + 0 + 2 + 2 = 8.5; rho = 8.5 / sqrt(95).
        // scipy 1.17.1 spearmanr: 0.8720815992723809.
        let y_true = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y_pred = [10.0, 20.0, 20.0, 40.0, 30.0];
        assert_eq!(average_ranks(&y_pred), vec![1.0, 2.5, 2.5, 5.0, 4.0]);
        assert!(close(spearman(&y_true, &y_pred), 8.5 / 95f64.sqrt()));
        assert!(close(spearman(&y_true, &y_pred), 0.8720815992723809));
    }

    #[test]
    fn against_scikit_learn_and_scipy_with_ties_on_both_sides() {
        // scikit-learn 1.9.1 and scipy 1.17.1 on these vectors give the
        // constants below; scipy.stats.rankdata(y_true) is
        // [8, 1, 6.5, 6.5, 2, 9, 4, 4, 4] (a triple tie and a pair, and
        // -0.4 below 0.0).
        let y_true = [3.1, -0.4, 2.2, 2.2, 0.0, 5.7, 1.0, 1.0, 1.0];
        let y_pred = [2.5, 0.3, 2.0, 2.9, -0.1, 4.8, 1.0, 1.4, 0.7];
        assert_eq!(average_ranks(&y_true), vec![8.0, 1.0, 6.5, 6.5, 2.0, 9.0, 4.0, 4.0, 4.0]);
        assert!(close(rmse(&y_true, &y_pred), 0.521749194749951));
        assert!(close(mae(&y_true, &y_pred), 0.43333333333333335));
        assert!(close(r2(&y_true, &y_pred), 0.9099338289355445));
        assert!(close(pearson(&y_true, &y_pred), 0.9640443205308729));
        assert!(close(spearman(&y_true, &y_pred), 0.9363821838346235));
    }

    #[test]
    fn negative_and_positive_zero_are_one_tie() {
        assert_eq!(average_ranks(&[0.0, -0.0, 1.0]), vec![1.5, 1.5, 3.0]);
    }

    #[test]
    fn r2_below_zero_when_worse_than_the_mean() {
        // y_true mean 2, SS_tot = 2; predicting 3, 2, 1: SS_res = 4 + 0 + 4
        // = 8, so 1 - 8 / 2 = -3 (scikit-learn 1.9.1 r2_score: -3.0).
        assert!(close(r2(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -3.0));
    }

    #[test]
    fn undefined_cases_are_nan() {
        // Constant truth: R2 and both correlations undefined; errors fine.
        let constant = [0.1, 0.1, 0.1];
        let pred = [0.0, 0.1, 0.3];
        assert!(r2(&constant, &pred).is_nan());
        assert!(pearson(&constant, &pred).is_nan());
        assert!(spearman(&constant, &pred).is_nan());
        assert!(pearson(&pred, &constant).is_nan());
        assert!(close(mae(&constant, &pred), 0.1));
        // One sample.
        assert!(r2(&[1.0], &[1.0]).is_nan());
        assert!(pearson(&[1.0], &[2.0]).is_nan());
        assert!(close(rmse(&[1.0], &[3.0]), 2.0));
        for metric in [rmse, mae, r2, pearson, spearman] {
            assert!(metric(&[], &[]).is_nan());
            assert!(metric(&[1.0, 2.0], &[1.0]).is_nan());
            assert!(metric(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 2.0]).is_nan());
            assert!(metric(&[1.0, f64::INFINITY, 3.0], &[1.0, 2.0, 2.0]).is_nan());
        }
    }
}
