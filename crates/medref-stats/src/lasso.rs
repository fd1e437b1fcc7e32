//! L1-penalised (LASSO) logistic and linear regression, the default model
//! of OHDSI's PatientLevelPrediction: most of thousands of sparse
//! covariates get a weight of exactly zero, and the penalty is chosen by
//! cross-validation on the training persons.
//!
//! The fit minimises
//!
//! ```text
//! F(w, b) = Σᵢ loss(xᵢ·w + b, yᵢ) + l1 ‖w‖₁
//! ```
//!
//! with the intercept unpenalised: scikit-learn's
//! `LogisticRegression(penalty="l1", C=c, solver="saga")` is `l1 = 1 / c`.
//! The solver is a proximal Newton method: each outer step makes the
//! quadratic model of the log-loss at the current weights (IRLS weights and
//! working response) and minimises it plus the penalty by cyclic coordinate
//! descent with soft thresholding, then backtracks until `F` decreases. It
//! stops when the optimality conditions hold to `tol` on the scale of the
//! mean loss: `|∂ⱼ| <= l1` where `wⱼ = 0`, `∂ⱼ = -l1 sign(wⱼ)` elsewhere.

use crate::glm::Family;
use medref_core::seed::Rng;
use serde::Serialize;

/// A fitted L1 model and the evidence that it is the optimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LassoFit {
    /// Weights `[p]`, many exactly zero.
    pub coefficients: Vec<f64>,
    /// Unpenalised intercept.
    pub intercept: f64,
    /// The penalty the fit was made with.
    pub l1: f64,
    /// Outer (Newton) steps taken.
    pub iterations: usize,
    /// Largest violation of the optimality conditions, divided by `n`.
    pub kkt_max: f64,
    /// `F / n`.
    pub objective: f64,
    /// Whether `kkt_max <= tol` was reached.
    pub converged: bool,
}

impl LassoFit {
    /// Linear predictor `x·w + b` for row-major `x` `[n, p]`.
    pub fn decision_function(&self, x: &[f64]) -> Vec<f64> {
        let p = self.coefficients.len();
        x.chunks(p.max(1))
            .map(|row| self.intercept + row.iter().zip(&self.coefficients).map(|(a, w)| a * w).sum::<f64>())
            .collect()
    }
}

fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

/// Log-loss of one row in a form that does not overflow.
fn log_loss(eta: f64, y: f64) -> f64 {
    // log(1 + e^eta) - y eta
    let softplus = if eta > 0.0 { eta + (-eta).exp().ln_1p() } else { eta.exp().ln_1p() };
    softplus - y * eta
}

/// The data as sparse columns, the layout coordinate descent walks: OMOP
/// covariates are mostly zeros (GiBleed: 4% non-zero), so a sweep costs
/// the non-zeros, not `n * p`.
struct Columns {
    n: usize,
    p: usize,
    starts: Vec<usize>,
    rows: Vec<usize>,
    values: Vec<f64>,
}

impl Columns {
    fn new(x: &[f64], n: usize, p: usize) -> Self {
        let (mut starts, mut rows, mut values) = (Vec::with_capacity(p + 1), Vec::new(), Vec::new());
        for j in 0..p {
            starts.push(rows.len());
            for i in 0..n {
                let v = x[i * p + j];
                if v != 0.0 {
                    rows.push(i);
                    values.push(v);
                }
            }
        }
        starts.push(rows.len());
        Self { n, p, starts, rows, values }
    }
    /// Column `j`'s non-zeros as (row, value).
    fn col(&self, j: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.starts[j]..self.starts[j + 1];
        self.rows[range.clone()].iter().copied().zip(self.values[range].iter().copied())
    }
    fn eta(&self, w: &[f64], b: f64) -> Vec<f64> {
        let mut eta = vec![b; self.n];
        for (j, &wj) in w.iter().enumerate() {
            if wj != 0.0 {
                self.col(j).for_each(|(i, x)| eta[i] += wj * x);
            }
        }
        eta
    }
}

struct Problem<'a> {
    family: Family,
    x: &'a Columns,
    y: &'a [f64],
    l1: f64,
}

