//! `medref sweep`: a grid of config overrides times seeds, run as plain
//! processes here or written as a Slurm array job, then collected into one
//! table.
//!
//! Why Slurm and not our own distribution: the programme's sites already
//! run it, and a job array (one config per task) is the unit its users know
//! how to queue, cancel and account. Every task, local or on the cluster,
//! goes through the same `medref sweep task DIR INDEX`, so a sweep tested
//! here behaves the same on a cluster.

use anyhow::Context;
use medref_core::config::Config;
use medref_core::fsutil::write_atomic;
use medref_core::task::{MetricsFile, TaskKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::usage::UsageError;

/// `sweep.json`: everything a task needs, written before any task runs.
#[derive(Debug, Serialize, Deserialize)]
pub struct Plan {
    /// The config, as an absolute path.
    pub config: PathBuf,
    /// The working directory relative config and data paths are read from.
    pub workdir: PathBuf,
    pub device: String,
    /// Grid keys in the order given.
    pub keys: Vec<String>,
    pub tasks: Vec<Task>,
}

/// One run: a grid point with one seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    /// Index of the grid point (tasks with the same point differ by seed).
    pub point: usize,
    /// `KEY=VALUE` per grid key, in `Plan::keys` order.
    pub values: Vec<String>,
    pub seed: u64,
    /// The run directory, relative to the sweep directory.
    pub run: PathBuf,
}

impl Task {
    fn overrides(&self) -> Vec<String> {
        let mut o = self.values.clone();
        o.push(format!("seed={}", self.seed));
        o
    }
}

/// What `medref sweep CONFIG ...` was asked.
pub struct SweepRequest {
    pub config: PathBuf,
    pub grid: Vec<String>,
    pub seeds: u64,
    pub first_seed: u64,
    pub device: String,
    pub out: PathBuf,
}

/// Expands `--grid KEY=V1,V2` arguments into their cartesian product.
fn expand(grid: &[String]) -> Result<(Vec<String>, Vec<Vec<String>>), UsageError> {
    let mut keys = Vec::new();
    let mut points: Vec<Vec<String>> = vec![vec![]];
    for arg in grid {
        let (key, values) =
            arg.split_once('=').ok_or_else(|| UsageError(format!("--grid `{arg}`: expected KEY=V1,V2,...")))?;
        let key = key.trim();
        let values: Vec<&str> = values.split(',').map(str::trim).collect();
        if key.is_empty() || values.iter().any(|v| v.is_empty()) {
            return Err(UsageError(format!("--grid `{arg}`: empty key or value")));
        }
        if keys.iter().any(|k| k == key) || key == "seed" {
            return Err(UsageError(format!("--grid `{key}`: given twice (seeds come from --seeds)")));
        }
        keys.push(key.to_string());
        points = points
            .into_iter()
            .flat_map(|p| values.iter().map(move |v| [p.clone(), vec![format!("{key}={v}")]].concat()))
            .collect();
    }
    Ok((keys, points))
}

/// Checks every grid point against the config and writes `sweep.json`.
pub fn plan(req: &SweepRequest) -> anyhow::Result<Plan> {
    if req.seeds == 0 {
        return Err(UsageError("--seeds must be at least 1".into()).into());
    }
    let (keys, points) = expand(&req.grid)?;
    let mut tasks = Vec::new();
    for (point, values) in points.iter().enumerate() {
        // Load now, so a bad key or value fails before anything is queued.
        medref_baselines::load_config(&req.config, values)
            .with_context(|| format!("grid point {}", values.join(" ")))?;
        for seed in req.first_seed..req.first_seed + req.seeds {
            tasks.push(Task {
                point,
                values: values.clone(),
                seed,
                run: PathBuf::from(format!("runs/p{point:03}-seed{seed}")),
            });
        }
    }
    let config =
        std::fs::canonicalize(&req.config).with_context(|| format!("{}: cannot read", req.config.display()))?;
    let plan = Plan { config, workdir: std::env::current_dir()?, device: req.device.clone(), keys, tasks };
    std::fs::create_dir_all(&req.out).with_context(|| format!("{}: cannot create", req.out.display()))?;
    let mut json = serde_json::to_vec_pretty(&plan)?;
    json.push(b'\n');
    write_atomic(&req.out.join("sweep.json"), &json).with_context(|| format!("{}: cannot write", req.out.display()))?;
    Ok(plan)
}

