//! The report's plots, drawn as inline SVG by a small writer of our own
//! (a plotting crate would cost more build time than these few charts).
//!
//! Every chart is one `<svg data-plot="<name>">` with a title, a framed plot
//! area, axes with tick labels and its marks as `<path>`, `<rect>` or
//! `<circle>` elements. All text goes through [`escape`]. Plots summarise
//! the predictions (curves, counts); no prediction row is ever printed.

use crate::run::{Importance, Run, Task};
use crate::text::{escape, fmt_num, metric_label};
use medref_core::metrics::{auprc, auroc, confusion_matrix, pr_curve, roc_curve, BinaryCounts};
use std::fmt::Write as _;

/// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// Most curves drawn in one chart (one per class or per run); more would be unreadable.
const MAX_CURVES: usize = 8;

/// Most points drawn in a scatter plot; larger test sets are thinned evenly.
const MAX_SCATTER_POINTS: usize = 4000;

/// Most features shown in the importance chart.
const TOP_FEATURES: usize = 20;

/// A chart and the sentence shown under it.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub svg: String,
    pub caption: String,
}

/// A number as an SVG coordinate.
fn c(v: f64) -> String {
    format!("{v:.1}")
}

/// At most `max` characters of `s`, with an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Minimal SVG writer: an `<svg>` element with a title, and escaped text.
struct Svg {
    out: String,
}

impl Svg {
    fn open(name: &str, width: f64, height: f64, title: &str) -> Svg {
        let t = escape(title);
        let mut out = format!(
            "<svg data-plot=\"{}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
             aria-label=\"{t}\" font-family=\"system-ui, sans-serif\" font-size=\"11\">\n<title>{t}</title>\n",
            escape(name),
            w = c(width),
            h = c(height),
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"600\">{}</text>",
            c(width / 2.0),
            escape(&truncate(title, 80))
        );
        Svg { out }
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {attrs}/>",
            c(x),
            c(y),
            c(w.max(0.0)),
            c(h.max(0.0))
        );
    }

    fn path(&mut self, d: &str, attrs: &str) {
        if !d.is_empty() {
            let _ = writeln!(self.out, "<path d=\"{d}\" fill=\"none\" {attrs}/>");
        }
    }

    fn text(&mut self, x: f64, y: f64, text: &str, attrs: &str) {
        let _ = writeln!(
            self.out,
            "<text x=\"{}\" y=\"{}\" {attrs}>{}</text>",
            c(x),
            c(y),
            escape(text)
        );
    }

    /// Raw markup the caller has built from escaped parts.
    fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// A plot area on the canvas and the data ranges it shows.
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x.0) / (self.x.1 - self.x.0) * self.width
    }

    fn py(&self, y: f64) -> f64 {
        self.top + self.height - (y - self.y.0) / (self.y.1 - self.y.0) * self.height
    }

    fn bottom(&self) -> f64 {
        self.top + self.height
    }

    fn right(&self) -> f64 {
        self.left + self.width
    }

    /// The frame, grid, ticks with labels and axis titles.
    fn draw_axes(&self, svg: &mut Svg, x_label: &str, y_label: &str) {
        svg.rect(
            self.left,
            self.top,
            self.width,
            self.height,
            "fill=\"#ffffff\" stroke=\"#444444\"",
        );
        let mut grid = String::new();
        let mut ticks = String::new();
        let xs = nice_ticks(self.x.0, self.x.1, 6);
        for &t in &xs.values {
            let x = self.px(t);
            let _ = write!(grid, "M{} {}V{}", c(x), c(self.top), c(self.bottom()));
            let _ = write!(ticks, "M{} {}v4", c(x), c(self.bottom()));
            svg.text(
                x,
                self.bottom() + 15.0,
                &xs.label(t),
                "text-anchor=\"middle\"",
            );
        }
        let ys = nice_ticks(self.y.0, self.y.1, 5);
        for &t in &ys.values {
            let y = self.py(t);
            let _ = write!(grid, "M{} {}H{}", c(self.left), c(y), c(self.right()));
            let _ = write!(ticks, "M{} {}h-4", c(self.left), c(y));
            svg.text(
                self.left - 6.0,
                y + 4.0,
                &ys.label(t),
                "text-anchor=\"end\"",
            );
        }
        svg.path(&grid, "stroke=\"#e5e5e5\"");
        svg.path(&ticks, "stroke=\"#444444\"");
        svg.text(
            self.left + self.width / 2.0,
            self.bottom() + 33.0,
            x_label,
            "text-anchor=\"middle\"",
        );
        let (x, y) = (14.0, self.top + self.height / 2.0);
        svg.text(
            x,
            y,
            y_label,
            &format!(
                "text-anchor=\"middle\" transform=\"rotate(-90 {} {})\"",
                c(x),
                c(y)
            ),
        );
    }
}

