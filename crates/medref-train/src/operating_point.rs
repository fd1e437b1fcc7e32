//! The operating point and who it serves: the metrics a clinician asks for
//! beyond AUROC. A threshold chosen on validation data (Youden, or a false
//! alarm budget per hour), calibration, and whether the model works as well
//! for every subgroup of patients.
//!
//! These apply to any binary classifier (an X-ray model as much as a risk
//! score), so they live beside the loop rather than in one domain.

use crate::evaluate::Metrics;
use crate::evaluate::{binary_view as binary, split_metrics};
use crate::examples::{Examples, Targets};
use medref_core::config::EvalConfig;
use medref_core::metrics::{self, BinaryCounts, CalibrationBin};
use serde::Serialize;
use std::collections::BTreeMap;

/// Adds to `metrics["test"]` the threshold that maximises Youden's J on the
/// validation split and the test sensitivity, specificity and accuracy at
/// it. Choosing the operating point on test data would flatter the model;
/// a fixed 0.5 ignores class balance.
pub fn add_val_threshold_metrics(
    metrics: &mut Metrics,
    val_targets: &Targets,
    val_scores: &[f64],
    test_targets: &Targets,
    test_scores: &[f64],
) {
    let (Some((vy, vs)), Some((ty, ts))) = (binary(val_targets, val_scores), binary(test_targets, test_scores)) else {
        return;
    };
    let Some(threshold) = metrics::threshold::youden_threshold(&vy, &vs) else { return };
    let Some(counts) = BinaryCounts::at_threshold(&ty, &ts, threshold) else { return };
    let test = metrics.entry("test".into()).or_default();
    for (key, value) in [
        ("val_youden_threshold", threshold),
        ("sensitivity_at_val_threshold", counts.sensitivity()),
        ("specificity_at_val_threshold", counts.specificity()),
        ("accuracy_at_val_threshold", counts.accuracy()),
    ] {
        if value.is_finite() {
            test.insert(key.into(), value);
        }
    }
}

/// Reliability-diagram bins per split, for `calibration.json`; `None` for
/// tasks that are not binary.
pub fn calibration_json(
    splits: &[(&str, &Targets, &[f64])],
    n_bins: usize,
) -> Option<BTreeMap<String, Vec<CalibrationBin>>> {
    let mut out = BTreeMap::new();
    for (name, targets, scores) in splits {
        let (y, s) = binary(targets, scores)?;
        out.insert(name.to_string(), metrics::calibration_curve(&y, &s, n_bins));
    }
    Some(out)
}

/// `subgroups.json`: the test metrics of each subgroup, with its size, so a
/// model that fails one group of patients is visible.
#[derive(Debug, Serialize)]
pub struct SubgroupReport {
    /// Subgroup value -> metric -> value (the same keys as `metrics.json`).
    pub test: BTreeMap<String, BTreeMap<String, f64>>,
    /// Test rows without a subgroup value.
    pub missing: usize,
}

/// Per-subgroup metrics of the test split, or `None` where the data names
/// no subgroups.
pub fn subgroup_metrics<E: Examples>(test: &E, scores: &[f64], eval: &EvalConfig, seed: u64) -> Option<SubgroupReport> {
    let n = test.len();
    let k = test.targets().n_outputs();
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut missing = 0;
    for i in 0..n {
        match test.subgroup(i) {
            Some(g) => members.entry(g.to_string()).or_default().push(i),
            None => missing += 1,
        }
    }
    if members.is_empty() {
        return None;
    }
    let mut report = SubgroupReport { test: BTreeMap::new(), missing };
    for (group, rows) in members {
        if matches!(test.targets(), Targets::Frames { .. } | Targets::Masks(_)) {
            return None;
        }
        let targets = select(test.targets(), &rows);
        let s: Vec<f64> = rows.iter().flat_map(|&i| scores[i * k..(i + 1) * k].iter().copied()).collect();
        report.test.insert(group, split_metrics(&targets, &s, eval, seed));
    }
    Some(report)
}

/// The targets of `rows`, keeping the scaling of regression targets.
pub fn select(targets: &Targets, rows: &[usize]) -> Targets {
    match targets {
        Targets::Classes { labels, n_classes } => {
            Targets::Classes { labels: rows.iter().map(|&i| labels[i]).collect(), n_classes: *n_classes }
        }
        Targets::MultiLabel { labels, n_labels } => Targets::MultiLabel {
            labels: rows.iter().flat_map(|&i| labels[i * n_labels..(i + 1) * n_labels].iter().copied()).collect(),
            n_labels: *n_labels,
        },
        Targets::Regression { values, mean, std } => {
            Targets::Regression { values: rows.iter().map(|&i| values[i]).collect(), mean: *mean, std: *std }
        }
        Targets::Survival { time, event } => Targets::Survival {
            time: rows.iter().map(|&i| time[i]).collect(),
            event: rows.iter().map(|&i| event[i]).collect(),
        },
        Targets::Frames { labels, offsets, n_classes } => {
            let mut out = Targets::Frames { labels: Vec::new(), offsets: vec![0], n_classes: *n_classes };
            if let Targets::Frames { labels: l, offsets: o, .. } = &mut out {
                for &i in rows {
                    l.extend_from_slice(&labels[offsets[i]..offsets[i + 1]]);
                    o.push(l.len());
                }
            }
            out
        }
        Targets::Masks(m) => {
            let mut out =
                medref_core::targets::MaskTargets { offsets: vec![0], n_classes: m.n_classes, ..Default::default() };
            for &i in rows {
                let (a, b) = (m.offsets[i], m.offsets[i + 1]);
                out.labels.extend_from_slice(&m.labels[a..b]);
                if !m.roi.is_empty() {
                    out.roi.extend_from_slice(&m.roi[a..b]);
                }
                out.offsets.push(out.labels.len());
                out.shapes.push(m.shapes[i]);
            }
            Targets::Masks(out)
        }
    }
}

/// For detectors on recordings (falls): the threshold that keeps the
/// validation split within `per_hour` false alarms per hour of recording,
/// and the test sensitivity and false-alarm rate at that threshold. A
/// threshold tuned on the test recordings would promise a rate the next
/// resident will not see.
pub fn add_false_alarm_metrics(
    metrics: &mut Metrics,
    (val_targets, val_scores, val_hours): (&Targets, &[f64], f64),
    (test_targets, test_scores, test_hours): (&Targets, &[f64], f64),
    per_hour: f64,
) {
    let (Some((vy, vs)), Some((ty, ts))) = (binary(val_targets, val_scores), binary(test_targets, test_scores)) else {
        return;
    };
    let Some(op) = metrics::temporal::sensitivity_at_false_alarms(&vy, &vs, val_hours, per_hour) else { return };
    let Some(counts) = BinaryCounts::at_threshold(&ty, &ts, op.threshold) else { return };
    let test = metrics.entry("test".into()).or_default();
    let fa_rate = if test_hours > 0.0 { counts.false_positive as f64 / test_hours } else { f64::NAN };
    for (key, value) in [
        ("alarm_threshold", op.threshold),
        ("alarm_budget_per_hour", per_hour),
        ("sensitivity_at_alarm_threshold", counts.sensitivity()),
        ("false_alarms_per_hour", fa_rate),
    ] {
        if value.is_finite() {
            test.insert(key.into(), value);
        }
    }
}
