//! The flat metric maps that evaluation writes to `metrics.json`.
//!
//! Keys are fixed names so that reports, `BASELINES.md` and peer comparisons
//! can read any run. A metric that is undefined on the data (say AUROC with
//! one class) is left out, never written as NaN: JSON has no NaN, and a
//! missing key is easier to notice than a null.

use std::collections::BTreeMap;

use super::{
    auprc, auroc, auroc_ovr_macro, balanced_accuracy, bootstrap_ci, brier_score, brier_score_multiclass,
    expected_calibration_error, f1_macro, mae, pearson, r2, rmse, spearman, BinaryCounts,
};

/// Bins for the ECE in the summaries; 15 is the common choice since Guo et
/// al. (2017), so our numbers compare with published ones.
pub const SUMMARY_ECE_BINS: usize = 15;

/// A map that only accepts finite numbers, dropping the rest.
#[derive(Default)]
struct FiniteMap(BTreeMap<String, f64>);

impl FiniteMap {
    fn put(&mut self, key: &str, value: impl Into<Option<f64>>) {
        if let Some(value) = value.into().filter(|v| v.is_finite()) {
            self.0.insert(key.to_string(), value);
        }
    }
}

/// Headline metrics of a binary classifier, with a bootstrap 95% interval
/// for AUROC.
///
/// Keys: `n`, `n_positive`, `auroc`, `auroc_ci_low`, `auroc_ci_high`,
/// `auroc_ci_resamples`, `auprc`, `brier`, `ece` (15 bins), and at
/// `score >= threshold`: `accuracy`, `balanced_accuracy`, `sensitivity`,
/// `specificity`, `f1`. Undefined metrics are absent; `bootstrap == 0` skips
/// the interval. With different-length slices only `n` (the number of
/// labels) is present.
pub fn binary_summary(
    labels: &[bool],
    scores: &[f64],
    threshold: f64,
    bootstrap: usize,
    seed: u64,
) -> BTreeMap<String, f64> {
    let mut map = FiniteMap::default();
    map.put("n", labels.len() as f64);
    if labels.len() != scores.len() {
        return map.0;
    }
    map.put("n_positive", labels.iter().filter(|&&l| l).count() as f64);
    map.put("auroc", auroc(labels, scores));
    map.put("auprc", auprc(labels, scores));
    map.put("brier", brier_score(labels, scores));
    map.put("ece", expected_calibration_error(labels, scores, SUMMARY_ECE_BINS));
    if let Some(counts) = BinaryCounts::at_threshold(labels, scores, threshold) {
        map.put("accuracy", counts.accuracy());
        map.put("balanced_accuracy", counts.balanced_accuracy());
        map.put("sensitivity", counts.sensitivity());
        map.put("specificity", counts.specificity());
        map.put("f1", counts.f1());
    }
    if bootstrap > 0 {
        let ci = bootstrap_ci(labels.len(), bootstrap, seed, |idx| {
            let l: Vec<bool> = idx.iter().map(|&i| labels[i]).collect();
            let s: Vec<f64> = idx.iter().map(|&i| scores[i]).collect();
            auroc(&l, &s)
        });
        if let Some(ci) = ci {
            map.put("auroc_ci_low", ci.lower);
            map.put("auroc_ci_high", ci.upper);
            map.put("auroc_ci_resamples", ci.n_resamples_used as f64);
        }
    }
    map.0
}

/// The class with the highest probability in each row of `probs`
/// `[n, n_classes]`; the first wins a tie, as numpy's argmax, and NaN never
/// wins.
pub fn argmax_rows(probs: &[f64], n_classes: usize) -> Vec<usize> {
    probs
        .chunks_exact(n_classes)
        .map(|row| {
            let mut best = 0;
            for (class, &p) in row.iter().enumerate() {
                if p > row[best] || row[best].is_nan() {
                    best = class;
                }
            }
            best
        })
        .collect()
}

