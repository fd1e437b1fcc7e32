//! The reliability diagram of one run.

use super::line_chart::{LineChart, Series, Style};
use super::{titled_metric, Figure};
use crate::run::Run;
use crate::text::fmt_num;

/// Reliability diagram from `calibration.json`.
pub(crate) fn calibration_plot(run: &Run) -> Option<Figure> {
    let bins = run.calibration.as_ref()?;
    let title = match titled_metric(run, "ece") {
        Some(t) => format!("Calibration (test): {t}"),
        None => "Calibration".into(),
    };
    let mut chart =
        LineChart::unit_square("calibration", title, "mean predicted probability", "observed fraction positive");
    for (split, label) in [("test", "test"), ("val", "validation")] {
        let Some(b) = bins.get(split) else { continue };
        let mut s = Series::new(label, b.iter().map(|b| (b.mean_score, b.fraction_positive)).collect(), Style::Markers);
        s.tips = b
            .iter()
            .map(|b| {
                format!(
                    "{label}, scores {}–{}: {} samples, mean score {}, fraction positive {}",
                    fmt_num(b.lower),
                    fmt_num(b.upper),
                    b.count,
                    fmt_num(b.mean_score),
                    fmt_num(b.fraction_positive)
                )
            })
            .collect();
        chart.series.push(s);
    }
    Some(Figure {
        svg: chart.render()?,
        caption: "Each dot is one bin of predicted probability: its mean prediction against the fraction of positives \
                  in it. A calibrated model follows the dashed diagonal; bins with few samples are noisy."
            .into(),
    })
}
