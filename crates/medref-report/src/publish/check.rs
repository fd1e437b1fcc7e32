//! `check_bundle`: a re-scan of a bundle, or of any folder, for what the
//! publishing policy forbids. It trusts nothing `publish` wrote about
//! itself except which explanation pictures were generated (and those only
//! when their SHA-256 still matches), so it also catches a bundle edited by
//! hand, or a run directory about to be uploaded as it is.
//!
//! It is a safety net for mistakes, not a proof of anonymity: it looks for
//! the forms medref's own files take (ids, small counts, pixel grids, base
//! letters, absolute paths), and findings name files and counts, never a
//! value from a record.

use super::archive;
use super::bundle::{is_explanation, list_files, SYNTHETIC_MARK};
use super::error::PublishError;
use super::paths::first_absolute_path;
use super::rows::is_salted_id;
use crate::published_bundle::{PublishReport, REPORT_FILE};
use medref_core::fsutil::sha256_bytes;
use serde_json::Value;
use std::fmt;
use std::path::Path;

/// One thing the policy forbids, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Path inside the checked folder, `/`-separated.
    pub file: String,
    pub reason: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.reason)
    }
}

/// Extensions of files that hold records themselves: images, volumes,
/// arrays, sequences, raw tables of the formats medref reads.
const DATA_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "dcm", "dicom", "nii", "gz", "npz", "npy", "fa",
    "fasta", "fna", "fai", "fastq", "fq", "vcf", "bed", "bam", "sam", "cram", "ts", "parquet", "arff", "sdf", "smi",
    "edf", "wav",
];

/// Grey rectangles in one picture beyond which it is an image redrawn pixel by pixel.
const PIXEL_RECTS: usize = 64;

/// Base letters in one picture or line beyond which it spells out a sequence.
const SEQUENCE_BASES: usize = 20;

/// Scans `dir` (a folder, or a `.zip` bundle) and returns every finding,
/// in file order; empty when the policy is met for groups of `k`.
pub fn check_bundle(dir: &Path, k: usize) -> Result<Vec<Finding>, PublishError> {
    if dir.is_file() && archive::is_zip(dir) {
        let staging = std::env::temp_dir().join(format!(".medref-check-{}-{}", std::process::id(), unique()));
        let _ = std::fs::remove_dir_all(&staging);
        let result = archive::extract(dir, &staging).and_then(|_| check_folder(&staging, k));
        let _ = std::fs::remove_dir_all(&staging);
        return result;
    }
    if !dir.is_dir() {
        return Err(PublishError::Read {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "expected a bundle folder or a .zip bundle"),
        });
    }
    check_folder(dir, k)
}

/// A number distinct between calls of one process, for scratch folders.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn check_folder(dir: &Path, k: usize) -> Result<Vec<Finding>, PublishError> {
    let record: Option<PublishReport> =
        std::fs::read_to_string(dir.join(REPORT_FILE)).ok().and_then(|t| serde_json::from_str(&t).ok());
    let synthetic = record.as_ref().map(|r| r.synthetic_explanations.clone()).unwrap_or_default();
    let mut findings = Vec::new();
    let mut add = |file: &str, reason: String| findings.push(Finding { file: file.to_string(), reason });
    for (rel, path, is_link) in list_files(dir)? {
        if is_link {
            add(&rel, "a link: it may point at data outside the bundle".into());
            continue;
        }
        let lower = rel.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if DATA_EXTENSIONS.contains(&ext) && !lower.ends_with(".tar.gz") {
            add(&rel, format!("a .{ext} data file: images, arrays, sequences and raw tables hold records"));
            continue;
        }
        let bytes = std::fs::read(&path).map_err(PublishError::read(&path))?;
        let generated = synthetic.iter().any(|s| s.file == rel && s.sha256 == sha256_bytes(&bytes));
        if is_explanation(&rel) && !generated {
            add(&rel, "an explanation drawn on a real record (saliency over its image, or its bases); publish removes it or redraws it on a generated example".into());
        }
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if text.contains('\0') {
            continue;
        }
        match ext {
            "csv" | "tsv" => {
                if let Some(reason) = row_level(text, if ext == "tsv" { b'\t' } else { b',' }) {
                    add(&rel, reason);
                }
            }
            "json" => {
                if let Ok(doc) = serde_json::from_str::<Value>(text) {
                    for reason in small_cells(&lower, &doc, k) {
                        add(&rel, reason);
                    }
                }
            }
            _ => {}
        }
        if ext == "svg" || ext == "html" || ext == "htm" {
            let allow_marked = !synthetic.is_empty();
            for reason in pictures_of_records(text, allow_marked) {
                add(&rel, reason);
            }
        } else if let Some(n) = longest_base_run(text).filter(|&n| n >= SEQUENCE_BASES) {
            add(&rel, format!("spells out a DNA sequence ({n} bases in a row)"));
        }
        if let Some(shown) = first_absolute_path(text) {
            add(&rel, format!("holds an absolute local path ({shown}); folder names may name a patient or study"));
        }
    }
    findings.extend(changed_weights(dir));
    Ok(findings)
}

