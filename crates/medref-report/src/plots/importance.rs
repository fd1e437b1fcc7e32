//! Permutation importance as horizontal bars.

use super::axes::{nice_ticks, padded_range, Frame};
use super::svg::{c, truncate, Svg, PALETTE};
use super::Figure;
use crate::run::{Importance, Run};
use crate::text::{escape, fmt_num};
use medref_core::task::TaskKind;
use std::fmt::Write as _;

/// Most features shown in the importance chart.
const TOP_FEATURES: usize = 20;

/// Horizontal bars of permutation importance with ±1 SD whiskers, largest first.
fn importance_chart(rows: &[Importance], metric: &str, total: usize) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let x = padded_range(rows.iter().flat_map(|r| [r.mean_drop - r.std_drop, r.mean_drop + r.std_drop, 0.0]))?;
    let (width, row_h) = (560.0, 20.0);
    let height = 30.0 + rows.len() as f64 * row_h + 56.0;
    let frame = Frame {
        left: 180.0,
        top: 30.0,
        width: width - 180.0 - 16.0,
        height: rows.len() as f64 * row_h,
        x,
        y: (0.0, 1.0),
    };
    let title = if rows.len() < total {
        format!("Permutation importance (top {} of {total} features)", rows.len())
    } else {
        "Permutation importance".to_string()
    };
    let mut svg = Svg::open("importance", width, height, &title);
    svg.rect(frame.left, frame.top, frame.width, frame.height, "fill=\"#ffffff\" stroke=\"#444444\"");
    let ticks = nice_ticks(x.0, x.1, 6);
    let mut grid = String::new();
    for &t in &ticks.values {
        let px = frame.px(t);
        let _ = write!(grid, "M{} {}V{}", c(px), c(frame.top), c(frame.bottom()));
        svg.text(px, frame.bottom() + 15.0, &ticks.label(t), "text-anchor=\"middle\"");
    }
    svg.path(&grid, "stroke=\"#e5e5e5\"");
    let zero = frame.px(0.0);
    let mut whiskers = String::new();
    for (i, r) in rows.iter().enumerate() {
        let top = frame.top + i as f64 * row_h;
        let mid = top + row_h / 2.0;
        let (a, b) = (zero.min(frame.px(r.mean_drop)), zero.max(frame.px(r.mean_drop)));
        let tip = format!("{}: mean drop {} (SD {})", r.feature, fmt_num(r.mean_drop), fmt_num(r.std_drop));
        svg.raw(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>\n",
            c(a),
            c(top + 3.0),
            c((b - a).max(0.5)),
            c(row_h - 6.0),
            PALETTE[0],
            escape(&tip)
        ));
        let (lo, hi) = (frame.px(r.mean_drop - r.std_drop), frame.px(r.mean_drop + r.std_drop));
        let _ = write!(
            whiskers,
            "M{} {}H{}M{} {}v6M{} {}v6",
            c(lo),
            c(mid),
            c(hi),
            c(lo),
            c(mid - 3.0),
            c(hi),
            c(mid - 3.0)
        );
        svg.text(frame.left - 6.0, mid + 4.0, &truncate(&r.feature, 28), "text-anchor=\"end\"");
    }
    svg.path(&whiskers, "stroke=\"#333333\"");
    svg.path(&format!("M{} {}V{}", c(zero), c(frame.top), c(frame.bottom())), "stroke=\"#444444\"");
    svg.text(
        frame.left + frame.width / 2.0,
        frame.bottom() + 33.0,
        &format!("drop in test {metric} when the feature is shuffled (mean ± SD)"),
        "text-anchor=\"middle\"",
    );
    Some(svg.finish())
}

/// The top features of `feature_importance.csv`.
pub(crate) fn importance_plot(run: &Run) -> Option<Figure> {
    let rows = run.importance.as_ref()?;
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| b.mean_drop.total_cmp(&a.mean_drop));
    sorted.truncate(TOP_FEATURES);
    // The metric the training run shuffled against (medref-baselines'
    // permutation importance): R² of a number, Harrell's C of a risk.
    let metric = match run.task() {
        TaskKind::Regression => "R²",
        TaskKind::Survival => "C-index",
        _ => "AUROC",
    };
    let baseline = sorted.first().map(|r| format!(" (intact: {})", fmt_num(r.baseline))).unwrap_or_default();
    Some(Figure {
        svg: importance_chart(&sorted, metric, rows.len())?,
        caption: format!(
            "How much the test {metric}{baseline} falls when one source column is shuffled across patients (a one-hot \
             block counts as one column). Near zero: the model does not use it, or a correlated column stands in for it."
        ),
    })
}
