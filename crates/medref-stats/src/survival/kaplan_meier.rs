//! The Kaplan-Meier estimator: the survival curve that keeps every censored
//! patient (each counts in the risk set until they leave), used for the
//! report's curves, for calibration, and, reversed, as the censoring
//! distribution G(t) that the IPCW metrics divide by.

use super::error::{check_time_event, SurvivalError};

/// A right-continuous step curve: `survival[k]` holds on
/// `[times[k], times[k + 1])`, and the curve is 1 before `times[0]`.
///
/// `times` are the distinct observed times (events and censorings both, as
/// lifelines' timeline), ascending. `n_at_risk[k]` patients were still
/// followed just before `times[k]`, `n_events[k]` of them ended (the event,
/// or for [`censoring_distribution`] the censoring) at that time and
/// `n_censored[k]` left without ending. The report draws the curve with
/// `n_at_risk` under it.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    pub times: Vec<f64>,
    pub survival: Vec<f64>,
    pub n_at_risk: Vec<usize>,
    pub n_events: Vec<usize>,
    pub n_censored: Vec<usize>,
}

impl KaplanMeier {
    /// S(t): the product of `1 - d/n` over every step at or before `t`.
    ///
    /// Past the last observed time the last value holds (an extrapolation
    /// when the curve has not reached 0; scikit-survival refuses such `t`
    /// instead, so callers comparing with it should stay inside follow-up).
    pub fn survival_at(&self, t: f64) -> f64 {
        // Number of steps at or before t.
        let k = self.times.partition_point(|&s| s <= t);
        if k == 0 {
            1.0
        } else {
            self.survival[k - 1]
        }
    }

    /// The first time at which survival falls to 0.5 or below (lifelines'
    /// `median_survival_time_`), `None` when the curve stays above 0.5.
    pub fn median(&self) -> Option<f64> {
        self.times.iter().zip(&self.survival).find(|(_, &s)| s <= 0.5).map(|(&t, _)| t)
    }

    /// The number still followed just before `t` (for the at-risk table
    /// under a plotted curve).
    pub fn at_risk_at(&self, t: f64) -> usize {
        let k = self.times.partition_point(|&s| s < t);
        if k < self.times.len() {
            self.n_at_risk[k]
        } else {
            0
        }
    }
}

/// Counts per distinct time: (time, at risk just before, events, censored).
fn counts(time: &[f64], event: &[bool]) -> Vec<(f64, usize, usize, usize)> {
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut out = Vec::new();
    let mut at_risk = time.len();
    let mut i = 0;
    while i < order.len() {
        let t = time[order[i]];
        let (mut d, mut c) = (0, 0);
        while i < order.len() && time[order[i]] == t {
            if event[order[i]] {
                d += 1;
            } else {
                c += 1;
            }
            i += 1;
        }
        out.push((t, at_risk, d, c));
        at_risk -= d + c;
    }
    out
}

fn product_limit(rows: impl Iterator<Item = (f64, usize, usize, usize)>) -> KaplanMeier {
    let mut km = KaplanMeier {
        times: Vec::new(),
        survival: Vec::new(),
        n_at_risk: Vec::new(),
        n_events: Vec::new(),
        n_censored: Vec::new(),
    };
    let mut s = 1.0;
    for (t, n, d, c) in rows {
        if d > 0 {
            s *= 1.0 - d as f64 / n as f64;
        }
        km.times.push(t);
        km.survival.push(s);
        km.n_at_risk.push(n);
        km.n_events.push(d);
        km.n_censored.push(c);
    }
    km
}

/// The Kaplan-Meier estimate of event-free survival.
///
/// `time[i]` is patient i's follow-up (event or censoring), `event[i]`
/// whether it ended in the event. An empty input gives an empty curve
/// (survival 1 everywhere).
pub fn kaplan_meier(time: &[f64], event: &[bool]) -> Result<KaplanMeier, SurvivalError> {
    check_time_event("time", time, event)?;
    Ok(product_limit(counts(time, event).into_iter()))
}

