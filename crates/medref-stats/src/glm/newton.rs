//! Damped Newton's method (IRLS) for an L2-penalised GLM.
//!
//! Newton rather than L-BFGS because the problems are small and dense: one
//! `[p + 1, p + 1]` Cholesky solve per iteration is cheap, convergence near
//! the optimum is quadratic, so a tight gradient tolerance costs one or two
//! extra iterations instead of hundreds, and the iterates depend on nothing
//! but the data (no history length, no thread count). Step halving keeps
//! the first steps safe when the quadratic model is poor (logistic fits
//! started far from the optimum).

use super::linalg::{cholesky_in_place, cholesky_solve};
use super::{Family, GlmError, GlmFit};

/// The data and penalty; `x` is row-major `[n, p]`, already validated.
pub(super) struct Problem<'a> {
    pub family: Family,
    pub x: &'a [f64],
    pub n: usize,
    pub p: usize,
    pub y: &'a [f64],
    /// Per-row weights `[n]`, or `None` for all ones.
    pub weights: Option<&'a [f64]>,
    pub l2: f64,
    pub fit_intercept: bool,
}

/// Loss of one row, its first and second derivative in the linear predictor.
fn row_loss(family: Family, eta: f64, y: f64) -> (f64, f64, f64) {
    match family {
        Family::Logistic => {
            let mu = sigmoid(eta);
            (softplus(eta) - y * eta, mu - y, mu * (1.0 - mu))
        }
        Family::Linear => {
            let r = eta - y;
            (0.5 * r * r, r, 1.0)
        }
    }
}

/// `ln(1 + e^eta)` without overflow for large `eta` or loss of the tail
/// for very negative `eta`.
pub(super) fn softplus(eta: f64) -> f64 {
    eta.max(0.0) + (-eta.abs()).exp().ln_1p()
}

/// `1 / (1 + e^-eta)`, evaluated on the side where the exponential cannot
/// overflow.
pub(super) fn sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

