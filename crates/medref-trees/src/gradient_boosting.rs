//! Histogram gradient boosting: trees fitted one after another, each to the
//! gradients of the loss at the current predictions, each added with a
//! small learning rate. Parameters, defaults and meanings follow
//! scikit-learn's `HistGradientBoostingClassifier` and `...Regressor`:
//! binary log-loss, softmax over classes (one tree per class per
//! iteration), or squared error; a baseline prediction (the training
//! log-odds, class log-priors or mean) before the first tree; early
//! stopping when the validation loss stops improving.

use crate::binning::BinMapper;
use crate::grower::{GrowParams, Grower, Layout};
use crate::importance::normalised;
use crate::tree::{sigmoid, softmax_in_place, Ensemble, Link, Tree};
use crate::{Features, Target, TreeError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Boosting settings; `Default` is scikit-learn's.
#[derive(Debug, Clone, PartialEq)]
pub struct BoostingParams {
    pub learning_rate: f64,
    /// Boosting iterations at most (trees per class).
    pub max_iter: usize,
    /// `None`: no limit on leaves per tree.
    pub max_leaf_nodes: Option<usize>,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    pub l2_regularization: f64,
    /// Bins per feature for non-missing values (2..=255).
    pub max_bins: usize,
    /// Stop when the loss on the validation rows (the training rows when
    /// none are given) has not improved by more than `tol` over the last
    /// `n_iter_no_change` iterations.
    pub early_stopping: bool,
    pub n_iter_no_change: usize,
    pub tol: f64,
}

impl Default for BoostingParams {
    fn default() -> Self {
        Self {
            learning_rate: 0.1,
            max_iter: 100,
            max_leaf_nodes: Some(31),
            max_depth: None,
            min_samples_leaf: 20,
            l2_regularization: 0.0,
            max_bins: 255,
            early_stopping: false,
            n_iter_no_change: 10,
            tol: 1e-7,
        }
    }
}

/// What the fit reports beside the trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoostingReport {
    /// Iterations kept (trees per class).
    pub n_iter: usize,
    pub stopped_early: bool,
    /// `log_loss` or `half_squared_error`, as scikit-learn names them.
    pub loss: String,
    /// Mean loss after the baseline (index 0) and after each iteration.
    pub train_loss: Vec<f64>,
    /// The same on the validation rows, when given.
    pub val_loss: Vec<f64>,
    /// Total split gain per feature, summing to one.
    pub feature_importance: Vec<f64>,
}

/// A fitted booster.
#[derive(Debug, Clone)]
pub struct GradientBoosting {
    pub ensemble: Ensemble,
    pub report: BoostingReport,
}

#[derive(Clone, Copy)]
enum Loss {
    Binary,
    Softmax(usize),
    Squared,
}

impl Loss {
    fn outputs(self) -> usize {
        match self {
            Loss::Softmax(k) => k,
            _ => 1,
        }
    }

    /// Mean loss of raw outputs `[n, outputs]`.
    fn mean(self, raw: &[f64], target: &Target) -> f64 {
        let n = target.len().max(1) as f64;
        match (self, target) {
            (Loss::Binary, Target::Classes { labels, .. }) => {
                raw.iter().zip(labels.iter()).map(|(&z, &y)| softplus(z) - if y == 1 { z } else { 0.0 }).sum::<f64>()
                    / n
            }
            (Loss::Softmax(k), Target::Classes { labels, .. }) => {
                raw.chunks(k)
                    .zip(labels.iter())
                    .map(|(z, &y)| {
                        let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                        m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln() - z[y]
                    })
                    .sum::<f64>()
                    / n
            }
            (Loss::Squared, Target::Values(y)) => {
                raw.iter().zip(y.iter()).map(|(p, y)| 0.5 * (p - y) * (p - y)).sum::<f64>() / n
            }
            _ => unreachable!("loss chosen from the target"),
        }
    }
}

fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn check(params: &BoostingParams) -> Result<(), TreeError> {
    let bad = |key, message: &str| Err(TreeError::Param { key, message: message.into() });
    if !(params.learning_rate.is_finite() && params.learning_rate > 0.0) {
        return bad("learning_rate", "must be a positive number");
    }
    if params.max_iter == 0 {
        return bad("max_iter", "must be at least 1");
    }
    if params.max_leaf_nodes.is_some_and(|m| m < 2) {
        return bad("max_leaf_nodes", "must be at least 2");
    }
    if params.max_depth == Some(0) {
        return bad("max_depth", "must be at least 1");
    }
    if params.min_samples_leaf == 0 {
        return bad("min_samples_leaf", "must be at least 1");
    }
    if !(params.l2_regularization.is_finite() && params.l2_regularization >= 0.0) {
        return bad("l2_regularization", "must be zero or positive");
    }
    if !(2..=255).contains(&params.max_bins) {
        return bad("max_bins", "must be between 2 and 255");
    }
    if params.n_iter_no_change == 0 {
        return bad("n_iter_no_change", "must be at least 1");
    }
    Ok(())
}

impl GradientBoosting {
    /// Fits on `x` and `target`; `validation` (rows and targets) is scored
    /// after every iteration and drives early stopping when enabled.
    pub fn fit(
        x: Features,
        target: Target,
        validation: Option<(Features, Target)>,
        params: &BoostingParams,
    ) -> Result<Self, TreeError> {
        check(params)?;
        target.check(&x)?;
        if let Some((vx, vt)) = &validation {
            vt.check(vx)?;
            if vx.n_features != x.n_features {
                return Err(TreeError::Shape(format!(
                    "validation rows have {} features, training rows {}",
                    vx.n_features, x.n_features
                )));
            }
        }
        let loss = match target {
            Target::Classes { n_classes: 2, .. } => Loss::Binary,
            Target::Classes { n_classes, .. } => Loss::Softmax(n_classes),
            Target::Values(_) => Loss::Squared,
        };
        let k = loss.outputs();
        let n = x.n_rows;
        let baseline = baseline(loss, &target);
        let mapper = BinMapper::fit(x, params.max_bins);
        let binned = mapper.transform(x);
        let layout = Layout::new(&mapper);
        let grower = Grower {
            binned: &binned,
            mapper: &mapper,
            layout: &layout,
            params: GrowParams {
                max_leaf_nodes: params.max_leaf_nodes,
                max_depth: params.max_depth,
                min_samples_leaf: params.min_samples_leaf,
                l2: params.l2_regularization,
                learning_rate: params.learning_rate,
                min_hessian: 1e-3,
            },
        };
        let mut raw: Vec<f64> = (0..n).flat_map(|_| baseline.iter().copied()).collect();
        let mut val_raw: Vec<f64> = validation
            .as_ref()
            .map(|(vx, _)| (0..vx.n_rows).flat_map(|_| baseline.iter().copied()).collect())
            .unwrap_or_default();
        let mut trees: Vec<Tree> = Vec::new();
        let mut gain = vec![0.0; x.n_features];
        let mut train_loss = vec![loss.mean(&raw, &target)];
        let mut val_loss: Vec<f64> = validation.iter().map(|(_, vt)| loss.mean(&val_raw, vt)).collect();
        let mut stopped_early = false;
        let mut grad = vec![0.0; n * k];
        let mut hess = vec![0.0; n * k];
        for _ in 0..params.max_iter {
            gradients(loss, &raw, &target, &mut grad, &mut hess);
            // One tree per output, grown in parallel; each has its own rows.
            let grown: Vec<_> = (0..k)
                .into_par_iter()
                .map(|c| {
                    let mut rows: Vec<u32> = (0..n as u32).collect();
                    let g = &grad[c * n..(c + 1) * n];
                    let h = &hess[c * n..(c + 1) * n];
                    let tree = grower.grow(g, h, &mut rows, c);
                    (tree, rows)
                })
                .collect();
            for (t, rows) in grown {
                for &(start, end, value) in &t.leaves {
                    for &r in &rows[start..end] {
                        raw[r as usize * k + t.tree.output] += value;
                    }
                }
                if let Some((vx, _)) = &validation {
                    val_raw
                        .par_chunks_mut(k)
                        .enumerate()
                        .for_each(|(i, o)| o[t.tree.output] += t.tree.leaf(vx.row(i))[0]);
                }
                gain.iter_mut().zip(&t.gain).for_each(|(a, b)| *a += b);
                trees.push(t.tree);
            }
            train_loss.push(loss.mean(&raw, &target));
            if let Some((_, vt)) = &validation {
                val_loss.push(loss.mean(&val_raw, vt));
            }
            if params.early_stopping {
                let history = if validation.is_some() { &val_loss } else { &train_loss };
                if should_stop(history, params.n_iter_no_change, params.tol) {
                    stopped_early = true;
                    break;
                }
            }
        }
        let report = BoostingReport {
            n_iter: trees.len() / k,
            stopped_early,
            loss: match loss {
                Loss::Squared => "half_squared_error",
                _ => "log_loss",
            }
            .into(),
            train_loss,
            val_loss,
            feature_importance: normalised(&gain),
        };
        let link = match loss {
            Loss::Binary => Link::Sigmoid,
            Loss::Softmax(_) => Link::Softmax,
            Loss::Squared => Link::Identity,
        };
        let ensemble = Ensemble { n_features: x.n_features, n_outputs: k, baseline, average: false, link, trees };
        Ok(Self { ensemble, report })
    }
}

