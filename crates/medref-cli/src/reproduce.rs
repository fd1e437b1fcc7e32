//! `medref reproduce`: run rows of the baseline table and judge each
//! against its reference number.
//!
//! Each row trains in its own `medref train` process, so rows can run side
//! by side (`--jobs`) without sharing a device's random state, and a row
//! that crashes fails alone.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use medref_core::fsutil::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::usage::UsageError;

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
    /// With several seeds, how far the worst seed may fall short of
    /// `reference` (default: twice `tolerance`, so a CI bar with tolerance
    /// 0 must be met by every seed): a trainee's seed must not break a
    /// baseline whose mean passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_tolerance: Option<f64>,
    /// Further test metrics and the least value each may take, judged as
    /// `metric` is (the mean within `tolerance`, the worst seed within the
    /// seed tolerance): a classifier's accuracy or F1 at its cut-off beside
    /// AUROC, which ranks the scores and so cannot see them all shifted to
    /// one side of the cut-off.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub at_least: BTreeMap<String, f64>,
    pub source: String,
}

impl Baseline {
    /// Whether `value` meets the reference within `tolerance`.
    fn meets(&self, value: f64, tolerance: f64) -> bool {
        if self.direction == "lower" {
            value <= self.reference + tolerance
        } else {
            value >= self.reference - tolerance
        }
    }

    /// Why the `at_least` metrics fail, given each one's value per seed
    /// (first seed `first_seed`); `None` when they all pass.
    fn short_of_bars(&self, first_seed: u64, per_seed: &BTreeMap<String, Vec<f64>>) -> Option<String> {
        for (name, &bar) in &self.at_least {
            let values = per_seed.get(name).filter(|v| !v.is_empty() && v.iter().all(|x| !x.is_nan()));
            let Some(values) = values else { return Some(format!("metrics.json has no test `{name}`")) };
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            if mean < bar - self.tolerance {
                return Some(format!("{name} {mean:.4} is below its bar {bar:.3}"));
            }
            let (seed, worst) =
                (first_seed..).zip(values.iter().copied()).min_by(|a, b| a.1.total_cmp(&b.1)).expect("a value");
            if values.len() > 1 && worst < bar - self.seed_tolerance() {
                return Some(format!("seed {seed} gives {name} {worst:.4}, below its bar {bar:.3}"));
            }
        }
        None
    }

    fn seed_tolerance(&self) -> f64 {
        self.seed_tolerance.unwrap_or(2.0 * self.tolerance)
    }
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
    /// The mean over seeds of the row's metric (what is judged).
    pub measured: Option<f64>,
    /// Sample standard deviation over seeds (with two or more seeds).
    pub measured_sd: Option<f64>,
    /// The metric of each seed's run, in seed order.
    pub per_seed: Vec<f64>,
    /// Each `at_least` metric's value per seed, in seed order.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub at_least_per_seed: BTreeMap<String, Vec<f64>>,
    /// With several seeds, the worst one: `(seed, metric)`.
    pub worst_seed: Option<(u64, f64)>,
    /// For classifiers: AUROC, per-class recall and F1 of the first seed's
    /// run, so a row that passes on AUROC but misses a class shows it.
    pub classes: Option<String>,
    /// `pass`, `fail`, `error` or `skipped`.
    pub status: String,
    pub detail: String,
    pub seconds: f64,
    pub run_dir: PathBuf,
}

impl RowResult {
    fn failed(baseline: Baseline, status: &str, detail: String, run_dir: PathBuf, seconds: f64) -> Self {
        RowResult {
            baseline,
            measured: None,
            measured_sd: None,
            per_seed: Vec::new(),
            at_least_per_seed: BTreeMap::new(),
            worst_seed: None,
            classes: None,
            status: status.into(),
            detail,
            seconds,
            run_dir,
        }
    }