/// Reads a sweep directory's `sweep.json`.
pub fn read_plan(dir: &Path) -> anyhow::Result<Plan> {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| UsageError(format!("{}: cannot read ({e}); is this a sweep directory?", path.display())))?;
    serde_json::from_str(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())).into())
}

/// Options of the Slurm array job.
pub struct SlurmOptions {
    pub partition: Option<String>,
    pub time: String,
    pub cpus: usize,
    pub max_parallel: Option<usize>,
}

/// `sweep.sbatch`: one array task per run, each calling `medref sweep task`.
pub fn slurm_script(plan: &Plan, dir: &Path, exe: &Path, opts: &SlurmOptions) -> anyhow::Result<PathBuf> {
    let dir = std::fs::canonicalize(dir)?;
    let last = plan.tasks.len() - 1;
    let throttle = opts.max_parallel.map_or(String::new(), |m| format!("%{m}"));
    let mut s = String::from("#!/bin/bash\n");
    s += &format!("# Written by `medref sweep`: {} runs of {}.\n", plan.tasks.len(), plan.config.display());
    s += &format!("# Submit with: sbatch {}\n", dir.join("sweep.sbatch").display());
    s += &format!("# Afterwards:  medref sweep collect {}\n", dir.display());
    s += "#SBATCH --job-name=medref-sweep\n";
    s += &format!("#SBATCH --array=0-{last}{throttle}\n");
    s += &format!("#SBATCH --chdir={}\n", plan.workdir.display());
    s += &format!("#SBATCH --output={}/logs/%A_%a.out\n", dir.display());
    s += &format!("#SBATCH --cpus-per-task={}\n", opts.cpus);
    s += &format!("#SBATCH --time={}\n", opts.time);
    // SIGTERM two minutes before the time limit: the task stops at a batch
    // boundary with its epochs committed (the `exec` below makes medref the
    // batch step that receives it), and a requeued or resubmitted task
    // resumes from there.
    s += "#SBATCH --signal=B:TERM@120\n";
    s += "#SBATCH --requeue\n";
    if let Some(p) = &opts.partition {
        s += &format!("#SBATCH --partition={p}\n");
    }
    if plan.device == "wgpu" {
        s += "#SBATCH --gres=gpu:1\n";
    }
    s += "set -euo pipefail\n";
    s += &format!("export RAYON_NUM_THREADS=${{SLURM_CPUS_PER_TASK:-{}}}\n", opts.cpus);
    s += &format!("exec {} --quiet sweep task {} \"$SLURM_ARRAY_TASK_ID\"\n", exe.display(), dir.display());
    std::fs::create_dir_all(dir.join("logs"))?;
    let path = dir.join("sweep.sbatch");
    write_atomic(&path, s.as_bytes()).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(path)
}

/// The training of one task; a task whose run already finished is skipped,
/// so a requeued array job does not train twice.
pub fn run_task(
    dir: &Path,
    index: usize,
    train: impl FnOnce(Config, PathBuf) -> anyhow::Result<()>,
) -> anyhow::Result<bool> {
    let plan = read_plan(dir)?;
    let task = plan.tasks.get(index).ok_or_else(|| {
        UsageError(format!(
            "{}: task {index} does not exist ({} tasks)",
            dir.join("sweep.json").display(),
            plan.tasks.len()
        ))
    })?;
    let run = dir.join(&task.run);
    if run.join("metrics.json").exists() {
        return Ok(false);
    }
    let config = medref_baselines::load_config(&plan.config, &task.overrides())?;
    train(config, run)?;
    Ok(true)
}

