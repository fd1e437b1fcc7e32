//! Crash safety: a run killed with SIGKILL during an epoch or halfway
//! through writing a checkpoint leaves a consistent checkpoint, and
//! `medref train --resume` ends with exactly the metrics of an
//! uninterrupted run with the same seed.
//!
//! The eldercare tiny config is used because its CNN has dropout, so the
//! resumed run must also restore the random state the kill interrupted.

mod common;

use common::repo;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = "configs/eldercare/tiny.toml";

/// `medref ARGS` with extra environment variables (the crash hook).
fn medref(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_medref"));
    cmd.args(args).envs(env.iter().copied()).current_dir(repo()).env("RAYON_NUM_THREADS", "2");
    cmd.output().expect("run medref")
}

/// `medref train CONFIG --out DIR --quiet EXTRA...` started in the
/// background, its stderr kept for the caller.
fn spawn_train(dir: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_medref"))
        .args(["train", CONFIG, "--out", dir.to_str().unwrap(), "--quiet"])
        .args(extra)
        .current_dir(repo())
        .env("RAYON_NUM_THREADS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Polls `done` until it holds or two minutes have passed.
fn wait_until(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn test_metrics(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("metrics.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["test"].clone()
}

/// What a killed run must leave: no metrics, and a committed checkpoint
/// whose every file exists; returns the committed epoch.
fn assert_consistent_after_kill(dir: &Path) -> u64 {
    assert!(!dir.join("metrics.json").exists(), "a killed run must not leave metrics");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("checkpoints/state.json")).unwrap()).unwrap();
    for key in ["last", "optimizer", "best"] {
        let file = state[key].as_str().unwrap();
        assert!(dir.join("checkpoints").join(file).is_file(), "state.json names missing {file}");
    }
    let epoch = state["epoch"].as_u64().unwrap();
    assert_eq!(state["history"].as_array().unwrap().len() as u64, epoch);
    epoch
}

/// Resumes a CPU run; with `--quiet` medref itself prints nothing, so any
/// stderr (a GPU loader's warnings, say) is a failure.
fn resume(dir: &Path) {
    let o = medref(&["train", "--resume", dir.to_str().unwrap(), "--quiet"], &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !err.contains("panicked"), "resume failed: {err}");
    assert!(err.trim().is_empty(), "a CPU resume must print nothing on stderr, got: {err}");
}

#[test]
fn killed_runs_resume_to_the_uninterrupted_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let o = medref(&["train", CONFIG, "--out", full.to_str().unwrap(), "--quiet"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let expected = test_metrics(&full);

    // Killed at exact places: after the first batch of epoch 3, and after
    // epoch 4's weights were written but before its state was committed.
    for (fault, committed) in [("epoch:3", 2), ("checkpoint:4", 3)] {
        let dir = tmp.path().join(fault.replace(':', "-"));
        let o = medref(&["train", CONFIG, "--out", dir.to_str().unwrap(), "--quiet"], &[("MEDREF_FAULT_KILL", fault)]);
        assert_eq!(o.status.code(), None, "{fault}: the run must die by a signal");
        assert_eq!(assert_consistent_after_kill(&dir), committed, "{fault}");
        resume(&dir);
        assert_eq!(test_metrics(&dir), expected, "{fault}: resumed metrics differ from the uninterrupted run");
        let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        assert!(manifest.contains("\"status\": \"finished\""), "{manifest}");
    }

    // Killed from outside, wherever training happens to be once two epochs
    // have been committed.
    let dir = tmp.path().join("external");
    let mut child = spawn_train(&dir, &[]);
    let state = dir.join("checkpoints/state.json");
    wait_until(|| {
        let epochs = std::fs::read_to_string(&state)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["epoch"].as_u64())
            .unwrap_or(0);
        epochs >= 2
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    if !dir.join("metrics.json").exists() {
        assert_consistent_after_kill(&dir);
        resume(&dir);
    }
    assert_eq!(test_metrics(&dir), expected, "externally killed run, resumed");
}

#[test]
fn resume_refuses_finished_runs_and_runs_without_a_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let done = tmp.path().join("done");
    let o = medref(&["train", "configs/clinical/tiny.toml", "--out", done.to_str().unwrap(), "--quiet"], &[]);
    assert!(o.status.success());
    let o = medref(&["train", "--resume", done.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already finished"));

    std::fs::write(done.join("manifest.json"), "{\"status\": \"running\"}").unwrap();
    // A linear model is solved directly and never writes a checkpoint.
    let _ = std::fs::remove_file(done.join("checkpoints/state.json"));
    let o = medref(&["train", "--resume", done.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no committed checkpoint"));

    let o = medref(&["train", "--resume", tmp.path().join("nothing").to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to resume"));
}

/// Ctrl-C (SIGINT) or a cluster's SIGTERM mid-run stops at the next batch
/// boundary: exit 130 or 143, one line with the resume command, the
/// manifest marked interrupted, and `--resume` ends with the metrics of
/// the uninterrupted run.
#[test]
fn a_signal_stops_a_run_that_then_resumes_to_the_uninterrupted_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let o = medref(&["train", CONFIG, "--out", full.to_str().unwrap(), "--quiet"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let dir = tmp.path().join(&signal[1..]);
        let child = spawn_train(&dir, &[]);
        wait_until(|| dir.join("checkpoints/state.json").exists());
        let killed = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if dir.join("metrics.json").exists() {
            continue; // finished before the signal arrived: nothing to test
        }
        assert_eq!(out.status.code(), Some(code), "{signal}: {err}");
        assert!(err.contains(&format!("continue with: medref train --resume {}", dir.display())), "{err}");
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
        assert!(manifest["status"].as_str().unwrap().starts_with("interrupted after epoch"), "{manifest}");
        assert_consistent_after_kill(&dir);
        resume(&dir);
        assert_eq!(test_metrics(&dir), test_metrics(&full), "{signal}: resumed metrics differ");
    }
}

/// A run killed outright (SIGKILL: no handler runs) leaves a manifest
/// saying `running` and a lock file with its dead pid. `eval` and `report`
/// call it interrupted, naming the committed epoch and the resume command;
/// the dead process's lock is no obstacle to `--resume`, which says what
/// happened and ends with the uninterrupted metrics.
#[test]
fn a_run_whose_process_died_is_reported_as_interrupted_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let o = medref(&["train", CONFIG, "--out", full.to_str().unwrap(), "--quiet"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let dir = tmp.path().join("killed");
    let d = dir.to_str().unwrap();
    let o = medref(&["train", CONFIG, "--out", d, "--quiet"], &[("MEDREF_FAULT_KILL", "epoch:3")]);
    assert_eq!(o.status.code(), None, "the run must die by a signal");
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"status\": \"running\""), "{manifest}");
    assert!(dir.join(".medref.lock").is_file(), "the dead run's lock file stays behind");

    for args in [vec!["eval", d], vec!["report", d]] {
        let o = medref(&args, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("interrupted after epoch 2 (its process ended without finishing)"), "{args:?}: {err}");
        assert!(err.contains(&format!("medref train --resume {d}")), "{args:?}: {err}");
    }

    let o = medref(&["train", "--resume", d], &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("the run's process ended without finishing"), "{err}");
    assert_eq!(test_metrics(&dir), test_metrics(&full), "resumed metrics differ from the uninterrupted run");
}

/// A second `train` into a directory another process is still writing is
/// refused (exit 2, naming the holder's pid) even with `--force`, and the
/// first run finishes as if alone. A lock left by a killed run is no
/// obstacle: the kill tests above resume into such directories.
#[test]
fn a_second_writer_is_refused_while_a_run_writes_its_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let mut first = spawn_train(&dir, &["--set", "train.epochs=200", "--set", "train.patience=0"]);
    wait_until(|| dir.join("manifest.json").exists());
    let second = medref(&["train", CONFIG, "--out", dir.to_str().unwrap(), "--quiet", "--force"], &[]);
    let err = String::from_utf8_lossy(&second.stderr);
    let finished_first = dir.join("metrics.json").exists();
    let status = first.wait().unwrap();
    assert!(status.success(), "the first run must finish undisturbed");
    if !finished_first {
        assert_eq!(second.status.code(), Some(2), "{err}");
        let holder = format!("medref process {} is writing this directory", first.id());
        assert!(err.contains(&holder), "{err}");
        assert!(test_metrics(&dir)["n"].as_f64().is_some(), "the first run's metrics are whole");
    }
}

/// A weight file changed after the run wrote it is refused by `eval` and
/// `predict` (its digest is in `manifest.json`), and a damaged checkpoint
/// by `--resume` (its digest is in `state.json`), each naming the file.
#[test]
fn changed_weights_and_damaged_checkpoints_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = medref(&["train", CONFIG, "--out", run.to_str().unwrap(), "--quiet", "--set", "train.epochs=2"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = std::fs::read_to_string(run.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"weights_sha256\"") && manifest.contains("model.safetensors"), "{manifest}");
    let o = medref(&["eval", run.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let weights = run.join("model.bpk");
    let mut bytes = std::fs::read(&weights).unwrap();
    let i = bytes.len() - 16;
    bytes[i] ^= 1;
    std::fs::write(&weights, bytes).unwrap();
    let o = medref(&["eval", run.to_str().unwrap()], &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("model.bpk") && err.contains("differs from the SHA-256 in manifest.json"), "{err}");

    // Killed after its second epoch's weights were written, before the
    // commit: the committed epoch 1 is resumable until a byte of it flips.
    let killed = tmp.path().join("killed");
    let o = medref(
        &["train", CONFIG, "--out", killed.to_str().unwrap(), "--quiet"],
        &[("MEDREF_FAULT_KILL", "checkpoint:2")],
    );
    assert_eq!(o.status.code(), None, "the run must die by a signal");
    let state = std::fs::read_to_string(killed.join("checkpoints/state.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    let last = state["last"].as_str().unwrap();
    let path = killed.join("checkpoints").join(last);
    let mut bytes = std::fs::read(&path).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let o = medref(&["train", "--resume", killed.to_str().unwrap()], &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(last) && err.contains("differs from the SHA-256 that state.json committed"), "{err}");
}

/// Every tiny config whose model the loop trains (ResNet with batch norm,
/// DNA CNN, MLP, signal CNN, TCN; the linear model is solved directly and
/// has no epochs to resume), killed after its first committed epoch,
/// during a batch, and between writing and committing a checkpoint, ends
/// with exactly the uninterrupted run's metrics.
#[test]
fn every_tiny_config_resumes_to_the_uninterrupted_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let configs = [
        "configs/imaging/tiny.toml",
        "configs/genomics/tiny.toml",
        "configs/genomics/tiny-bed.toml",
        "configs/genomics/tiny-fasta-classes.toml",
        "configs/drug/tiny.toml",
        "configs/eldercare/tiny-falls.toml",
        "configs/surgery/tiny.toml",
        "configs/surgery/tiny-cholec80.toml",
    ];
    for config in configs {
        let name = Path::new(config).file_stem().unwrap().to_string_lossy().into_owned();
        let domain = Path::new(config).parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        let full = tmp.path().join(format!("{domain}-{name}-full"));
        let o = medref(&["train", config, "--out", full.to_str().unwrap(), "--quiet"], &[]);
        assert!(o.status.success(), "{config}: {}", String::from_utf8_lossy(&o.stderr));
        let expected = test_metrics(&full);
        // `epoch:2` dies in epoch 2's first batch, one epoch committed;
        // `epoch:4` a little later; `checkpoint:3` after epoch 3's files
        // are written but before they are committed.
        for (fault, committed) in [("epoch:2", 1), ("epoch:4", 3), ("checkpoint:3", 2)] {
            let dir = tmp.path().join(format!("{domain}-{name}-{}", fault.replace(':', "-")));
            let o =
                medref(&["train", config, "--out", dir.to_str().unwrap(), "--quiet"], &[("MEDREF_FAULT_KILL", fault)]);
            assert_eq!(o.status.code(), None, "{config} {fault}: the run must die by a signal");
            assert_eq!(assert_consistent_after_kill(&dir), committed, "{config} {fault}");
            resume(&dir);
            assert_eq!(
                test_metrics(&dir),
                expected,
                "{config} {fault}: resumed metrics differ from the uninterrupted run"
            );
        }
    }
}
