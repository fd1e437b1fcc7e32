//! Time-dependent AUROC (cumulative cases, dynamic controls): at horizon
//! t, can the model tell the patients who had the event by t from those
//! still event-free after t? Cases are weighted by 1 / G(t_i) so that the
//! censored patients' missing outcomes are accounted for.

use super::concordance::TIED_TOL;
use super::error::{check_finite, check_time_event, SurvivalError};
use super::kaplan_meier::{censoring_distribution, kaplan_meier};

/// AUROC at each horizon and their survival-weighted mean.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeDependentAuc {
    pub times: Vec<f64>,
    pub auc: Vec<f64>,
    /// The AUCs weighted by the test set's Kaplan-Meier drop between
    /// horizons, divided by the total drop (scikit-survival's `mean_auc`);
    /// the single AUC when there is one horizon.
    pub mean_auc: f64,
}

/// Checks that evaluation `times` ascend strictly and lie within
/// `[min(test_time), max(test_time))`, where IPCW estimates are defined
/// (scikit-survival refuses the same times).
pub(crate) fn check_eval_times(what: &'static str, test_time: &[f64], times: &[f64]) -> Result<(), SurvivalError> {
    if times.is_empty() {
        return Err(SurvivalError::BadTimes { what, problem: "no evaluation time given" });
    }
    if times.windows(2).any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less)) {
        return Err(SurvivalError::BadTimes { what, problem: "evaluation times must ascend strictly" });
    }
    let min = test_time.iter().copied().fold(f64::INFINITY, f64::min);
    let max = test_time.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for &time in times {
        if !(time >= min && time < max) {
            return Err(SurvivalError::TimeOutsideFollowUp { time, min, max });
        }
    }
    Ok(())
}

/// Cumulative/dynamic AUROC of `risk` (higher = worse) at each of `times`,
/// as scikit-survival's `cumulative_dynamic_auc(survival_train,
/// survival_test, risk, times)`.
///
/// Cases at t: events at or before t, weighted 1 / G(t_i) with G the
/// training censoring distribution; controls: anyone still followed after
/// t. Patients censored before t are neither. `risk` holds one score per
/// patient, or `[n, times.len()]` row-major for scores that change with the
/// horizon. Fails when a horizon has no case or no control.
pub fn cumulative_dynamic_auc(
    train_time: &[f64],
    train_event: &[bool],
    test_time: &[f64],
    test_event: &[bool],
    risk: &[f64],
    times: &[f64],
) -> Result<TimeDependentAuc, SurvivalError> {
    check_time_event("test_time", test_time, test_event)?;
    let n = test_time.len();
    let m = times.len();
    let per_time = risk.len() == n * m && m > 1;
    check_finite("risk", risk, if per_time { n * m } else { n })?;
    check_eval_times("cumulative_dynamic_auc", test_time, times)?;
    let g = censoring_distribution(train_time, train_event)?;
    let mut case_weight = vec![0.0; n];
    for i in (0..n).filter(|&i| test_event[i]) {
        let gi = g.survival_at(test_time[i]);
        if gi <= 0.0 {
            return Err(SurvivalError::CensoringSurvivalZero { time: test_time[i] });
        }
        case_weight[i] = 1.0 / gi;
    }

    let mut auc = Vec::with_capacity(m);
    for (k, &t) in times.iter().enumerate() {
        let score = |i: usize| if per_time { risk[i * m + k] } else { risk[i] };
        let mut controls: Vec<f64> = (0..n).filter(|&j| test_time[j] > t).map(score).collect();
        controls.sort_by(f64::total_cmp);
        let (mut numerator, mut total_weight) = (0.0, 0.0);
        for i in (0..n).filter(|&i| test_event[i] && test_time[i] <= t) {
            let s = score(i);
            let below = controls.partition_point(|&c| c < s - TIED_TOL);
            let tied = controls.partition_point(|&c| c <= s + TIED_TOL) - below;
            numerator += case_weight[i] * (below as f64 + 0.5 * tied as f64);
            total_weight += case_weight[i];
        }
        if controls.is_empty() || total_weight == 0.0 {
            return Err(SurvivalError::NoComparablePairs { what: "cumulative_dynamic_auc" });
        }
        auc.push(numerator / (total_weight * controls.len() as f64));
    }

    let mean_auc = if m == 1 {
        auc[0]
    } else {
        let km = kaplan_meier(test_time, test_event)?;
        let mut previous = 1.0;
        let mut integral = 0.0;
        for (a, &t) in auc.iter().zip(times) {
            let s = km.survival_at(t);
            integral += a * (previous - s);
            previous = s;
        }
        integral / (1.0 - previous)
    };
    Ok(TimeDependentAuc { times: times.to_vec(), auc, mean_auc })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Training censoring: one censored at 2 among 4 -> G = 1 before 2,
        // then 1 - 1/3 = 2/3 (at t = 2, 3 at risk, none of them an event).
        let train_t = [1.0, 2.0, 3.0, 4.0];
        let train_e = [true, false, true, true];
        // Test (time, event, risk): P (1, E, 0.8), Q (2, c, 0.9),
        // R (2.5, E, 0.3), S (3, E, 0.6), U (5, c, 0.2).
        let t = [1.0, 2.0, 2.5, 3.0, 5.0];
        let e = [true, false, true, true, false];
        let r = [0.8, 0.9, 0.3, 0.6, 0.2];
        // Horizon 2.7: cases P (w 1) and R (w 3/2); controls S (0.6), U (0.2).
        // P beats both (2), R beats U only (1).
        // AUC = (1 * 2 + 1.5 * 1) / ((1 + 1.5) * 2) = 3.5 / 5 = 0.7.
        // Horizon 1.5: case P; controls Q, R, S, U; P beats R, S, U: 3/4.
        let res = cumulative_dynamic_auc(&train_t, &train_e, &t, &e, &r, &[1.5, 2.7]).unwrap();
        assert!((res.auc[0] - 0.75).abs() < 1e-12);
        assert!((res.auc[1] - 0.7).abs() < 1e-12, "{:?}", res.auc);
        // Test KM: S(1.5) = 4/5; S(2.7) = 4/5 * (1 - 1/3) = 8/15.
        // mean = (0.75 * 1/5 + 0.7 * (4/5 - 8/15)) / (1 - 8/15) = 0.72142...
        // scikit-survival 0.28.0 `cumulative_dynamic_auc(train, test, r,
        // [1.5, 2.7])` gives ([0.75, 0.7], 0.72142...).
        let expected = (0.75 * 0.2 + 0.7 * (0.8 - 8.0 / 15.0)) / (7.0 / 15.0);
        assert!((res.mean_auc - expected).abs() < 1e-12);
    }

    #[test]
    fn horizons_outside_follow_up_are_refused() {
        let t = [1.0, 2.0, 3.0];
        let e = [true, true, false];
        let r = [0.3, 0.2, 0.1];
        let err = cumulative_dynamic_auc(&t, &e, &t, &e, &r, &[3.0]).unwrap_err();
        assert!(matches!(err, SurvivalError::TimeOutsideFollowUp { .. }), "{err}");
        let err = cumulative_dynamic_auc(&t, &e, &t, &e, &r, &[2.0, 1.5]).unwrap_err();
        assert!(matches!(err, SurvivalError::BadTimes { .. }));
    }
}
