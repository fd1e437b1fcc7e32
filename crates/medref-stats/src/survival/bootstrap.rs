//! Bootstrap intervals for survival metrics: the project's percentile
//! bootstrap (`medref_core::metrics::bootstrap_ci`, same seeding and
//! percentiles as every other metric) resampling whole patients, so a
//! patient's time, event and predictions always travel together.

use medref_core::metrics::{bootstrap_ci, ConfidenceInterval};

/// A 95% percentile interval of `metric` over patients resampled with
/// replacement.
///
/// `values` holds each patient's predictions, `values.len() / n` per
/// patient in row-major order (one risk score, or survival probabilities
/// at several horizons). `metric(time, event, values)` sees the resample;
/// return `None` (a resample without events, say) to skip it. IPCW
/// metrics should capture the training outcomes in the closure: the
/// censoring distribution describes the population, not the resample.
/// Panics when `values` does not split evenly into n rows.
pub fn bootstrap_survival_ci(
    time: &[f64],
    event: &[bool],
    values: &[f64],
    n_resamples: usize,
    seed: u64,
    mut metric: impl FnMut(&[f64], &[bool], &[f64]) -> Option<f64>,
) -> Option<ConfidenceInterval> {
    let n = time.len();
    assert_eq!(event.len(), n, "event needs one entry per patient");
    if n == 0 {
        return None;
    }
    assert_eq!(values.len() % n, 0, "values must hold the same number of entries per patient");
    let width = values.len() / n;
    let (mut t, mut e, mut v) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::new());
    bootstrap_ci(n, n_resamples, seed, |indices| {
        t.clear();
        e.clear();
        v.clear();
        for &i in indices {
            t.push(time[i]);
            e.push(event[i]);
            v.extend_from_slice(&values[i * width..(i + 1) * width]);
        }
        metric(&t, &e, &v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::harrell_c_index;
    use medref_core::seed::Rng;

    #[test]
    fn c_index_interval_brackets_the_estimate_and_is_reproducible() {
        let mut rng = Rng::new(5);
        let n = 400;
        let risk: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        // Exponential times with hazard exp(risk), censoring at rate 0.3.
        let mut time = Vec::new();
        let mut event = Vec::new();
        for &r in &risk {
            let t = -(1.0 - rng.uniform()).ln() / r.exp();
            let c = -(1.0 - rng.uniform()).ln() / 0.3;
            time.push(t.min(c));
            event.push(t <= c);
        }
        let c = harrell_c_index(&time, &event, &risk).unwrap();
        let metric = |t: &[f64], e: &[bool], r: &[f64]| harrell_c_index(t, e, r).ok();
        let a = bootstrap_survival_ci(&time, &event, &risk, 300, 1, metric).unwrap();
        let b = bootstrap_survival_ci(&time, &event, &risk, 300, 1, metric).unwrap();
        assert_eq!(a, b);
        assert!(a.lower < c && c < a.upper, "{a:?} vs {c}");
        assert!(a.upper - a.lower < 0.1 && a.upper - a.lower > 0.01, "{a:?}");
        assert_eq!(a.n_resamples_used, 300);
    }
}
