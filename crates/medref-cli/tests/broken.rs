//! The broken-input corpus: every case of `datasets/broken/cases.tsv` runs
//! the `medref` binary on one broken file and must exit 2 with a message
//! naming the file (and the line, record or field the manifest lists),
//! without a panic and without leaving any output behind. All failures are
//! collected and reported in one assertion.

mod common;

use common::{medref, repo};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// One line of the manifest.
struct Case {
    line: usize,
    file: String,
    command: String,
    expect: Vec<String>,
}

fn read_manifest() -> Vec<Case> {
    let text = std::fs::read_to_string(repo().join("datasets/broken/cases.tsv")).expect("read cases.tsv");
    let mut cases = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "cases.tsv line {}: expected 3 tab-separated fields: {line}", i + 1);
        if !header_seen {
            assert_eq!(fields, ["file", "command", "expect"], "cases.tsv: first row must be the header");
            header_seen = true;
            continue;
        }
        cases.push(Case {
            line: i + 1,
            file: fields[0].to_string(),
            command: fields[1].to_string(),
            expect: fields[2].split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        });
    }
    cases
}

/// Files with lines of megabytes, too big to commit: written here.
fn write_huge_line_files(tmp: &Path) {
    // FASTA: one 2.5 Mb sequence line with a `@` at column 2 500 001.
    let mut fasta = String::from(">big one sequence line\n");
    fasta.push_str(&"ACGT".repeat(625_000));
    fasta.push_str("@ACGT\n");
    std::fs::write(tmp.join("huge_line.fa"), fasta).unwrap();

    // Table: line 17 holds a 3 MB number in `lactate` (overflows to infinity).
    let mut table = String::from("patient_id,age,sex,lactate,outcome\n");
    for i in 0..30 {
        let lactate =
            if i == 15 { "9".repeat(3_000_000) } else { format!("{:.2}", 1.0 + ((i * 37) % 23) as f64 / 10.0) };
        let _ =
            writeln!(table, "P{i:03},{},{},{lactate},{}", 40 + i, if i % 2 == 0 { "M" } else { "F" }, (i * 7) % 3 % 2);
    }
    std::fs::write(tmp.join("huge_line.csv"), table).unwrap();

    // sktime .ts: line 11's first channel has 600 000 values, its second 4.
    let mut ts = String::from(
        "@problemName Huge\n@timeStamps false\n@missing false\n@univariate false\n@dimensions 2\n\
         @equalLength true\n@seriesLength 4\n@classLabel true Walking Running\n@data\n\
         0.1,0.2,0.3,0.4:1.0,1.1,1.2,1.3:Walking\n",
    );
    ts.push_str(&vec!["0.5"; 600_000].join(","));
    ts.push_str(":1.0,1.1,1.2,1.3:Running\n");
    std::fs::write(tmp.join("huge_line.ts"), ts).unwrap();
}

