//! The picture a radiologist looks at first: each example volume's three
//! orthogonal mid-slices (axial, coronal, sagittal) with its label and the
//! model's score, so a trainee sees what the 3D network was given.
//!
//! Written as `plots/explain.svg`, like the 2D saliency picture, so it
//! follows that picture's rule: drawn on real records, it stays in the run
//! directory, and `medref publish` leaves it out of a bundle.

/// One volume to draw: `[d, h, w]` voxels and the line written above it.
pub struct SliceRow<'a> {
    pub voxels: &'a [u8],
    pub caption: String,
}

/// Panels are drawn with at most this many cells a side (larger volumes
/// are averaged in blocks), keeping the SVG small enough to inline.
const MAX_CELLS: usize = 32;

/// The three mid-planes of a `[d, h, w]` volume as `(name, rows, cols, grey)`.
fn mid_planes(v: &[u8], [d, h, w]: [usize; 3]) -> [(&'static str, usize, usize, Vec<u8>); 3] {
    let at = |z: usize, y: usize, x: usize| v[(z * h + y) * w + x];
    let axial = (0..h * w).map(|i| at(d / 2, i / w, i % w)).collect();
    let coronal = (0..d * w).map(|i| at(i / w, h / 2, i % w)).collect();
    let sagittal = (0..d * h).map(|i| at(i / h, i % h, w / 2)).collect();
    [("axial", h, w, axial), ("coronal", d, w, coronal), ("sagittal", d, h, sagittal)]
}

/// A plane averaged in `step x step` blocks.
fn downsample(plane: &[u8], rows: usize, cols: usize, step: usize) -> (usize, usize, Vec<u8>) {
    let (r, c) = (rows.div_ceil(step), cols.div_ceil(step));
    let mut out = Vec::with_capacity(r * c);
    for by in 0..r {
        for bx in 0..c {
            let (mut sum, mut n) = (0u32, 0u32);
            for y in by * step..((by + 1) * step).min(rows) {
                for x in bx * step..((bx + 1) * step).min(cols) {
                    sum += u32::from(plane[y * cols + x]);
                    n += 1;
                }
            }
            out.push((sum / n.max(1)) as u8);
        }
    }
    (r, c, out)
}

/// The figure: one row per volume, three panels each.
pub fn mid_slice_svg(title: &str, rows: &[SliceRow<'_>], shape: [usize; 3]) -> String {
    let step = shape.iter().max().copied().unwrap_or(1).div_ceil(MAX_CELLS).max(1);
    let cells = shape.map(|n| n.div_ceil(step));
    let cell = 96.0 / cells.iter().max().copied().unwrap_or(1) as f64;
    let panel = cell * cells.iter().max().copied().unwrap_or(1) as f64;
    let (top, row_height) = (28.0, panel + 34.0);
    let width = 10.0 + 3.0 * (panel + 12.0);
    let height = top + row_height * rows.len() as f64 + 20.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\n\
         <text x=\"4\" y=\"18\" font-family=\"sans-serif\" font-size=\"13\">{}</text>\n",
        escape(title)
    );
    for (r, row) in rows.iter().enumerate() {
        let y0 = top + r as f64 * row_height;
        s.push_str(&format!(
            "<text x=\"10\" y=\"{:.0}\" font-family=\"sans-serif\" font-size=\"11\">{}</text>\n",
            y0 + 12.0,
            escape(&row.caption)
        ));
        for (p, (name, h, w, plane)) in mid_planes(row.voxels, shape).into_iter().enumerate() {
            let (h, w, grey) = downsample(&plane, h, w, step);
            let (left, top) = (10.0 + p as f64 * (panel + 12.0), y0 + 18.0);
            // Runs of one grey level along a row are one rectangle.
            for y in 0..h {
                let mut x = 0;
                while x < w {
                    let g = grey[y * w + x];
                    let run = grey[y * w + x..(y + 1) * w].iter().take_while(|&&v| v == g).count();
                    s.push_str(&format!(
                        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{cell:.1}\" fill=\"rgb({g},{g},{g})\"/>",
                        left + x as f64 * cell,
                        top + y as f64 * cell,
                        cell * run as f64
                    ));
                    x += run;
                }
            }
            s.push_str(&format!(
                "\n<text x=\"{left:.0}\" y=\"{:.0}\" font-family=\"sans-serif\" font-size=\"10\">{name}</text>\n",
                top + h as f64 * cell + 11.0
            ));
        }
    }
    s.push_str(&format!(
        "<text x=\"10\" y=\"{:.0}\" font-family=\"sans-serif\" font-size=\"11\">middle slice of each axis ({} voxels{})</text>\n</svg>\n",
        height - 6.0,
        shape.map(|n| n.to_string()).join("x"),
        if step > 1 { format!(", drawn in {step}x{step} blocks") } else { String::new() }
    ));
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_planes_cross_the_centre_along_each_axis() {
        // Voxel value = 100 z + 10 y + x in a 3x4x5 volume.
        let v: Vec<u8> = (0..60).map(|i| (100 * (i / 20) + 10 * ((i / 5) % 4) + i % 5) as u8).collect();
        let [axial, coronal, sagittal] = mid_planes(&v, [3, 4, 5]);
        assert_eq!((axial.1, axial.2, axial.3[0], axial.3[19]), (4, 5, 100, 134));
        assert_eq!((coronal.1, coronal.2, coronal.3[0], coronal.3[14]), (3, 5, 20, 224));
        assert_eq!((sagittal.1, sagittal.2, sagittal.3[0], sagittal.3[11]), (3, 4, 2, 232));
    }

    #[test]
    fn large_volumes_are_drawn_in_blocks_and_runs_merge() {
        let v = vec![0u8; 64 * 64 * 64];
        let svg = mid_slice_svg("t", &[SliceRow { voxels: &v, caption: "a <b>".into() }], [64; 3]);
        assert!(svg.contains("in 2x2 blocks") && svg.contains("a &lt;b&gt;"));
        // One black run per drawn row: 32 rows x 3 panels.
        assert_eq!(svg.matches("<rect").count(), 96);
        assert_eq!(downsample(&[0, 10, 20, 30], 2, 2, 2), (1, 1, vec![15]));
    }
}
