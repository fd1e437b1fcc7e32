//! The SVG writer every chart draws with: one place that escapes text and
//! formats coordinates, so no chart can emit unescaped markup.

use crate::text::escape;
use std::fmt::Write as _;

/// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
pub(super) const PALETTE: [&str; 8] =
    ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

/// A number as an SVG coordinate.
pub(super) fn c(v: f64) -> String {
    format!("{v:.1}")
}

/// At most `max` characters of `s`, with an ellipsis when cut.
pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Minimal SVG writer: an `<svg>` element with a title, and escaped text.
pub(super) struct Svg {
    out: String,
}

impl Svg {
    pub(super) fn open(name: &str, width: f64, height: f64, title: &str) -> Svg {
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

    pub(super) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {attrs}/>",
            c(x),
            c(y),
            c(w.max(0.0)),
            c(h.max(0.0))
        );
    }

    pub(super) fn path(&mut self, d: &str, attrs: &str) {
        if !d.is_empty() {
            let _ = writeln!(self.out, "<path d=\"{d}\" fill=\"none\" {attrs}/>");
        }
    }

    pub(super) fn text(&mut self, x: f64, y: f64, text: &str, attrs: &str) {
        let _ = writeln!(self.out, "<text x=\"{}\" y=\"{}\" {attrs}>{}</text>", c(x), c(y), escape(text));
    }

    /// Raw markup the caller has built from escaped parts.
    pub(super) fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    pub(super) fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}
