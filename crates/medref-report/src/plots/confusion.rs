//! The confusion matrix as a heat map.

use super::svg::{c, truncate, Svg};
use super::Figure;
use crate::run::Run;
use crate::text::{escape, fmt_num};
use medref_core::metrics::{confusion_matrix, BinaryCounts};
use medref_core::task::TaskKind;

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
            let f = if total > 0 { count as f64 / total as f64 } else { 0.0 };
            let (x, y) = (left + j as f64 * cell, top + i as f64 * cell);
            // White to the palette's blue (0, 114, 178) as the fraction grows.
            let shade = |full: f64| (255.0 - f * (255.0 - full)).round() as u8;
            let tip =
                format!("true {}, predicted {}: {count} ({:.1} % of true {})", names[i], names[j], f * 100.0, names[i]);
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
        svg.text(left - 6.0, top + i as f64 * cell + cell / 2.0 + 4.0, &truncate(&names[i], 18), "text-anchor=\"end\"");
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
                &format!("text-anchor=\"end\" transform=\"rotate(-45 {} {})\"", c(x), c(y)),
            );
        } else {
            svg.text(x, grid_bottom + 15.0, &truncate(name, 14), "text-anchor=\"middle\"");
        }
    }
    svg.rect(left, top, cell * k as f64, cell * k as f64, "fill=\"none\" stroke=\"#444444\"");
    svg.text(left + cell * k as f64 / 2.0, height - 8.0, "predicted class", "text-anchor=\"middle\"");
    let (x, y) = (14.0, top + cell * k as f64 / 2.0);
    svg.text(x, y, "true class", &format!("text-anchor=\"middle\" transform=\"rotate(-90 {} {})\"", c(x), c(y)));
    Some(svg.finish())
}

/// Confusion matrix of the test split: at the configured threshold for a
/// binary task, by the most probable class for a multi-class one and for
/// every frame of a sequence-labelling one.
pub(crate) fn confusion_plot(run: &Run) -> Option<Figure> {
    match run.task() {
        TaskKind::Binary => {
            let (labels, scores) = run.binary_scores("test")?;
            let t = run.threshold();
            let n = BinaryCounts::at_threshold(&labels, &scores, t)?;
            let matrix = vec![vec![n.true_negative, n.false_positive], vec![n.false_negative, n.true_positive]];
            let svg = confusion_chart(
                &matrix,
                &run.class_names(2),
                &format!("Confusion matrix (test, threshold {})", fmt_num(t)),
            )?;
            let youden = run
                .split_metrics("test")
                .and_then(|m| m.get("val_youden_threshold"))
                .map(|v| {
                    format!(
                        " The metrics table also reports the operating point chosen on validation data (threshold {}).",
                        fmt_num(*v)
                    )
                })
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
        task @ (TaskKind::Multiclass | TaskKind::SequenceLabelling) => {
            let k = run.n_classes();
            let p = run.predictions.as_ref().filter(|p| p.label_width == 1)?;
            let s = p.splits.get("test")?;
            let labels: Vec<usize> = s.labels.iter().map(|&v| v as usize).collect();
            let predicted: Vec<usize> = s
                .scores
                .chunks(p.n_scores)
                .map(|r| r.iter().enumerate().fold(0, |best, (j, v)| if *v > r[best] { j } else { best }))
                .collect();
            let matrix = confusion_matrix(&labels, &predicted, k);
            let svg = confusion_chart(&matrix, &run.class_names(k), "Confusion matrix (test, most probable class)")?;
            let caption = if task == TaskKind::SequenceLabelling {
                "Test frames by true class (rows) and most probable predicted class (columns), every frame of every \
                 test sequence counted once; shading is the fraction of each true class, so the diagonal shows each \
                 class's frame-wise recall."
            } else {
                "Test samples by true class (rows) and most probable predicted class (columns); shading is \
                 the fraction of each true class, so the diagonal shows each class's recall."
            };
            Some(Figure { svg, caption: caption.into() })
        }
        _ => None,
    }
}
