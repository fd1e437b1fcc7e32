//! Cox proportional hazards fitted as the convex problem it is: Newton-
//! Raphson on the negative log partial likelihood (plus an optional ridge
//! penalty), to a stated tolerance, with step halving so that every
//! accepted step lowers the objective.
//!
//! Penalty scaling follows lifelines' `CoxPHFitter(penalizer = l2,
//! l1_ratio = 0)`, so a number copied from a lifelines notebook means the
//! same here: lifelines standardises each covariate (mean 0, sample
//! standard deviation 1) and maximises
//! `loglik(b) - n * l2 * 0.5 * ||b||^2` in those standardised units, then
//! divides the coefficients by the standard deviations. In the original
//! units the penalty is therefore `0.5 * n * l2 * sum_j (sd_j * beta_j)^2`.
//! We fit the same way (standardising also keeps Newton well conditioned).

use thiserror::Error;

use super::error::{check_time_event, SurvivalError};
use super::linalg::{cholesky, cholesky_inverse, cholesky_solve, normal_sf};
use super::partial_likelihood::{dot, loglik_derivatives, RiskSets, Ties};

/// The 97.5th percentile of the standard normal, for 95% Wald intervals.
const Z_975: f64 = 1.959_963_984_540_054;

/// How to fit a Cox model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxOptions {
    pub ties: Ties,
    /// Ridge penalty with lifelines' `penalizer` scaling (see the module
    /// doc); 0 for the plain maximum partial likelihood estimate.
    pub l2: f64,
    /// Converged when the largest Newton step in standardised coefficient
    /// units is below this; Newton's quadratic convergence means the
    /// coefficients are then accurate to about this much.
    pub tol: f64,
    pub max_iter: usize,
}

impl Default for CoxOptions {
    fn default() -> Self {
        Self { ties: Ties::Efron, l2: 0.0, tol: 1e-9, max_iter: 100 }
    }
}

/// Why a Cox model could not be fitted.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CoxError {
    #[error(transparent)]
    Input(#[from] SurvivalError),
    #[error("x has {got} values, expected n * p = {n} * {p} (row-major, one row per patient)")]
    Shape { n: usize, p: usize, got: usize },
    #[error("x[row {row}, column {column}] = {value}, expected a finite number (impute missing values first)")]
    NonFiniteCovariate { row: usize, column: usize, value: f64 },
    #[error("covariate column {column} is constant, so its coefficient is not identifiable; drop it")]
    ConstantCovariate { column: usize },
    #[error("every patient is censored; a Cox model needs at least one event")]
    NoEvents,
    #[error("the Hessian is singular at Newton iteration {iteration}: covariates are collinear (or a penalty is needed); drop or combine columns, or set l2 > 0")]
    SingularHessian { iteration: usize },
    #[error("{what} = {value}, expected {expected}")]
    BadOption { what: &'static str, value: f64, expected: &'static str },
}

/// A fitted Cox model in the covariates' original units.
///
/// The baseline is Breslow's estimator at the training covariate means
/// (as lifelines' `baseline_cumulative_hazard_`), so a patient's curve is
/// `S(t | x) = exp(-H0(t) * exp((x - mean) . beta))`.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxFit {
    pub coefficients: Vec<f64>,
    /// From the inverse Hessian of the (penalised) objective, as lifelines.
    pub standard_errors: Vec<f64>,
    pub hazard_ratios: Vec<f64>,
    /// 95% Wald intervals `exp(beta -/+ 1.96 se)`.
    pub hazard_ratio_ci: Vec<(f64, f64)>,
    /// Two-sided Wald p-values.
    pub p_values: Vec<f64>,
    /// Unpenalised log partial likelihood at the estimate (lifelines'
    /// `log_likelihood_` subtracts the penalty when `penalizer > 0`).
    pub log_likelihood: f64,
    /// Log partial likelihood at beta = 0, for the likelihood-ratio test.
    pub log_likelihood_null: f64,
    pub iterations: usize,
    pub converged: bool,
    pub options: CoxOptions,
    pub covariate_means: Vec<f64>,
    /// Distinct event times, ascending.
    pub baseline_times: Vec<f64>,
    /// Breslow's H0 at each of `baseline_times` (at the covariate means).
    pub baseline_cumulative_hazard: Vec<f64>,
}

