//! The precision-recall curve of one binary run.

use super::line_chart::{Corner, LineChart, Series, Style};
use super::Figure;
use crate::run::Run;
use crate::text::fmt_num;
use medref_core::metrics::{auprc, pr_curve};

/// The empty precision-recall chart (unit ranges, labelled axes), for a
/// run's curve and a published bundle's alike.
pub(super) fn pr_chart(title: String) -> LineChart {
    let mut chart = LineChart::new("pr", title, "recall (sensitivity)", "precision (positive predictive value)");
    chart.x_range = Some((0.0, 1.0));
    chart.y_range = Some((0.0, 1.02));
    chart.legend = Corner::BottomLeft;
    chart
}

/// The line a model without skill draws: precision at the prevalence.
pub(super) fn no_skill(prevalence: f64) -> Series {
    Series::new(
        format!("no skill (prevalence {})", fmt_num(prevalence)),
        vec![(0.0, prevalence), (1.0, prevalence)],
        Style::Dashed,
    )
}

/// Precision-recall curve of a binary task's test split, drawn as the step
/// function that average precision integrates.
pub(crate) fn pr_plot(run: &Run) -> Option<Figure> {
    let (labels, scores) = run.binary_scores("test")?;
    let curve = pr_curve(&labels, &scores);
    if curve.is_empty() {
        return None;
    }
    let ap = run.split_metrics("test").and_then(|m| m.get("auprc").copied()).or_else(|| auprc(&labels, &scores));
    let title = match ap {
        Some(a) => format!("Precision-recall (test): AUPRC {}", fmt_num(a)),
        None => "Precision-recall (test)".into(),
    };
    let prevalence = labels.iter().filter(|&&l| l).count() as f64 / labels.len() as f64;
    let mut chart = pr_chart(title);
    chart.series.push(Series::new("model", curve, Style::Step));
    chart.series.push(no_skill(prevalence));
    Some(Figure {
        svg: chart.render()?,
        caption: "Precision against recall on the test split. A model without skill sits at the prevalence; when \
                  positives are rare this curve says more than the ROC."
            .into(),
    })
}