/// scikit-learn's rule: stop when none of the last `n` losses is lower
/// than the loss `n` iterations before them by more than `tol`.
fn should_stop(losses: &[f64], n: usize, tol: f64) -> bool {
    if losses.len() <= n {
        return false;
    }
    let reference = losses[losses.len() - n - 1];
    losses[losses.len() - n..].iter().all(|&l| l > reference - tol)
}

/// The constant prediction before any tree: log-odds of class 1, log of
/// the class frequencies, or the mean.
fn baseline(loss: Loss, target: &Target) -> Vec<f64> {
    let eps = 1e-15;
    match (loss, target) {
        (Loss::Binary, Target::Classes { labels, .. }) => {
            let p = (labels.iter().filter(|&&l| l == 1).count() as f64 / labels.len() as f64).clamp(eps, 1.0 - eps);
            vec![(p / (1.0 - p)).ln()]
        }
        (Loss::Softmax(k), Target::Classes { labels, .. }) => {
            let mut counts = vec![0.0; k];
            labels.iter().for_each(|&l| counts[l] += 1.0);
            let logs: Vec<f64> = counts.iter().map(|c| (c / labels.len() as f64).max(eps).ln()).collect();
            let mean = logs.iter().sum::<f64>() / k as f64;
            logs.iter().map(|l| l - mean).collect()
        }
        (Loss::Squared, Target::Values(y)) => vec![y.iter().sum::<f64>() / y.len() as f64],
        _ => unreachable!("loss chosen from the target"),
    }
}

/// Gradients and hessians `[outputs, n]` (output-major, so each tree reads
/// a contiguous slice) of the loss at raw outputs `[n, outputs]`.
fn gradients(loss: Loss, raw: &[f64], target: &Target, grad: &mut [f64], hess: &mut [f64]) {
    let n = target.len();
    match (loss, target) {
        (Loss::Binary, Target::Classes { labels, .. }) => {
            for i in 0..n {
                let p = sigmoid(raw[i]);
                grad[i] = p - if labels[i] == 1 { 1.0 } else { 0.0 };
                hess[i] = p * (1.0 - p);
            }
        }
        (Loss::Softmax(k), Target::Classes { labels, .. }) => {
            let mut p = vec![0.0; k];
            for i in 0..n {
                p.copy_from_slice(&raw[i * k..(i + 1) * k]);
                softmax_in_place(&mut p);
                for c in 0..k {
                    grad[c * n + i] = p[c] - if labels[i] == c { 1.0 } else { 0.0 };
                    hess[c * n + i] = p[c] * (1.0 - p[c]);
                }
            }
        }
        (Loss::Squared, Target::Values(y)) => {
            for i in 0..n {
                grad[i] = raw[i] - y[i];
                hess[i] = 1.0;
            }
        }
        _ => unreachable!("loss chosen from the target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopping_follows_scikit_learns_rule() {
        assert!(!should_stop(&[1.0, 0.9, 0.8], 2, 1e-7));
        assert!(should_stop(&[1.0, 0.9, 0.9, 0.9], 2, 1e-7));
        assert!(!should_stop(&[1.0, 0.9, 0.95, 0.89], 2, 1e-7));
    }
}
