//! The contour overlay of a test image: the image with the true outline
//! and the predicted one drawn over it, the picture a radiologist checks a
//! segmentation by. Metrics say how much two masks overlap; the overlay
//! shows where they part (a missed thin vessel, a polyp's edge cut short).
//! It is the run's explanation picture (`plots/explain.svg`), so `publish`
//! leaves it out of a bundle as it does saliency over a real image.

use std::fmt::Write as _;

/// Base64 (RFC 4648, with padding) for the embedded PNG.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The outline of `mask` (row-major `[h, w]`) as SVG path data in pixel
/// units: every edge between a pixel inside and one outside (or the
/// border), runs along a row or a column joined into one segment.
pub(crate) fn outline(mask: &[bool], h: usize, w: usize) -> String {
    let inside = |r: isize, c: isize| {
        r >= 0 && c >= 0 && (r as usize) < h && (c as usize) < w && mask[r as usize * w + c as usize]
    };
    let mut d = String::new();
    // Horizontal edges: above row r (r = 0..=h), between rows r - 1 and r.
    for r in 0..=h as isize {
        let mut start: Option<isize> = None;
        for c in 0..=w as isize {
            let edge = c < w as isize && inside(r - 1, c) != inside(r, c);
            match (edge, start) {
                (true, None) => start = Some(c),
                (false, Some(s)) => {
                    let _ = write!(d, "M{s} {r}H{c}");
                    start = None;
                }
                _ => {}
            }
        }
    }
    // Vertical edges: left of column c, between columns c - 1 and c.
    for c in 0..=w as isize {
        let mut start: Option<isize> = None;
        for r in 0..=h as isize {
            let edge = r < h as isize && inside(r, c - 1) != inside(r, c);
            match (edge, start) {
                (true, None) => start = Some(r),
                (false, Some(s)) => {
                    let _ = write!(d, "M{c} {s}V{r}");
                    start = None;
                }
                _ => {}
            }
        }
    }
    d
}

/// The SVG: `png` drawn at its pixel size (scaled to at most 560 wide),
/// the true outline in green, the predicted one in magenta.
pub(crate) fn contour_svg(png: &[u8], h: usize, w: usize, truth: &[bool], predicted: &[bool], title: &str) -> String {
    let scale = (560.0 / w as f64).min(4.0);
    // At least wide enough for the title and the legend.
    let (width, height) = ((w as f64 * scale).max(460.0), h as f64 * scale);
    let stroke = (1.5 / scale).max(0.15);
    let top = 26.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" viewBox=\"0 0 {:.0} {:.0}\">\n\
         <text x=\"4\" y=\"17\" font-family=\"sans-serif\" font-size=\"13\">{}</text>\n\
         <g transform=\"translate(0 {top}) scale({scale:.4})\">\n\
         <image width=\"{w}\" height=\"{h}\" image-rendering=\"pixelated\" href=\"data:image/png;base64,{}\"/>\n",
        width,
        height + top + 22.0,
        width,
        height + top + 22.0,
        title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"),
        base64(png)
    );
    for (mask, colour) in [(truth, "rgb(0,200,80)"), (predicted, "rgb(230,0,200)")] {
        let _ = writeln!(
            s,
            "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{stroke:.3}\" stroke-linecap=\"square\"/>",
            outline(mask, h, w)
        );
    }
    let _ = write!(
        s,
        "</g>\n<text x=\"4\" y=\"{:.0}\" font-family=\"sans-serif\" font-size=\"11\">green: the true outline; magenta: the predicted one</text>\n</svg>\n",
        height + top + 16.0
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_by_the_rfc_examples() {
        let cases = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")];
        for (plain, coded) in cases {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    /// A 2x2 square in a 3x4 image: four edges of length 2, each one segment.
    #[test]
    fn the_outline_of_a_square_is_its_four_sides() {
        let mut mask = vec![false; 12];
        for (r, c) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
            mask[r * 4 + c] = true;
        }
        assert_eq!(outline(&mask, 3, 4), "M1 1H3M1 3H3M1 1V3M3 1V3");
        // A pixel at the border is closed by the border.
        assert_eq!(outline(&[true], 1, 1), "M0 0H1M0 1H1M0 0V1M1 0V1");
        assert_eq!(outline(&[false; 4], 2, 2), "");
    }
}
