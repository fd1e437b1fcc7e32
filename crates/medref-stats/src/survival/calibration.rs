//! Calibration at a horizon: do the patients the model gives a 70% chance
//! of being event-free at t really fare that way? Observed survival in a
//! group comes from Kaplan-Meier, not from counting events, so patients
//! censored before the horizon still count for the time they were seen.

use super::error::{check_finite, check_time_event, SurvivalError};
use super::kaplan_meier::kaplan_meier;

/// One group of patients with similar predicted survival at the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationBin {
    pub n: usize,
    pub mean_predicted: f64,
    /// Kaplan-Meier survival of the bin's patients at the horizon.
    pub observed: f64,
    /// Greenwood standard error of `observed` (0 once the curve hits 0).
    pub observed_std_error: f64,
}

/// Predicted against observed survival at `horizon`, bin by bin.
#[derive(Debug, Clone, PartialEq)]
pub struct HorizonCalibration {
    pub horizon: f64,
    /// Ordered from the lowest predicted survival (highest risk) up.
    pub bins: Vec<CalibrationBin>,
    /// `sum_b n_b |mean_predicted_b - observed_b| / n`: 0 for a calibrated
    /// model, in survival-probability units.
    pub mean_absolute_difference: f64,
}

/// Sorts patients by `predicted_survival` (their predicted probability of
/// being event-free at `horizon`) and cuts them into `n_bins` groups of
/// equal size (the first `n % n_bins` one larger, as numpy's
/// `array_split`), deciles with `n_bins = 10`. Ties in prediction keep
/// input order, so bins are deterministic.
pub fn calibration_at_horizon(
    time: &[f64],
    event: &[bool],
    predicted_survival: &[f64],
    horizon: f64,
    n_bins: usize,
) -> Result<HorizonCalibration, SurvivalError> {
    check_time_event("time", time, event)?;
    let n = time.len();
    check_finite("predicted_survival", predicted_survival, n)?;
    if n_bins == 0 || n_bins > n {
        return Err(SurvivalError::BadOption {
            what: "n_bins",
            value: n_bins as f64,
            expected: "between 1 and the number of patients",
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| predicted_survival[a].total_cmp(&predicted_survival[b]));
    let (base, extra) = (n / n_bins, n % n_bins);
    let mut bins = Vec::with_capacity(n_bins);
    let mut start = 0;
    for b in 0..n_bins {
        let size = base + usize::from(b < extra);
        let members = &order[start..start + size];
        start += size;
        let t: Vec<f64> = members.iter().map(|&i| time[i]).collect();
        let e: Vec<bool> = members.iter().map(|&i| event[i]).collect();
        let km = kaplan_meier(&t, &e)?;
        let observed = km.survival_at(horizon);
        // Greenwood: Var S(t) = S(t)^2 * sum over steps <= t of d / (n (n - d)).
        let greenwood: f64 = km
            .times
            .iter()
            .zip(km.n_at_risk.iter().zip(&km.n_events))
            .take_while(|(&s, _)| s <= horizon)
            .filter(|(_, (&r, &d))| d > 0 && r > d)
            .map(|(_, (&r, &d))| d as f64 / (r as f64 * (r - d) as f64))
            .sum();
        bins.push(CalibrationBin {
            n: size,
            mean_predicted: members.iter().map(|&i| predicted_survival[i]).sum::<f64>() / size as f64,
            observed,
            observed_std_error: observed * greenwood.sqrt(),
        });
    }
    let mean_absolute_difference =
        bins.iter().map(|b| b.n as f64 * (b.mean_predicted - b.observed).abs()).sum::<f64>() / n as f64;
    Ok(HorizonCalibration { horizon, bins, mean_absolute_difference })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_by_hand() {
        // Five patients, horizon 3, two bins (3 + 2 patients).
        // Lowest predictions 0.2, 0.3, 0.4: times 1 (E), 2 (c), 4 (E).
        //   KM: 2/3 after t = 1, the censoring at 2 keeps it; S(3) = 2/3.
        //   Greenwood: (2/3)^2 * 1/(3 * 2) -> se = (2/3) * sqrt(1/6).
        // Highest 0.8, 0.9: times 5 (c), 6 (E): S(3) = 1, se 0.
        let t = [4.0, 5.0, 1.0, 6.0, 2.0];
        let e = [true, false, true, true, false];
        let p = [0.4, 0.8, 0.2, 0.9, 0.3];
        let cal = calibration_at_horizon(&t, &e, &p, 3.0, 2).unwrap();
        let (low, high) = (&cal.bins[0], &cal.bins[1]);
        assert_eq!((low.n, high.n), (3, 2));
        assert!((low.mean_predicted - 0.3).abs() < 1e-12);
        assert!((low.observed - 2.0 / 3.0).abs() < 1e-12);
        assert!((low.observed_std_error - 2.0 / 3.0 * (1.0f64 / 6.0).sqrt()).abs() < 1e-12);
        assert!((high.mean_predicted - 0.85).abs() < 1e-12);
        assert_eq!((high.observed, high.observed_std_error), (1.0, 0.0));
        // (3 * |0.3 - 2/3| + 2 * |0.85 - 1|) / 5
        let expected = (3.0 * (2.0 / 3.0 - 0.3) + 2.0 * 0.15) / 5.0;
        assert!((cal.mean_absolute_difference - expected).abs() < 1e-12);
        assert!(calibration_at_horizon(&t, &e, &p, 3.0, 6).is_err());
    }
}