/// Weight files that differ from the digests the bundle's manifest.json
/// records: a bundle is a citable result, so its model must be the one its
/// metrics came from.
fn changed_weights(dir: &Path) -> Vec<Finding> {
    let Some(manifest) = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<medref_core::manifest::RunManifest>(&t).ok())
    else {
        return Vec::new();
    };
    manifest
        .weights_sha256
        .iter()
        .filter(|(name, expected)| {
            let path = dir.join(name);
            path.is_file() && medref_core::fsutil::sha256_path(&path).is_ok_and(|d| &&d != expected)
        })
        .map(|(name, _)| Finding { file: name.clone(), reason: super::bundle::WEIGHTS_CHANGED.into() })
        .collect()
}

/// Whether a CSV has one row per record: a column naming records (`id`,
/// `*_id`, `patient`, `subject`, `record`, `mrn`) and at least one row
/// whose value there is not a salted hash. The OMOP vocabulary's ids
/// (`concept_id`, `covariate_id`, `analysis_id`) name codes, not people:
/// a study's covariate tables have one row per code.
fn row_level(text: &str, delimiter: u8) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().ok()?.clone();
    let id_cols: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            let h = h.trim().to_ascii_lowercase();
            let vocabulary = matches!(h.as_str(), "concept_id" | "covariate_id" | "analysis_id");
            matches!(h.as_str(), "id" | "patient" | "subject" | "record" | "mrn" | "sample" | "name")
                || (h.ends_with("_id") && !vocabulary)
                || h.ends_with(" id")
        })
        .map(|(i, _)| i)
        .collect();
    if id_cols.is_empty() {
        return None;
    }
    let mut rows = 0usize;
    let mut plain = 0usize;
    for record in reader.records().flatten() {
        rows += 1;
        if id_cols.iter().any(|&i| record.get(i).is_some_and(|c| !c.is_empty() && !is_salted_id(c))) {
            plain += 1;
        }
    }
    (plain > 0).then(|| {
        format!("row-level: {rows} rows, {plain} with a record id in the clear (one row per patient or sample)")
    })
}

/// Counts below k in medref's group tables, and lists of ids.
fn small_cells(lower_name: &str, doc: &Value, k: usize) -> Vec<String> {
    let name = lower_name.rsplit('/').next().unwrap_or(lower_name);
    let mut out = Vec::new();
    let small = |v: f64| v > 0.0 && v < k as f64;
    match name {
        "subgroups.json" => {
            if let Some(groups) = doc.get("test").and_then(Value::as_object) {
                let n = groups
                    .values()
                    .filter(|m| !m.get("n").and_then(Value::as_f64).is_some_and(|n| n >= k as f64))
                    .count();
                if n > 0 {
                    out.push(format!("{n} subgroup(s) with fewer than k = {k} test patients (or no size given)"));
                }
            }
            if doc.get("missing").and_then(Value::as_f64).is_some_and(small) {
                out.push(format!("the count of test rows without a subgroup is below k = {k}"));
            }
        }
        "calibration.json" => {
            let n = doc
                .as_object()
                .into_iter()
                .flat_map(|o| o.values())
                .filter_map(Value::as_array)
                .flatten()
                .filter(|b| b.get("count").and_then(Value::as_f64).is_some_and(small))
                .count();
            if n > 0 {
                out.push(format!("{n} calibration bin(s) with fewer than k = {k} samples"));
            }
        }
        "curves.json" => {
            let n = doc
                .pointer("/confusion/cells")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_array)
                .flatten()
                .filter(|c| c.as_f64().is_some_and(small))
                .count();
            if n > 0 {
                out.push(format!("{n} confusion-matrix cell(s) below k = {k}"));
            }
            if doc.get("k").and_then(Value::as_u64).is_some_and(|made| (made as usize) < k) {
                out.push(format!("its curves were coarsened for a k below {k}"));
            }
        }
        "splits.json" => {
            let lists = doc
                .as_object()
                .into_iter()
                .flat_map(|o| o.values())
                .filter(|v| v.as_array().is_some_and(|a| a.iter().any(Value::is_string)))
                .count();
            if lists > 0 {
                out.push(format!("lists the subject ids of {lists} split(s)"));
            }
        }
        _ => {}
    }
    out
}