/// Trains a one-epoch run of `config` for the cases that need a trained
/// model (predict, eval, explain, score-variants).
fn train_run(config: &str, dir: &Path, extra: &[&str]) {
    let mut args = vec![
        "train",
        config,
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
        "--set",
        "train.epochs=1",
        "--set",
        "eval.bootstrap=0",
    ];
    args.extend_from_slice(extra);
    let o = medref(&args);
    assert!(
        o.status.success(),
        "training {config} for the broken-input cases failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The entry of `datasets/broken/` a path names (`x.fa` for
/// `datasets/broken/x.fa`, `img_a` for `datasets/broken/img_a/train/...`).
fn corpus_entries(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '=')
        .filter_map(|token| token.find("datasets/broken/").map(|i| &token[i + "datasets/broken/".len()..]))
        .filter_map(|rest| rest.split('/').next().filter(|s| !s.is_empty()).map(str::to_string))
        .collect()
}

/// A clause (a part of a message between ": ") said twice on one line, as
/// in `no such file: no such file`: an error that prints its cause both in
/// its own text and as its source.
fn repeated_clause(stderr: &str) -> Option<String> {
    stderr.lines().find_map(|line| {
        let clauses: Vec<&str> = line.split(": ").map(str::trim).filter(|c| c.len() >= 8).collect();
        clauses.iter().enumerate().find(|(i, c)| clauses[i + 1..].contains(c)).map(|(_, c)| c.to_string())
    })
}

#[test]
fn a_repeated_clause_is_found() {
    assert_eq!(repeated_clause("error: a.csv: no such file: no such file").as_deref(), Some("no such file"));
    assert_eq!(repeated_clause("error: a.csv: line 3: column `age`: not a number"), None);
}

#[test]
fn every_broken_input_exits_2_naming_the_file_and_place() {
    let cases = read_manifest();
    assert!(cases.len() >= 50, "cases.tsv lists {} cases; the corpus needs at least 50", cases.len());

    // Every file or folder of the corpus is used by some case.
    let used: BTreeSet<String> =
        cases.iter().flat_map(|c| corpus_entries(&format!("{} {}", c.file, c.command))).collect();
    let not_cases = ["cases.tsv", "make_broken.py", "README.md"];
    let unused: Vec<String> = std::fs::read_dir(repo().join("datasets/broken"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !not_cases.contains(&name.as_str()) && !used.contains(name))
        .collect();
    assert!(unused.is_empty(), "files in datasets/broken/ that no case of cases.tsv uses: {unused:?}");

    let tmp = tempfile::tempdir().unwrap();
    let tmp_s = tmp.path().to_str().unwrap().to_string();
    write_huge_line_files(tmp.path());
    let imaging_run = tmp.path().join("imaging_run");
    let genomics_run = tmp.path().join("genomics_run");
    if cases.iter().any(|c| c.command.contains("{imaging_run}")) {
        train_run("configs/imaging/tiny.toml", &imaging_run, &["--set", "data.max_train=32"]);
    }
    if cases.iter().any(|c| c.command.contains("{genomics_run}")) {
        train_run("configs/genomics/tiny.toml", &genomics_run, &[]);
    }

    let mut failures = String::new();
    for (k, case) in cases.iter().enumerate() {
        let case_dir = tmp.path().join(format!("case{k}"));
        std::fs::create_dir(&case_dir).unwrap();
        let out = case_dir.join("out");
        let fill = |s: &str| {
            s.replace("{out}", out.to_str().unwrap())
                .replace("{tmp}", &tmp_s)
                .replace("{imaging_run}", imaging_run.to_str().unwrap())
                .replace("{genomics_run}", genomics_run.to_str().unwrap())
        };
        let file = fill(&case.file);
        let mut args: Vec<String> = case.command.split_whitespace().map(fill).collect();
        args.push("--quiet".into());
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = medref(&arg_refs);
        let err = String::from_utf8_lossy(&o.stderr);
        let mut problems = Vec::new();
        if o.status.code() != Some(2) {
            problems.push(format!("exit status {:?}, expected 2", o.status.code()));
        }
        if err.contains("panicked") {
            problems.push("panicked".to_string());
        }
        if let Some(clause) = repeated_clause(&err) {
            problems.push(format!("says {clause:?} twice"));
        }
        if err.len() > 4096 {
            problems.push(format!("stderr is {} bytes (an echoed input?)", err.len()));
        }
        for needle in std::iter::once(&file).chain(&case.expect.iter().map(|e| fill(e)).collect::<Vec<_>>()) {
            if !err.contains(needle.as_str()) {
                problems.push(format!("stderr lacks {needle:?}"));
            }
        }
        let left: Vec<String> = std::fs::read_dir(&case_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        if !left.is_empty() {
            problems.push(format!("left output behind: {left:?}"));
        }
        if !problems.is_empty() {
            let shown: String = err.chars().take(600).collect();
            let _ = writeln!(
                failures,
                "cases.tsv line {} ({}): {}\n    medref {}\n    stderr: {}",
                case.line,
                case.file,
                problems.join("; "),
                case.command,
                shown.trim_end().replace('\n', "\n            ")
            );
        }
    }
    assert!(failures.is_empty(), "broken-input cases that failed:\n{failures}");
}