impl Problem<'_> {
    /// Number of parameters: the p weights, then the intercept if fitted.
    fn dim(&self) -> usize {
        self.p + usize::from(self.fit_intercept)
    }

    fn eta(&self, theta: &[f64], row: usize) -> f64 {
        let xi = &self.x[row * self.p..(row + 1) * self.p];
        let b = if self.fit_intercept { theta[self.p] } else { 0.0 };
        xi.iter().zip(&theta[..self.p]).map(|(a, w)| a * w).sum::<f64>() + b
    }

    fn weight(&self, row: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[row])
    }

    /// Σ weights (n when unweighted): the divisor that puts the objective
    /// and its gradient on scikit-learn's per-sample scale.
    fn weight_sum(&self) -> f64 {
        self.weights.map_or(self.n as f64, |w| w.iter().sum())
    }

    fn penalty(&self, theta: &[f64]) -> f64 {
        0.5 * self.l2 * theta[..self.p].iter().map(|w| w * w).sum::<f64>()
    }

    /// The objective divided by Σ weights: weighted mean loss plus
    /// `l2 / (2 Σ weights) ||w||²`.
    pub fn objective(&self, theta: &[f64]) -> f64 {
        let loss: f64 =
            (0..self.n).map(|i| self.weight(i) * row_loss(self.family, self.eta(theta, i), self.y[i]).0).sum();
        (loss + self.penalty(theta)) / self.weight_sum()
    }

    /// Gradient of [`Problem::objective`], and optionally its Hessian
    /// (row-major `[dim, dim]`, lower triangle filled).
    fn derivatives(&self, theta: &[f64], hessian: Option<&mut Vec<f64>>) -> (f64, Vec<f64>) {
        let (p, m, nf) = (self.p, self.dim(), self.weight_sum());
        let mut grad = vec![0.0; m];
        let mut loss = 0.0;
        let mut h = hessian;
        if let Some(h) = h.as_deref_mut() {
            h.clear();
            h.resize(m * m, 0.0);
        }
        for i in 0..self.n {
            let s = self.weight(i);
            if s == 0.0 {
                continue;
            }
            let (l, d1, d2) = row_loss(self.family, self.eta(theta, i), self.y[i]);
            let (l, d1, d2) = (s * l, s * d1, s * d2);
            loss += l;
            let xi = &self.x[i * p..(i + 1) * p];
            for j in 0..p {
                grad[j] += d1 * xi[j];
            }
            if self.fit_intercept {
                grad[p] += d1;
            }
            if let Some(h) = h.as_deref_mut() {
                for a in 0..p {
                    let wa = d2 * xi[a];
                    let row = &mut h[a * m..a * m + a + 1];
                    for (hb, xb) in row.iter_mut().zip(&xi[..=a]) {
                        *hb += wa * xb;
                    }
                }
                if self.fit_intercept {
                    let row = &mut h[p * m..p * m + p + 1];
                    for (hb, xb) in row.iter_mut().zip(xi) {
                        *hb += d2 * xb;
                    }
                    row[p] += d2;
                }
            }
        }
        for j in 0..p {
            grad[j] += self.l2 * theta[j];
        }
        for g in &mut grad {
            *g /= nf;
        }
        if let Some(h) = h {
            for a in 0..m {
                if a < p {
                    h[a * m + a] += self.l2;
                }
                for b in 0..=a {
                    h[a * m + b] /= nf;
                }
            }
        }
        ((loss + self.penalty(theta)) / nf, grad)
    }

    /// Starting point: zero weights and the intercept that is optimal for
    /// them (the label mean, on the link scale), which leaves Newton only
    /// the weights to find and makes the intercept-only fit exact at once.
    fn start(&self) -> Vec<f64> {
        let mut theta = vec![0.0; self.dim()];
        if self.fit_intercept {
            let mean = (0..self.n).map(|i| self.weight(i) * self.y[i]).sum::<f64>() / self.weight_sum();
            theta[self.p] = match self.family {
                Family::Linear => mean,
                Family::Logistic => (mean / (1.0 - mean)).ln(),
            };
        }
        theta
    }

    /// Minimises [`Problem::objective`] to `max |gradient| <= tol`.
    pub fn solve(&self, tol: f64, max_iter: usize) -> Result<GlmFit, GlmError> {
        let m = self.dim();
        let mut theta = self.start();
        let mut hessian = Vec::with_capacity(m * m);
        let mut iterations = 0;
        let stalled = loop {
            let (f, grad) = self.derivatives(&theta, Some(&mut hessian));
            if max_abs(&grad) <= tol {
                return Ok(self.fit(theta, iterations, true));
            }
            if iterations == max_iter {
                break false;
            }
            let step = self.newton_step(&mut hessian, &grad)?;
            let slope: f64 = grad.iter().zip(&step).map(|(g, s)| g * s).sum();
            // Below a few ulps of f the objective cannot tell a better point
            // from a worse one; near the optimum the Newton step is then
            // trusted as it is, and the gradient test above decides.
            let slack = 8.0 * f64::EPSILON * f.abs();
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..60 {
                let trial: Vec<f64> = theta.iter().zip(&step).map(|(a, s)| a + t * s).collect();
                let f_trial = self.objective(&trial);
                if f_trial.is_finite() && f_trial <= f + 1e-4 * t * slope + slack {
                    accepted = Some(trial);
                    break;
                }
                t *= 0.5;
            }
            iterations += 1;
            match accepted {
                Some(next) => theta = next,
                None => break true,
            }
        };
        let fit = self.fit(theta, iterations, false);
        Err(GlmError::NoConvergence {
            iterations,
            gradient_max_abs: fit.gradient_max_abs,
            tol,
            reason: if stalled {
                "the line search found no decrease (the tolerance may be below what f64 resolves for this problem)"
            } else {
                "the iteration limit was reached"
            },
            fit: Box::new(fit),
        })
    }

    /// Solves `H d = -g`. When `H` is singular, a linear model has no
    /// unique solution and says so; a logistic Hessian can only be
    /// numerically singular (probabilities saturated at 0 or 1 zero the
    /// intercept's curvature), so a growing diagonal shift is tried first,
    /// turning the step towards gradient descent instead of failing.
    fn newton_step(&self, hessian: &mut [f64], grad: &[f64]) -> Result<Vec<f64>, GlmError> {
        let m = self.dim();
        let original = hessian.to_vec();
        let scale = (0..m).map(|i| original[i * m + i].abs()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
        let mut shift = 0.0;
        loop {
            hessian.copy_from_slice(&original);
            for i in 0..m {
                hessian[i * m + i] += shift;
            }
            if cholesky_in_place(hessian, m) {
                let mut step: Vec<f64> = grad.iter().map(|g| -g).collect();
                cholesky_solve(hessian, m, &mut step);
                return Ok(step);
            }
            if self.family == Family::Linear || shift > scale {
                return Err(GlmError::Singular { l2: self.l2 });
            }
            shift = if shift == 0.0 { scale * 1e-10 } else { shift * 100.0 };
        }
    }

    fn fit(&self, theta: Vec<f64>, iterations: usize, converged: bool) -> GlmFit {
        let (objective, grad) = self.derivatives(&theta, None);
        let intercept = if self.fit_intercept { theta[self.p] } else { 0.0 };
        let mut coefficients = theta;
        coefficients.truncate(self.p);
        GlmFit {
            family: self.family,
            coefficients,
            intercept,
            l2: self.l2,
            iterations,
            gradient_max_abs: max_abs(&grad),
            objective,
            converged,
        }
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |acc, g| acc.max(g.abs()))
}
