//! The report's plots, drawn as inline SVG by a small writer of our own
//! (a plotting crate would cost more build time than these few charts).
//!
//! Every chart is one `<svg data-plot="<name>">` with a title, a framed plot
//! area, axes with tick labels and its marks as `<path>`, `<rect>` or
//! `<circle>` elements. All text goes through [`escape`](crate::text::escape).
//! Plots summarise the predictions (curves, counts); no prediction row is
//! ever printed.
//!
//! The toolkit (`svg`, `axes`, `line_chart`) knows nothing of runs; every
//! other file draws one kind of figure from a run.

mod axes;
mod calibration;
mod confusion;
mod history;
mod importance;
mod line_chart;
mod overlay;
mod pr;
mod published;
mod roc;
mod scatter;
mod survival;
mod svg;

pub(crate) use line_chart::{Corner, LineChart, Series, Style};
pub(crate) use overlay::{loss_overlay, roc_overlay, run_labels};
pub(crate) use published::figures as published_figures;
pub(crate) use scatter::scatter_plot;

use calibration::calibration_plot;
use confusion::confusion_plot;
use history::{loss_plot, metric_plot};
use importance::importance_plot;
use pr::pr_plot;
use roc::roc_plot;
use survival::{kaplan_meier_plot, predicted_survival_plot};

use crate::run::Run;
use crate::text::{fmt_num, metric_label};

/// Most curves drawn in one chart (one per class or per run); more would be unreadable.
const MAX_CURVES: usize = 8;

/// A chart and the sentence shown under it.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub svg: String,
    pub caption: String,
}

/// `value [low, high]` of a test metric for a chart title.
fn titled_metric(run: &Run, key: &str) -> Option<String> {
    titled_metric_as(run, key, &metric_label(key))
}

/// [`titled_metric`] with `label` as the metric's name.
fn titled_metric_as(run: &Run, key: &str, label: &str) -> Option<String> {
    let m = run.split_metrics("test")?;
    let v = m.get(key)?;
    let mut s = format!("{label} {}", fmt_num(*v));
    if let (Some(lo), Some(hi)) = (m.get(&format!("{key}_ci_low")), m.get(&format!("{key}_ci_high"))) {
        s.push_str(&format!(" (95% CI {}–{})", fmt_num(*lo), fmt_num(*hi)));
    }
    Some(s)
}

/// The run's plots that apply to its task, in reading order.
pub(crate) fn figures(run: &Run) -> Vec<Figure> {
    [
        loss_plot(run),
        metric_plot(run),
        roc_plot(run),
        pr_plot(run),
        // A risk score or a number is no probability to calibrate.
        calibration_plot(run).filter(|_| run.task().is_classification()),
        confusion_plot(run),
        scatter_plot(run),
        kaplan_meier_plot(run),
        predicted_survival_plot(run),
        importance_plot(run),
    ]
    .into_iter()
    .flatten()
    .collect()
}