impl Problem<'_> {
    fn objective(&self, w: &[f64], b: f64) -> f64 {
        let eta = self.x.eta(w, b);
        let loss: f64 = match self.family {
            Family::Logistic => eta.iter().zip(self.y).map(|(&e, &y)| log_loss(e, y)).sum(),
            Family::Linear => eta.iter().zip(self.y).map(|(&e, &y)| 0.5 * (y - e) * (y - e)).sum(),
        };
        loss + self.l1 * w.iter().map(|v| v.abs()).sum::<f64>()
    }

    /// The largest violation of the optimality conditions, per row.
    fn kkt(&self, w: &[f64], b: f64) -> f64 {
        let eta = self.x.eta(w, b);
        let residual: Vec<f64> = match self.family {
            Family::Logistic => eta.iter().zip(self.y).map(|(&e, &y)| sigmoid(e) - y).collect(),
            Family::Linear => eta.iter().zip(self.y).map(|(&e, &y)| e - y).collect(),
        };
        let mut worst = residual.iter().sum::<f64>().abs();
        for (j, &wj) in w.iter().enumerate() {
            let g: f64 = self.x.col(j).map(|(i, x)| x * residual[i]).sum();
            let v = if wj == 0.0 { (g.abs() - self.l1).max(0.0) } else { (g + self.l1 * wj.signum()).abs() };
            worst = worst.max(v);
        }
        worst / self.x.n as f64
    }

    /// One proximal Newton direction: the minimiser of the quadratic model plus penalty.
    /// `inner_tol` bounds the last sweep's largest change of a fitted value
    /// (`|Δwⱼ| sqrt(curvatureⱼ / n)`): the quadratic model is only an
    /// approximation, so it is solved as precisely as the outer step needs.
    fn newton_target(&self, w: &[f64], b: f64, inner_tol: f64) -> (Vec<f64>, f64) {
        let n = self.x.n;
        let eta = self.x.eta(w, b);
        let (weights, z): (Vec<f64>, Vec<f64>) = match self.family {
            Family::Logistic => eta
                .iter()
                .zip(self.y)
                .map(|(&e, &y)| {
                    let p = sigmoid(e);
                    let h = (p * (1.0 - p)).max(1e-10);
                    (h, e + (y - p) / h)
                })
                .unzip(),
            Family::Linear => (vec![1.0; n], self.y.to_vec()),
        };
        let mut w_new = w.to_vec();
        let mut b_new = b;
        let mut r: Vec<f64> = z.iter().zip(&eta).map(|(z, e)| z - e).collect();
        let curvature: Vec<f64> = (0..self.x.p).map(|j| self.x.col(j).map(|(i, x)| weights[i] * x * x).sum()).collect();
        let total: f64 = weights.iter().sum();
        for _ in 0..1000 {
            let mut largest = 0.0f64;
            let step = weights.iter().zip(&r).map(|(h, r)| h * r).sum::<f64>() / total;
            b_new += step;
            r.iter_mut().for_each(|v| *v -= step);
            largest = largest.max(step.abs());
            for j in 0..self.x.p {
                if curvature[j] == 0.0 {
                    continue;
                }
                let g: f64 = self.x.col(j).map(|(i, x)| weights[i] * x * r[i]).sum::<f64>() + curvature[j] * w_new[j];
                let updated = g.signum() * (g.abs() - self.l1).max(0.0) / curvature[j];
                let delta = updated - w_new[j];
                if delta != 0.0 {
                    self.x.col(j).for_each(|(i, x)| r[i] -= delta * x);
                    w_new[j] = updated;
                    largest = largest.max(delta.abs() * (curvature[j] / n as f64).sqrt());
                }
            }
            if largest <= inner_tol {
                break;
            }
        }
        (w_new, b_new)
    }

    fn solve(&self, start: (Vec<f64>, f64), tol: f64, max_iter: usize) -> LassoFit {
        let (mut w, mut b) = start;
        let mut f = self.objective(&w, b);
        let mut iterations = 0;
        let mut kkt = self.kkt(&w, b);
        while kkt > tol && iterations < max_iter {
            iterations += 1;
            let (target_w, target_b) = self.newton_target(&w, b, (kkt * 1e-2).max(tol * 1e-2));
            let mut t = 1.0;
            loop {
                let cw: Vec<f64> = w.iter().zip(&target_w).map(|(a, c)| a + t * (c - a)).collect();
                let cb = b + t * (target_b - b);
                let cf = self.objective(&cw, cb);
                if cf <= f || t < 1e-10 {
                    if cf <= f {
                        (w, b, f) = (cw, cb, cf);
                    }
                    break;
                }
                t /= 2.0;
            }
            let previous = kkt;
            kkt = self.kkt(&w, b);
            if t < 1e-10 && kkt >= previous {
                break;
            }
        }
        let n = self.x.n as f64;
        LassoFit {
            coefficients: w,
            intercept: b,
            l1: self.l1,
            iterations,
            kkt_max: kkt,
            objective: f / n,
            converged: kkt <= tol,
        }
    }
}

