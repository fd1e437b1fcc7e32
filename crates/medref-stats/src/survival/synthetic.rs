//! A tiny survival data set with a known answer, for CI: Weibull event
//! times whose log hazard is a planted linear function of the covariates,
//! and independent random censoring. A Cox fit must recover the planted
//! coefficients, and the planted log hazard sets the C-index a perfect
//! model would reach on these rows.

use std::fmt::Write as _;

use medref_core::seed::Rng;

/// Covariate names and their planted log hazard ratios (per unit).
///
/// `x1..x3` have standard deviation 2 so that 300 rows pin each
/// coefficient to about +/-0.035 (one standard error is roughly
/// 1 / (sd * sqrt(events)) with some 230 events), making the CI bar of
/// 0.1 about three standard errors; `x3` carries no signal.
pub const PLANTED_COEFFICIENTS: [(&str, f64); 4] = [("age", 0.03), ("x1", 0.5), ("x2", -0.4), ("x3", 0.0)];

/// Weibull shape (> 1: hazard rising with time, as after a diagnosis).
const SHAPE: f64 = 1.5;
/// Weibull scale in days at age 60 with x = 0.
const SCALE_DAYS: f64 = 1000.0;
/// Rate of the exponential censoring times, per day, and the end of
/// follow-up (administrative censoring).
const CENSORING_RATE: f64 = 1.0 / 4000.0;
const FOLLOW_UP_DAYS: f64 = 3000.0;

/// Rows of the generated set, in the units written to the CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSurvival {
    /// `[n, 4]` row-major: age (years, one decimal), x1, x2, x3 (three
    /// decimals), as in `PLANTED_COEFFICIENTS`.
    pub x: Vec<f64>,
    /// Whole days, at least 1 (rounding makes some ties, as real data has).
    pub time: Vec<f64>,
    pub event: Vec<bool>,
}

impl SyntheticSurvival {
    pub fn n(&self) -> usize {
        self.time.len()
    }

    /// The planted log hazard of each row (up to a constant), computed from
    /// the rounded covariates as written.
    pub fn planted_log_hazard(&self) -> Vec<f64> {
        self.x
            .chunks(PLANTED_COEFFICIENTS.len())
            .map(|row| row.iter().zip(PLANTED_COEFFICIENTS).map(|(v, (_, b))| v * b).sum())
            .collect()
    }

    /// The CSV of `datasets/tiny/survival.csv`: `id,age,x1,x2,x3,time,event`
    /// with `event` 1 for the event and 0 for censored.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("id,age,x1,x2,x3,time,event\n");
        for i in 0..self.n() {
            let r = &self.x[i * 4..(i + 1) * 4];
            let _ = writeln!(
                out,
                "{},{:.1},{:.3},{:.3},{:.3},{},{}",
                i + 1,
                r[0],
                r[1],
                r[2],
                r[3],
                self.time[i],
                u8::from(self.event[i])
            );
        }
        out
    }
}

/// Draws `n` patients: age ~ N(60, 10^2), x1..x3 ~ N(0, 2^2); event time
/// from a Weibull with cumulative hazard `(t / scale)^shape *
/// exp(sum beta_j (x_j - centre_j))` (age centred at 60), by inverting
/// an Exp(1) draw; censoring at an independent exponential time or at the
/// end of follow-up, whichever is first. About a quarter are censored.
pub fn synth_weibull_survival(n: usize, seed: u64) -> SyntheticSurvival {
    let mut rng = Rng::derive(seed, "synth_weibull_survival");
    let round = |v: f64, places: i32| {
        let f = 10f64.powi(places);
        (v * f).round() / f
    };
    let mut data = SyntheticSurvival { x: Vec::with_capacity(n * 4), time: Vec::new(), event: Vec::new() };
    for _ in 0..n {
        let row = [
            round(60.0 + 10.0 * rng.normal(), 1),
            round(2.0 * rng.normal(), 3),
            round(2.0 * rng.normal(), 3),
            round(2.0 * rng.normal(), 3),
        ];
        let centre = [60.0, 0.0, 0.0, 0.0];
        let eta: f64 = (0..4).map(|j| PLANTED_COEFFICIENTS[j].1 * (row[j] - centre[j])).sum();
        let unit_exponential = -(1.0 - rng.uniform()).ln();
        let event_time = SCALE_DAYS * (unit_exponential / eta.exp()).powf(1.0 / SHAPE);
        let censor_time = (-(1.0 - rng.uniform()).ln() / CENSORING_RATE).min(FOLLOW_UP_DAYS);
        let observed = event_time.min(censor_time);
        data.x.extend_from_slice(&row);
        data.time.push(observed.round().max(1.0));
        data.event.push(event_time <= censor_time);
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_rows_and_censoring_is_moderate() {
        let a = synth_weibull_survival(300, 0);
        assert_eq!(a, synth_weibull_survival(300, 0));
        assert_ne!(a, synth_weibull_survival(300, 1));
        let censored = a.event.iter().filter(|&&e| !e).count();
        assert!((40..120).contains(&censored), "{censored} censored of 300");
        assert!(a.time.iter().all(|&t| (1.0..=FOLLOW_UP_DAYS).contains(&t)));
    }
}
