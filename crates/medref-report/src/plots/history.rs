//! Training history: loss and the monitored metric per epoch. A model
//! solved directly has one row of history, not a curve, and gets neither.

use super::line_chart::{LineChart, Series, Style};
use super::Figure;
use crate::run::Run;
use crate::text::metric_label;

/// Train and validation loss per epoch, with the kept epoch marked.
pub(crate) fn loss_plot(run: &Run) -> Option<Figure> {
    let h = run.history.as_ref().filter(|_| !run.is_direct_fit())?;
    let mut chart = LineChart::new("loss", "Loss per epoch".into(), "epoch", "loss");
    chart.series.push(Series::new(
        "train",
        h.epochs.iter().copied().zip(h.train_loss.iter().copied()).collect(),
        Style::Line,
    ));
    chart.series.push(Series::new(
        "validation",
        h.epochs.iter().copied().zip(h.val_loss.iter().copied()).collect(),
        Style::Dashed,
    ));
    chart.marker_x = run.best_epoch().map(|e| (e as f64, format!("best epoch {e}")));
    Some(Figure {
        svg: chart.render()?,
        caption: "Training loss (solid) and validation loss (dashed) per epoch. The dotted line marks the epoch whose \
                  weights were kept; validation loss rising while training loss falls is overfitting."
            .into(),
    })
}

/// The monitored validation metric per epoch.
pub(crate) fn metric_plot(run: &Run) -> Option<Figure> {
    let h = run.history.as_ref().filter(|_| !run.is_direct_fit())?;
    let (column, values) = h.monitor.as_ref()?;
    let key = column.strip_prefix("val_").unwrap_or(column);
    let label = metric_label(key);
    let mut chart = LineChart::new("metric", format!("Validation {label} per epoch"), "epoch", &label);
    chart.series.push(Series::new("", h.epochs.iter().copied().zip(values.iter().copied()).collect(), Style::Markers));
    chart.marker_x = run.best_epoch().map(|e| (e as f64, format!("best epoch {e}")));
    Some(Figure {
        svg: chart.render()?,
        caption: format!(
            "The metric that early stopping and checkpoint selection followed ({column}), on the validation split."
        ),
    })
}
