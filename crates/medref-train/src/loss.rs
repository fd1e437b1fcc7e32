//! Losses on logits, with per-class weights for imbalanced data.

use crate::examples::{OutputKind, Targets};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// Per-class weights `n / (n_classes * count_c)` (scikit-learn's
/// `balanced`), so a rare class counts as much as a common one in the loss.
/// Classes absent from training get weight 1. For multi-label targets the
/// weight applies to the positive term of each label.
pub fn balanced_class_weights(targets: &Targets) -> Vec<f32> {
    match targets {
        Targets::Classes { labels, n_classes } => {
            let mut counts = vec![0usize; *n_classes];
            for &l in labels {
                counts[l] += 1;
            }
            counts
                .iter()
                .map(|&c| if c == 0 { 1.0 } else { labels.len() as f32 / (*n_classes as f32 * c as f32) })
                .collect()
        }
        Targets::MultiLabel { labels, n_labels } => {
            let n = labels.len() / n_labels;
            (0..*n_labels)
                .map(|j| {
                    let pos = (0..n).filter(|&i| labels[i * n_labels + j] == 1).count();
                    if pos == 0 || pos == n {
                        1.0
                    } else {
                        (n - pos) as f32 / pos as f32
                    }
                })
                .collect()
        }
        Targets::Regression { .. } | Targets::Survival { .. } => vec![1.0],
        Targets::Frames { labels, n_classes, .. } => {
            balanced_class_weights(&Targets::Classes { labels: labels.clone(), n_classes: *n_classes })
        }
    }
}

/// Cox's negative log partial likelihood of a batch, the risk set of each
/// event taken within the batch (DeepSurv as pycox trains it): sort by time,
/// longest first, so a running log-sum-exp of the log-risks is each
/// patient's risk set; average over the batch's events. Tied times are
/// ordered arbitrarily (as pycox does). `logits` is `[b, 1]` log-risk,
/// `targets` `[b, 2]` (time, event).
fn cox_batch_loss(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    let b = logits.dims()[0];
    let eta = logits.reshape([b]);
    let time = targets.clone().narrow(1, 0, 1).reshape([b]);
    let event = targets.narrow(1, 1, 1).reshape([b]);
    let (_, order) = time.sort_descending_with_indices(0);
    let eta = eta.select(0, order.clone());
    let event = event.select(0, order);
    let shift = eta.clone().max().detach();
    let log_risk_set = (eta.clone() - shift.clone()).exp().cumsum(0).log() + shift;
    let events = event.clone().sum().clamp_min(1.0);
    ((log_risk_set - eta) * event).sum() / events
}