/// Tick positions at 1, 2 or 5 times a power of ten.
struct Ticks {
    values: Vec<f64>,
    decimals: usize,
}

impl Ticks {
    fn label(&self, v: f64) -> String {
        let v = if v.abs() < 1e-12 { 0.0 } else { v };
        if v.abs() >= 1e5 {
            format!("{v:.1e}")
        } else {
            format!("{v:.*}", self.decimals)
        }
    }
}

fn nice_ticks(lo: f64, hi: f64, target: usize) -> Ticks {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let raw = span / target.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * 0.9)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil();
    let values = (0..=target * 3)
        .map(|i| (first + i as f64) * step)
        .take_while(|v| *v <= hi + step * 1e-9)
        .collect();
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    Ticks { values, decimals }
}

/// The range of the finite values, widened by 5 % each side (a point when
/// all values are equal becomes a unit-wide range around it).
fn padded_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return None;
    }
    if hi - lo < 1e-12 {
        let half = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            0.5
        };
        return Some((lo - half, hi + half));
    }
    let pad = (hi - lo) * 0.05;
    Some((lo - pad, hi + pad))
}

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
        Series {
            label: label.into(),
            points,
            style,
            tips: Vec::new(),
        }
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
    pub(crate) fn new(
        name: &'static str,
        title: String,
        x_label: &str,
        y_label: &str,
    ) -> LineChart {
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
        let frame = Frame {
            left: 62.0,
            top: 30.0,
            width: width - 62.0 - 16.0,
            height: height - 30.0 - 48.0,
            x,
            y,
        };
        let mut svg = Svg::open(self.name, width, height, &self.title);
        frame.draw_axes(&mut svg, &self.x_label, &self.y_label);
        if self.diagonal {
            let (lo, hi) = (x.0.max(y.0), x.1.min(y.1));
            if hi > lo {
                let d = format!(
                    "M{} {}L{} {}",
                    c(frame.px(lo)),
                    c(frame.py(lo)),
                    c(frame.px(hi)),
                    c(frame.py(hi))
                );
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
            let dash = if s.style == Style::Dashed {
                " stroke-dasharray=\"6 4\""
            } else {
                ""
            };
            svg.path(
                &series_path(&frame, &s.points, s.style == Style::Step),
                &format!("stroke=\"{colour}\" stroke-width=\"2\" stroke-linejoin=\"round\"{dash}"),
            );
            if s.style == Style::Markers {
                for (j, &(px, py)) in s.points.iter().enumerate() {
                    if !(px.is_finite() && py.is_finite()) {
                        continue;
                    }
                    let tip = s
                        .tips
                        .get(j)
                        .map(|t| format!("<title>{}</title>", escape(t)))
                        .unwrap_or_default();
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
    let entries: Vec<(usize, &Series)> = series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.label.is_empty())
        .collect();
    if entries.is_empty() {
        return;
    }
    let labels: Vec<String> = entries
        .iter()
        .map(|(_, s)| truncate(&s.label, 42))
        .collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64;
    let (w, h) = (
        (longest * 6.2 + 36.0).min(frame.width - 8.0),
        entries.len() as f64 * 15.0 + 8.0,
    );
    let x = match corner {
        Corner::BottomLeft => frame.left + 6.0,
        Corner::TopRight | Corner::BottomRight => frame.right() - w - 6.0,
    };
    let y = match corner {
        Corner::TopRight => frame.top + 6.0,
        Corner::BottomRight | Corner::BottomLeft => frame.bottom() - h - 6.0,
    };
    svg.rect(
        x,
        y,
        w,
        h,
        "fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#cccccc\"",
    );
    for (k, ((i, s), label)) in entries.iter().zip(&labels).enumerate() {
        let row = y + 12.0 + k as f64 * 15.0;
        let dash = if s.style == Style::Dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        svg.path(
            &format!("M{} {}h20", c(x + 6.0), c(row - 4.0)),
            &format!(
                "stroke=\"{}\" stroke-width=\"2\"{dash}",
                PALETTE[i % PALETTE.len()]
            ),
        );
        svg.text(x + 30.0, row, label, "");
    }
}

/// Horizontal bars of permutation importance with ±1 SD whiskers, largest first.
fn importance_chart(rows: &[Importance], metric: &str, total: usize) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let x = padded_range(
        rows.iter()
            .flat_map(|r| [r.mean_drop - r.std_drop, r.mean_drop + r.std_drop, 0.0]),
    )?;
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
        format!(
            "Permutation importance (top {} of {total} features)",
            rows.len()
        )
    } else {
        "Permutation importance".to_string()
    };
    let mut svg = Svg::open("importance", width, height, &title);
    svg.rect(
        frame.left,
        frame.top,
        frame.width,
        frame.height,
        "fill=\"#ffffff\" stroke=\"#444444\"",
    );
    let ticks = nice_ticks(x.0, x.1, 6);
    let mut grid = String::new();
    for &t in &ticks.values {
        let px = frame.px(t);
        let _ = write!(grid, "M{} {}V{}", c(px), c(frame.top), c(frame.bottom()));
        svg.text(
            px,
            frame.bottom() + 15.0,
            &ticks.label(t),
            "text-anchor=\"middle\"",
        );
    }
    svg.path(&grid, "stroke=\"#e5e5e5\"");
    let zero = frame.px(0.0);
    let mut whiskers = String::new();
    for (i, r) in rows.iter().enumerate() {
        let top = frame.top + i as f64 * row_h;
        let mid = top + row_h / 2.0;
        let (a, b) = (
            zero.min(frame.px(r.mean_drop)),
            zero.max(frame.px(r.mean_drop)),
        );
        let tip = format!(
            "{}: mean drop {} (SD {})",
            r.feature,
            fmt_num(r.mean_drop),
            fmt_num(r.std_drop)
        );
        svg.raw(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>\n",
            c(a),
            c(top + 3.0),
            c((b - a).max(0.5)),
            c(row_h - 6.0),
            PALETTE[0],
            escape(&tip)
        ));
        let (lo, hi) = (
            frame.px(r.mean_drop - r.std_drop),
            frame.px(r.mean_drop + r.std_drop),
        );
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
        svg.text(
            frame.left - 6.0,
            mid + 4.0,
            &truncate(&r.feature, 28),
            "text-anchor=\"end\"",
        );
    }
    svg.path(&whiskers, "stroke=\"#333333\"");
    svg.path(
        &format!("M{} {}V{}", c(zero), c(frame.top), c(frame.bottom())),
        "stroke=\"#444444\"",
    );
    svg.text(
        frame.left + frame.width / 2.0,
        frame.bottom() + 33.0,
        &format!("drop in test {metric} when the feature is shuffled (mean ± SD)"),
        "text-anchor=\"middle\"",
    );
    Some(svg.finish())
}

