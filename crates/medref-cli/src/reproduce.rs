//! `medref reproduce`: run rows of the baseline table and judge each
//! against its reference number.
//!
//! Each row trains in its own `medref train` process, so rows can run side
//! by side (`--jobs`) without sharing a device's random state, and a row
//! that crashes fails alone.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use medref_core::config::Config;
use medref_core::fsutil::write_atomic;
use serde::{Deserialize, Serialize};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::data_cmd::UsageError;

/// `configs/baselines.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineTable {
    pub baseline: Vec<Baseline>,
}

/// One row of the table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub name: String,
    pub config: PathBuf,
    /// Runs with `--tiny` (CI).
    #[serde(default)]
    pub tiny: bool,
    /// `ships` or `download`.
    pub data: String,
    /// Key under `"test"` in `metrics.json`.
    pub metric: String,
    pub reference: f64,
    pub tolerance: f64,
    /// `higher` (default) or `lower` is better.
    #[serde(default = "higher")]
    pub direction: String,
    pub source: String,
}

fn higher() -> String {
    "higher".into()
}

/// Reads and checks the table; errors name the file and the row.
pub fn read_table(path: &Path) -> anyhow::Result<BaselineTable> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let table: BaselineTable =
        toml::from_str(&text).map_err(|e| UsageError(format!("{}: {}", path.display(), e.to_string().trim())))?;
    for (i, b) in table.baseline.iter().enumerate() {
        if !matches!(b.direction.as_str(), "higher" | "lower") || !matches!(b.data.as_str(), "ships" | "download") {
            return Err(UsageError(format!(
                "{}: row {} (`{}`): direction must be `higher` or `lower`, data `ships` or `download`",
                path.display(),
                i + 1,
                b.name
            ))
            .into());
        }
    }
    Ok(table)
}

/// What happened to one row.
#[derive(Debug, Clone, Serialize)]
pub struct RowResult {
    #[serde(flatten)]
    pub baseline: Baseline,
    pub measured: Option<f64>,
    /// `pass`, `fail`, `error` or `skipped`.
    pub status: String,
    pub detail: String,
    pub seconds: f64,
    pub run_dir: PathBuf,
}

impl RowResult {
    fn judge(baseline: Baseline, measured: Option<f64>, run_dir: PathBuf, seconds: f64) -> Self {
        let (status, detail) = match measured {
            None => ("fail".to_string(), format!("metrics.json has no test `{}`", baseline.metric)),
            Some(m) => {
                let ok = if baseline.direction == "lower" {
                    m <= baseline.reference + baseline.tolerance
                } else {
                    m >= baseline.reference - baseline.tolerance
                };
                (if ok { "pass" } else { "fail" }.to_string(), String::new())
            }
        };
        RowResult { baseline, measured, status, detail, seconds, run_dir }
    }
}

/// Options of `medref reproduce`.
pub struct Selection {
    pub tiny: bool,
    pub domain: Option<String>,
    pub only: Vec<String>,
    /// `--device` of every row's training.
    pub device: String,
}