/// The starting point with every weight zero: the intercept alone.
fn null_start(family: Family, y: &[f64], p: usize) -> (Vec<f64>, f64) {
    let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
    let b = match family {
        Family::Logistic => (mean / (1.0 - mean)).ln(),
        Family::Linear => mean,
    };
    (vec![0.0; p], b)
}

/// Fits `F` above for row-major `x` `[n, p]`, `y` 0/1 (logistic) or numbers;
/// the caller checks shapes, finiteness and that both classes are present.
pub fn fit_lasso(family: Family, x: &[f64], n: usize, p: usize, y: &[f64], l1: f64, tol: f64) -> LassoFit {
    let cols = Columns::new(x, n, p);
    Problem { family, x: &cols, y, l1 }.solve(null_start(family, y, p), tol, 200)
}

/// The smallest `l1` at which every weight is zero: `max_j |Σᵢ xᵢⱼ (yᵢ - ȳ)|`
/// (the gradient at the intercept-only fit), where a penalty path starts.
pub fn l1_max(x: &[f64], n: usize, p: usize, y: &[f64]) -> f64 {
    let mean = y.iter().sum::<f64>() / n.max(1) as f64;
    (0..p).map(|j| (0..n).map(|i| x[i * p + j] * (y[i] - mean)).sum::<f64>().abs()).fold(0.0, f64::max)
}

/// One penalty of a cross-validated path and its mean held-out loss per row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvPoint {
    /// scikit-learn's `C` (`1 / l1`).
    pub c: f64,
    /// Mean over folds of the held-out loss per row (log-loss or half squared error).
    pub held_out_loss: f64,
    /// Non-zero weights of the first fold's fit at this penalty.
    pub non_zero: usize,
}