/// Runs every task as a child process, `jobs` at a time; returns the
/// indices of failed tasks with the last line of their error.
pub fn run_local(dir: &Path, plan: &Plan, jobs: usize, exe: &Path) -> Vec<(usize, String)> {
    let queue = Arc::new(Mutex::new((0..plan.tasks.len()).rev().collect::<Vec<_>>()));
    let failed = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let (queue, failed) = (queue.clone(), failed.clone());
            scope.spawn(move || loop {
                let Some(i) = queue.lock().expect("queue").pop() else { break };
                let out = std::process::Command::new(exe)
                    .args(["--quiet", "sweep", "task"])
                    .arg(dir)
                    .arg(i.to_string())
                    .current_dir(&plan.workdir)
                    .output();
                let error = match out {
                    Ok(o) if o.status.success() => None,
                    Ok(o) => Some(String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("failed").to_string()),
                    Err(e) => Some(e.to_string()),
                };
                if let Some(e) = error {
                    failed.lock().expect("failed").push((i, e));
                }
            });
        }
    });
    let mut failed = Arc::try_unwrap(failed).expect("threads done").into_inner().expect("failed");
    failed.sort();
    failed
}

/// One grid point's metrics over its finished seeds.
#[derive(Debug, Serialize)]
pub struct PointSummary {
    pub point: usize,
    pub values: Vec<String>,
    pub planned: usize,
    pub finished: usize,
    /// Test metric -> (mean, sample standard deviation).
    pub metrics: BTreeMap<String, (f64, f64)>,
    /// The runs' task, which picks the headline metrics of the table.
    pub task: Option<TaskKind>,
}

/// A grid point's values, planned task count and finished runs' test metrics.
type PointRuns = (Vec<String>, usize, Vec<BTreeMap<String, f64>>);