/// Counts of (true, predicted) as a heat map, shaded by the fraction of
/// each true class (so a rare class's misses stand out as much as a common one's).
fn confusion_chart(matrix: &[Vec<u64>], names: &[String], title: &str) -> Option<String> {
    let k = matrix.len();
    if k == 0 || k > 40 || names.len() != k {
        return None;
    }
    let cell = (360.0 / k as f64).clamp(22.0, 72.0);
    let rotate = k > 4;
    let (left, top) = (120.0, 34.0);
    let bottom_room = if rotate { 90.0 } else { 46.0 };
    let width = (left + cell * k as f64 + 20.0).max(320.0);
    let height = top + cell * k as f64 + bottom_room;
    let mut svg = Svg::open("confusion", width, height, title);
    let text_size = if cell < 34.0 { 9 } else { 12 };
    for (i, row) in matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (j, &count) in row.iter().enumerate() {
            let f = if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            };
            let (x, y) = (left + j as f64 * cell, top + i as f64 * cell);
            // White to the palette's blue (0, 114, 178) as the fraction grows.
            let shade = |full: f64| (255.0 - f * (255.0 - full)).round() as u8;
            let tip = format!(
                "true {}, predicted {}: {count} ({:.1} % of true {})",
                names[i],
                names[j],
                f * 100.0,
                names[i]
            );
            svg.raw(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{cw}\" height=\"{cw}\" fill=\"rgb({},{},{})\" stroke=\"#ffffff\"><title>{}</title></rect>\n",
                c(x),
                c(y),
                shade(0.0),
                shade(114.0),
                shade(178.0),
                escape(&tip),
                cw = c(cell),
            ));
            let ink = if f > 0.55 { "#ffffff" } else { "#111111" };
            svg.text(
                x + cell / 2.0,
                y + cell / 2.0 + 4.0,
                &count.to_string(),
                &format!("text-anchor=\"middle\" font-size=\"{text_size}\" fill=\"{ink}\""),
            );
        }
        svg.text(
            left - 6.0,
            top + i as f64 * cell + cell / 2.0 + 4.0,
            &truncate(&names[i], 18),
            "text-anchor=\"end\"",
        );
    }
    let grid_bottom = top + cell * k as f64;
    for (j, name) in names.iter().enumerate() {
        let x = left + j as f64 * cell + cell / 2.0;
        if rotate {
            let y = grid_bottom + 10.0;
            svg.text(
                x,
                y,
                &truncate(name, 14),
                &format!(
                    "text-anchor=\"end\" transform=\"rotate(-45 {} {})\"",
                    c(x),
                    c(y)
                ),
            );
        } else {
            svg.text(
                x,
                grid_bottom + 15.0,
                &truncate(name, 14),
                "text-anchor=\"middle\"",
            );
        }
    }
    svg.rect(
        left,
        top,
        cell * k as f64,
        cell * k as f64,
        "fill=\"none\" stroke=\"#444444\"",
    );
    svg.text(
        left + cell * k as f64 / 2.0,
        height - 8.0,
        "predicted class",
        "text-anchor=\"middle\"",
    );
    let (x, y) = (14.0, top + cell * k as f64 / 2.0);
    svg.text(
        x,
        y,
        "true class",
        &format!(
            "text-anchor=\"middle\" transform=\"rotate(-90 {} {})\"",
            c(x),
            c(y)
        ),
    );
    Some(svg.finish())
}

