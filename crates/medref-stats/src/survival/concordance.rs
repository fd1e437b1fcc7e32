//! Concordance indices: how often the model ranks the patient who had the
//! event earlier as the riskier one. Harrell's C weighs every comparable
//! pair alike, so it drifts with the censoring pattern of the test set;
//! Uno's C reweights pairs by the inverse censoring probability (IPCW) and
//! estimates the same quantity whatever the censoring, up to a time tau.

use super::error::{check_finite, check_time_event, SurvivalError};
use super::kaplan_meier::censoring_distribution;

/// Risks closer than this count as tied in the IPCW metrics
/// (scikit-survival's `tied_tol`).
pub(crate) const TIED_TOL: f64 = 1e-8;

/// Harrell's C-index of `risk` (higher = worse) against `(time, event)`.
///
/// A pair is comparable when the patient with the shorter time had the
/// event; a censored patient at the same time as an event also counts as
/// outliving it, two events at the same time do not. Equal risks score
/// 1/2. These are lifelines' `concordance_index` conventions (which takes
/// predicted survival, so ours equals `concordance_index(time, -risk,
/// event)`) and scikit-survival's `concordance_index_censored` for distinct
/// risks. O(n^2) in the worst case, fine for test sets of thousands.
pub fn harrell_c_index(time: &[f64], event: &[bool], risk: &[f64]) -> Result<f64, SurvivalError> {
    check_time_event("time", time, event)?;
    check_finite("risk", risk, time.len())?;
    let weight = |_: usize| 1.0;
    weighted_concordance(time, event, risk, weight, 0.0, "harrell_c_index")
}

/// Uno's C-index: Harrell's pairs weighted by `1 / G(t_i)^2`, with G the
/// censoring distribution estimated on the training outcomes, and only
/// pairs whose earlier event happens before `tau` (all when `None`).
///
/// Matches scikit-survival's `concordance_index_ipcw(survival_train,
/// survival_test, risk, tau)`. `tau` should lie where the test follow-up
/// is still substantial: past it G is small and a few weights dominate.
/// Fails when G is 0 at a test event time before tau.
pub fn uno_c_index(
    train_time: &[f64],
    train_event: &[bool],
    test_time: &[f64],
    test_event: &[bool],
    risk: &[f64],
    tau: Option<f64>,
) -> Result<f64, SurvivalError> {
    check_time_event("test_time", test_time, test_event)?;
    check_finite("risk", risk, test_time.len())?;
    let g = censoring_distribution(train_time, train_event)?;
    let mut weights = vec![0.0; test_time.len()];
    for (i, (&t, &e)) in test_time.iter().zip(test_event).enumerate() {
        if e && tau.is_none_or(|tau| t < tau) {
            let gi = g.survival_at(t);
            if gi <= 0.0 {
                return Err(SurvivalError::CensoringSurvivalZero { time: t });
            }
            weights[i] = 1.0 / (gi * gi);
        }
    }
    weighted_concordance(test_time, test_event, risk, |i| weights[i], TIED_TOL, "uno_c_index")
}

