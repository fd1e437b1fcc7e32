//! Several runs on one chart, for `medref report RUN_DIR...`.

use super::line_chart::{LineChart, Series, Style};
use super::{Figure, MAX_CURVES};
use crate::run::Run;
use crate::text::fmt_num;
use medref_core::metrics::{auroc, roc_curve};

/// Labels for runs in a legend: the config name, with the directory when
/// two runs share a name.
pub(crate) fn run_labels(runs: &[Run]) -> Vec<String> {
    runs.iter()
        .map(|r| {
            let shared = runs.iter().filter(|o| o.name() == r.name()).count() > 1;
            if shared {
                format!("{} ({})", r.name(), r.dir_name())
            } else {
                r.name().to_string()
            }
        })
        .collect()
}

/// The binary runs' test ROC curves on one chart.
pub(crate) fn roc_overlay(runs: &[Run]) -> Option<Figure> {
    let mut chart = super::roc::roc_chart("ROC (test), runs compared".into());
    let labels = run_labels(runs);
    for (run, label) in runs.iter().zip(labels) {
        let Some((y, s)) = run.binary_scores("test") else {
            continue;
        };
        let curve = roc_curve(&y, &s);
        if curve.is_empty() || chart.series.len() == MAX_CURVES {
            continue;
        }
        let a = run.split_metrics("test").and_then(|m| m.get("auroc").copied()).or_else(|| auroc(&y, &s));
        let name = a.map_or(label.clone(), |a| format!("{label} (AUROC {})", fmt_num(a)));
        chart.series.push(Series::new(name, curve, Style::Line));
    }
    if chart.series.is_empty() {
        return None;
    }
    Some(Figure {
        svg: chart.render()?,
        caption: "Test ROC curves of the binary runs. Curves on different test sets are not directly comparable."
            .into(),
    })
}

/// Validation loss per epoch of every loop-trained run on one chart (a
/// direct fit has no epochs to draw).
pub(crate) fn loss_overlay(runs: &[Run]) -> Option<Figure> {
    let mut chart =
        LineChart::new("loss", "Validation loss per epoch, runs compared".into(), "epoch", "validation loss");
    for (run, label) in runs.iter().zip(run_labels(runs)) {
        let Some(h) = run.history.as_ref().filter(|_| !run.is_direct_fit()) else {
            continue;
        };
        if chart.series.len() < MAX_CURVES {
            chart.series.push(Series::new(
                label,
                h.epochs.iter().copied().zip(h.val_loss.iter().copied()).collect(),
                Style::Line,
            ));
        }
    }
    if chart.series.is_empty() {
        return None;
    }
    Some(Figure {
        svg: chart.render()?,
        caption: "Validation loss of each run. Losses of different tasks or loss functions are on different scales."
            .into(),
    })
}