/// Predicted against true values with the identity line, on shared axes.
fn scatter_chart(title: &str, truth: &[f64], predicted: &[f64]) -> Option<String> {
    let pairs: Vec<(f64, f64)> = truth
        .iter()
        .zip(predicted)
        .map(|(&t, &p)| (t, p))
        .filter(|(t, p)| t.is_finite() && p.is_finite())
        .collect();
    let range = padded_range(pairs.iter().flat_map(|&(t, p)| [t, p]))?;
    let (width, height) = (420.0, 400.0);
    let frame = Frame {
        left: 62.0,
        top: 30.0,
        width: width - 62.0 - 16.0,
        height: height - 30.0 - 48.0,
        x: range,
        y: range,
    };
    let mut svg = Svg::open("scatter", width, height, title);
    frame.draw_axes(&mut svg, "true value", "predicted value");
    let stride = pairs.len().div_ceil(MAX_SCATTER_POINTS).max(1);
    let mut dots = String::new();
    for &(t, p) in pairs.iter().step_by(stride) {
        let _ = writeln!(
            dots,
            "<circle cx=\"{}\" cy=\"{}\" r=\"2.2\"/>",
            c(frame.px(t)),
            c(frame.py(p))
        );
    }
    svg.raw(&format!(
        "<g fill=\"{}\" fill-opacity=\"0.45\">\n{dots}</g>\n",
        PALETTE[0]
    ));
    let d = format!(
        "M{} {}L{} {}",
        c(frame.px(range.0)),
        c(frame.py(range.0)),
        c(frame.px(range.1)),
        c(frame.py(range.1))
    );
    svg.path(
        &d,
        "stroke=\"#D55E00\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"",
    );
    Some(svg.finish())
}

/// `value [low, high]` of a test metric for a chart title.
fn titled_metric(run: &Run, key: &str) -> Option<String> {
    let m = run.split_metrics("test")?;
    let v = m.get(key)?;
    let mut s = format!("{} {}", metric_label(key), fmt_num(*v));
    if let (Some(lo), Some(hi)) = (
        m.get(&format!("{key}_ci_low")),
        m.get(&format!("{key}_ci_high")),
    ) {
        s.push_str(&format!(" (95% CI {}–{})", fmt_num(*lo), fmt_num(*hi)));
    }
    Some(s)
}