impl CoxFit {
    /// `(x - mean) . beta`, the log hazard ratio against an average
    /// patient; higher means higher risk. `x_row` has the p covariates.
    pub fn log_partial_hazard(&self, x_row: &[f64]) -> f64 {
        assert_eq!(x_row.len(), self.coefficients.len(), "x_row needs one value per covariate");
        x_row.iter().zip(&self.covariate_means).zip(&self.coefficients).map(|((x, m), b)| (x - m) * b).sum()
    }

    /// Risk scores for many patients, `x` `[n, p]` row-major.
    pub fn log_partial_hazards(&self, x: &[f64]) -> Vec<f64> {
        let p = self.coefficients.len().max(1);
        x.chunks(p).map(|row| self.log_partial_hazard(row)).collect()
    }

    /// Breslow's H0(t): the sum of baseline hazard jumps at or before `t`.
    pub fn baseline_cumulative_hazard_at(&self, t: f64) -> f64 {
        let k = self.baseline_times.partition_point(|&s| s <= t);
        if k == 0 {
            0.0
        } else {
            self.baseline_cumulative_hazard[k - 1]
        }
    }

    /// The patient's survival probability at each of `times`.
    pub fn predict_survival(&self, x_row: &[f64], times: &[f64]) -> Vec<f64> {
        let hr = self.log_partial_hazard(x_row).exp();
        times.iter().map(|&t| (-self.baseline_cumulative_hazard_at(t) * hr).exp()).collect()
    }
}

/// Fits a Cox proportional hazards model.
///
/// `x` is `[n, p]` row-major, one row per patient; `time` and `event` give
/// each patient's follow-up and whether it ended in the event. Censored
/// patients stay in every risk set until they leave. Returns `converged =
/// false` (not an error) when `max_iter` runs out, as happens when a
/// covariate separates events perfectly and a coefficient runs off to
/// infinity; a penalty (`l2 > 0`) then gives a finite answer.
pub fn fit_cox(
    x: &[f64],
    n: usize,
    p: usize,
    time: &[f64],
    event: &[bool],
    opts: CoxOptions,
) -> Result<CoxFit, CoxError> {
    check_inputs(x, n, p, time, event, &opts)?;
    let (means, sds) = column_moments(x, n, p)?;
    let z: Vec<f64> = x.iter().enumerate().map(|(k, v)| (v - means[k % p]) / sds[k % p]).collect();
    let sets = RiskSets::new(time);
    let penalty = opts.l2 * n as f64;

    // Objective f(b) = -loglik(b) + penalty/2 * ||b||^2, with its gradient
    // and Hessian (positive definite whenever the fit is identifiable).
    let objective = |b: &[f64]| {
        let (ll, g, h) = loglik_derivatives(&z, p, b, event, &sets, opts.ties);
        let f = -ll + 0.5 * penalty * dot(b, b);
        let grad: Vec<f64> = g.iter().zip(b).map(|(g, b)| -g + penalty * b).collect();
        let mut hess: Vec<f64> = h.iter().map(|v| -v).collect();
        for j in 0..p {
            hess[j * p + j] += penalty;
        }
        (ll, f, grad, hess)
    };

    let mut beta = vec![0.0; p];
    let (ll_null, mut f, mut grad, mut hess) = objective(&beta);
    let mut converged = false;
    let mut iterations = 0;
    while iterations < opts.max_iter {
        iterations += 1;
        let l = cholesky(&hess, p).ok_or(CoxError::SingularHessian { iteration: iterations })?;
        let step: Vec<f64> = cholesky_solve(&l, p, &grad).iter().map(|v| -v).collect();
        let largest = step.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        // Halve until the objective does not rise (a relative slack absorbs
        // rounding once we are at the optimum).
        let mut scale = 1.0;
        let accepted = loop {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let next = objective(&trial);
            if next.1.is_finite() && next.1 <= f + 1e-12 * f.abs().max(1.0) {
                break Some((trial, next));
            }
            scale *= 0.5;
            if scale < 1e-10 {
                break None;
            }
        };
        let Some((trial, (_, f_new, g_new, h_new))) = accepted else {
            // No decrease along the Newton direction: at the optimum to
            // rounding if the step was already tiny, otherwise stuck.
            converged = largest < opts.tol.sqrt();
            break;
        };
        beta = trial;
        (f, grad, hess) = (f_new, g_new, h_new);
        if largest < opts.tol {
            converged = true;
            break;
        }
    }

    let (ll, _, _, _) = objective(&beta);
    let l = cholesky(&hess, p).ok_or(CoxError::SingularHessian { iteration: iterations })?;
    let cov = cholesky_inverse(&l, p);
    let coefficients: Vec<f64> = beta.iter().zip(&sds).map(|(b, s)| b / s).collect();
    let standard_errors: Vec<f64> = (0..p).map(|j| cov[j * p + j].sqrt() / sds[j]).collect();

    let eta: Vec<f64> = (0..n).map(|i| dot(&z[i * p..(i + 1) * p], &beta)).collect();
    let (baseline_times, baseline_cumulative_hazard) = breslow_baseline(&eta, time, event, &sets);

    Ok(CoxFit {
        hazard_ratios: coefficients.iter().map(|b| b.exp()).collect(),
        hazard_ratio_ci: coefficients
            .iter()
            .zip(&standard_errors)
            .map(|(b, se)| ((b - Z_975 * se).exp(), (b + Z_975 * se).exp()))
            .collect(),
        p_values: coefficients.iter().zip(&standard_errors).map(|(b, se)| 2.0 * normal_sf((b / se).abs())).collect(),
        coefficients,
        standard_errors,
        log_likelihood: ll,
        log_likelihood_null: ll_null,
        iterations,
        converged,
        options: opts,
        covariate_means: means,
        baseline_times,
        baseline_cumulative_hazard,
    })
}