    /// Judges the mean over seeds against the reference, and with several
    /// seeds the worst seed against the seed tolerance; then each
    /// `at_least` metric the same way. `first_seed` is the seed of
    /// `per_seed[0]`.
    fn judge(
        baseline: Baseline,
        first_seed: u64,
        (per_seed, at_least_per_seed): (Vec<f64>, BTreeMap<String, Vec<f64>>),
        classes: Option<String>,
        run_dir: PathBuf,
        seconds: f64,
    ) -> Self {
        let n = per_seed.len() as f64;
        let measured = (!per_seed.is_empty()).then(|| per_seed.iter().sum::<f64>() / n);
        let measured_sd = measured
            .filter(|_| per_seed.len() > 1)
            .map(|m| (per_seed.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
        let lower = baseline.direction == "lower";
        let worst_seed = (per_seed.len() > 1)
            .then(|| {
                let seeds = (first_seed..).zip(per_seed.iter().copied());
                if lower {
                    seeds.max_by(|a, b| a.1.total_cmp(&b.1))
                } else {
                    seeds.min_by(|a, b| a.1.total_cmp(&b.1))
                }
            })
            .flatten();
        let (status, detail) = match measured {
            None => ("fail".to_string(), format!("metrics.json has no test `{}`", baseline.metric)),
            Some(m) if !baseline.meets(m, baseline.tolerance) => ("fail".to_string(), String::new()),
            Some(_) => match worst_seed {
                Some((seed, v)) if !baseline.meets(v, baseline.seed_tolerance()) => (
                    "fail".to_string(),
                    format!("seed {seed} gives {v:.4}, beyond the seed tolerance {:.3}", baseline.seed_tolerance()),
                ),
                _ => match baseline.short_of_bars(first_seed, &at_least_per_seed) {
                    Some(why) => ("fail".to_string(), why),
                    None => ("pass".to_string(), String::new()),
                },
            },
        };
        RowResult {
            baseline,
            measured,
            measured_sd,
            per_seed,
            at_least_per_seed,
            worst_seed,
            classes,
            status,
            detail,
            seconds,
            run_dir,
        }
    }
}

/// Options of `medref reproduce`.
pub struct Selection {
    pub tiny: bool,
    pub domain: Option<String>,
    pub only: Vec<String>,
    /// `--device` of every row's training.
    pub device: String,
    /// Runs per row, with seeds `seed`, `seed + 1`, ...; the mean is judged.
    pub seeds: u64,
}

/// Runs the selected rows, `jobs` at a time; writes `reproduce.json` and
/// `reproduce.md` under `out`; returns the results in table order.
pub fn run(
    table_path: &Path,
    select: &Selection,
    jobs: usize,
    out: &Path,
    quiet: bool,
) -> anyhow::Result<Vec<RowResult>> {
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
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} baselines {msg} [{elapsed}]").expect("valid template"),
    );

