//! Logistic and linear (ridge) regression fitted as the convex problems they
//! are: full batch, by Newton's method, to a stated gradient tolerance, with
//! the same objective as scikit-learn so that the coefficients can be
//! compared number for number.
//!
//! Why not the minibatch trainer: stochastic steps with early stopping on a
//! small validation split stop short of the optimum by an amount that
//! depends on the learning rate, the batch order and the split, so two runs
//! differ and neither is the model a statistician means by "logistic
//! regression". Here the answer is the unique minimiser of
//!
//! ```text
//! F(w, b) = Σᵢ loss(xᵢ·w + b, yᵢ) + (l2 / 2) ‖w‖²
//! ```
//!
//! with the intercept `b` unpenalised, `loss` the log-loss (logistic) or
//! half the squared error (linear). In scikit-learn's terms:
//!
//! * `LogisticRegression(C=c)` (L2, lbfgs or newton-cg) is `l2 = 1 / c`;
//! * `Ridge(alpha=a)` is `l2 = a` (sklearn writes `‖y − Xw‖² + a‖w‖²`,
//!   twice our `F`, so the minimiser is the same);
//! * `LinearRegression()` is `l2 = 0`.
//!
//! The tolerance `tol` bounds `max |∇F / n|`, the gradient of the mean loss
//! plus `l2 / (2n) ‖w‖²` (with sample weights, `n` is their sum): the scale
//! on which scikit-learn's lbfgs applies its own `tol`, and one that does
//! not grow with the number of rows.

use serde::{Deserialize, Serialize};

mod linalg;
mod newton;

use newton::{sigmoid, Problem};

/// Which model: decides the per-row loss and how a linear predictor
/// becomes a prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Binary outcome coded 0/1; log-loss; predictions are `P(y = 1)`.
    Logistic,
    /// Continuous outcome; squared error; predictions are the fitted mean.
    Linear,
}

/// How hard to penalise and how precisely to solve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GlmOptions {
    /// L2 penalty strength in `F = Σ loss + (l2 / 2) ‖w‖²`; `1 / C` for
    /// scikit-learn's `LogisticRegression(C)`, `alpha` for `Ridge(alpha)`.
    /// Must be finite and `>= 0`; logistic regression needs `> 0`, because
    /// unpenalised log-loss has no finite minimiser on separable classes.
    pub l2: f64,
    /// Fit an (unpenalised) intercept, as scikit-learn does by default.
    pub fit_intercept: bool,
    /// Stop when `max |∇F / n| <= tol` (see the module documentation).
    pub tol: f64,
    /// Newton iterations allowed before [`GlmError::NoConvergence`]. A
    /// well-posed fit needs fewer than 20; the limit exists so that a
    /// pathological one ends with an error rather than running on.
    pub max_iter: usize,
}

impl Default for GlmOptions {
    /// scikit-learn's default penalty (`C = 1`, `alpha = 1`), with a
    /// tolerance tight enough for coefficients to agree to 1e-6 with any
    /// other exact solver on standardised features.
    fn default() -> Self {
        GlmOptions { l2: 1.0, fit_intercept: true, tol: 1e-8, max_iter: 100 }
    }
}

impl GlmOptions {
    /// Options matching scikit-learn's `LogisticRegression(C=c)`.
    pub fn from_c(c: f64) -> Self {
        GlmOptions { l2: 1.0 / c, ..Self::default() }
    }

    /// Options matching scikit-learn's `Ridge(alpha=alpha)`.
    pub fn from_ridge_alpha(alpha: f64) -> Self {
        GlmOptions { l2: alpha, ..Self::default() }
    }
}

/// A fitted model and the evidence that it is the optimum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlmFit {
    /// Which loss was minimised.
    pub family: Family,
    /// Weights `w`, one per feature column, `[p]`.
    pub coefficients: Vec<f64>,
    /// Intercept `b` (0 when not fitted).
    pub intercept: f64,
    /// The penalty the fit was made with, kept so a saved fit says what it is.
    pub l2: f64,
    /// Newton steps taken.
    pub iterations: usize,
    /// `max |∇F / n|` at the returned parameters.
    pub gradient_max_abs: f64,
    /// `F / n` at the returned parameters.
    pub objective: f64,
    /// Whether `gradient_max_abs <= tol`; false only inside
    /// [`GlmError::NoConvergence`].
    pub converged: bool,
}

