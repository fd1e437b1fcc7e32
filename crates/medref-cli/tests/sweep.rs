//! `medref sweep`: a 4-point grid times 2 seeds runs here as plain
//! processes and collects into one table; the Slurm array job it writes
//! runs the same tasks (through a real scheduler when one is present).

mod common;

use common::medref;
use std::path::Path;
use std::process::{Command, Output};

fn ok(o: &Output) -> String {
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    out.into_owned()
}

fn rows(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    text.lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
}

const GRID: [&str; 4] = ["--grid", "train.lr=0.01,0.03", "--grid", "train.batch_size=16,32"];

#[test]
fn local_sweep_of_four_points_and_two_seeds_collects_mean_and_spread() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let d = dir.to_str().unwrap();
    let mut args = vec!["sweep", "configs/clinical/tiny.toml"];
    args.extend(GRID);
    args.extend(["--seeds", "2", "--jobs", "2", "--out", d]);
    let out = ok(&medref(&args));
    assert!(out.contains("| point | train.lr | train.batch_size | seeds |"), "{out}");

    let table = rows(&dir);
    let header = &table[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} in {header:?}"));
    assert_eq!(table.len(), 5, "four grid points");
    let (lr, bs, fin, mean, sd) =
        (col("train.lr"), col("train.batch_size"), col("finished"), col("auroc_mean"), col("auroc_sd"));
    let points: Vec<(String, String)> = table[1..].iter().map(|r| (r[lr].clone(), r[bs].clone())).collect();
    assert_eq!(
        points,
        [("0.01", "16"), ("0.01", "32"), ("0.03", "16"), ("0.03", "32")].map(|(a, b)| (a.into(), b.into()))
    );
    for r in &table[1..] {
        assert_eq!(r[fin], "2");
        let (m, s): (f64, f64) = (r[mean].parse().unwrap(), r[sd].parse().unwrap());
        assert!(m > 0.8 && m <= 1.0, "mean AUROC {m}");
        assert!((0.0..0.1).contains(&s), "spread {s}");
    }
    // Two seeds of one point really are different runs.
    let seed0 = std::fs::read_to_string(dir.join("runs/p000-seed0/metrics.json")).unwrap();
    let seed1 = std::fs::read_to_string(dir.join("runs/p000-seed1/metrics.json")).unwrap();
    assert_ne!(seed0, seed1);

    // A finished task is not trained again (a requeued array job).
    let again = ok(&medref(&["sweep", "task", d, "0"]));
    assert!(again.contains("already finished"), "{again}");

    // A task that has not finished shows as 1 of 2 seeds.
    std::fs::remove_file(dir.join("runs/p003-seed1/metrics.json")).unwrap();
    ok(&medref(&["sweep", "collect", d]));
    let last = rows(&dir).pop().unwrap();
    assert_eq!(last[fin], "1");
    assert_eq!(last[sd], "0");

    let o = medref(&["sweep", "task", d, "99"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("task 99 does not exist (8 tasks)"));
}

#[test]
fn a_bad_grid_key_is_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let o =
        medref(&["sweep", "configs/clinical/tiny.toml", "--grid", "train.lrr=0.1,0.2", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("train.lrr=0.1") && err.contains("unknown field `lrr`"), "{err}");
    assert!(!dir.exists());
}

/// The Slurm array job: one task per run. With `MEDREF_SLURM=1` and a
/// scheduler on PATH (CI starts a one-node cluster on loopback with
/// `scripts/slurm-local-cluster`), it is submitted for real and collected.
#[test]
fn slurm_array_job_runs_one_task_per_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let d = dir.to_str().unwrap();
    let mut args = vec!["sweep", "configs/clinical/tiny.toml"];
    args.extend(GRID);
    args.extend(["--emit", "slurm", "--cpus", "1", "--time", "00:10:00", "--out", d]);
    ok(&medref(&args));
    let script = std::fs::read_to_string(dir.join("sweep.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-3\n"), "{script}");
    assert!(script.contains("#SBATCH --cpus-per-task=1\n"));
    assert!(script.contains("#SBATCH --signal=B:TERM@120\n"), "{script}");
    assert!(script.contains("sweep task"));
    assert!(!dir.join("runs").exists(), "emitting must not train");

    if std::env::var("MEDREF_SLURM").as_deref() != Ok("1") {
        eprintln!("MEDREF_SLURM is not 1: the array job was written but not submitted");
        return;
    }
    let o = Command::new("sbatch").arg("--wait").arg(dir.join("sweep.sbatch")).output().expect("sbatch on PATH");
    assert!(o.status.success(), "sbatch: {}", String::from_utf8_lossy(&o.stderr));
    ok(&medref(&["sweep", "collect", d]));
    let table = rows(&dir);
    assert_eq!(table.len(), 5);
    let fin = table[0].iter().position(|h| h == "finished").unwrap();
    assert!(table[1..].iter().all(|r| r[fin] == "1"), "{table:?}");
}

/// Slurm's warning before a time limit or a preemption, sent for real:
/// `scancel --signal=TERM --batch` reaches medref (the batch step, through
/// the script's `exec`), which stops at a batch boundary with its epochs
/// committed and the manifest saying so; submitting the same script again
/// resumes the task to the end.
#[test]
fn a_slurm_task_signalled_before_its_time_limit_stops_cleanly_and_resumes() {
    if std::env::var("MEDREF_SLURM").as_deref() != Ok("1") {
        eprintln!("MEDREF_SLURM is not 1: no scheduler to signal a task through");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let d = dir.to_str().unwrap();
    let long = ["--grid", "train.epochs=400", "--grid", "train.patience=0"];
    let mut args = vec!["sweep", "configs/eldercare/tiny.toml"];
    args.extend(long);
    args.extend(["--emit", "slurm", "--cpus", "1", "--time", "00:10:00", "--out", d]);
    ok(&medref(&args));
    let script = dir.join("sweep.sbatch");
    let o = Command::new("sbatch").arg("--parsable").arg(&script).output().expect("sbatch on PATH");
    let job = ok(&o).trim().split(';').next().unwrap().to_string();

    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sweep.json")).unwrap()).unwrap();
    let run = dir.join(plan["tasks"][0]["run"].as_str().unwrap());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while !run.join("checkpoints/state.json").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(run.join("checkpoints/state.json").exists(), "the task never committed an epoch");
    ok(&Command::new("scancel").args(["--signal=TERM", "--batch", &job]).output().unwrap());
    while std::time::Instant::now() < deadline {
        let queued = Command::new("squeue").args(["-h", "-j", &job]).output().unwrap();
        if String::from_utf8_lossy(&queued.stdout).trim().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    let status = manifest["status"].as_str().unwrap();
    assert!(status.starts_with("interrupted after epoch"), "{status}");
    let logs: String = std::fs::read_dir(dir.join("logs"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    assert!(logs.contains("stopped by SIGTERM") && logs.contains("medref train --resume"), "{logs}");

    // Resubmitted, the task resumes from its committed epochs and finishes.
    let o = Command::new("sbatch").arg("--wait").arg(&script).output().unwrap();
    assert!(o.status.success(), "sbatch: {}", String::from_utf8_lossy(&o.stderr));
    let manifest = std::fs::read_to_string(run.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"status\": \"finished\""), "{manifest}");
}
