//! Mapping data to the canvas: the plot area, its ranges and round ticks,
//! shared by every chart with axes.

use super::svg::{c, Svg};
use std::fmt::Write as _;

/// A plot area on the canvas and the data ranges it shows.
pub(super) struct Frame {
    pub(super) left: f64,
    pub(super) top: f64,
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) x: (f64, f64),
    pub(super) y: (f64, f64),
}

impl Frame {
    pub(super) fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x.0) / (self.x.1 - self.x.0) * self.width
    }

    pub(super) fn py(&self, y: f64) -> f64 {
        self.top + self.height - (y - self.y.0) / (self.y.1 - self.y.0) * self.height
    }

    pub(super) fn bottom(&self) -> f64 {
        self.top + self.height
    }

    pub(super) fn right(&self) -> f64 {
        self.left + self.width
    }

    /// The frame, grid, ticks with labels and axis titles.
    pub(super) fn draw_axes(&self, svg: &mut Svg, x_label: &str, y_label: &str) {
        svg.rect(self.left, self.top, self.width, self.height, "fill=\"#ffffff\" stroke=\"#444444\"");
        let mut grid = String::new();
        let mut ticks = String::new();
        let xs = nice_ticks(self.x.0, self.x.1, 6);
        for &t in &xs.values {
            let x = self.px(t);
            let _ = write!(grid, "M{} {}V{}", c(x), c(self.top), c(self.bottom()));
            let _ = write!(ticks, "M{} {}v4", c(x), c(self.bottom()));
            svg.text(x, self.bottom() + 15.0, &xs.label(t), "text-anchor=\"middle\"");
        }
        let ys = nice_ticks(self.y.0, self.y.1, 5);
        for &t in &ys.values {
            let y = self.py(t);
            let _ = write!(grid, "M{} {}H{}", c(self.left), c(y), c(self.right()));
            let _ = write!(ticks, "M{} {}h-4", c(self.left), c(y));
            svg.text(self.left - 6.0, y + 4.0, &ys.label(t), "text-anchor=\"end\"");
        }
        svg.path(&grid, "stroke=\"#e5e5e5\"");
        svg.path(&ticks, "stroke=\"#444444\"");
        svg.text(self.left + self.width / 2.0, self.bottom() + 33.0, x_label, "text-anchor=\"middle\"");
        let (x, y) = (14.0, self.top + self.height / 2.0);
        svg.text(x, y, y_label, &format!("text-anchor=\"middle\" transform=\"rotate(-90 {} {})\"", c(x), c(y)));
    }
}

/// Tick positions at 1, 2 or 5 times a power of ten.
pub(super) struct Ticks {
    pub(super) values: Vec<f64>,
    decimals: usize,
}

impl Ticks {
    pub(super) fn label(&self, v: f64) -> String {
        let v = if v.abs() < 1e-12 { 0.0 } else { v };
        if v.abs() >= 1e5 {
            format!("{v:.1e}")
        } else {
            format!("{v:.*}", self.decimals)
        }
    }
}

pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize) -> Ticks {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let raw = span / target.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|s| *s >= raw * 0.9).unwrap_or(10.0 * power);
    let first = (lo / step).ceil();
    let values = (0..=target * 3).map(|i| (first + i as f64) * step).take_while(|v| *v <= hi + step * 1e-9).collect();
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    Ticks { values, decimals }
}

/// The range of the finite values, widened by 5 % each side (a point when
/// all values are equal becomes a unit-wide range around it).
pub(super) fn padded_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return None;
    }
    if hi - lo < 1e-12 {
        let half = if lo.abs() > 1e-12 { lo.abs() * 0.1 } else { 0.5 };
        return Some((lo - half, hi + half));
    }
    let pad = (hi - lo) * 0.05;
    Some((lo - pad, hi + pad))
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
}