    let queue = Arc::new(Mutex::new(rows.iter().cloned().enumerate().collect::<Vec<_>>()));
    let results = Arc::new(Mutex::new(Vec::<(usize, RowResult)>::new()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let (queue, results, exe, bar) = (queue.clone(), results.clone(), exe.clone(), bar.clone());
            scope.spawn(move || loop {
                let Some((i, b)) = queue.lock().expect("queue").pop() else { break };
                bar.set_message(b.name.clone());
                let r = run_row(&exe, b, out, device, select.seeds.max(1));
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

fn run_row(exe: &Path, b: Baseline, out: &Path, device: &str, seeds: u64) -> RowResult {
    let run_dir = out.join(&b.name);
    let started = Instant::now();
    let config = match medref_baselines::load_config(&b.config, &[]) {
        Ok(c) => c,
        Err(e) => return RowResult::failed(b, "error", e.to_string(), run_dir, 0.0),
    };
    if b.data == "download" && config.data.inputs().iter().any(|p| !p.exists()) {
        let detail = format!("{} is not here (get it first; see BASELINES.md)", config.data.path().display());
        return RowResult::failed(b, "skipped", detail, run_dir, 0.0);
    }
    let mut per_seed = Vec::new();
    let mut at_least: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut classes = None;
    for k in 0..seeds {
        // One seed keeps the row's folder as it always was; several get one each.
        let dir = if seeds == 1 { run_dir.clone() } else { run_dir.join(format!("seed-{}", config.seed + k)) };
        let output = std::process::Command::new(exe)
            .arg("train")
            .arg(&b.config)
            .arg("--out")
            .arg(&dir)
            .args(["--force", "--quiet", "--device", device])
            .args(["--set", &format!("seed={}", config.seed + k)])
            .output();
        let seconds = started.elapsed().as_secs_f64();
        match output {
            Ok(o) if o.status.success() => {
                let test = std::fs::read_to_string(dir.join("metrics.json"))
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .map(|m| m["test"].clone())
                    .unwrap_or_default();
                match test[&b.metric].as_f64() {
                    Some(v) => per_seed.push(v),
                    None => return RowResult::judge(b, config.seed, Default::default(), None, run_dir, seconds),
                }
                for name in b.at_least.keys() {
                    // NaN where absent: the judge names it.
                    at_least.entry(name.clone()).or_default().push(test[name].as_f64().unwrap_or(f64::NAN));
                }
                if classes.is_none() {
                    classes = class_summary(&test);
                }
            }
            Ok(o) => {
                let err = String::from_utf8_lossy(&o.stderr);
                let detail = err.lines().last().unwrap_or("medref train failed").to_string();
                return RowResult::failed(b, "error", detail, run_dir, seconds);
            }
            Err(e) => return RowResult::failed(b, "error", e.to_string(), run_dir, seconds),
        }
    }
    RowResult::judge(b, config.seed, (per_seed, at_least), classes, run_dir, started.elapsed().as_secs_f64())
}

/// `AUROC 0.94; recall 0.91 / 0.88; F1 0.90` from a classifier's test
/// metrics (per-class recall for several classes, specificity / sensitivity
/// for two); `None` for regression and frame labelling.
fn class_summary(test: &serde_json::Value) -> Option<String> {
    let get = |k: &str| test[k].as_f64();
    let auroc = get("auroc")?;
    let mut recalls: Vec<f64> = (0..).map_while(|c| get(&format!("recall_class_{c}"))).collect();
    if recalls.is_empty() {
        recalls = [get("specificity"), get("sensitivity")].into_iter().flatten().collect();
    }
    let recall = recalls.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>().join(" / ");
    let f1 = get("f1").map(|f| format!("F1 {f:.2}")).or_else(|| get("f1_macro").map(|f| format!("macro-F1 {f:.2}")));
    let mut s = format!("AUROC {auroc:.3}; recall per class {recall}");
    if let Some(f1) = f1 {
        s.push_str(&format!("; {f1}"));
    }
    Some(s)
}

/// `f1 0.9412 +- 0.0210 (>= 0.800; worst 0.9100)`, one per `at_least`
/// metric, or `-`.
fn bars_text(r: &RowResult) -> String {
    let parts: Vec<String> = r
        .baseline
        .at_least
        .iter()
        .map(|(name, bar)| {
            let values = r.at_least_per_seed.get(name).map_or(&[][..], Vec::as_slice);
            let n = values.len() as f64;
            if values.is_empty() {
                return format!("{name} - (>= {bar:.3})");
            }
            let mean = values.iter().sum::<f64>() / n;
            if values.len() == 1 {
                return format!("{name} {mean:.4} (>= {bar:.3})");
            }
            let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let worst = values.iter().copied().fold(f64::INFINITY, f64::min);
            format!("{name} {mean:.4} +- {sd:.4} (>= {bar:.3}; worst {worst:.4})")
        })
        .collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join("; ")
    }
}

/// The results as a Markdown table (also what the terminal shows): the
/// mean (and sd, with several seeds) of each row's metric, and for
/// classifiers the per-class recall and F1 beside AUROC.
pub fn markdown(results: &[RowResult]) -> String {
    let mut s = String::from(
        "| baseline | metric | reference | tolerance | measured | seeds | worst seed | also at least | result | classes | time |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        let b = &r.baseline;
        let sign = if b.direction == "lower" { "<=" } else { ">=" };
        let measured = match (r.measured, r.measured_sd) {
            (Some(m), Some(sd)) => format!("{m:.4} +- {sd:.4}"),
            (Some(m), None) => format!("{m:.4}"),
            _ => "-".to_string(),
        };
        let worst = r.worst_seed.map_or_else(|| "-".to_string(), |(seed, v)| format!("{v:.4} (seed {seed})"));
        let result = if r.detail.is_empty() {
            r.status.to_uppercase()
        } else {
            format!("{} ({})", r.status.to_uppercase(), r.detail)
        };
        s.push_str(&format!(
            "| {} | {} | {sign} {:.3} | {:.3} | {measured} | {} | {worst} | {} | {result} | {} | {:.1} s |\n",
            b.name,
            b.metric,
            b.reference,
            b.tolerance,
            r.per_seed.len(),
            bars_text(r),
            r.classes.as_deref().unwrap_or("-"),
            r.seconds
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(reference: f64, tolerance: f64, direction: &str) -> Baseline {
        Baseline {
            name: "r".into(),
            config: "c.toml".into(),
            tiny: true,
            data: "ships".into(),
            metric: "frame_accuracy".into(),
            reference,
            tolerance,
            direction: direction.into(),
            seed_tolerance: None,
            at_least: BTreeMap::new(),
            source: "s".into(),
        }
    }

    fn judged(b: Baseline, per_seed: &[f64]) -> RowResult {
        RowResult::judge(b, 0, (per_seed.to_vec(), BTreeMap::new()), None, PathBuf::new(), 0.0)
    }

    #[test]
    fn a_mean_that_passes_fails_when_one_seed_breaks_the_bar() {
        // surgery-tiny before its fix: mean 0.86 over seeds 0-4, seed 3 at 0.49.
        let r = judged(row(0.85, 0.0, "higher"), &[0.977, 0.909, 0.975, 0.494, 0.927]);
        assert_eq!(r.worst_seed, Some((3, 0.494)));
        assert_eq!(r.status, "fail");
        assert!(r.detail.contains("seed 3 gives 0.4940"), "{}", r.detail);
        // Every seed over the bar.
        assert_eq!(judged(row(0.85, 0.0, "higher"), &[0.95, 0.93, 0.99, 0.86, 0.99]).status, "pass");
    }

    #[test]
    fn the_worst_seed_may_miss_by_twice_the_tolerance_and_lower_is_judged_the_other_way() {
        // Reference 0.944 +- 0.02: mean 0.94 passes, a seed at 0.905 is
        // within 0.04, one at 0.90 is not.
        assert_eq!(judged(row(0.944, 0.02, "higher"), &[0.955, 0.905, 0.96]).status, "pass");
        assert_eq!(judged(row(0.944, 0.02, "higher"), &[0.96, 0.90, 0.965]).status, "fail");
        let r = judged(row(1.0, 0.1, "lower"), &[0.9, 1.25, 0.95]);
        assert_eq!((r.worst_seed, r.status.as_str()), (Some((1, 1.25)), "fail"));
        // One seed: only the mean is judged.
        assert_eq!(judged(row(0.85, 0.0, "higher"), &[0.9]).worst_seed, None);
    }

    /// imaging-tiny before precise batch norm: AUROC over its bar on every
    /// seed, F1 at the 0.5 cut-off 0.28 on average and 0 for seed 2.
    #[test]
    fn a_row_that_ranks_but_does_not_classify_fails_its_at_least_bar() {
        let auroc = vec![0.999, 0.998, 0.987, 0.999, 1.0];
        let mut b = row(0.90, 0.0, "higher");
        b.at_least.insert("f1".into(), 0.8);
        let judge = |f1: &[f64]| {
            let bars = BTreeMap::from([("f1".to_string(), f1.to_vec())]);
            RowResult::judge(b.clone(), 0, (auroc.clone(), bars), None, PathBuf::new(), 0.0)
        };
        let before = judge(&[0.205, 0.511, 0.0, 0.333, 0.333]);
        assert_eq!(before.status, "fail");
        assert!(before.detail.contains("f1 0.2764 is below its bar 0.800"), "{}", before.detail);
        assert!(bars_text(&before).starts_with("f1 0.2764 +- "), "{}", bars_text(&before));
        // A good mean with one seed under the bar (tolerance 0: every seed must meet it).
        let one_short = judge(&[0.95, 0.97, 0.79, 0.96, 0.98]);
        assert_eq!(one_short.status, "fail");
        assert!(one_short.detail.contains("seed 2 gives f1 0.7900"), "{}", one_short.detail);
        assert_eq!(judge(&[0.95, 0.97, 0.9, 0.96, 0.98]).status, "pass");
        // A metric the runs did not write fails the row rather than passing it.
        let absent = judge(&[0.95, f64::NAN, 0.9, 0.96, 0.98]);
        assert_eq!((absent.status.as_str(), absent.detail.as_str()), ("fail", "metrics.json has no test `f1`"));
    }
}
