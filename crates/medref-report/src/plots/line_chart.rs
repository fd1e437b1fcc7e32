//! Lines over shared axes: the one chart type behind the loss, metric,
//! ROC, precision-recall and calibration figures and the bundle's figures.

use super::axes::{padded_range, Frame};
use super::svg::{c, truncate, Svg, PALETTE};
use crate::text::escape;
use std::fmt::Write as _;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Line,
    Dashed,
    /// A step function: up (or down) first, then across, as the
    /// precision-recall curve that average precision integrates.
    Step,
    /// A line with a dot at each point.
    Markers,
}

/// One named line of a chart.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
    /// Hover text for each point (`Markers` only); empty for none.
    pub tips: Vec<String>,
}

impl Series {
    pub(crate) fn new(label: impl Into<String>, points: Vec<(f64, f64)>, style: Style) -> Series {
        Series { label: label.into(), points, style, tips: Vec::new() }
    }
}

/// Where the legend sits inside the plot area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Corner {
    TopRight,
    BottomRight,
    BottomLeft,
}

/// A chart of lines over shared axes (loss curves, ROC, PR, calibration).
pub(crate) struct LineChart {
    pub name: &'static str,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Fixed ranges; `None` fits the data.
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
    /// Draw the line y = x (chance for ROC, perfect calibration).
    pub diagonal: bool,
    /// A labelled vertical marker, such as the best epoch.
    pub marker_x: Option<(f64, String)>,
    pub legend: Corner,
    pub series: Vec<Series>,
}

impl LineChart {
    pub(crate) fn new(name: &'static str, title: String, x_label: &str, y_label: &str) -> LineChart {
        LineChart {
            name,
            title,
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_range: None,
            y_range: None,
            diagonal: false,
            marker_x: None,
            legend: Corner::TopRight,
            series: Vec::new(),
        }
    }

    /// A chart on the unit square with the diagonal drawn: ROC curves and
    /// reliability diagrams, where the diagonal is the no-skill or the
    /// perfectly calibrated line.
    pub(crate) fn unit_square(name: &'static str, title: String, x_label: &str, y_label: &str) -> LineChart {
        let mut chart = LineChart::new(name, title, x_label, y_label);
        chart.x_range = Some((0.0, 1.0));
        chart.y_range = Some((0.0, 1.0));
        chart.diagonal = true;
        chart.legend = Corner::BottomRight;
        chart
    }

    /// The SVG; `None` when no series has a finite point.
    pub(crate) fn render(&self) -> Option<String> {
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let x = self.x_range.or_else(|| padded_range(all().map(|p| p.0)))?;
        let y = self.y_range.or_else(|| padded_range(all().map(|p| p.1)))?;
        let (width, height) = (480.0, 340.0);
        let frame = Frame { left: 62.0, top: 30.0, width: width - 62.0 - 16.0, height: height - 30.0 - 48.0, x, y };
        let mut svg = Svg::open(self.name, width, height, &self.title);
        frame.draw_axes(&mut svg, &self.x_label, &self.y_label);
        if self.diagonal {
            let (lo, hi) = (x.0.max(y.0), x.1.min(y.1));
            if hi > lo {
                let d = format!("M{} {}L{} {}", c(frame.px(lo)), c(frame.py(lo)), c(frame.px(hi)), c(frame.py(hi)));
                svg.path(&d, "stroke=\"#888888\" stroke-dasharray=\"4 4\"");
            }
        }
        if let Some((at, label)) = &self.marker_x {
            if *at >= x.0 && *at <= x.1 {
                let px = frame.px(*at);
                svg.path(
                    &format!("M{} {}V{}", c(px), c(frame.top), c(frame.bottom())),
                    "stroke=\"#999999\" stroke-dasharray=\"2 3\"",
                );
                svg.text(px + 3.0, frame.bottom() - 6.0, label, "fill=\"#555555\"");
            }
        }
        for (i, s) in self.series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let dash = if s.style == Style::Dashed { " stroke-dasharray=\"6 4\"" } else { "" };
            svg.path(
                &series_path(&frame, &s.points, s.style == Style::Step),
                &format!("stroke=\"{colour}\" stroke-width=\"2\" stroke-linejoin=\"round\"{dash}"),
            );
            if s.style == Style::Markers {
                for (j, &(px, py)) in s.points.iter().enumerate() {
                    if !(px.is_finite() && py.is_finite()) {
                        continue;
                    }
                    let tip = s.tips.get(j).map(|t| format!("<title>{}</title>", escape(t))).unwrap_or_default();
                    svg.raw(&format!(
                        "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{colour}\">{tip}</circle>\n",
                        c(frame.px(px)),
                        c(frame.py(py))
                    ));
                }
            }
        }
        draw_legend(&mut svg, &frame, self.legend, &self.series);
        Some(svg.finish())
    }
}

