//! The report's ROC, precision-recall, confusion and regression figures of
//! a bundle, drawn from `curves.json` since the predictions they are
//! usually drawn from were not published. Same plot names as a run's
//! report, so a reader (and the browser test) finds the same figures.

use super::pr::{no_skill, pr_chart};
use super::roc::roc_chart;
use super::{titled_metric_as, Corner, Figure, LineChart, Series, Style};
use crate::published_bundle::Published;
use crate::published_bundle::{Confusion, Curves};
use crate::run::Run;
use crate::text::escape;
use std::fmt::Write as _;

fn points(p: &[[f64; 2]]) -> Vec<(f64, f64)> {
    p.iter().map(|[x, y]| (*x, *y)).collect()
}

fn roc(run: &Run, c: &Curves) -> Option<Figure> {
    let title = match titled_metric_as(run, "auroc", "AUROC") {
        Some(t) => format!("ROC (test): {t}"),
        None => "ROC (test)".into(),
    };
    let mut chart = roc_chart(title);
    for curve in &c.roc {
        let label = if c.roc.len() == 1 { String::new() } else { curve.label.clone() };
        chart.series.push(Series::new(label, points(&curve.points), Style::Line));
    }
    Some(Figure {
        svg: chart.render()?,
        caption: format!(
            "Sensitivity against false positive rate as the threshold falls, on the test split, from the bundle's \
             aggregates: each step of the curve adds at least {} patients, so it is coarser than the run's own curve. \
             The dashed diagonal is a coin toss.",
            c.k
        ),
    })
}

fn pr(run: &Run, c: &Curves) -> Option<Figure> {
    let title = match titled_metric_as(run, "auprc", "AUPRC") {
        Some(t) => format!("Precision-recall (test): {t}"),
        None => "Precision-recall (test)".into(),
    };
    let mut chart = pr_chart(title);
    for curve in &c.pr {
        let label = if c.pr.len() == 1 { "model".to_string() } else { curve.label.clone() };
        chart.series.push(Series::new(label, points(&curve.points), Style::Step));
    }
    if let [only] = c.pr.as_slice() {
        if let Some(p) = only.prevalence {
            chart.series.push(no_skill(p));
        }
    }
    Some(Figure {
        svg: chart.render()?,
        caption: format!(
            "Precision against recall on the test split, from the bundle's aggregates (steps of at least {} patients).",
            c.k
        ),
    })
}

fn scatter(run: &Run, c: &Curves) -> Option<Figure> {
    if c.scatter.is_empty() {
        return None;
    }
    let title = match titled_metric_as(run, "r2", "R²").or_else(|| titled_metric_as(run, "rmse", "RMSE")) {
        Some(t) => format!("{} (test): {t}", run.name()),
        None => format!("{} (test)", run.name()),
    };
    let pts: Vec<(f64, f64)> = c.scatter.iter().map(|b| (b.true_mean, b.predicted_mean)).collect();
    let lo = pts.iter().flat_map(|p| [p.0, p.1]).fold(f64::INFINITY, f64::min);
    let hi = pts.iter().flat_map(|p| [p.0, p.1]).fold(f64::NEG_INFINITY, f64::max);
    let mut chart = LineChart::new("scatter", title, "true value (bin mean)", "predicted value (bin mean)");
    chart.legend = Corner::BottomRight;
    chart.series.push(Series::new("identity", vec![(lo, lo), (hi, hi)], Style::Dashed));
    let mut s = Series::new("bins", pts, Style::Markers);
    s.tips = c.scatter.iter().map(|b| format!("{} patients", b.n)).collect();
    chart.series.push(s);
    Some(Figure {
        svg: chart.render()?,
        caption: format!(
            "Mean predicted against mean true value of the test split in bins of at least {} patients sorted by the \
             true value (the bundle holds no single prediction); the dashed line is perfect prediction.",
            c.k
        ),
    })
}

/// A confusion matrix whose suppressed cells read `< k`.
fn confusion_svg(m: &Confusion, k: usize) -> Option<String> {
    let n = m.classes.len();
    if n == 0 || n > 40 || m.cells.len() != n {
        return None;
    }
    let cell = (360.0 / n as f64).clamp(22.0, 72.0);
    let (left, top) = (120.0, 34.0);
    let width = (left + cell * n as f64 + 20.0).max(320.0);
    let height = top + cell * n as f64 + 50.0;
    let title = format!("Confusion matrix (test, {})", m.rule);
    let mut s = format!(
        "<svg data-plot=\"confusion\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <title>{}</title>\n<text x=\"{:.1}\" y=\"18\" text-anchor=\"middle\" font-weight=\"600\">{}</text>\n",
        escape(&title),
        width / 2.0,
        escape(&title)
    );
    for (i, row) in m.cells.iter().enumerate() {
        let total: u64 = row.iter().flatten().sum();
        for (j, value) in row.iter().enumerate() {
            let (x, y) = (left + j as f64 * cell, top + i as f64 * cell);
            let (fill, text, tip) = match value {
                Some(v) => {
                    let f = if total > 0 { *v as f64 / total as f64 } else { 0.0 };
                    let shade = |full: f64| (255.0 - f * (255.0 - full)).round() as u8;
                    (
                        format!("rgb({},{},{})", shade(0.0), shade(114.0), shade(178.0)),
                        v.to_string(),
                        format!("true {}, predicted {}: {v}", m.classes[i], m.classes[j]),
                    )
                }
                None => (
                    "#eeeeee".to_string(),
                    format!("<{k}"),
                    format!(
                        "true {}, predicted {}: suppressed (fewer than {k}, or would reveal such a cell)",
                        m.classes[i], m.classes[j]
                    ),
                ),
            };
            let _ = writeln!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"{fill}\" stroke=\"#ffffff\"{}><title>{}</title></rect>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                if value.is_none() { " data-suppressed=\"true\"" } else { "" },
                escape(&tip),
                x + cell / 2.0,
                y + cell / 2.0 + 4.0,
                escape(&text)
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            top + i as f64 * cell + cell / 2.0 + 4.0,
            escape(&m.classes[i])
        );
    }
    for (j, name) in m.classes.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            left + j as f64 * cell + cell / 2.0,
            top + cell * n as f64 + 15.0,
            escape(name)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">predicted class (rows: true class)</text>\n</svg>",
        left + cell * n as f64 / 2.0,
        height - 10.0
    );
    Some(s)
}

fn confusion(c: &Curves) -> Option<Figure> {
    let m = c.confusion.as_ref()?;
    let note = if m.suppressed_cells > 0 {
        format!(
            " {} cell(s) marked <{} are suppressed: they held fewer than {} patients, or, with the row's total, \
             would give such a cell away.",
            m.suppressed_cells, c.k, c.k
        )
    } else {
        String::new()
    };
    Some(Figure {
        svg: confusion_svg(m, c.k)?,
        caption: format!("Test samples by true class (rows) and predicted class ({}).{note}", m.rule),
    })
}

/// The figures a bundle draws from its aggregates; none for a run that
/// still has its predictions (its own figures are drawn from them).
pub(crate) fn figures(run: &Run, p: &Published) -> Vec<Figure> {
    let Some(c) = &p.curves else {
        return Vec::new();
    };
    if run.predictions.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if !c.roc.is_empty() {
        out.extend(roc(run, c));
    }
    if !c.pr.is_empty() {
        out.extend(pr(run, c));
    }
    out.extend(confusion(c));
    out.extend(scatter(run, c));
    out
}
