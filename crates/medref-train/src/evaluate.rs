//! Turning a trained model into scores and scores into metrics.

use crate::examples::{Examples, Network, OutputKind, Targets};
use crate::TrainError;
use burn::prelude::*;
use burn::tensor::activation::{sigmoid, softmax};
use medref_core::config::{EvalConfig, Monitor};
use medref_core::metrics;
use std::collections::BTreeMap;

/// `metrics.json`: split name -> metric name -> value.
pub type Metrics = BTreeMap<String, BTreeMap<String, f64>>;

/// Scores for every example of a split, row-major `[n, n_outputs]`:
/// softmax probabilities over classes, one sigmoid per label for
/// multi-label targets, or the predicted value in the target's own units.
/// `model` should be in validation mode (`model.valid()`), on `device`.
pub fn predict_scores<M, E>(model: &M, examples: &E, device: &Device, batch_size: usize) -> Result<Vec<f64>, TrainError>
where
    M: Network<Input = E::Input>,
    E: Examples,
{
    let kind = examples.targets().output_kind();
    let (shift, scale) = match examples.targets() {
        Targets::Regression { mean, std, .. } => (*mean, *std),
        _ => (0.0, 1.0),
    };
    let indices: Vec<usize> = (0..examples.len()).collect();
    let mut out = Vec::with_capacity(examples.targets().score_rows(&indices) * examples.targets().n_outputs());
    for idx in indices.chunks(batch_size.max(1)) {
        let logits = model.logits(examples.batch(idx, device, None));
        let probs = match kind {
            OutputKind::Softmax | OutputKind::DiceCe => softmax(logits, 1),
            OutputKind::Sigmoid => sigmoid(logits),
            OutputKind::Identity | OutputKind::Risk => logits,
        };
        let data = probs
            .try_into_data()
            .map_err(|e| TrainError::Device(format!("reading predictions back from the device failed: {e:?}")))?;
        let values: Vec<f32> =
            data.try_into_vec().map_err(|e| TrainError::Device(format!("unexpected prediction data type: {e:?}")))?;
        out.extend(values.into_iter().map(|v| v as f64 * scale + shift));
    }
    Ok(out)
}

/// Mean cross-entropy (or binary cross-entropy per label) of probabilities,
/// unweighted, clipped at 1e-12 so one confident mistake cannot make it
/// infinite; for regression the mean squared error in standardised units,
/// the quantity training minimises.
pub fn score_loss(targets: &Targets, scores: &[f64]) -> f64 {
    let k = targets.n_outputs();
    let n = targets.len();
    if n == 0 {
        return f64::NAN;
    }
    let total: f64 = match targets {
        Targets::Classes { labels, .. } => {
            labels.iter().enumerate().map(|(i, &l)| -scores[i * k + l].max(1e-12).ln()).sum()
        }
        Targets::MultiLabel { labels, .. } => {
            let s: f64 = labels
                .iter()
                .zip(scores)
                .map(|(&y, &p)| if y == 1 { -p.max(1e-12).ln() } else { -(1.0 - p).max(1e-12).ln() })
                .sum();
            s / k as f64
        }
        Targets::Regression { values, std, .. } => {
            values.iter().zip(scores).map(|(y, p)| ((p - y) / std).powi(2)).sum()
        }
        Targets::Survival { time, event } => {
            // The negative log partial likelihood per event (Efron's ties),
            // the quantity a Cox model minimises.
            let events = event.iter().filter(|&&e| e).count();
            if events == 0 {
                return f64::NAN;
            }
            let (nll, _) = medref_stats::survival::cox_partial_nll_and_grad(scores, time, event, Default::default());
            return nll;
        }
        Targets::Frames { labels, .. } => {
            // Per frame, not per sequence: a long trial weighs more.
            let s: f64 = labels.iter().enumerate().map(|(i, &l)| -scores[i * k + l].max(1e-12).ln()).sum();
            return s / labels.len().max(1) as f64;
        }
        Targets::Masks(m) => return crate::mask_metrics::dice_ce(m, scores),
    };
    total / n as f64
}

/// Labels and positive-class scores of a binary task (`[n, 2]` scores),
/// `None` for any other kind of target.
pub(crate) fn binary_view(targets: &Targets, scores: &[f64]) -> Option<(Vec<bool>, Vec<f64>)> {
    match targets {
        Targets::Classes { labels, n_classes: 2 } => {
            Some((labels.iter().map(|&l| l == 1).collect(), scores.chunks(2).map(|r| r[1]).collect()))
        }
        _ => None,
    }
}

/// The index of the largest score in each row of `[n, k]` scores (the
/// first wins a tie; NaN never wins), as the metrics count it.
pub use medref_core::metrics::summary::argmax_rows;