/// `M`/`L` path through the points, restarting after a non-finite point and
/// skipping points that fall on the previous one's pixel.
fn series_path(frame: &Frame, points: &[(f64, f64)], step: bool) -> String {
    let mut d = String::new();
    let mut last: Option<(f64, f64)> = None;
    for &(x, y) in points {
        if !(x.is_finite() && y.is_finite()) {
            last = None;
            continue;
        }
        let (px, py) = (frame.px(x), frame.py(y));
        match last {
            None => {
                let _ = write!(d, "M{} {}", c(px), c(py));
            }
            Some((lx, ly)) if (px - lx).abs() < 0.25 && (py - ly).abs() < 0.25 => continue,
            Some((lx, _)) if step => {
                let _ = write!(d, "L{} {}L{} {}", c(lx), c(py), c(px), c(py));
            }
            Some(_) => {
                let _ = write!(d, "L{} {}", c(px), c(py));
            }
        }
        last = Some((px, py));
    }
    d
}

fn draw_legend(svg: &mut Svg, frame: &Frame, corner: Corner, series: &[Series]) {
    let entries: Vec<(usize, &Series)> = series.iter().enumerate().filter(|(_, s)| !s.label.is_empty()).collect();
    if entries.is_empty() {
        return;
    }
    let labels: Vec<String> = entries.iter().map(|(_, s)| truncate(&s.label, 42)).collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64;
    let (w, h) = ((longest * 6.2 + 36.0).min(frame.width - 8.0), entries.len() as f64 * 15.0 + 8.0);
    let x = match corner {
        Corner::BottomLeft => frame.left + 6.0,
        Corner::TopRight | Corner::BottomRight => frame.right() - w - 6.0,
    };
    let y = match corner {
        Corner::TopRight => frame.top + 6.0,
        Corner::BottomRight | Corner::BottomLeft => frame.bottom() - h - 6.0,
    };
    svg.rect(x, y, w, h, "fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#cccccc\"");
    for (k, ((i, s), label)) in entries.iter().zip(&labels).enumerate() {
        let row = y + 12.0 + k as f64 * 15.0;
        let dash = if s.style == Style::Dashed { " stroke-dasharray=\"6 4\"" } else { "" };
        svg.path(
            &format!("M{} {}h20", c(x + 6.0), c(row - 4.0)),
            &format!("stroke=\"{}\" stroke-width=\"2\"{dash}", PALETTE[i % PALETTE.len()]),
        );
        svg.text(x + 30.0, row, label, "");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_path_goes_up_then_across() {
        let frame = Frame { left: 0.0, top: 0.0, width: 100.0, height: 100.0, x: (0.0, 1.0), y: (0.0, 1.0) };
        let d = series_path(&frame, &[(0.0, 1.0), (0.5, 0.5)], true);
        assert_eq!(d, "M0.0 0.0L0.0 50.0L50.0 50.0");
    }

    #[test]
    fn chart_text_is_escaped() {
        let mut chart = LineChart::new("loss", "<b>".into(), "x & y", "y");
        chart.series.push(Series::new("<i>", vec![(0.0, 0.0), (1.0, 1.0)], Style::Line));
        let svg = chart.render().unwrap();
        assert!(svg.contains("&lt;b&gt;") && svg.contains("x &amp; y") && svg.contains("&lt;i&gt;"));
        assert!(!svg.contains("<b>") && !svg.contains("<i>"));
    }
}
