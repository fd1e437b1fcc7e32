//! `kind = "linear"` fitted as the convex problem it is: L2-penalised
//! logistic regression (two classes) or ridge regression (numbers) by
//! Newton's method on the full training split, so the coefficients are the
//! ones scikit-learn reports for the same rows and penalty, and the same
//! config gives the same model whatever the batch order.

use medref_core::config::{ClassWeights, Config, LinearConfig, Penalty};
use medref_models::Mlp;
use medref_stats::glm::{balanced_sample_weights, fit, fit_weighted, Family, GlmOptions};
use medref_stats::lasso::{cross_validate_c, fit_lasso};
use medref_tabular::TabularDataset;
use medref_train::{DirectFit, Targets, TrainError};

/// Whether this target can be fitted directly: two classes or a number
/// (three or more classes are left to the loop's softmax model).
pub fn fits_directly(targets: &Targets) -> bool {
    matches!(targets, Targets::Classes { n_classes: 2, .. } | Targets::Regression { .. })
}

/// Fits the linear model on `ds`'s training rows and writes the solution
/// into `model` (a linear [`Mlp`]): for two classes the softmax logits are
/// `[0, x·w + b]`, so the class-1 probability is the logistic model's.
pub fn fit_linear(
    config: &Config,
    linear: &LinearConfig,
    ds: &TabularDataset,
    model: Mlp,
) -> Result<DirectFit<Mlp>, TrainError> {
    let (n, p) = (ds.train.targets.len(), ds.n_features);
    let x: Vec<f64> = ds.train.x.iter().map(|&v| f64::from(v)).collect();
    let (family, y, n_outputs) = match &ds.train.targets {
        Targets::Classes { labels, .. } => (Family::Logistic, labels.iter().map(|&l| l as f64).collect::<Vec<_>>(), 2),
        // The network predicts the standardised target; so does the fit.
        Targets::Regression { values, mean, std } => {
            (Family::Linear, values.iter().map(|v| (v - mean) / std).collect(), 1)
        }
        _ => return Err(TrainError::Mismatch("a directly fitted linear model needs two classes or a number".into())),
    };
    if linear.penalty == Penalty::L1 {
        return fit_lasso_model(config, linear, (&x, n, p), family, &y, model);
    }
    let opts = GlmOptions { l2: 1.0 / linear.c, fit_intercept: true, tol: linear.tol, ..GlmOptions::default() };
    let balanced = config.train.class_weights == ClassWeights::Balanced && family == Family::Logistic;
    let solved = if balanced {
        fit_weighted(family, &x, n, p, &y, &balanced_sample_weights(&y), &opts)
    } else {
        fit(family, &x, n, p, &y, &opts)
    }
    .map_err(|e| TrainError::Mismatch(format!("{}: fitting the linear model: {e}", config.data.path().display())))?;
    let model = into_model(model, &solved.coefficients, solved.intercept, n_outputs)?;
    let report = serde_json::json!({
        "solver": "newton (IRLS), Cholesky steps with step halving",
        "family": match family { Family::Logistic => "logistic", Family::Linear => "linear" },
        "c": linear.c,
        "l2": solved.l2,
        "class_weights": if balanced { "balanced" } else { "none" },
        "tol": linear.tol,
        "gradient_max_abs": solved.gradient_max_abs,
        "iterations": solved.iterations,
        "converged": solved.converged,
        "objective_per_row": solved.objective,
        "n_train": n,
        "n_features": p,
        "intercept": solved.intercept,
        "coefficients": solved.coefficients,
    });
    Ok(DirectFit { model, objective: solved.objective, report, state: None })
}

/// Writes `weight` (one per feature) and `bias` into the linear network:
/// for two classes into the class-1 logit, the class-0 logit staying 0.
fn into_model(model: Mlp, coefficients: &[f64], intercept: f64, n_outputs: usize) -> Result<Mlp, TrainError> {
    let mut weight = vec![0f32; coefficients.len() * n_outputs];
    let mut bias = vec![0f32; n_outputs];
    for (j, &w) in coefficients.iter().enumerate() {
        weight[j * n_outputs + n_outputs - 1] = w as f32;
    }
    bias[n_outputs - 1] = intercept as f32;
    model
        .with_linear_coefficients(&weight, &bias)
        .ok_or_else(|| TrainError::Mismatch("the linear model's size does not match the features".into()))
}

/// `penalty = "l1"`: the LASSO, its `C` given or chosen by cross-validation
/// on the training rows (seeded by the config's seed).
fn fit_lasso_model(
    config: &Config,
    linear: &LinearConfig,
    (x, n, p): (&[f64], usize, usize),
    family: Family,
    y: &[f64],
    model: Mlp,
) -> Result<DirectFit<Mlp>, TrainError> {
    if config.train.class_weights == ClassWeights::Balanced {
        return Err(TrainError::Mismatch(
            "penalty = \"l1\" fits unweighted rows: remove class_weights = \"balanced\"".into(),
        ));
    }
    let tol = linear.tol.max(1e-10);
    let (path, c) = if linear.cv_folds >= 2 {
        let (path, c) = cross_validate_c(family, (x, n, p), y, linear.cv_folds, (20, 4.0), config.seed, tol);
        (Some(path), c)
    } else {
        (None, linear.c)
    };
    let fit = fit_lasso(family, x, n, p, y, 1.0 / c, tol);
    if !fit.converged {
        return Err(TrainError::Mismatch(format!(
            "{}: the L1 fit did not converge (largest optimality violation {:e} > tol {:e} after {} steps)",
            config.data.path().display(),
            fit.kkt_max,
            tol,
            fit.iterations
        )));
    }
    let n_outputs = if family == Family::Logistic { 2 } else { 1 };
    let model = into_model(model, &fit.coefficients, fit.intercept, n_outputs)?;
    let report = serde_json::json!({
        "solver": "proximal Newton, coordinate descent with soft thresholding (L1)",
        "family": match family { Family::Logistic => "logistic", Family::Linear => "linear" },
        "penalty": "l1",
        "c": c,
        "c_chosen_by": if path.is_some() { format!("{}-fold cross-validation, held-out loss", linear.cv_folds) } else { "the config".to_string() },
        "cv_path": path,
        "l1": fit.l1,
        "non_zero": fit.coefficients.iter().filter(|w| **w != 0.0).count(),
        "tol": tol,
        "kkt_max": fit.kkt_max,
        "iterations": fit.iterations,
        "converged": fit.converged,
        "objective_per_row": fit.objective,
        "n_train": n,
        "n_features": p,
        "intercept": fit.intercept,
        "coefficients": fit.coefficients,
    });
    Ok(DirectFit { model, objective: fit.objective, report, state: None })
}