/// Why a fit or a prediction was refused.
#[derive(Debug, thiserror::Error)]
pub enum GlmError {
    /// The slices do not have the sizes `n` and `p` promise.
    #[error("{what} has {len} values, but {expected} were expected ({detail})")]
    Shape {
        /// Which argument.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The length `n` and `p` imply.
        expected: usize,
        /// How the expectation arises.
        detail: String,
    },
    /// No rows to fit.
    #[error("no rows: a model needs at least one training row")]
    Empty,
    /// NaN or infinity in the features.
    #[error("feature at row {row}, column {column} is {value}: impute or drop missing values before fitting")]
    NonFiniteFeature {
        /// Row, from 0.
        row: usize,
        /// Column, from 0.
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// NaN or infinity in the outcome.
    #[error("outcome at row {row} is {value}: drop rows without an outcome before fitting")]
    NonFiniteLabel {
        /// Row, from 0.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A logistic label other than 0 or 1.
    #[error("label at row {row} is {value}: logistic regression needs labels coded 0 or 1")]
    BadLabel {
        /// Row, from 0.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// Every logistic label is the same class.
    #[error("all {n} labels are {class}: with one class the intercept has no finite optimum; check the label column and the split")]
    SingleClass {
        /// Rows.
        n: usize,
        /// The one class present.
        class: u8,
    },
    /// A sample weight that is negative or not finite, or all weights zero.
    #[error("sample weight at row {row} is {value}: weights must be finite, >= 0 and not all zero")]
    BadWeight {
        /// Row, from 0 (0 when all weights are zero).
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// An option outside its domain.
    #[error("option {name} = {value}: {expected}")]
    BadOption {
        /// Field of [`GlmOptions`].
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is accepted, and why.
        expected: &'static str,
    },
    /// The penalised Hessian is singular: no unique solution.
    #[error("the problem is singular with l2 = {l2}: some feature columns are constant or linear combinations of others; drop them or set l2 > 0")]
    Singular {
        /// The penalty in force.
        l2: f64,
    },
    /// The tolerance was not reached; the last iterate is kept for inspection.
    #[error("no convergence after {iterations} Newton iterations: max |gradient| = {gradient_max_abs:e} > tol = {tol:e}; {reason}")]
    NoConvergence {
        /// Newton steps taken.
        iterations: usize,
        /// `max |∇F / n|` at the last iterate.
        gradient_max_abs: f64,
        /// The tolerance asked for.
        tol: f64,
        /// Iteration limit or stalled line search.
        reason: &'static str,
        /// The last iterate, `converged: false`.
        fit: Box<GlmFit>,
    },
    /// A probability was asked of a linear model.
    #[error("predict_proba needs a logistic fit; this is a linear fit (use predict)")]
    NotProbabilistic,
}

/// Fits L2-penalised logistic regression: `x` row-major `[n, p]`, `y` 0/1.
pub fn fit_logistic(x: &[f64], n: usize, p: usize, y: &[f64], opts: &GlmOptions) -> Result<GlmFit, GlmError> {
    fit(Family::Logistic, x, n, p, y, opts)
}

/// Fits ridge (`l2 > 0`) or ordinary least-squares (`l2 = 0`) regression:
/// `x` row-major `[n, p]`, `y` `[n]`.
pub fn fit_linear(x: &[f64], n: usize, p: usize, y: &[f64], opts: &GlmOptions) -> Result<GlmFit, GlmError> {
    fit(Family::Linear, x, n, p, y, opts)
}

/// Fits either family; the entry point for callers that read the family
/// from a config.
pub fn fit(family: Family, x: &[f64], n: usize, p: usize, y: &[f64], opts: &GlmOptions) -> Result<GlmFit, GlmError> {
    fit_inner(family, x, n, p, y, None, opts)
}

/// Fits with per-row weights `[n]` (finite, `>= 0`, not all zero): the
/// objective becomes `Σ sᵢ loss + (l2 / 2) ‖w‖²`, which is scikit-learn's
/// `fit(X, y, sample_weight=s)` for both families, and with
/// [`balanced_sample_weights`] its `class_weight="balanced"`. A weight of k
/// is the same as k copies of the row.
pub fn fit_weighted(
    family: Family,
    x: &[f64],
    n: usize,
    p: usize,
    y: &[f64],
    sample_weight: &[f64],
    opts: &GlmOptions,
) -> Result<GlmFit, GlmError> {
    fit_inner(family, x, n, p, y, Some(sample_weight), opts)
}

/// Per-row weights `n / (2 · count of the row's class)` for 0/1 labels, so
/// that each class carries half the total weight: scikit-learn's
/// `class_weight="balanced"` and medref's `class_weights = "balanced"`.
/// Labels other than 0 and 1 get weight 0 and are left to the fit's own
/// label check.
pub fn balanced_sample_weights(y: &[f64]) -> Vec<f64> {
    let ones = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let zeros = y.iter().filter(|&&v| v == 0.0).count() as f64;
    let n = y.len() as f64;
    y.iter()
        .map(|&v| {
            if v == 1.0 {
                n / (2.0 * ones)
            } else if v == 0.0 {
                n / (2.0 * zeros)
            } else {
                0.0
            }
        })
        .collect()
}

fn fit_inner(
    family: Family,
    x: &[f64],
    n: usize,
    p: usize,
    y: &[f64],
    weights: Option<&[f64]>,
    opts: &GlmOptions,
) -> Result<GlmFit, GlmError> {
    validate_options(family, opts)?;
    check_x(x, n, p)?;
    if n == 0 {
        return Err(GlmError::Empty);
    }
    if y.len() != n {
        return Err(GlmError::Shape {
            what: "y",
            len: y.len(),
            expected: n,
            detail: format!("one outcome per row, n = {n}"),
        });
    }
    for (row, &value) in y.iter().enumerate() {
        if !value.is_finite() {
            return Err(GlmError::NonFiniteLabel { row, value });
        }
        if family == Family::Logistic && value != 0.0 && value != 1.0 {
            return Err(GlmError::BadLabel { row, value });
        }
    }
    if let Some(w) = weights {
        if w.len() != n {
            return Err(GlmError::Shape {
                what: "sample_weight",
                len: w.len(),
                expected: n,
                detail: format!("one weight per row, n = {n}"),
            });
        }
        if let Some(row) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(GlmError::BadWeight { row, value: w[row] });
        }
        if w.iter().all(|&v| v == 0.0) {
            return Err(GlmError::BadWeight { row: 0, value: 0.0 });
        }
    }
    if family == Family::Logistic && opts.fit_intercept {
        // Rows of weight zero do not count: they do not pull on the intercept.
        let counted = |class: f64| (0..n).filter(|&i| y[i] == class && weights.is_none_or(|w| w[i] > 0.0)).count();
        let (negatives, positives) = (counted(0.0), counted(1.0));
        if positives == 0 || negatives == 0 {
            return Err(GlmError::SingleClass { n: positives + negatives, class: u8::from(negatives == 0) });
        }
    }
    Problem { family, x, n, p, y, weights, l2: opts.l2, fit_intercept: opts.fit_intercept }
        .solve(opts.tol, opts.max_iter)
}

fn validate_options(family: Family, opts: &GlmOptions) -> Result<(), GlmError> {
    let bad = |name, value, expected| Err(GlmError::BadOption { name, value, expected });
    if !(opts.l2.is_finite() && opts.l2 >= 0.0) {
        return bad("l2", opts.l2, "must be a finite number >= 0 (1 / C for scikit-learn's C)");
    }
    if family == Family::Logistic && opts.l2 == 0.0 {
        return bad(
            "l2",
            opts.l2,
            "logistic regression needs l2 > 0: unpenalised log-loss has no finite optimum when the classes are separable; use e.g. 1e-6 for a nearly unpenalised fit",
        );
    }
    if !(opts.tol.is_finite() && opts.tol > 0.0) {
        return bad("tol", opts.tol, "must be a finite number > 0");
    }
    if opts.max_iter == 0 {
        return bad("max_iter", 0.0, "must be at least 1");
    }
    Ok(())
}

fn check_x(x: &[f64], n: usize, p: usize) -> Result<(), GlmError> {
    let expected = n.checked_mul(p).ok_or_else(|| GlmError::Shape {
        what: "x",
        len: x.len(),
        expected: usize::MAX,
        detail: format!("n = {n} times p = {p} overflows"),
    })?;
    if x.len() != expected {
        return Err(GlmError::Shape {
            what: "x",
            len: x.len(),
            expected,
            detail: format!("row-major n = {n} rows times p = {p} features"),
        });
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(GlmError::NonFiniteFeature { row: i / p, column: i % p, value: x[i] });
    }
    Ok(())
}

impl GlmFit {
    /// The linear predictor `x·w + b` for each row of `x` (row-major
    /// `[n, p]` with the fit's p): log-odds for a logistic fit.
    pub fn decision_function(&self, x: &[f64], n: usize) -> Result<Vec<f64>, GlmError> {
        let p = self.coefficients.len();
        check_x(x, n, p)?;
        Ok((0..n)
            .map(|i| {
                x[i * p..(i + 1) * p].iter().zip(&self.coefficients).map(|(a, w)| a * w).sum::<f64>() + self.intercept
            })
            .collect())
    }

    /// `P(y = 1)` for each row; refused for a linear fit.
    pub fn predict_proba(&self, x: &[f64], n: usize) -> Result<Vec<f64>, GlmError> {
        if self.family != Family::Logistic {
            return Err(GlmError::NotProbabilistic);
        }
        Ok(self.decision_function(x, n)?.into_iter().map(sigmoid).collect())
    }

    /// As scikit-learn's `predict`: the class (0 or 1, at probability 0.5)
    /// for a logistic fit, the fitted value for a linear one.
    pub fn predict(&self, x: &[f64], n: usize) -> Result<Vec<f64>, GlmError> {
        let eta = self.decision_function(x, n)?;
        Ok(match self.family {
            Family::Logistic => eta.into_iter().map(|e| f64::from(u8::from(e > 0.0))).collect(),
            Family::Linear => eta,
        })
    }
}