/// Headline metrics of a multi-class classifier from `probs` of shape
/// `[n, n_classes]` (row-major), with a bootstrap 95% interval for AUROC.
///
/// Keys: `n`, `auroc` (macro one-vs-rest), `auroc_ci_low`, `auroc_ci_high`,
/// `auroc_ci_resamples`, `brier` (multi-class), and for the argmax
/// prediction `accuracy`, `balanced_accuracy`, `f1_macro`. Undefined
/// metrics are absent; `bootstrap == 0` skips the interval. When the shapes
/// disagree or a label is `>= n_classes`, only `n` is present.
pub fn multiclass_summary(
    labels: &[usize],
    probs: &[f64],
    n_classes: usize,
    bootstrap: usize,
    seed: u64,
) -> BTreeMap<String, f64> {
    let mut map = FiniteMap::default();
    map.put("n", labels.len() as f64);
    let shape_ok = n_classes > 0 && Some(probs.len()) == labels.len().checked_mul(n_classes);
    if !shape_ok || labels.iter().any(|&class| class >= n_classes) {
        return map.0;
    }
    let predicted = argmax_rows(probs, n_classes);
    map.put("auroc", auroc_ovr_macro(labels, probs, n_classes));
    map.put("brier", brier_score_multiclass(labels, probs, n_classes));
    map.put("accuracy", super::accuracy(labels, &predicted));
    map.put("balanced_accuracy", balanced_accuracy(labels, &predicted, n_classes));
    map.put("f1_macro", f1_macro(labels, &predicted, n_classes));
    if bootstrap > 0 {
        let ci = bootstrap_ci(labels.len(), bootstrap, seed, |idx| {
            let l: Vec<usize> = idx.iter().map(|&i| labels[i]).collect();
            let p: Vec<f64> = idx.iter().flat_map(|&i| &probs[i * n_classes..(i + 1) * n_classes]).copied().collect();
            auroc_ovr_macro(&l, &p, n_classes)
        });
        if let Some(ci) = ci {
            map.put("auroc_ci_low", ci.lower);
            map.put("auroc_ci_high", ci.upper);
            map.put("auroc_ci_resamples", ci.n_resamples_used as f64);
        }
    }
    map.0
}

/// A regression metric, `(y_true, y_pred) -> value or NaN`.
type RegressionMetric = fn(&[f64], &[f64]) -> f64;

/// The regression metrics of [`regression_summary`], by key, in the order
/// they are written.
const REGRESSION_METRICS: [(&str, RegressionMetric); 5] =
    [("rmse", rmse), ("mae", mae), ("r2", r2), ("pearson", pearson), ("spearman", spearman)];

