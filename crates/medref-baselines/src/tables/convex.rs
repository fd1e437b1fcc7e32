//! `kind = "linear"` fitted as the convex problem it is: L2-penalised
//! logistic regression (two classes) or ridge regression (numbers) by
//! Newton's method on the full training split, so the coefficients are the
//! ones scikit-learn reports for the same rows and penalty, and the same
//! config gives the same model whatever the batch order.

use medref_core::config::{ClassWeights, Config, LinearConfig};
use medref_models::Mlp;
use medref_stats::glm::{balanced_sample_weights, fit, fit_weighted, Family, GlmOptions};
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
    let opts = GlmOptions { l2: 1.0 / linear.c, fit_intercept: true, tol: linear.tol, ..GlmOptions::default() };
    let balanced = config.train.class_weights == ClassWeights::Balanced && family == Family::Logistic;
    let solved = if balanced {
        fit_weighted(family, &x, n, p, &y, &balanced_sample_weights(&y), &opts)
    } else {
        fit(family, &x, n, p, &y, &opts)
    }
    .map_err(|e| TrainError::Mismatch(format!("{}: fitting the linear model: {e}", config.data.path().display())))?;
    let mut weight = vec![0f32; p * n_outputs];
    let mut bias = vec![0f32; n_outputs];
    for (j, &w) in solved.coefficients.iter().enumerate() {
        weight[j * n_outputs + n_outputs - 1] = w as f32;
    }
    bias[n_outputs - 1] = solved.intercept as f32;
    let model = model
        .with_linear_coefficients(&weight, &bias)
        .ok_or_else(|| TrainError::Mismatch("the linear model's size does not match the features".into()))?;
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