/// Mean loss of a batch.
/// - classes: weighted cross-entropy, `sum_i w_{y_i} * -log p_i(y_i) / sum_i w_{y_i}`
///   (PyTorch's `CrossEntropyLoss(weight=...)` convention);
/// - multi-label: binary cross-entropy with logits, positives weighted;
/// - regression: mean squared error on the standardised value (weights unused).
///
/// `targets` is `[batch, n_outputs]` (one-hot, 0/1 or values), `weights` per class/label.
pub fn batch_loss(logits: Tensor<2>, targets: Tensor<2>, weights: Option<&Tensor<1>>, kind: OutputKind) -> Tensor<1> {
    if kind == OutputKind::Risk {
        return cox_batch_loss(logits, targets);
    }
    if kind == OutputKind::Identity {
        let diff = logits - targets;
        return (diff.clone() * diff).mean().reshape([1]);
    }
    if kind == OutputKind::Sigmoid {
        // max(x, 0) - x*y + log(1 + exp(-|x|)): stable for large |x|.
        let x = logits;
        let softplus_neg_abs = x.clone().abs().neg().exp().log1p();
        let pos_term = x.clone().neg().clamp_min(0.0) + softplus_neg_abs.clone(); // -log sigmoid(x)
        let neg_term = x.clamp_min(0.0) + softplus_neg_abs; // -log (1 - sigmoid(x))
        let pos = match weights {
            Some(w) => targets.clone() * w.clone().unsqueeze::<2>(),
            None => targets.clone(),
        };
        let per = pos * pos_term + (targets.neg() + 1.0) * neg_term;
        per.mean().reshape([1])
    } else {
        let logp = log_softmax(logits, 1);
        match weights {
            Some(w) => {
                let w_rows = (targets.clone() * w.clone().unsqueeze::<2>()).sum_dim(1); // [b, 1]
                let nll = (targets * logp).sum_dim(1).neg(); // [b, 1]
                ((nll * w_rows.clone()).sum() / w_rows.sum()).reshape([1])
            }
            None => (targets * logp).sum_dim(1).neg().mean().reshape([1]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_matches_hand_value() {
        let device = Device::flex();
        // logits [0, ln 3] -> p = [0.25, 0.75]; label 1 -> -ln 0.75
        let logits = Tensor::<2>::from_floats([[0.0, 3f32.ln()]], &device);
        let t = Tensor::<2>::from_floats([[0.0, 1.0]], &device);
        let l: f32 = batch_loss(logits, t, None, OutputKind::Softmax).into_scalar();
        assert!((l - (-(0.75f32).ln())).abs() < 1e-5, "{l}");
    }

    #[test]
    fn weights_rebalance_the_mean() {
        let device = Device::flex();
        // two rows: label 0 with p0 = 0.5 (loss ln 2), label 1 with p1 = 0.75
        let logits = Tensor::<2>::from_floats([[0.0, 0.0], [0.0, 3f32.ln()]], &device);
        let t = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 1.0]], &device);
        let w = Tensor::<1>::from_floats([1.0, 3.0], &device);
        let l: f32 = batch_loss(logits, t, Some(&w), OutputKind::Softmax).into_scalar();
        let expected = (2f32.ln() + 3.0 * -(0.75f32).ln()) / 4.0;
        assert!((l - expected).abs() < 1e-5, "{l} vs {expected}");
    }

    #[test]
    fn bce_with_logits_matches_hand_value() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_floats([[0.0, 2.0]], &device);
        let t = Tensor::<2>::from_floats([[1.0, 0.0]], &device);
        let l: f32 = batch_loss(logits, t, None, OutputKind::Sigmoid).into_scalar();
        let s2 = 1.0 / (1.0 + (-2f32).exp());
        let expected = (2f32.ln() + -(1.0 - s2).ln()) / 2.0;
        assert!((l - expected).abs() < 1e-5, "{l} vs {expected}");
    }

    #[test]
    fn squared_error_on_standardised_values() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_floats([[1.0], [-1.0]], &device);
        let t = Tensor::<2>::from_floats([[0.0], [1.0]], &device);
        let l: f32 = batch_loss(logits, t, None, OutputKind::Identity).into_scalar();
        assert!((l - 2.5).abs() < 1e-6, "{l}");
    }

    #[test]
    fn balanced_weights_follow_counts() {
        let t = Targets::Classes { labels: vec![0, 0, 0, 1], n_classes: 2 };
        let w = balanced_class_weights(&t);
        assert!((w[0] - 4.0 / 6.0).abs() < 1e-6 && (w[1] - 2.0).abs() < 1e-6);
    }

    #[test]
    fn batch_partial_likelihood_equals_the_reference_implementation() {
        // Distinct times (no ties), some censored: the batch loss is Cox's
        // negative log partial likelihood averaged over events.
        let time = [5.0, 1.0, 3.0, 8.0, 2.0, 6.0];
        let event = [true, true, false, true, false, true];
        let eta = [0.3, -1.2, 0.5, 0.9, -0.1, 0.0];
        let device = Device::flex();
        let logits = Tensor::<2>::from_floats([[0.3], [-1.2], [0.5], [0.9], [-0.1], [0.0]], &device);
        let rows: Vec<f32> =
            time.iter().zip(&event).flat_map(|(&t, &e)| [t as f32, if e { 1.0 } else { 0.0 }]).collect();
        let targets = Tensor::<2>::from_data(TensorData::new(rows, [6, 2]), &device);
        let ours: f32 = batch_loss(logits, targets, None, OutputKind::Risk).into_scalar();
        let (reference, _) = medref_stats::survival::cox_partial_nll_and_grad(
            &eta,
            &time,
            &event,
            medref_stats::survival::Ties::Breslow,
        );
        assert!((f64::from(ours) - reference).abs() < 1e-5, "{ours} vs {reference}");
    }
}