/// The value early stopping follows; NaN where undefined (one class only).
pub fn monitor_value(targets: &Targets, scores: &[f64], monitor: Monitor) -> f64 {
    match (targets, monitor) {
        (_, Monitor::Loss) => score_loss(targets, scores),
        (Targets::Masks(m), Monitor::Dice) => crate::mask_metrics::mean_dice(m, scores),
        // Dice is a segmentation metric; ranking and accuracy per image
        // mean nothing for pixels.
        (Targets::Masks(_), _) | (_, Monitor::Dice) => f64::NAN,
        // Ranking patients by risk is what a survival model is judged on:
        // Harrell's C stands in for AUROC.
        (Targets::Survival { time, event }, _) => {
            medref_stats::survival::harrell_c_index(time, event, scores).unwrap_or(f64::NAN)
        }
        (Targets::Regression { values, .. }, Monitor::Rmse) => metrics::regression::rmse(values, scores),
        (Targets::Regression { values, .. }, Monitor::R2) => metrics::regression::r2(values, scores),
        (Targets::Regression { .. }, _) | (_, Monitor::Rmse | Monitor::R2) => f64::NAN,
        (Targets::Frames { labels, n_classes, .. }, m) => {
            monitor_value(&Targets::Classes { labels: labels.clone(), n_classes: *n_classes }, scores, m)
        }
        (Targets::Classes { labels, n_classes }, Monitor::Auroc) => {
            if let Some((y, p)) = binary_view(targets, scores) {
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
        Targets::Classes { n_classes: 2, .. } => {
            let (y, p) = binary_view(targets, scores).expect("binary classes");
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
        Targets::Regression { values, .. } => metrics::regression_summary(values, scores, eval.bootstrap, seed),
        Targets::Survival { time, event } => survival_metrics(time, event, scores, eval.bootstrap, seed),
        Targets::Frames { labels, offsets, n_classes } => frame_metrics(labels, offsets, *n_classes, scores),
        Targets::Masks(m) => return crate::mask_metrics::split_metrics(m, scores, eval, seed),
    };
    if let Targets::Classes { labels, n_classes } = targets {
        if *n_classes > 2 {
            let recall = metrics::per_class_recall(labels, &argmax_rows(scores, *n_classes), *n_classes);
            for (j, r) in recall.iter().enumerate() {
                m.insert(format!("recall_class_{j}"), *r);
            }
        }
    }
    let loss = score_loss(targets, scores);
    if loss.is_finite() {
        m.insert("loss".into(), loss);
    }
    m.insert("n".into(), targets.len() as f64);
    m.retain(|_, v| v.is_finite());
    m
}

/// Harrell's C-index with a patient-bootstrap 95% interval, and the event
/// count; the metrics that need the training split (Uno's C, time-dependent
/// AUROC, integrated Brier score) are the survival baseline's.
fn survival_metrics(time: &[f64], event: &[bool], risk: &[f64], bootstrap: usize, seed: u64) -> BTreeMap<String, f64> {
    use medref_stats::survival::{bootstrap_survival_ci, harrell_c_index};
    let mut m = BTreeMap::new();
    if let Ok(c) = harrell_c_index(time, event, risk) {
        m.insert("c_index".into(), c);
    }
    let metric = |t: &[f64], e: &[bool], r: &[f64]| harrell_c_index(t, e, r).ok();
    if let Some(ci) = bootstrap_survival_ci(time, event, risk, bootstrap, seed, metric) {
        m.insert("c_index_ci_low".into(), ci.lower);
        m.insert("c_index_ci_high".into(), ci.upper);
    }
    m.insert("n_events".into(), event.iter().filter(|&&e| e).count() as f64);
    m
}

/// Frame-labelling metrics as the surgical-workflow literature reports
/// them: frame accuracy and macro-F1 over all frames, the segmental edit
/// score averaged over sequences, and F1@{10,25,50} from segment counts
/// summed over sequences (as MS-TCN's evaluation does).
fn frame_metrics(labels: &[usize], offsets: &[usize], n_classes: usize, scores: &[f64]) -> BTreeMap<String, f64> {
    let predicted = argmax_rows(scores, n_classes);
    let mut m = BTreeMap::new();
    m.insert("frame_accuracy".into(), metrics::frame_accuracy(labels, &predicted));
    m.insert("accuracy".into(), metrics::frame_accuracy(labels, &predicted));
    m.insert("f1_macro".into(), metrics::f1_macro(labels, &predicted, n_classes));
    let seqs: Vec<(usize, usize)> = offsets.windows(2).map(|w| (w[0], w[1])).collect();
    let edits: Vec<f64> =
        seqs.iter().map(|&(a, b)| metrics::edit_score(&labels[a..b], &predicted[a..b], None)).collect();
    m.insert("edit".into(), edits.iter().sum::<f64>() / edits.len().max(1) as f64);
    for (name, overlap) in [("f1_at_10", 0.10), ("f1_at_25", 0.25), ("f1_at_50", 0.50)] {
        let mut total: Option<metrics::temporal::SegmentCounts> = None;
        for &(a, b) in &seqs {
            if let Some(c) = metrics::temporal::segment_counts(&labels[a..b], &predicted[a..b], overlap, None) {
                match total.as_mut() {
                    Some(t) => t.add(c),
                    None => total = Some(c),
                }
            }
        }
        if let Some(t) = total {
            m.insert(name.into(), t.f1());
        }
    }
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
