//! The per-image table of a segmentation run (`per_image_metrics.csv`).
//!
//! Segmentation is judged image by image: a mean Dice of 0.8 may be twenty
//! good images or eighteen excellent ones and two failures, and a trainee
//! learns most from the failures. The run's own report lists the test
//! images worst first. A published bundle never carries the file (it names
//! images), so its report has no such table.

use crate::error::ReportError;
use crate::text::{escape, fmt_num};
use std::fmt::Write as _;
use std::path::Path;

/// One row of `per_image_metrics.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ImageRow {
    pub id: String,
    pub split: String,
    pub dice: Option<f64>,
    pub iou: Option<f64>,
    pub hd95: Option<f64>,
}

/// Reads the table; empty cells (a metric undefined for that image) are `None`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<ImageRow>, ReportError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| ReportError::parse(path, e.to_string()))?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| ReportError::parse(path, format!("no `{name}` column")))
    };
    let (id, split, dice, iou, hd95) = (col("id")?, col("split")?, col("dice")?, col("iou")?, col("hd95")?);
    let number = |cell: &str| cell.trim().parse::<f64>().ok();
    reader
        .records()
        .map(|r| {
            let r = r.map_err(|e| ReportError::parse(path, e.to_string()))?;
            Ok(ImageRow {
                id: r[id].to_string(),
                split: r[split].to_string(),
                dice: number(&r[dice]),
                iou: number(&r[iou]),
                hd95: number(&r[hd95]),
            })
        })
        .collect()
}

/// The test images, lowest Dice first, as an HTML section.
pub(crate) fn section(rows: &[ImageRow]) -> String {
    let mut test: Vec<&ImageRow> = rows.iter().filter(|r| r.split == "test").collect();
    if test.is_empty() {
        return String::new();
    }
    test.sort_by(|a, b| a.dice.unwrap_or(f64::INFINITY).total_cmp(&b.dice.unwrap_or(f64::INFINITY)));
    let cell = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), fmt_num);
    let mut s = String::from("<section id=\"per-image\">\n<h2>Test images, worst Dice first</h2>\n");
    s.push_str(
        "<p class=\"note\">From per_image_metrics.csv, inside the region of interest; HD95 in pixels. n/a: the \
         truth (or the prediction, for HD95) is empty. This table names images: it stays in the run directory and \
         is left out of published bundles.</p>\n",
    );
    s.push_str("<table>\n<tr><th>image</th><th>Dice</th><th>IoU</th><th>HD95</th></tr>\n");
    for r in test {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.id),
            cell(r.dice),
            cell(r.iou),
            cell(r.hd95)
        );
    }
    s.push_str("</table>\n</section>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_images_are_listed_worst_first_and_undefined_cells_say_so() {
        let text = "id,split,dice,iou,sensitivity,specificity,hd95,mean_surface_distance\n\
                    a,val,0.1,0.05,,,,\nb,test,0.9,0.8,,,1.5,\nc,test,0.4,0.25,,,7,\nd,test,,,,,,\n";
        let rows = parse(Path::new("p.csv"), text).unwrap();
        let html = section(&rows);
        let (b, c) = (html.find("<td>b</td>").unwrap(), html.find("<td>c</td>").unwrap());
        assert!(c < b, "lowest Dice first");
        assert!(!html.contains("<td>a</td>"), "validation rows are not test images");
        assert!(html.contains("<td>d</td><td>n/a</td>"));
        assert!(parse(Path::new("p.csv"), "id,split\nx,test\n").unwrap_err().to_string().contains("dice"));
    }
}