/// Train and validation loss per epoch, with the kept epoch marked.
pub(crate) fn loss_plot(run: &Run) -> Option<Figure> {
    let h = run.history.as_ref()?;
    let mut chart = LineChart::new("loss", "Loss per epoch".into(), "epoch", "loss");
    chart.series.push(Series::new(
        "train",
        h.epochs
            .iter()
            .copied()
            .zip(h.train_loss.iter().copied())
            .collect(),
        Style::Line,
    ));
    chart.series.push(Series::new(
        "validation",
        h.epochs
            .iter()
            .copied()
            .zip(h.val_loss.iter().copied())
            .collect(),
        Style::Dashed,
    ));
    chart.marker_x = run
        .best_epoch()
        .map(|e| (e as f64, format!("best epoch {e}")));
    Some(Figure {
        svg: chart.render()?,
        caption: "Training loss (solid) and validation loss (dashed) per epoch. The dotted line marks the epoch whose \
                  weights were kept; validation loss rising while training loss falls is overfitting."
            .into(),
    })
}

/// The monitored validation metric per epoch.
pub(crate) fn metric_plot(run: &Run) -> Option<Figure> {
    let h = run.history.as_ref()?;
    let (column, values) = h.monitor.as_ref()?;
    let key = column.strip_prefix("val_").unwrap_or(column);
    let label = metric_label(key);
    let mut chart = LineChart::new(
        "metric",
        format!("Validation {label} per epoch"),
        "epoch",
        &label,
    );
    chart.series.push(Series::new(
        "",
        h.epochs
            .iter()
            .copied()
            .zip(values.iter().copied())
            .collect(),
        Style::Markers,
    ));
    chart.marker_x = run
        .best_epoch()
        .map(|e| (e as f64, format!("best epoch {e}")));
    Some(Figure {
        svg: chart.render()?,
        caption: format!(
            "The metric that early stopping and checkpoint selection followed ({column}), on the validation split."
        ),
    })
}

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
        Task::MultiClass(k) | Task::MultiLabel(k) => k.min(p.n_scores),
        _ => return Vec::new(),
    };
    let names = run.class_names(k);
    (0..k)
        .map(|j| {
            let labels: Vec<bool> = match task {
                Task::MultiLabel(_) => s
                    .labels
                    .iter()
                    .skip(j)
                    .step_by(p.label_width)
                    .map(|&v| v != 0.0)
                    .collect(),
                _ => s.labels.iter().map(|&v| v == j as f64).collect(),
            };
            let scores: Vec<f64> = s
                .scores
                .iter()
                .skip(j)
                .step_by(p.n_scores)
                .copied()
                .collect();
            (names[j].clone(), labels, scores)
        })
        .collect()
}

/// ROC curve of the test split: one curve for a binary task, one per class
/// (one-vs-rest) for multi-class and multi-label tasks.
pub(crate) fn roc_plot(run: &Run) -> Option<Figure> {
    let title = match titled_metric(run, "auroc") {
        Some(t) => format!("ROC (test): {t}"),
        None => "ROC (test)".into(),
    };
    let mut chart = LineChart::unit_square(
        "roc",
        title,
        "false positive rate (1 − specificity)",
        "true positive rate (sensitivity)",
    );
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
                chart.series.push(Series::new(
                    format!("{name} (AUROC {})", fmt_num(a)),
                    curve,
                    Style::Line,
                ));
            }
        }
        if chart.series.is_empty() {
            return None;
        }
        let shown = if total > MAX_CURVES {
            format!(" (the first {MAX_CURVES} of {total})")
        } else {
            String::new()
        };
        caption = format!(
            "One-vs-rest ROC curve of each class{shown} on the test split; the title's AUROC is their macro average."
        );
    }
    Some(Figure {
        svg: chart.render()?,
        caption,
    })
}

