//! Predicted against true values for regression.

use super::axes::{padded_range, Frame};
use super::svg::{c, Svg, PALETTE};
use super::{titled_metric, Figure};
use crate::run::Run;
use medref_core::task::TaskKind;
use std::fmt::Write as _;

/// Most points drawn in a scatter plot; larger test sets are thinned evenly.
const MAX_SCATTER_POINTS: usize = 4000;

/// Predicted against true values with the identity line, on shared axes.
fn scatter_chart(title: &str, truth: &[f64], predicted: &[f64]) -> Option<String> {
    let pairs: Vec<(f64, f64)> =
        truth.iter().zip(predicted).map(|(&t, &p)| (t, p)).filter(|(t, p)| t.is_finite() && p.is_finite()).collect();
    let range = padded_range(pairs.iter().flat_map(|&(t, p)| [t, p]))?;
    let (width, height) = (420.0, 400.0);
    let frame =
        Frame { left: 62.0, top: 30.0, width: width - 62.0 - 16.0, height: height - 30.0 - 48.0, x: range, y: range };
    let mut svg = Svg::open("scatter", width, height, title);
    frame.draw_axes(&mut svg, "true value", "predicted value");
    let stride = pairs.len().div_ceil(MAX_SCATTER_POINTS).max(1);
    let mut dots = String::new();
    for &(t, p) in pairs.iter().step_by(stride) {
        let _ = writeln!(dots, "<circle cx=\"{}\" cy=\"{}\" r=\"2.2\"/>", c(frame.px(t)), c(frame.py(p)));
    }
    svg.raw(&format!("<g fill=\"{}\" fill-opacity=\"0.45\">\n{dots}</g>\n", PALETTE[0]));
    let d =
        format!("M{} {}L{} {}", c(frame.px(range.0)), c(frame.py(range.0)), c(frame.px(range.1)), c(frame.py(range.1)));
    svg.path(&d, "stroke=\"#D55E00\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"");
    Some(svg.finish())
}

/// Predicted against true values for a regression task's test split.
pub(crate) fn scatter_plot(run: &Run) -> Option<Figure> {
    if run.task() != TaskKind::Regression {
        return None;
    }
    let p = run.predictions.as_ref()?;
    let s = p.splits.get("test")?;
    let predicted: Vec<f64> = s.scores.iter().step_by(p.n_scores).copied().collect();
    let title = match titled_metric(run, "r2").or_else(|| titled_metric(run, "rmse")) {
        Some(t) => format!("{} (test): {t}", run.name()),
        None => format!("{} (test)", run.name()),
    };
    let svg = scatter_chart(&title, &s.labels, &predicted)?;
    let thinned = if s.n > MAX_SCATTER_POINTS {
        format!(" An evenly spaced {MAX_SCATTER_POINTS}-point subset of the {} test samples is drawn.", s.n)
    } else {
        String::new()
    };
    Some(Figure {
        svg,
        caption: format!(
            "Predicted against true value on the test split; perfect predictions lie on the dashed identity line.{thinned}"
        ),
    })
}