/// Breslow's estimator: at each event time, events / sum of exp(eta) over
/// the risk set, accumulated. Used whatever the tie method, as lifelines.
fn breslow_baseline(eta: &[f64], time: &[f64], event: &[bool], sets: &RiskSets) -> (Vec<f64>, Vec<f64>) {
    let mut risk_sum = 0.0;
    let mut jumps = Vec::new();
    for &(start, end) in &sets.runs {
        let members = &sets.order[start..end];
        risk_sum += members.iter().map(|&i| eta[i].exp()).sum::<f64>();
        let d = members.iter().filter(|&&i| event[i]).count();
        if d > 0 {
            jumps.push((time[members[0]], d as f64 / risk_sum));
        }
    }
    jumps.reverse();
    let mut cumulative = 0.0;
    jumps
        .into_iter()
        .map(|(t, h)| {
            cumulative += h;
            (t, cumulative)
        })
        .unzip()
}

fn check_inputs(
    x: &[f64],
    n: usize,
    p: usize,
    time: &[f64],
    event: &[bool],
    opts: &CoxOptions,
) -> Result<(), CoxError> {
    if p == 0 {
        return Err(CoxError::BadOption { what: "p", value: 0.0, expected: "at least one covariate" });
    }
    if x.len() != n * p {
        return Err(CoxError::Shape { n, p, got: x.len() });
    }
    if time.len() != n {
        return Err(SurvivalError::LengthMismatch { what: "time", expected: n, got: time.len() }.into());
    }
    check_time_event("time", time, event)?;
    if let Some(k) = x.iter().position(|v| !v.is_finite()) {
        return Err(CoxError::NonFiniteCovariate { row: k / p, column: k % p, value: x[k] });
    }
    if !event.iter().any(|&e| e) {
        return Err(CoxError::NoEvents);
    }
    if !(opts.l2 >= 0.0 && opts.l2.is_finite()) {
        return Err(CoxError::BadOption { what: "l2", value: opts.l2, expected: "a finite penalty >= 0" });
    }
    if opts.tol.is_nan() || opts.tol <= 0.0 {
        return Err(CoxError::BadOption { what: "tol", value: opts.tol, expected: "a tolerance > 0" });
    }
    if opts.max_iter == 0 {
        return Err(CoxError::BadOption { what: "max_iter", value: 0.0, expected: "at least 1 iteration" });
    }
    Ok(())
}

