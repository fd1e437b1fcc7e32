//! ROC curves of one run.

use super::line_chart::{LineChart, Series, Style};
use super::{titled_metric, Figure, MAX_CURVES};
use crate::run::Run;
use crate::text::fmt_num;
use medref_core::metrics::{auroc, roc_curve};
use medref_core::task::TaskKind;

/// Columns of a multi-output task's test split: (name, labels, scores) per class or label.
fn one_vs_rest(run: &Run) -> Vec<(String, Vec<bool>, Vec<f64>)> {
    let Some(p) = &run.predictions else {
        return Vec::new();
    };
    let Some(s) = p.splits.get("test") else {
        return Vec::new();
    };
    let task = run.task();
    let k = match task {
        TaskKind::Multilabel => run.n_classes().min(p.n_scores),
        // One label a row (a class index), or the labels and scores would not pair up.
        TaskKind::Multiclass | TaskKind::SequenceLabelling if p.label_width == 1 => run.n_classes().min(p.n_scores),
        _ => return Vec::new(),
    };
    let names = run.class_names(k);
    (0..k)
        .map(|j| {
            let labels: Vec<bool> = match task {
                TaskKind::Multilabel => s.labels.iter().skip(j).step_by(p.label_width).map(|&v| v != 0.0).collect(),
                _ => s.labels.iter().map(|&v| v == j as f64).collect(),
            };
            let scores: Vec<f64> = s.scores.iter().skip(j).step_by(p.n_scores).copied().collect();
            (names[j].clone(), labels, scores)
        })
        .collect()
}

/// The empty ROC chart (unit square, labelled axes, the chance diagonal),
/// for a run's curves, a comparison of runs and a published bundle alike.
pub(super) fn roc_chart(title: String) -> LineChart {
    LineChart::unit_square("roc", title, "false positive rate (1 − specificity)", "true positive rate (sensitivity)")
}

/// ROC curve of the test split: one curve for a binary task, one per class
/// (one-vs-rest) for multi-class and multi-label tasks.
pub(crate) fn roc_plot(run: &Run) -> Option<Figure> {
    let title = match titled_metric(run, "auroc") {
        Some(t) => format!("ROC (test): {t}"),
        None => "ROC (test)".into(),
    };
    let mut chart = roc_chart(title);
    let caption;
    if let Some((labels, scores)) = run.binary_scores("test") {
        let curve = roc_curve(&labels, &scores);
        if curve.is_empty() {
            return None;
        }
        chart.series.push(Series::new("", curve, Style::Line));
        caption = "Sensitivity against false positive rate as the threshold falls, on the test split; the dashed \
                   diagonal is a coin toss. The interval in the title is a bootstrap 95% CI."
            .to_string();
    } else {
        let columns = one_vs_rest(run);
        let total = columns.len();
        for (name, labels, scores) in columns.into_iter().take(MAX_CURVES) {
            let curve = roc_curve(&labels, &scores);
            if let (false, Some(a)) = (curve.is_empty(), auroc(&labels, &scores)) {
                chart.series.push(Series::new(format!("{name} (AUROC {})", fmt_num(a)), curve, Style::Line));
            }
        }
        if chart.series.is_empty() {
            return None;
        }
        let shown = if total > MAX_CURVES { format!(" (the first {MAX_CURVES} of {total})") } else { String::new() };
        caption = format!(
            "One-vs-rest ROC curve of each class{shown} on the test split; the title's AUROC is their macro average."
        );
    }
    Some(Figure { svg: chart.render()?, caption })
}
