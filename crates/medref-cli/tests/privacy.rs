//! Medical records never reach logs: a run on data carrying a known marker
//! value in identifiers, categories and a broken cell prints neither on
//! its progress output nor in its errors, which name only the file, line
//! and column.

mod common;

use common::{medref, repo};
use std::path::{Path, PathBuf};
use std::process::Output;

const MARKER: &str = "ZQXMARK";

fn logs(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The tiny visits with the marker in every patient id and site name; with
/// `broken_line`, that data line's lactate becomes the marker itself.
fn marked_visits(dir: &Path, broken_line: Option<usize>) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("datasets/clinical/tiny/visits.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let cols: Vec<&str> = header.split(',').collect();
    let (id, site, lactate) =
        ["patient_id", "site", "lactate"].map(|c| cols.iter().position(|h| *h == c).unwrap()).into();
    let mut out = format!("{header}\n");
    for (i, line) in lines.enumerate() {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        cells[id] = format!("{MARKER}-{}", cells[id]);
        cells[site] = format!("{MARKER}{}", cells[site]);
        if broken_line == Some(i + 2) {
            cells[lactate] = MARKER.to_string();
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    let path = dir.join(if broken_line.is_some() { "broken.csv" } else { "marked.csv" });
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn training_and_its_errors_never_print_record_values() {
    let tmp = tempfile::tempdir().unwrap();
    let data = marked_visits(tmp.path(), None);
    let set = format!("data.path={}", data.display());
    let run = tmp.path().join("run");
    // Not quiet: per-epoch lines and the final summary are checked too.
    let o = medref(&["train", "configs/clinical/tiny.toml", "--set", &set, "--out", run.to_str().unwrap()]);
    let text = logs(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("test AUROC"), "the run printed no summary: {text}");
    assert!(!text.contains(MARKER), "a record value reached the log:\n{text}");
    // The marked sites are features of the model, so the run did read them.
    assert!(std::fs::read_to_string(run.join("preprocess.json")).unwrap().contains(MARKER));

    let eval = medref(&["eval", run.to_str().unwrap()]);
    assert!(eval.status.success() && !logs(&eval).contains(MARKER), "{}", logs(&eval));

    let broken = marked_visits(tmp.path(), Some(23));
    let set = format!("data.path={}", broken.display());
    let o = medref(&[
        "train",
        "configs/clinical/tiny.toml",
        "--set",
        &set,
        "--out",
        tmp.path().join("bad").to_str().unwrap(),
    ]);
    let text = logs(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("broken.csv") && text.contains("line 23") && text.contains("lactate"), "{text}");
    assert!(!text.contains(MARKER), "the broken value reached the error:\n{text}");
}
