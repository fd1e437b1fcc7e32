//! Helpers shared by the end-to-end test files: run the `medref` binary
//! from the repository root and check its bad-input behaviour.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Runs `medref ARGS` in the repository root with two rayon threads.
pub fn medref(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medref"))
        .args(args)
        .current_dir(repo())
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .expect("run medref")
}

/// Runs `medref ARGS` like [`medref`] with `env` set and `unset` removed.
pub fn medref_env(args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_medref"));
    cmd.args(args).current_dir(repo()).env("RAYON_NUM_THREADS", "2").envs(env.iter().copied());
    for name in unset {
        cmd.env_remove(name);
    }
    cmd.output().expect("run medref")
}

/// stdout and stderr of a finished command, as text.
pub fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Trains `config` with `extra` arguments into a fresh folder under `tmp`
/// for each case and asserts exit status 2, no panic, every needle in
/// stderr, and no metrics written.
pub fn assert_bad_trainings(cases: &[(&str, &[&str], &[&str])]) {
    let tmp = tempfile::tempdir().unwrap();
    for (i, (config, extra, needles)) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("run{i}"));
        let mut args = vec!["train", config, "--out", out.to_str().unwrap(), "--quiet"];
        args.extend_from_slice(extra);
        let o = medref(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        assert!(!err.contains("panicked"), "case {i}: {err}");
        for n in *needles {
            assert!(err.contains(n), "case {i}: expected {n:?} in: {err}");
        }
        assert!(!out.join("metrics.json").exists(), "case {i} wrote output");
    }
}

/// `medref train CONFIG --out DIR --quiet EXTRA...`, which must succeed;
/// returns the run's `metrics.json`.
pub fn train_metrics(config: &str, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["train", config, "--out", dir.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let o = medref(&args);
    assert!(o.status.success(), "{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    json(&dir.join("metrics.json"))
}

/// `id -> scores` of a CSV whose first column is the id and whose score
/// columns are named `score_<j>` (predictions.csv, `medref predict`).
pub fn scores_by_id(csv: &str) -> std::collections::BTreeMap<String, Vec<f64>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cols: Vec<usize> = (0..header.len()).filter(|&j| header[j].starts_with("score_")).collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_string(), cols.iter().map(|&j| cells[j].parse().unwrap()).collect())
        })
        .collect()
}