/// Runs the selected rows, `jobs` at a time; writes `reproduce.json` and
/// `reproduce.md` under `out`; returns the results in table order.
pub fn run(table_path: &Path, select: &Selection, jobs: usize, out: &Path, quiet: bool) -> anyhow::Result<Vec<RowResult>> {
    let device = select.device.as_str();
    let table = read_table(table_path)?;
    let rows: Vec<Baseline> = table
        .baseline
        .into_iter()
        .filter(|b| !select.tiny || b.tiny)
        .filter(|b| select.domain.as_deref().is_none_or(|d| b.config.components().any(|c| c.as_os_str() == d)))
        .filter(|b| select.only.is_empty() || select.only.contains(&b.name))
        .collect();
    if rows.is_empty() {
        return Err(UsageError(format!("{}: no baseline matches the selection", table_path.display())).into());
    }
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let exe = std::env::current_exe().context("cannot find the medref executable")?;
    let bar = if quiet || !std::io::stdout().is_terminal() {
        ProgressBar::with_draw_target(Some(rows.len() as u64), ProgressDrawTarget::hidden())
    } else {
        ProgressBar::new(rows.len() as u64)
    };
    bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} baselines {msg} [{elapsed}]").expect("valid template"));

    let queue = Arc::new(Mutex::new(rows.iter().cloned().enumerate().collect::<Vec<_>>()));
    let results = Arc::new(Mutex::new(Vec::<(usize, RowResult)>::new()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let (queue, results, exe, bar) = (queue.clone(), results.clone(), exe.clone(), bar.clone());
            scope.spawn(move || loop {
                let Some((i, b)) = queue.lock().expect("queue").pop() else { break };
                bar.set_message(b.name.clone());
                let r = run_row(&exe, b, out, device);
                bar.inc(1);
                results.lock().expect("results").push((i, r));
            });
        }
    });
    bar.finish_and_clear();
    let mut results = Arc::try_unwrap(results).expect("threads done").into_inner().expect("results");
    results.sort_by_key(|(i, _)| *i);
    let results: Vec<RowResult> = results.into_iter().map(|(_, r)| r).collect();

    let mut json = serde_json::to_vec_pretty(&results)?;
    json.push(b'\n');
    write_atomic(&out.join("reproduce.json"), &json).with_context(|| format!("{}: cannot write", out.display()))?;
    write_atomic(&out.join("reproduce.md"), markdown(&results).as_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    Ok(results)
}

fn run_row(exe: &Path, b: Baseline, out: &Path, device: &str) -> RowResult {
    let run_dir = out.join(&b.name);
    let started = Instant::now();
    let config = match Config::load(&b.config, &[]) {
        Ok(c) => c,
        Err(e) => {
            return RowResult { status: "error".into(), detail: e.to_string(), measured: None, seconds: 0.0, run_dir, baseline: b }
        }
    };
    if b.data == "download" && config.data.inputs().iter().any(|p| !p.exists()) {
        return RowResult {
            status: "skipped".into(),
            detail: format!("{} is not here (get it first; see BASELINES.md)", config.data.path().display()),
            measured: None,
            seconds: 0.0,
            run_dir,
            baseline: b,
        };
    }
    let output = std::process::Command::new(exe)
        .arg("train")
        .arg(&b.config)
        .arg("--out")
        .arg(&run_dir)
        .args(["--force", "--quiet", "--device", device])
        .output();
    let seconds = started.elapsed().as_secs_f64();
    match output {
        Ok(o) if o.status.success() => {
            let measured = std::fs::read_to_string(run_dir.join("metrics.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|m| m["test"][&b.metric].as_f64());
            RowResult::judge(b, measured, run_dir, seconds)
        }
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            let detail = err.lines().last().unwrap_or("medref train failed").to_string();
            RowResult { status: "error".into(), detail, measured: None, seconds, run_dir, baseline: b }
        }
        Err(e) => RowResult { status: "error".into(), detail: e.to_string(), measured: None, seconds, run_dir, baseline: b },
    }
}

/// The results as a Markdown table (also what the terminal shows).
pub fn markdown(results: &[RowResult]) -> String {
    let mut s = String::from("| baseline | metric | reference | tolerance | measured | result | time |\n|---|---|---|---|---|---|---|\n");
    for r in results {
        let b = &r.baseline;
        let sign = if b.direction == "lower" { "<=" } else { ">=" };
        let measured = r.measured.map_or("-".to_string(), |m| format!("{m:.4}"));
        let result = if r.detail.is_empty() { r.status.to_uppercase() } else { format!("{} ({})", r.status.to_uppercase(), r.detail) };
        s.push_str(&format!(
            "| {} | {} | {sign} {:.3} | {:.3} | {measured} | {result} | {:.1} s |\n",
            b.name, b.metric, b.reference, b.tolerance, r.seconds
        ));
    }
    s
}