/// Precision-recall curve of a binary task's test split, drawn as the step
/// function that average precision integrates.
pub(crate) fn pr_plot(run: &Run) -> Option<Figure> {
    let (labels, scores) = run.binary_scores("test")?;
    let curve = pr_curve(&labels, &scores);
    if curve.is_empty() {
        return None;
    }
    let ap = run
        .split_metrics("test")
        .and_then(|m| m.get("auprc").copied())
        .or_else(|| auprc(&labels, &scores));
    let title = match ap {
        Some(a) => format!("Precision-recall (test): AUPRC {}", fmt_num(a)),
        None => "Precision-recall (test)".into(),
    };
    let prevalence = labels.iter().filter(|&&l| l).count() as f64 / labels.len() as f64;
    let mut chart = LineChart::new(
        "pr",
        title,
        "recall (sensitivity)",
        "precision (positive predictive value)",
    );
    chart.x_range = Some((0.0, 1.0));
    chart.y_range = Some((0.0, 1.02));
    chart.legend = Corner::BottomLeft;
    chart.series.push(Series::new("model", curve, Style::Step));
    chart.series.push(Series::new(
        format!("no skill (prevalence {})", fmt_num(prevalence)),
        vec![(0.0, prevalence), (1.0, prevalence)],
        Style::Dashed,
    ));
    Some(Figure {
        svg: chart.render()?,
        caption: "Precision against recall on the test split. A model without skill sits at the prevalence; when \
                  positives are rare this curve says more than the ROC."
            .into(),
    })
}

/// Reliability diagram from `calibration.json`.
pub(crate) fn calibration_plot(run: &Run) -> Option<Figure> {
    let bins = run.calibration.as_ref()?;
    let title = match titled_metric(run, "ece") {
        Some(t) => format!("Calibration (test): {t}"),
        None => "Calibration".into(),
    };
    let mut chart = LineChart::unit_square(
        "calibration",
        title,
        "mean predicted probability",
        "observed fraction positive",
    );
    for (split, label) in [("test", "test"), ("val", "validation")] {
        let Some(b) = bins.get(split) else { continue };
        let mut s = Series::new(
            label,
            b.iter()
                .map(|b| (b.mean_score, b.fraction_positive))
                .collect(),
            Style::Markers,
        );
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

/// Confusion matrix of the test split: at the configured threshold for a
/// binary task, by the most probable class for a multi-class one.
pub(crate) fn confusion_plot(run: &Run) -> Option<Figure> {
    match run.task() {
        Task::Binary => {
            let (labels, scores) = run.binary_scores("test")?;
            let t = run.threshold();
            let n = BinaryCounts::at_threshold(&labels, &scores, t)?;
            let matrix = vec![
                vec![n.true_negative, n.false_positive],
                vec![n.false_negative, n.true_positive],
            ];
            let svg = confusion_chart(
                &matrix,
                &run.class_names(2),
                &format!("Confusion matrix (test, threshold {})", fmt_num(t)),
            )?;
            let youden = run
                .split_metrics("test")
                .and_then(|m| m.get("val_youden_threshold"))
                .map(|v| format!(" The metrics table also reports the operating point chosen on validation data (threshold {}).", fmt_num(*v)))
                .unwrap_or_default();
            Some(Figure {
                svg,
                caption: format!(
                    "Test samples by true and predicted class, calling positive every score at or above {} \
                     ([eval].threshold); shading is the fraction of each true class.{youden}",
                    fmt_num(t)
                ),
            })
        }
        Task::MultiClass(k) => {
            let p = run.predictions.as_ref()?;
            let s = p.splits.get("test")?;
            let labels: Vec<usize> = s.labels.iter().map(|&v| v as usize).collect();
            let predicted: Vec<usize> = s
                .scores
                .chunks(p.n_scores)
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .fold(0, |best, (j, v)| if *v > r[best] { j } else { best })
                })
                .collect();
            let matrix = confusion_matrix(&labels, &predicted, k);
            let svg = confusion_chart(
                &matrix,
                &run.class_names(k),
                "Confusion matrix (test, most probable class)",
            )?;
            Some(Figure {
                svg,
                caption: "Test samples by true class (rows) and most probable predicted class (columns); shading is \
                          the fraction of each true class, so the diagonal shows each class's recall."
                    .into(),
            })
        }
        _ => None,
    }
}

