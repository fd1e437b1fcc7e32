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
        Targets::Masks(m) => {
            let labels = (0..m.labels.len()).filter(|&p| m.counts(p)).map(|p| usize::from(m.labels[p])).collect();
            balanced_class_weights(&Targets::Classes { labels, n_classes: m.n_classes })
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

/// MONAI's `DiceCELoss(to_onehot_y=True, softmax=True)` with its
/// defaults: the soft Dice loss `1 - (2 sum p y + 1e-5) / (sum p + sum y +
/// 1e-5)` per image and class (background included), averaged, plus the
/// mean cross-entropy over pixels (class-weighted as PyTorch's
/// `CrossEntropyLoss(weight=...)` when `weights` is given). Pixels whose
/// region-of-interest flag (the last target column) is 0 count in neither
/// term. `logits` `[examples * pixels, k]`, `targets` `[examples * pixels,
/// k + 1]`.
pub fn dice_ce_loss(logits: Tensor<2>, targets: Tensor<2>, weights: Option<&Tensor<1>>, examples: usize) -> Tensor<1> {
    let [rows, k] = logits.dims();
    let b = examples.max(1);
    let onehot = targets.clone().narrow(1, 0, k);
    let roi = targets.narrow(1, k, 1); // [rows, 1]
    let logp = log_softmax(logits, 1);
    let nll = (onehot.clone() * logp.clone()).sum_dim(1).neg(); // [rows, 1]
    let pixel_weight = match weights {
        Some(w) => (onehot.clone() * w.clone().unsqueeze::<2>()).sum_dim(1) * roi.clone(),
        None => roi.clone(),
    };
    let ce = (nll * pixel_weight.clone()).sum() / pixel_weight.sum().clamp_min(1e-12);
    let p = (logp.exp() * roi.clone()).reshape([b, rows / b, k]);
    let y = (onehot * roi).reshape([b, rows / b, k]);
    let intersection = (p.clone() * y.clone()).sum_dim(1); // [b, 1, k]
    let denominator = p.sum_dim(1) + y.sum_dim(1);
    let dice = ((intersection * 2.0 + 1e-5) / (denominator + 1e-5)).neg() + 1.0;
    (dice.mean() + ce).reshape([1])
}

/// Mean loss of a batch.
/// - classes: weighted cross-entropy, `sum_i w_{y_i} * -log p_i(y_i) / sum_i w_{y_i}`
///   (PyTorch's `CrossEntropyLoss(weight=...)` convention);
/// - multi-label: binary cross-entropy with logits, positives weighted;
/// - regression: mean squared error on the standardised value (weights unused).
///
/// - pixels: Dice + cross-entropy per image (MONAI's `DiceCELoss`, see
///   [`dice_ce_loss`]).
///
/// `targets` is `[batch, n_outputs]` (one-hot, 0/1 or values), `weights` per class/label;
/// `examples` is the number of examples the rows come from (rows per example
/// must be equal for pixels: patches of one size).
pub fn batch_loss(
    logits: Tensor<2>,
    targets: Tensor<2>,
    weights: Option<&Tensor<1>>,
    kind: OutputKind,
    examples: usize,
) -> Tensor<1> {
    if kind == OutputKind::DiceCe {
        return dice_ce_loss(logits, targets, weights, examples);
    }
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
        let l: f32 = batch_loss(logits, t, None, OutputKind::Softmax, 1).into_scalar();
        assert!((l - (-(0.75f32).ln())).abs() < 1e-5, "{l}");
    }

    #[test]
    fn weights_rebalance_the_mean() {
        let device = Device::flex();
        // two rows: label 0 with p0 = 0.5 (loss ln 2), label 1 with p1 = 0.75
        let logits = Tensor::<2>::from_floats([[0.0, 0.0], [0.0, 3f32.ln()]], &device);
        let t = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 1.0]], &device);
        let w = Tensor::<1>::from_floats([1.0, 3.0], &device);
        let l: f32 = batch_loss(logits, t, Some(&w), OutputKind::Softmax, 2).into_scalar();
        let expected = (2f32.ln() + 3.0 * -(0.75f32).ln()) / 4.0;
        assert!((l - expected).abs() < 1e-5, "{l} vs {expected}");
    }

    #[test]
    fn bce_with_logits_matches_hand_value() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_floats([[0.0, 2.0]], &device);
        let t = Tensor::<2>::from_floats([[1.0, 0.0]], &device);
        let l: f32 = batch_loss(logits, t, None, OutputKind::Sigmoid, 1).into_scalar();
        let s2 = 1.0 / (1.0 + (-2f32).exp());
        let expected = (2f32.ln() + -(1.0 - s2).ln()) / 2.0;
        assert!((l - expected).abs() < 1e-5, "{l} vs {expected}");
    }

    #[test]
    fn squared_error_on_standardised_values() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_floats([[1.0], [-1.0]], &device);
        let t = Tensor::<2>::from_floats([[0.0], [1.0]], &device);
        let l: f32 = batch_loss(logits, t, None, OutputKind::Identity, 2).into_scalar();
        assert!((l - 2.5).abs() < 1e-6, "{l}");
    }

    /// Two images of two pixels, two classes; the second pixel of image 1
    /// lies outside the region of interest. Logits 0 give p = 1/2 anywhere.
    #[test]
    fn dice_ce_matches_hand_values_and_ignores_pixels_outside_the_roi() {
        let device = Device::flex();
        let logits = Tensor::<2>::zeros([4, 2], &device);
        // rows: (one-hot, roi)
        let t = Tensor::<2>::from_floats([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], &device);
        let l: f32 = batch_loss(logits, t, None, OutputKind::DiceCe, 2).into_scalar();
        // CE: ln 2 on each of the 3 counted pixels.
        let ce = 2f64.ln();
        // Image 0, each class: p sums 1, y sums 1, p.y = 1/2 -> 1 - (1 + e) / (2 + e).
        let e = 1e-5;
        let image0 = 1.0 - (1.0 + e) / (2.0 + e);
        // Image 1 (one counted pixel, class 1): class 0 p = 1/2, y = 0 ->
        // 1 - e / (1/2 + e); class 1: p.y = 1/2 -> 1 - (1 + e) / (3/2 + e).
        let image1 = (1.0 - e / (0.5 + e) + 1.0 - (1.0 + e) / (1.5 + e)) / 2.0;
        let expected = ce + (image0 + image1) / 2.0;
        assert!((f64::from(l) - expected).abs() < 1e-5, "{l} vs {expected}");
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
        let ours: f32 = batch_loss(logits, targets, None, OutputKind::Risk, 6).into_scalar();
        let (reference, _) = medref_stats::survival::cox_partial_nll_and_grad(
            &eta,
            &time,
            &event,
            medref_stats::survival::Ties::Breslow,
        );
        assert!((f64::from(ours) - reference).abs() < 1e-5, "{ours} vs {reference}");
    }
}