/// Column means and sample standard deviations (n - 1, as pandas, which
/// lifelines standardises with).
fn column_moments(x: &[f64], n: usize, p: usize) -> Result<(Vec<f64>, Vec<f64>), CoxError> {
    let mut means = vec![0.0; p];
    for row in x.chunks(p) {
        for (m, v) in means.iter_mut().zip(row) {
            *m += v / n as f64;
        }
    }
    let mut sds = vec![0.0; p];
    for row in x.chunks(p) {
        for j in 0..p {
            sds[j] += (row[j] - means[j]).powi(2);
        }
    }
    for (column, s) in sds.iter_mut().enumerate() {
        *s = (*s / (n.max(2) - 1) as f64).sqrt();
        if *s <= 1e-12 * means[column].abs().max(1.0) {
            return Err(CoxError::ConstantCovariate { column });
        }
    }
    Ok((means, sds))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three events at 1, 2, 3 with x = 1, 0.5, 0: at every event time the
    /// patient with the largest x fails, so the log partial likelihood
    /// rises in b without bound (perfect separation).
    #[test]
    fn separation_is_reported_not_hidden_and_a_penalty_fixes_it() {
        let x = [1.0, 0.5, 0.0];
        let t = [1.0, 2.0, 3.0];
        let e = [true, true, true];
        let opts = CoxOptions { max_iter: 30, ..CoxOptions::default() };
        let fit = fit_cox(&x, 3, 1, &t, &e, opts).unwrap();
        assert!(!fit.converged && fit.coefficients[0] > 5.0, "{fit:?}");
        let ridge = fit_cox(&x, 3, 1, &t, &e, CoxOptions { l2: 0.1, ..opts }).unwrap();
        assert!(ridge.converged && ridge.coefficients[0].is_finite());
        assert!(ridge.coefficients[0] > 0.0 && ridge.coefficients[0] < fit.coefficients[0]);
    }

    #[test]
    fn one_covariate_estimate_by_hand() {
        // Events at 1 (x = 1), 2 (x = 0), 3 (x = 1), censored at 4 (x = 0).
        // With v = e^b the risk sets sum to 2v + 2, v + 2 and v + 1, so the
        // score is (1 - v/(v+1)) + (0 - v/(v+2)) + (1 - v/(v+1))
        // = 2/(v+1) - v/(v+2), zero where v^2 - v - 4 = 0:
        // b = ln((1 + sqrt 17) / 2).
        let x = [1.0, 0.0, 1.0, 0.0];
        let t = [1.0, 2.0, 3.0, 4.0];
        let e = [true, true, true, false];
        let fit = fit_cox(&x, 4, 1, &t, &e, CoxOptions::default()).unwrap();
        let b = fit.coefficients[0];
        let expected = ((1.0 + 17f64.sqrt()) / 2.0).ln();
        assert!((b - expected).abs() < 1e-10, "{b} vs {expected}");
        assert!(fit.converged && fit.iterations < 10);
        // Breslow baseline at the mean (x = 1/2): jumps 1 / sum exp((x - 1/2) b).
        let h = |risk: &[f64]| 1.0 / risk.iter().map(|x| ((x - 0.5) * b).exp()).sum::<f64>();
        let h1 = h(&[1.0, 0.0, 1.0, 0.0]);
        let h2 = h(&[0.0, 1.0, 0.0]);
        assert!((fit.baseline_cumulative_hazard_at(1.5) - h1).abs() < 1e-12);
        assert!((fit.baseline_cumulative_hazard_at(2.0) - (h1 + h2)).abs() < 1e-12);
        assert_eq!(fit.baseline_cumulative_hazard_at(0.5), 0.0);
    }

    #[test]
    fn unusable_inputs_name_the_problem() {
        let t = [1.0, 2.0, 3.0];
        let e = [true, false, true];
        let err = fit_cox(&[1.0, 1.0, 1.0], 3, 1, &t, &e, CoxOptions::default()).unwrap_err();
        assert_eq!(err, CoxError::ConstantCovariate { column: 0 });
        // Two identical columns: the Hessian is singular.
        let x = [1.0, 1.0, 2.0, 2.0, 0.5, 0.5];
        let err = fit_cox(&x, 3, 2, &t, &e, CoxOptions::default()).unwrap_err();
        assert!(matches!(err, CoxError::SingularHessian { .. }), "{err}");
        let err = fit_cox(&[1.0, 2.0, 3.0], 3, 1, &t, &[false; 3], CoxOptions::default()).unwrap_err();
        assert_eq!(err, CoxError::NoEvents);
        let err = fit_cox(&[1.0, f64::NAN, 3.0], 3, 1, &t, &e, CoxOptions::default()).unwrap_err();
        assert!(err.to_string().contains("x[row 1, column 0]"), "{err}");
        let err = fit_cox(&[1.0, 2.0], 3, 1, &t, &e, CoxOptions::default()).unwrap_err();
        assert!(matches!(err, CoxError::Shape { n: 3, p: 1, got: 2 }));
        let bad = CoxOptions { l2: -1.0, ..CoxOptions::default() };
        assert!(fit_cox(&[1.0, 2.0, 3.0], 3, 1, &t, &e, bad).is_err());
    }
}