/// Chooses `C` by `folds`-fold cross-validation on row-major `x` `[n, p]` (folds stratified by class
/// for logistic, seeded) over `n_c` values log-spaced from `1 / l1_max`
/// upwards by `span` decades, each fit warm-started from the stronger
/// penalty's; returns the path and the `C` with the lowest held-out loss
/// (the strongest penalty among ties).
pub fn cross_validate_c(
    family: Family,
    (x, n, p): (&[f64], usize, usize),
    y: &[f64],
    folds: usize,
    (n_c, span): (usize, f64),
    seed: u64,
    tol: f64,
) -> (Vec<CvPoint>, f64) {
    let c_min = 1.0 / l1_max(x, n, p, y).max(1e-12);
    let grid: Vec<f64> = (0..n_c).map(|k| c_min * 10f64.powf(span * k as f64 / (n_c.max(2) - 1) as f64)).collect();
    // Stratified fold labels: each class shuffled and dealt round-robin.
    let mut fold_of = vec![0usize; n];
    let mut rng = Rng::derive(seed, "lasso/cv_folds");
    let classes: Vec<Vec<usize>> = match family {
        Family::Logistic => [0.0, 1.0].iter().map(|&c| (0..n).filter(|&i| y[i] == c).collect()).collect(),
        Family::Linear => vec![(0..n).collect()],
    };
    let mut dealt = 0;
    for mut members in classes {
        rng.shuffle(&mut members);
        for i in members {
            fold_of[i] = dealt % folds;
            dealt += 1;
        }
    }
    let mut losses = vec![0.0; n_c];
    let mut non_zero = vec![0usize; n_c];
    for fold in 0..folds {
        let train: Vec<usize> = (0..n).filter(|&i| fold_of[i] != fold).collect();
        let held: Vec<usize> = (0..n).filter(|&i| fold_of[i] == fold).collect();
        let rows = |idx: &[usize]| -> (Vec<f64>, Vec<f64>) {
            (
                idx.iter().flat_map(|&i| x[i * p..(i + 1) * p].iter().copied()).collect(),
                idx.iter().map(|&i| y[i]).collect(),
            )
        };
        let (xt, yt) = rows(&train);
        let (xh, yh) = rows(&held);
        let cols = Columns::new(&xt, train.len(), p);
        let mut start = null_start(family, &yt, p);
        for (k, &c) in grid.iter().enumerate() {
            let fit = Problem { family, x: &cols, y: &yt, l1: 1.0 / c }.solve(start.clone(), tol, 200);
            let eta = fit.decision_function(&xh);
            let loss: f64 = match family {
                Family::Logistic => eta.iter().zip(&yh).map(|(&e, &y)| log_loss(e, y)).sum(),
                Family::Linear => eta.iter().zip(&yh).map(|(&e, &y)| 0.5 * (y - e) * (y - e)).sum(),
            };
            losses[k] += loss / held.len().max(1) as f64 / folds as f64;
            if fold == 0 {
                non_zero[k] = fit.coefficients.iter().filter(|w| **w != 0.0).count();
            }
            start = (fit.coefficients, fit.intercept);
        }
    }
    let best = (0..n_c).fold(0, |b, k| if losses[k] < losses[b] { k } else { b });
    let path = grid
        .iter()
        .zip(&losses)
        .zip(&non_zero)
        .map(|((&c, &l), &nz)| CvPoint { c, held_out_loss: l, non_zero: nz })
        .collect();
    (path, grid[best])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows with two informative features and three of noise.
    fn planted(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = Rng::new(seed);
        let mut x = Vec::with_capacity(n * 5);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let row: Vec<f64> = (0..5).map(|_| rng.normal()).collect();
            let eta = -0.5 + 1.5 * row[0] - 1.0 * row[1];
            y.push(f64::from(u8::from(rng.uniform() < sigmoid(eta))));
            x.extend(row);
        }
        (x, y)
    }

    #[test]
    fn the_optimum_satisfies_the_subgradient_conditions() {
        let (x, y) = planted(400, 1);
        let fit = fit_lasso(Family::Logistic, &x, 400, 5, &y, 20.0, 1e-9);
        assert!(fit.converged, "{fit:?}");
        // Perturbing any weight (or the intercept) cannot lower F.
        let cols = Columns::new(&x, 400, 5);
        let problem = Problem { family: Family::Logistic, x: &cols, y: &y, l1: 20.0 };
        let f = problem.objective(&fit.coefficients, fit.intercept);
        for j in 0..6 {
            for step in [1e-4, -1e-4] {
                let mut w = fit.coefficients.clone();
                let mut b = fit.intercept;
                if j < 5 {
                    w[j] += step;
                } else {
                    b += step;
                }
                assert!(problem.objective(&w, b) >= f - 1e-9, "weight {j} step {step}");
            }
        }
        assert!(fit.coefficients[0] > 0.8 && fit.coefficients[1] < -0.5, "{:?}", fit.coefficients);
    }

    #[test]
    fn a_penalty_above_l1_max_zeroes_every_weight_and_below_it_does_not() {
        let (x, y) = planted(300, 2);
        let top = l1_max(&x, 300, 5, &y);
        let above = fit_lasso(Family::Logistic, &x, 300, 5, &y, top * 1.01, 1e-9);
        assert!(above.coefficients.iter().all(|w| *w == 0.0), "{:?}", above.coefficients);
        let mean = y.iter().sum::<f64>() / 300.0;
        assert!((above.intercept - (mean / (1.0 - mean)).ln()).abs() < 1e-6);
        let below = fit_lasso(Family::Logistic, &x, 300, 5, &y, top * 0.95, 1e-9);
        assert!(below.coefficients.iter().any(|w| *w != 0.0), "{:?}", below.coefficients);
    }

    /// Orthonormal columns make the linear LASSO a soft threshold of the
    /// least-squares weights: `w = sign(g) max(|g| - l1, 0)` with `g = xᵀy`.
    #[test]
    fn linear_lasso_on_orthogonal_columns_is_a_soft_threshold() {
        let x = [1.0, 1.0, 1.0, -1.0, -1.0, 1.0, -1.0, -1.0];
        let y = [3.0, 1.0, -1.0, -2.0];
        let fit = fit_lasso(Family::Linear, &x, 4, 2, &y, 3.5, 1e-12);
        // Both columns have mean 0 and squared norm 4; g = [x1·y, x2·y] = [7, 3]:
        // w = [(7 - 3.5) / 4, 0], intercept the mean of y.
        assert!((fit.coefficients[0] - 0.875).abs() < 1e-9, "{:?}", fit.coefficients);
        assert_eq!(fit.coefficients[1], 0.0);
        assert!((fit.intercept - 0.25).abs() < 1e-9);
    }

    #[test]
    fn cross_validation_keeps_the_signal_and_is_seeded() {
        let (x, y) = planted(500, 3);
        let (path, c) = cross_validate_c(Family::Logistic, (&x, 500, 5), &y, 5, (12, 3.0), 0, 1e-7);
        assert_eq!(path.len(), 12);
        assert!(c > path[0].c, "the null model should not win on a planted signal");
        let (_, again) = cross_validate_c(Family::Logistic, (&x, 500, 5), &y, 5, (12, 3.0), 0, 1e-7);
        assert_eq!(c, again);
        let fit = fit_lasso(Family::Logistic, &x, 500, 5, &y, 1.0 / c, 1e-9);
        assert!(fit.coefficients[0] > 0.5 && fit.coefficients[1] < -0.3);
    }
}