/// The censoring distribution G(t) = P(still uncensored after t), the
/// Kaplan-Meier estimate with the roles of event and censoring swapped.
///
/// At a time where both happen, the events are taken to come first, so
/// the censoring step is `1 - c / (n - d)`: the convention of
/// scikit-survival's `CensoringDistributionEstimator`, whose IPCW metrics
/// this feeds. In the returned curve `n_events` counts censorings and
/// `n_at_risk` excludes that time's events.
pub fn censoring_distribution(time: &[f64], event: &[bool]) -> Result<KaplanMeier, SurvivalError> {
    check_time_event("time", time, event)?;
    Ok(product_limit(counts(time, event).into_iter().map(|(t, n, d, c)| (t, n - d, c, d))))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Times 1, 2+, 3, 3, 4+, 5 (+ = censored), 6 patients.
    // t=1: 6 at risk, 1 event  -> S = 5/6
    // t=2: 5 at risk, censored -> S = 5/6
    // t=3: 4 at risk, 2 events -> S = 5/6 * 2/4 = 5/12
    // t=4: 2 at risk, censored -> S = 5/12
    // t=5: 1 at risk, 1 event  -> S = 0
    fn example() -> (Vec<f64>, Vec<bool>) {
        (vec![3.0, 1.0, 2.0, 5.0, 3.0, 4.0], vec![true, true, false, true, true, false])
    }

    #[test]
    fn product_limit_by_hand() {
        let (t, e) = example();
        let km = kaplan_meier(&t, &e).unwrap();
        assert_eq!(km.times, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(km.n_at_risk, vec![6, 5, 4, 2, 1]);
        assert_eq!(km.n_events, vec![1, 0, 2, 0, 1]);
        assert_eq!(km.n_censored, vec![0, 1, 0, 1, 0]);
        let expected = [5.0 / 6.0, 5.0 / 6.0, 5.0 / 12.0, 5.0 / 12.0, 0.0];
        for (s, e) in km.survival.iter().zip(expected) {
            assert!((s - e).abs() < 1e-12, "{s} vs {e}");
        }
        assert_eq!(km.survival_at(0.5), 1.0);
        assert!((km.survival_at(3.0) - 5.0 / 12.0).abs() < 1e-12);
        assert!((km.survival_at(2.999) - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(km.survival_at(100.0), 0.0);
        assert_eq!(km.median(), Some(3.0));
        assert_eq!(km.at_risk_at(3.0), 4);
        assert_eq!(km.at_risk_at(3.5), 2);
        assert_eq!(km.at_risk_at(9.0), 0);
    }

    #[test]
    fn censoring_distribution_by_hand() {
        // Censorings at 2 (5 at risk, none ending then) and 4 (2 at risk):
        // G = 1 until 2, 4/5 on [2, 4), 4/5 * 1/2 = 2/5 from 4.
        let (t, e) = example();
        let g = censoring_distribution(&t, &e).unwrap();
        assert!((g.survival_at(1.5) - 1.0).abs() < 1e-12);
        assert!((g.survival_at(2.0) - 0.8).abs() < 1e-12);
        assert!((g.survival_at(4.0) - 0.4).abs() < 1e-12);
        // Ties: an event and a censoring at 1 among 3 patients. The event
        // leaves first, so G steps by 1 - 1/(3 - 1) = 1/2.
        let g = censoring_distribution(&[1.0, 1.0, 2.0], &[true, false, true]).unwrap();
        assert!((g.survival_at(1.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs_are_named() {
        let err = kaplan_meier(&[1.0, -2.0], &[true, false]).unwrap_err();
        assert!(err.to_string().contains("time[1] = -2"), "{err}");
        let err = kaplan_meier(&[1.0, 2.0], &[true]).unwrap_err();
        assert!(matches!(err, SurvivalError::LengthMismatch { expected: 2, got: 1, .. }));
        assert!(kaplan_meier(&[], &[]).unwrap().times.is_empty());
    }
}