/// sum_i w_i (concordant_i + ties_i / 2) / sum_i w_i comparable_i over
/// events i, with risks within `tol` tied.
fn weighted_concordance(
    time: &[f64],
    event: &[bool],
    risk: &[f64],
    weight: impl Fn(usize) -> f64,
    tol: f64,
    what: &'static str,
) -> Result<f64, SurvivalError> {
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let (mut numerator, mut denominator) = (0.0, 0.0);
    let mut any_pair = false;
    let mut start = 0;
    while start < order.len() {
        let t = time[order[start]];
        let mut end = start + 1;
        while end < order.len() && time[order[end]] == t {
            end += 1;
        }
        // Comparable partners of an event at t: everyone later, and the
        // censored among those tied at t.
        let tied_censored = order[start..end].iter().copied().filter(|&j| !event[j]);
        let partners: Vec<usize> = tied_censored.chain(order[end..].iter().copied()).collect();
        for &i in order[start..end].iter().filter(|&&i| event[i]) {
            if partners.is_empty() {
                continue;
            }
            any_pair = true;
            let w = weight(i);
            if w == 0.0 {
                continue;
            }
            let mut score = 0.0;
            for &j in &partners {
                let diff = risk[i] - risk[j];
                if diff.abs() <= tol {
                    score += 0.5;
                } else if diff > 0.0 {
                    score += 1.0;
                }
            }
            numerator += w * score;
            denominator += w * partners.len() as f64;
        }
        start = end;
    }
    if !any_pair || denominator == 0.0 {
        return Err(SurvivalError::NoComparablePairs { what });
    }
    Ok(numerator / denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Patients (time, event, risk):
    //   A (1, event, 0.9)  B (2, censored, 0.5)  C (3, event, 0.7)
    //   D (3, censored, 0.7)  E (4, event, 0.1)
    // Comparable pairs (earlier event first): A-B, A-C, A-D, A-E (A's risk
    // highest: 4 concordant); C-D (tied time, D censored; tied risk: 1/2);
    // C-E (0.7 > 0.1: concordant). E has no later partner; B, D censored.
    // C = (4 + 0.5 + 1) / 6 = 11/12. lifelines 0.30.3
    // `concordance_index(t, -r, e)` and scikit-survival 0.28.0
    // `concordance_index_censored(e, t, r)[0]` both give 0.91666...
    fn example() -> (Vec<f64>, Vec<bool>, Vec<f64>) {
        (vec![1.0, 2.0, 3.0, 3.0, 4.0], vec![true, false, true, false, true], vec![0.9, 0.5, 0.7, 0.7, 0.1])
    }

    #[test]
    fn harrell_by_hand() {
        let (t, e, r) = example();
        assert!((harrell_c_index(&t, &e, &r).unwrap() - 11.0 / 12.0).abs() < 1e-12);
        // Reversing the ranking makes every untied pair discordant; the
        // one tied pair keeps its 1/2.
        let flipped: Vec<f64> = r.iter().map(|v| -v).collect();
        assert!((harrell_c_index(&t, &e, &flipped).unwrap() - 0.5 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn tied_event_times_are_not_comparable() {
        // Two events at the same time: no pair to judge.
        let err = harrell_c_index(&[2.0, 2.0], &[true, true], &[1.0, 0.0]).unwrap_err();
        assert!(matches!(err, SurvivalError::NoComparablePairs { .. }));
        let err = harrell_c_index(&[1.0, 2.0], &[true], &[1.0, 0.0]).unwrap_err();
        assert!(matches!(err, SurvivalError::LengthMismatch { .. }));
    }

    #[test]
    fn uno_by_hand_with_censoring_weights() {
        // Training outcomes: censored at 2 and at 3.5 among 5.
        // G: 1 on [0, 2); at 2, 4 still followed and one censored: 3/4;
        // at 3.5, 2 still followed and one censored: 3/4 * 1/2 = 3/8.
        let train_t = [1.0, 2.0, 3.0, 3.5, 5.0];
        let train_e = [true, false, true, false, true];
        let (t, e, r) = example();
        // Test events: A at 1 (G = 1, w = 1), C at 3 (G = 3/4, w = 16/9),
        // E at 4 (w = 64/9, but no partner).
        // numerator = 1 * 4 + 16/9 * (0.5 + 1), denominator = 1 * 4 + 16/9 * 2.
        // = 0.88235..., as scikit-survival 0.28.0 `concordance_index_ipcw(
        // train, test, r)[0]`; with `tau=2.0` it gives 1.0.
        let expected = (4.0 + 16.0 / 9.0 * 1.5) / (4.0 + 16.0 / 9.0 * 2.0);
        let c = uno_c_index(&train_t, &train_e, &t, &e, &r, None).unwrap();
        assert!((c - expected).abs() < 1e-12, "{c} vs {expected}");
        // tau = 2 keeps only A's pairs: all concordant.
        let c = uno_c_index(&train_t, &train_e, &t, &e, &r, Some(2.0)).unwrap();
        assert!((c - 1.0).abs() < 1e-12);
        // tau at or before the first event leaves nothing to judge.
        assert!(uno_c_index(&train_t, &train_e, &t, &e, &r, Some(1.0)).is_err());
    }
}
