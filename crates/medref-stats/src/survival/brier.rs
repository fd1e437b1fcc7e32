//! The Brier score for survival predictions: the squared error of the
//! predicted survival probability at a horizon against what happened,
//! with censored patients handled by inverse probability of censoring
//! weights (Graf et al. 1999). Unlike concordance it judges the
//! probabilities themselves, so a well-ranked but miscalibrated model
//! scores badly.

use super::error::{check_finite, check_time_event, SurvivalError};
use super::kaplan_meier::censoring_distribution;
use super::time_auc::check_eval_times;

/// IPCW Brier score at each of `times`, as scikit-survival's
/// `brier_score(survival_train, survival_test, survival, times)`.
///
/// `survival` is `[n, times.len()]` row-major: patient i's predicted
/// probability of being event-free at `times[k]`. A patient with the event
/// by t contributes `S^2 / G(t_i)`, one still followed after t contributes
/// `(1 - S)^2 / G(t)`, one censored before t contributes 0, and the sum is
/// divided by all n. Where G is 0 the term is dropped, as scikit-survival.
pub fn brier_scores(
    train_time: &[f64],
    train_event: &[bool],
    test_time: &[f64],
    test_event: &[bool],
    survival: &[f64],
    times: &[f64],
) -> Result<Vec<f64>, SurvivalError> {
    check_time_event("test_time", test_time, test_event)?;
    let n = test_time.len();
    let m = times.len();
    check_finite("survival", survival, n * m)?;
    check_eval_times("brier_scores", test_time, times)?;
    let g = censoring_distribution(train_time, train_event)?;
    let inverse = |p: f64| if p > 0.0 { 1.0 / p } else { 0.0 };
    let w_own: Vec<f64> = test_time.iter().map(|&t| inverse(g.survival_at(t))).collect();
    Ok(times
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let w_t = inverse(g.survival_at(t));
            let total: f64 = (0..n)
                .map(|i| {
                    let s = survival[i * m + k];
                    if test_time[i] <= t && test_event[i] {
                        s * s * w_own[i]
                    } else if test_time[i] > t {
                        (1.0 - s) * (1.0 - s) * w_t
                    } else {
                        0.0
                    }
                })
                .sum();
            total / n as f64
        })
        .collect())
}

/// The Brier scores integrated over `times` by the trapezoid rule and
/// divided by the span, as scikit-survival's `integrated_brier_score`: one
/// number summarising calibration and discrimination over follow-up.
/// Needs at least two times.
pub fn integrated_brier_score(
    train_time: &[f64],
    train_event: &[bool],
    test_time: &[f64],
    test_event: &[bool],
    survival: &[f64],
    times: &[f64],
) -> Result<f64, SurvivalError> {
    if times.len() < 2 {
        return Err(SurvivalError::BadTimes {
            what: "integrated_brier_score",
            problem: "at least two evaluation times are needed to integrate",
        });
    }
    let scores = brier_scores(train_time, train_event, test_time, test_event, survival, times)?;
    let area: f64 = times.windows(2).zip(scores.windows(2)).map(|(t, b)| (t[1] - t[0]) * (b[0] + b[1]) / 2.0).sum();
    Ok(area / (times[times.len() - 1] - times[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brier_by_hand() {
        // Training = test outcomes: (1, E), (2, c), (3, E), (4, c).
        // G: 1 before 2, 1 - 1/3 = 2/3 from 2 (3 at risk), and at 4 the
        // last one is censored: 0 from 4.
        let t = [1.0, 2.0, 3.0, 4.0];
        let e = [true, false, true, false];
        // Predicted survival at horizons 1.5 and 3.
        let s = [0.2, 0.1, 0.9, 0.5, 0.6, 0.4, 0.7, 0.8];
        // t = 1.5: patient 1 a case (0.2^2 / G(1) = 0.04); 2, 3, 4 controls
        // with G(1.5) = 1: (0.1)^2 + (0.4)^2 + (0.3)^2 = 0.26. Sum 0.30 / 4.
        // t = 3: cases 1 (0.1^2 / 1) and 3 (0.4^2 / (2/3) = 0.24); patient
        // 2 censored before 3: 0; patient 4 control: (0.2)^2 / (2/3) = 0.06.
        // Sum 0.01 + 0.24 + 0.06 = 0.31, / 4.
        // scikit-survival 0.28.0 `brier_score(y, y, s, [1.5, 3.0])` gives
        // [0.075, 0.0775].
        let b = brier_scores(&t, &e, &t, &e, &s, &[1.5, 3.0]).unwrap();
        assert!((b[0] - 0.075).abs() < 1e-12, "{b:?}");
        assert!((b[1] - 0.0775).abs() < 1e-12, "{b:?}");
        let ibs = integrated_brier_score(&t, &e, &t, &e, &s, &[1.5, 3.0]).unwrap();
        assert!((ibs - (0.075 + 0.0775) / 2.0).abs() < 1e-12);
        assert!(integrated_brier_score(&t, &e, &t, &e, &s[..4], &[1.5]).is_err());
        assert!(brier_scores(&t, &e, &t, &e, &s[..6], &[1.5, 3.0]).is_err());
    }
}