/// Headline metrics of a regression model, each with a bootstrap 95%
/// interval.
///
/// Keys: `n`, `rmse`, `mae`, `r2`, `pearson`, `spearman`, and for each of
/// those five `<key>_ci_low` and `<key>_ci_high`. Every interval is drawn
/// with the same `seed`, so all five rest on the same resamples and the same
/// seed gives the same intervals. Undefined metrics are absent (say `r2` and
/// the correlations when `y_true` is constant, or everything but `n` when a
/// value is NaN or infinite); an interval is absent with its metric, or when
/// no resample left the metric defined; `bootstrap == 0` skips the
/// intervals. With
/// different-length slices only `n` (the length of `y_true`) is present.
pub fn regression_summary(y_true: &[f64], y_pred: &[f64], bootstrap: usize, seed: u64) -> BTreeMap<String, f64> {
    let mut map = FiniteMap::default();
    map.put("n", y_true.len() as f64);
    if y_true.len() != y_pred.len() {
        return map.0;
    }
    for (key, metric) in REGRESSION_METRICS {
        let point = metric(y_true, y_pred);
        map.put(key, point);
        // No interval around an undefined estimate: resamples that happen
        // to miss a NaN prediction would otherwise give one.
        if bootstrap > 0 && point.is_finite() {
            let ci = bootstrap_ci(y_true.len(), bootstrap, seed, |idx| {
                let t: Vec<f64> = idx.iter().map(|&i| y_true[i]).collect();
                let p: Vec<f64> = idx.iter().map(|&i| y_pred[i]).collect();
                Some(metric(&t, &p))
            });
            if let Some(ci) = ci {
                map.put(&format!("{key}_ci_low"), ci.lower);
                map.put(&format!("{key}_ci_high"), ci.upper);
            }
        }
    }
    map.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_summary_by_hand() {
        // Scores [0.9, 0.5, 0.3 | 0.5, 0.1] at 0.5: tp 2, fn 1, fp 1, tn 1.
        // AUROC: 0.9 beats both (2), 0.5 beats 0.1 and ties 0.5 (1.5),
        // 0.3 beats 0.1 (1): 4.5 / 6 = 0.75; scikit-learn 1.9.1 gives 0.75.
        let labels = [true, true, true, false, false];
        let scores = [0.9, 0.5, 0.3, 0.5, 0.1];
        let map = binary_summary(&labels, &scores, 0.5, 100, 1);
        assert_eq!(map["n"], 5.0);
        assert_eq!(map["n_positive"], 3.0);
        assert!((map["auroc"] - 0.75).abs() < 1e-12);
        assert!((map["accuracy"] - 0.6).abs() < 1e-12);
        assert!((map["sensitivity"] - 2.0 / 3.0).abs() < 1e-12);
        assert!((map["specificity"] - 0.5).abs() < 1e-12);
        assert!((map["balanced_accuracy"] - 7.0 / 12.0).abs() < 1e-12);
        assert!((map["f1"] - 4.0 / 6.0).abs() < 1e-12);
        for key in ["auprc", "brier", "ece", "auroc_ci_low", "auroc_ci_high"] {
            assert!(map.contains_key(key), "missing {key}");
        }
        assert!(map["auroc_ci_low"] <= map["auroc_ci_high"]);
        assert!(map.values().all(|v| v.is_finite()));
    }

    #[test]
    fn binary_summary_leaves_out_undefined_metrics() {
        // Negatives only: no AUROC, AUPRC, sensitivity or F1 (nothing called
        // positive either), and no interval.
        let map = binary_summary(&[false, false, false], &[0.1, 0.2, 0.3], 0.5, 50, 1);
        for key in ["auroc", "auprc", "sensitivity", "f1", "auroc_ci_low", "auroc_ci_high"] {
            assert!(!map.contains_key(key), "unexpected {key}");
        }
        assert_eq!(map["specificity"], 1.0);
        assert!(map.values().all(|v| v.is_finite()));
        let json = serde_json::to_string(&map).expect("finite values serialise");
        assert!(!json.contains("null"));

        let mismatched = binary_summary(&[true, false], &[0.3], 0.5, 10, 1);
        assert_eq!(mismatched.keys().collect::<Vec<_>>(), vec!["n"]);
    }

    #[test]
    fn multiclass_summary_on_three_classes() {
        // The OvR example from ranking.rs: macro AUROC 0.9375. Argmax gives
        // [0, 1, 1, 1, 1, 2] (row 2 ties 0.4/0.4 and takes class 1 first):
        // 4 of 6 right (rows 2 and 3 wrong). Recalls: class 0 1/2, class 1 2/2, class 2 1/2.
        let labels = [0, 1, 2, 0, 1, 2];
        let probs = [0.7, 0.2, 0.1, 0.3, 0.4, 0.3, 0.2, 0.4, 0.4, 0.4, 0.5, 0.1, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4];
        let map = multiclass_summary(&labels, &probs, 3, 100, 9);
        assert!((map["auroc"] - 0.9375).abs() < 1e-12);
        assert!((map["accuracy"] - 4.0 / 6.0).abs() < 1e-12);
        assert!((map["balanced_accuracy"] - 2.0 / 3.0).abs() < 1e-12);
        // F1: class 0 tp 1 fp 0 fn 1 -> 2/3; class 1 tp 2 fp 2 fn 0 -> 4/6;
        // class 2 tp 1 fp 0 fn 1 -> 2/3.
        // Brier: per-row squared errors .14, .54, .56, .62, .06, .54 -> 2.46 / 6.
        // scikit-learn 1.9.1 gives accuracy, balanced accuracy and macro F1
        // 0.6666666666666666 and brier_score_loss 0.41.
        assert!((map["f1_macro"] - 2.0 / 3.0).abs() < 1e-12);
        assert!((map["brier"] - 0.41).abs() < 1e-12);
        assert!(map["auroc_ci_low"] <= map["auroc_ci_high"]);
        assert_eq!(multiclass_summary(&labels, &probs[..17], 3, 0, 9).len(), 1);
    }

    #[test]
    fn argmax_takes_first_of_a_tie_and_ignores_nan() {
        assert_eq!(argmax_rows(&[0.2, 0.4, 0.4, f64::NAN, 0.1, 0.3], 3), vec![1, 2]);
    }

    #[test]
    fn regression_summary_by_hand() {
        // The example worked in regression.rs: RMSE sqrt(0.375), MAE 0.5,
        // R2 0.7, Pearson 5.5 / sqrt(36.25), Spearman 1.
        let y_true = [1.0, 2.0, 3.0, 4.0];
        let y_pred = [1.5, 2.0, 2.5, 5.0];
        let map = regression_summary(&y_true, &y_pred, 200, 5);
        assert_eq!(map["n"], 4.0);
        assert!((map["rmse"] - 0.375f64.sqrt()).abs() < 1e-12);
        assert!((map["mae"] - 0.5).abs() < 1e-12);
        assert!((map["r2"] - 0.7).abs() < 1e-12);
        assert!((map["pearson"] - 5.5 / 36.25f64.sqrt()).abs() < 1e-12);
        assert!((map["spearman"] - 1.0).abs() < 1e-12);
        for key in ["rmse", "mae", "r2", "pearson", "spearman"] {
            let (low, high) = (map[&format!("{key}_ci_low")], map[&format!("{key}_ci_high")]);
            assert!(low <= high, "{key}: {low} > {high}");
        }
        // Resampled errors are drawn from |errors| in {0, 0.5, 1}.
        assert!(map["mae_ci_low"] >= 0.0 && map["mae_ci_high"] <= 1.0);
        assert_eq!(map.len(), 16);
        assert_eq!(map, regression_summary(&y_true, &y_pred, 200, 5));
        assert_ne!(map, regression_summary(&y_true, &y_pred, 200, 6));
    }

    #[test]
    fn regression_summary_leaves_out_undefined_metrics() {
        // Constant truth: no R2 or correlations, nor their intervals (every
        // resample is constant too), but errors and their intervals stay.
        let map = regression_summary(&[2.0, 2.0, 2.0], &[1.0, 2.0, 4.0], 50, 1);
        for key in ["r2", "pearson", "spearman", "r2_ci_low", "pearson_ci_high"] {
            assert!(!map.contains_key(key), "unexpected {key}");
        }
        assert!((map["mae"] - 1.0).abs() < 1e-12);
        assert!(map.contains_key("rmse_ci_low") && map.contains_key("mae_ci_high"));
        let json = serde_json::to_string(&map).expect("finite values serialise");
        assert!(!json.contains("null"));

        let mismatched = regression_summary(&[1.0, 2.0], &[1.0], 10, 1);
        assert_eq!(mismatched.keys().collect::<Vec<_>>(), vec!["n"]);
        let with_nan = regression_summary(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 3.0], 10, 1);
        assert_eq!(with_nan.keys().collect::<Vec<_>>(), vec!["n"]);
        assert_eq!(regression_summary(&[1.0, 2.0, 3.0], &[1.0, 2.5, 3.0], 0, 1).len(), 6);
    }
}