/// The longest run of upper-case base letters (A, C, G, T, N) in text, or
/// in consecutive one-letter `<text>` elements as a mutagenesis picture
/// writes its sequence.
fn longest_base_run(text: &str) -> Option<usize> {
    let is_base = |c: u8| matches!(c, b'A' | b'C' | b'G' | b'T' | b'N');
    let (mut best, mut run) = (0, 0);
    for &c in text.as_bytes() {
        run = if is_base(c) { run + 1 } else { 0 };
        best = best.max(run);
    }
    let letters = text
        .split("<text")
        .skip(1)
        .filter(|t| {
            t.split_once('>')
                .and_then(|(_, rest)| rest.split_once("</text>"))
                .is_some_and(|(inner, _)| inner.len() == 1 && is_base(inner.as_bytes()[0]))
        })
        .count();
    Some(best.max(letters)).filter(|&n| n > 0)
}

/// Pictures of records among the `<svg>` elements of a page or file: an
/// image redrawn as a grid of grey rectangles, an embedded raster, or a
/// sequence written out base by base.
fn pictures_of_records(text: &str, allow_marked: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").map_or(rest.len(), |e| start + e + "</svg>".len());
        let svg = &rest[start..end];
        rest = &rest[end..];
        let open_tag = &svg[..svg.find('>').unwrap_or(svg.len())];
        if allow_marked && open_tag.contains(SYNTHETIC_MARK) {
            continue;
        }
        let grey = grey_rects(svg);
        if grey >= PIXEL_RECTS {
            out.push(format!("draws an image pixel by pixel ({grey} grey cells in one picture)"));
        }
        if svg.to_ascii_lowercase().contains("data:image/") {
            out.push("embeds a raster image".into());
        }
        if let Some(n) = longest_base_run(svg).filter(|&n| n >= SEQUENCE_BASES) {
            out.push(format!("spells out a DNA sequence ({n} bases)"));
        }
    }
    out
}

/// `<rect>` elements filled `rgb(v,v,v)` with v below 255 (white cells are
/// the empty cells of a chart).
fn grey_rects(svg: &str) -> usize {
    svg.split("<rect")
        .skip(1)
        .filter(|r| {
            let tag = &r[..r.find('>').unwrap_or(r.len())];
            let Some(at) = tag.find("rgb(") else {
                return false;
            };
            let inner = &tag[at + 4..];
            let Some(close) = inner.find(')') else {
                return false;
            };
            let parts: Vec<&str> = inner[..close].split(',').map(str::trim).collect();
            parts.len() == 3 && parts[0] == parts[1] && parts[1] == parts[2] && parts[0] != "255"
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_grids_and_sequences_are_found_but_charts_are_not() {
        let mut pixels = String::from("<svg>");
        for i in 0..100 {
            pixels.push_str(&format!("<rect x=\"{i}\" fill=\"rgb({0},{0},{0})\"/>", i % 200));
        }
        pixels.push_str("</svg>");
        assert_eq!(pictures_of_records(&pixels, false).len(), 1);
        let mut bases = String::from("<svg>");
        for c in "ACGTACGTACGTACGTACGTACGT".chars() {
            bases.push_str(&format!("<text x=\"1\">{c}</text>"));
        }
        bases.push_str("</svg>");
        assert!(pictures_of_records(&bases, false)[0].contains("DNA"));
        let chart = "<svg data-plot=\"confusion\"><rect fill=\"rgb(255,255,255)\"/><text>TN</text></svg>";
        assert!(pictures_of_records(chart, false).is_empty());
        let marked = pixels.replacen("<svg", &format!("<svg {SYNTHETIC_MARK}"), 1);
        assert!(pictures_of_records(&marked, true).is_empty());
    }

    #[test]
    fn ids_in_the_clear_make_a_table_row_level() {
        assert!(row_level("id,split,label\nMRN7,test,1\n", b',').is_some());
        let hashed = format!("id,split,label\n{},test,1\n", "ab".repeat(32));
        assert!(row_level(&hashed, b',').is_none());
        assert!(row_level("epoch,train_loss\n1,0.5\n", b',').is_none());
    }
}
