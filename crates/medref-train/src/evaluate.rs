//! Turning a trained model into scores and scores into metrics.

use crate::examples::{Examples, Network, Targets};
use crate::TrainError;
use burn::prelude::*;
use burn::tensor::activation::{sigmoid, softmax};
use medref_core::config::{EvalConfig, Monitor};
use medref_core::metrics;
use std::collections::BTreeMap;

/// Probabilities for every example of a split, row-major `[n, n_outputs]`:
/// softmax over classes, or one sigmoid per label for multi-label targets.
/// `model` should be in validation mode (`model.valid()`), on `device`.
pub fn predict_scores<M, E>(model: &M, examples: &E, device: &Device, batch_size: usize) -> Result<Vec<f64>, TrainError>
where
    M: Network<Input = E::Input>,
    E: Examples,
{
    let multi_label = matches!(examples.targets(), Targets::MultiLabel { .. });
    let indices: Vec<usize> = (0..examples.len()).collect();
    let mut out = Vec::with_capacity(examples.len() * examples.targets().n_outputs());
    for idx in indices.chunks(batch_size.max(1)) {
        let logits = model.logits(examples.batch(idx, device, None));
        let probs = if multi_label { sigmoid(logits) } else { softmax(logits, 1) };
        let data = probs
            .try_into_data()
            .map_err(|e| TrainError::Device(format!("reading predictions back from the device failed: {e:?}")))?;
        let values: Vec<f32> = data
            .try_into_vec()
            .map_err(|e| TrainError::Device(format!("unexpected prediction data type: {e:?}")))?;
        out.extend(values.into_iter().map(|v| v as f64));
    }
    Ok(out)
}

/// Mean cross-entropy (or binary cross-entropy per label) of probabilities,
/// unweighted, clipped at 1e-12 so one confident mistake cannot make it infinite.
pub fn score_loss(targets: &Targets, scores: &[f64]) -> f64 {
    let k = targets.n_outputs();
    let n = targets.len();
    if n == 0 {
        return f64::NAN;
    }
    let total: f64 = match targets {
        Targets::Classes { labels, .. } => labels
            .iter()
            .enumerate()
            .map(|(i, &l)| -scores[i * k + l].max(1e-12).ln())
            .sum(),
        Targets::MultiLabel { labels, .. } => {
            let s: f64 = labels
                .iter()
                .zip(scores)
                .map(|(&y, &p)| if y == 1 { -p.max(1e-12).ln() } else { -(1.0 - p).max(1e-12).ln() })
                .sum();
            s / k as f64
        }
    };
    total / n as f64
}

/// The index of the largest score in each row of `[n, k]` scores.
pub(crate) fn argmax_rows(scores: &[f64], k: usize) -> Vec<usize> {
    scores
        .chunks(k)
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |best, (j, &v)| if v > best.1 { (j, v) } else { best })
                .0
        })
        .collect()
}

/// The value early stopping follows; NaN where undefined (one class only).
pub fn monitor_value(targets: &Targets, scores: &[f64], monitor: Monitor) -> f64 {
    match (targets, monitor) {
        (_, Monitor::Loss) => score_loss(targets, scores),
        (Targets::Classes { labels, n_classes }, Monitor::Auroc) => {
            if *n_classes == 2 {
                let y: Vec<bool> = labels.iter().map(|&l| l == 1).collect();
                let p: Vec<f64> = scores.chunks(2).map(|r| r[1]).collect();
                metrics::auroc(&y, &p)
            } else {
                metrics::auroc_ovr_macro(labels, scores, *n_classes)
            }
            .unwrap_or(f64::NAN)
        }
        (Targets::Classes { labels, n_classes }, Monitor::Accuracy) => {
            metrics::accuracy(labels, &argmax_rows(scores, *n_classes))
        }
        (Targets::Classes { labels, n_classes }, Monitor::BalancedAccuracy) => {
            metrics::balanced_accuracy(labels, &argmax_rows(scores, *n_classes), *n_classes)
        }
        (Targets::MultiLabel { labels, n_labels }, Monitor::Auroc) => {
            mean_defined(&metrics::auroc_per_label(labels, scores, *n_labels))
        }
        (Targets::MultiLabel { labels, .. }, Monitor::Accuracy | Monitor::BalancedAccuracy) => {
            let hits = labels.iter().zip(scores).filter(|(&y, &p)| (p >= 0.5) == (y == 1)).count();
            hits as f64 / labels.len().max(1) as f64
        }
    }
}

fn mean_defined(values: &[Option<f64>]) -> f64 {
    let defined: Vec<f64> = values.iter().flatten().copied().collect();
    if defined.is_empty() {
        f64::NAN
    } else {
        defined.iter().sum::<f64>() / defined.len() as f64
    }
}

/// Every metric of one split, as written under `"val"` / `"test"` in
/// `metrics.json`. Undefined metrics are left out rather than written as NaN.
pub fn split_metrics(targets: &Targets, scores: &[f64], eval: &EvalConfig, seed: u64) -> BTreeMap<String, f64> {
    let mut m = match targets {
        Targets::Classes { labels, n_classes: 2 } => {
            let y: Vec<bool> = labels.iter().map(|&l| l == 1).collect();
            let p: Vec<f64> = scores.chunks(2).map(|r| r[1]).collect();
            metrics::binary_summary(&y, &p, eval.threshold, eval.bootstrap, seed)
        }
        Targets::Classes { labels, n_classes } => {
            metrics::multiclass_summary(labels, scores, *n_classes, eval.bootstrap, seed)
        }
        Targets::MultiLabel { labels, n_labels } => {
            let mut m = BTreeMap::new();
            let per = metrics::auroc_per_label(labels, scores, *n_labels);
            for (j, a) in per.iter().enumerate() {
                if let Some(a) = a {
                    m.insert(format!("auroc_label_{j}"), *a);
                }
            }
            let mean = mean_defined(&per);
            if mean.is_finite() {
                m.insert("auroc".into(), mean);
            }
            m.insert("accuracy".into(), monitor_value(targets, scores, Monitor::Accuracy));
            m
        }
    };
    let loss = score_loss(targets, scores);
    if loss.is_finite() {
        m.insert("loss".into(), loss);
    }
    m.insert("n".into(), targets.len() as f64);
    m.retain(|_, v| v.is_finite());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_and_monitor_on_hand_example() {
        let t = Targets::Classes { labels: vec![0, 1, 1], n_classes: 2 };
        let s = [0.8, 0.2, 0.4, 0.6, 0.9, 0.1];
        let expected = -(0.8f64.ln() + 0.6f64.ln() + 0.1f64.ln()) / 3.0;
        assert!((score_loss(&t, &s) - expected).abs() < 1e-12);
        // positives score 0.6, 0.1; the negative 0.2: one of two pairs ordered.
        assert!((monitor_value(&t, &s, Monitor::Auroc) - 0.5).abs() < 1e-12);
        assert!((monitor_value(&t, &s, Monitor::Accuracy) - 2.0 / 3.0).abs() < 1e-12);
    }
}