/// Merges the finished runs of a sweep into `summary.csv` / `summary.md`.
pub fn collect(dir: &Path) -> anyhow::Result<Vec<PointSummary>> {
    let plan = read_plan(dir)?;
    let mut points: BTreeMap<usize, PointRuns> = BTreeMap::new();
    let mut recorded_task = None;
    for task in &plan.tasks {
        let entry = points.entry(task.point).or_insert_with(|| (task.values.clone(), 0, Vec::new()));
        entry.1 += 1;
        let path = dir.join(&task.run).join("metrics.json");
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let metrics: MetricsFile =
            serde_json::from_str(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        // Every run of a sweep shares its config's task: read it once.
        if recorded_task.is_none() {
            let model = std::fs::read_to_string(path.with_file_name("model.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            recorded_task = Some(medref_core::task::run_task(&metrics, &model));
        }
        entry.2.push(metrics.splits.get("test").cloned().unwrap_or_default());
    }
    let summaries: Vec<PointSummary> = points
        .into_iter()
        .map(|(point, (values, planned, runs))| {
            let mut metrics = BTreeMap::new();
            if let Some(first) = runs.first() {
                for key in first.keys().filter(|k| runs.iter().all(|r| r.contains_key(*k))) {
                    let xs: Vec<f64> = runs.iter().map(|r| r[key]).collect();
                    metrics.insert(key.clone(), mean_sd(&xs));
                }
            }
            PointSummary { point, values, planned, finished: runs.len(), metrics, task: recorded_task }
        })
        .collect();
    if summaries.iter().all(|s| s.finished == 0) {
        return Err(
            UsageError(format!("{}: no task has finished yet (no metrics.json under runs/)", dir.display())).into()
        );
    }
    write_atomic(&dir.join("summary.csv"), to_csv(&plan, &summaries).as_bytes())?;
    write_atomic(&dir.join("summary.md"), markdown(&plan, &summaries).as_bytes())?;
    Ok(summaries)
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = if xs.len() > 1 { (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() } else { 0.0 };
    (mean, sd)
}

fn metric_names(summaries: &[PointSummary]) -> Vec<String> {
    let mut names: Vec<String> = summaries.iter().flat_map(|s| s.metrics.keys().cloned()).collect();
    names.sort();
    names.dedup();
    names
}

fn value_of<'a>(values: &'a [String], key: &str) -> &'a str {
    values.iter().find_map(|v| v.strip_prefix(key).and_then(|r| r.strip_prefix('='))).unwrap_or("")
}

fn to_csv(plan: &Plan, summaries: &[PointSummary]) -> String {
    let names = metric_names(summaries);
    let mut header = vec!["point".to_string()];
    header.extend(plan.keys.iter().cloned());
    header.extend(["planned".into(), "finished".into()]);
    for n in &names {
        header.extend([format!("{n}_mean"), format!("{n}_sd")]);
    }
    let mut s = header.join(",") + "\n";
    for p in summaries {
        let mut row = vec![p.point.to_string()];
        row.extend(plan.keys.iter().map(|k| value_of(&p.values, k).to_string()));
        row.extend([p.planned.to_string(), p.finished.to_string()]);
        for n in &names {
            match p.metrics.get(n) {
                Some((m, sd)) => row.extend([format!("{m}"), format!("{sd}")]),
                None => row.extend([String::new(), String::new()]),
            }
        }
        s += &(row.join(",") + "\n");
    }
    s
}

/// The table the terminal shows: headline metrics as mean ± sd.
pub fn markdown(plan: &Plan, summaries: &[PointSummary]) -> String {
    let headline = summaries.iter().find_map(|s| s.task).map_or(&[][..], TaskKind::headline_metrics);
    let names: Vec<String> = metric_names(summaries).into_iter().filter(|n| headline.contains(&n.as_str())).collect();
    let mut s = String::from("| point |");
    for k in &plan.keys {
        s += &format!(" {k} |");
    }
    s += " seeds |";
    for n in &names {
        s += &format!(" {n} |");
    }
    s += "\n|";
    s += &"---|".repeat(plan.keys.len() + names.len() + 2);
    s += "\n";
    for p in summaries {
        s += &format!("| {} |", p.point);
        for k in &plan.keys {
            s += &format!(" {} |", value_of(&p.values, k));
        }
        s += &format!(" {}/{} |", p.finished, p.planned);
        for n in &names {
            s += &match p.metrics.get(n) {
                Some((m, sd)) => format!(" {m:.4} ± {sd:.4} |"),
                None => " - |".into(),
            };
        }
        s += "\n";
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_the_cartesian_product_in_order() {
        let (keys, points) = expand(&["train.lr=0.1,0.01".into(), "model.hidden=[8],[16]".into()]).unwrap();
        assert_eq!(keys, ["train.lr", "model.hidden"]);
        assert_eq!(points.len(), 4);
        assert_eq!(points[1], ["train.lr=0.1", "model.hidden=[16]"]);
    }

    #[test]
    fn grid_rejects_a_repeated_key_or_an_empty_value() {
        assert!(expand(&["a=1,".into()]).unwrap_err().0.contains("empty"));
        assert!(expand(&["a=1".into(), "a=2".into()]).unwrap_err().0.contains("twice"));
        assert!(expand(&["seed=1,2".into()]).unwrap_err().0.contains("--seeds"));
        assert!(expand(&["lr".into()]).unwrap_err().0.contains("KEY=V1"));
    }

    #[test]
    fn spread_is_the_sample_standard_deviation() {
        let (m, sd) = mean_sd(&[1.0, 2.0, 3.0, 4.0]);
        assert!((m - 2.5).abs() < 1e-12);
        assert!((sd - 1.290_994_448_735_805_6).abs() < 1e-12);
        assert_eq!(mean_sd(&[0.7]), (0.7, 0.0));
    }
}