/// Predicted against true values for a regression task's test split.
pub(crate) fn scatter_plot(run: &Run) -> Option<Figure> {
    if run.task() != Task::Regression {
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
        format!(
            " An evenly spaced {MAX_SCATTER_POINTS}-point subset of the {} test samples is drawn.",
            s.n
        )
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

/// The top features of `feature_importance.csv`.
pub(crate) fn importance_plot(run: &Run) -> Option<Figure> {
    let rows = run.importance.as_ref()?;
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| b.mean_drop.total_cmp(&a.mean_drop));
    sorted.truncate(TOP_FEATURES);
    let metric = if run.task() == Task::Regression {
        "R²"
    } else {
        "AUROC"
    };
    let baseline = sorted
        .first()
        .map(|r| format!(" (intact: {})", fmt_num(r.baseline)))
        .unwrap_or_default();
    Some(Figure {
        svg: importance_chart(&sorted, metric, rows.len())?,
        caption: format!(
            "How much the test {metric}{baseline} falls when one source column is shuffled across patients (a one-hot \
             block counts as one column). Near zero: the model does not use it, or a correlated column stands in for it."
        ),
    })
}

/// The run's plots that apply to its task, in reading order.
pub(crate) fn figures(run: &Run) -> Vec<Figure> {
    [
        loss_plot(run),
        metric_plot(run),
        roc_plot(run),
        pr_plot(run),
        calibration_plot(run),
        confusion_plot(run),
        scatter_plot(run),
        importance_plot(run),
    ]
    .into_iter()
    .flatten()
    .collect()
}

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
    let mut chart = LineChart::unit_square(
        "roc",
        "ROC (test), runs compared".into(),
        "false positive rate (1 − specificity)",
        "true positive rate (sensitivity)",
    );
    let labels = run_labels(runs);
    for (run, label) in runs.iter().zip(labels) {
        let Some((y, s)) = run.binary_scores("test") else {
            continue;
        };
        let curve = roc_curve(&y, &s);
        if curve.is_empty() || chart.series.len() == MAX_CURVES {
            continue;
        }
        let a = run
            .split_metrics("test")
            .and_then(|m| m.get("auroc").copied())
            .or_else(|| auroc(&y, &s));
        let name = a.map_or(label.clone(), |a| format!("{label} (AUROC {})", fmt_num(a)));
        chart.series.push(Series::new(name, curve, Style::Line));
    }
    if chart.series.is_empty() {
        return None;
    }
    Some(Figure {
        svg: chart.render()?,
        caption: "Test ROC curves of the binary runs. Curves on different test sets are not directly comparable.".into(),
    })
}

/// Validation loss per epoch of every run on one chart.
pub(crate) fn loss_overlay(runs: &[Run]) -> Option<Figure> {
    let mut chart = LineChart::new(
        "loss",
        "Validation loss per epoch, runs compared".into(),
        "epoch",
        "validation loss",
    );
    for (run, label) in runs.iter().zip(run_labels(runs)) {
        let Some(h) = &run.history else { continue };
        if chart.series.len() < MAX_CURVES {
            chart.series.push(Series::new(
                label,
                h.epochs
                    .iter()
                    .copied()
                    .zip(h.val_loss.iter().copied())
                    .collect(),
                Style::Line,
            ));
        }
    }
    if chart.series.is_empty() {
        return None;
    }
    Some(Figure {
        svg: chart.render()?,
        caption: "Validation loss of each run. Losses of different tasks or loss functions are on different scales.".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside_the_range() {
        let t = nice_ticks(0.0, 1.0, 5);
        assert_eq!(t.values.len(), 6);
        assert_eq!(t.label(t.values[1]), "0.2");
        let t = nice_ticks(3.2, 47.0, 5);
        assert!(t.values.iter().all(|v| *v >= 3.2 && *v <= 47.0));
        assert_eq!(t.label(10.0), "10");
    }

    #[test]
    fn step_path_goes_up_then_across() {
        let frame = Frame {
            left: 0.0,
            top: 0.0,
            width: 100.0,
            height: 100.0,
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        };
        let d = series_path(&frame, &[(0.0, 1.0), (0.5, 0.5)], true);
        assert_eq!(d, "M0.0 0.0L0.0 50.0L50.0 50.0");
    }

    #[test]
    fn chart_text_is_escaped() {
        let mut chart = LineChart::new("loss", "<b>".into(), "x & y", "y");
        chart.series.push(Series::new(
            "<i>",
            vec![(0.0, 0.0), (1.0, 1.0)],
            Style::Line,
        ));
        let svg = chart.render().unwrap();
        assert!(
            svg.contains("&lt;b&gt;") && svg.contains("x &amp; y") && svg.contains("&lt;i&gt;")
        );
        assert!(!svg.contains("<b>") && !svg.contains("<i>"));
    }
}
