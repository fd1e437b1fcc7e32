//! The files of a run directory that every domain writes alike.
//!
//! Layout: `config.toml` (resolved), `manifest.json`, `metrics.json`,
//! `predictions.csv`, `history.csv`, `model.bpk` + `model.json` (weights and
//! what is needed to rebuild the network), `checkpoints/`; a domain's
//! baseline adds its own files beside them.

use crate::examples::Targets;
use crate::TrainError;
use medref_core::config::DataConfig;
use medref_core::fsutil::{sha256_path, write_atomic};
use medref_core::manifest::{is_interrupted, RunManifest};
use medref_core::run_lock::{self, DirLock, LockError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A run can be resumed when it has a committed checkpoint, has not
/// finished, and its data are still the data it started with.
/// Returns a note for the user when the run's process had died.
pub(crate) fn check_resumable(dir: &Path, data: &DataConfig) -> Result<Option<String>, TrainError> {
    let refuse = |message: String| TrainError::RunDir { path: dir.to_path_buf(), message };
    let text = std::fs::read_to_string(dir.join("manifest.json"))
        .map_err(|_| refuse("is not a medref run directory (no manifest.json); nothing to resume".into()))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| refuse(format!("manifest.json is not valid JSON: {e}")))?;
    if manifest["status"] == "finished" {
        return Err(refuse("has already finished; nothing to resume".into()));
    }
    // This process holds the lock, so a run whose manifest still says
    // `running` is gone: say so rather than resume silently.
    let note = (manifest["status"] == "running").then(|| {
        format!(
            "{}: the run's process ended without finishing (its manifest still said running); resuming it",
            dir.display()
        )
    });
    if !dir.join("checkpoints/state.json").is_file() {
        return Err(refuse(
            "has no committed checkpoint (checkpoints/state.json): it stopped before its first epoch ended; train it again".into(),
        ));
    }
    let digest = dataset_digest(data)?;
    if manifest["dataset_sha256"].as_str() != Some(digest.as_str()) {
        return Err(refuse(format!(
            "was trained on other data: {} has changed since the run started (SHA-256 differs)",
            data.path().display()
        )));
    }
    Ok(note)
}

/// Takes `dir`'s writer lock for as long as the returned guard lives
/// (train, resume, and the commands that write into a run or a bundle).
pub fn lock_run_dir(dir: &Path) -> Result<DirLock, TrainError> {
    run_lock::lock_dir(dir).map_err(|e| match e {
        LockError::Io { path, source } => TrainError::Io { path, source },
        LockError::Busy { holder, .. } => {
            TrainError::RunDir { path: dir.to_path_buf(), message: run_lock::busy_reason(holder) }
        }
    })
}

/// A run that commands may read as a finished result: not still being
/// written by another process, and not stopped early (an interrupted run,
/// or one whose manifest says `running` though its process is gone, has no
/// final weights to evaluate; it is resumed instead).
pub(crate) fn check_finished(dir: &Path) -> Result<(), TrainError> {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else { return Ok(()) };
    let Ok(manifest) = serde_json::from_str::<RunManifest>(&text) else { return Ok(()) };
    let status = manifest.status_now(dir);
    let refuse = |message: String| Err(TrainError::RunDir { path: dir.to_path_buf(), message });
    if status.starts_with("running") {
        return refuse(format!("is still training ({status}); wait for it to finish"));
    }
    if is_interrupted(&status) {
        return refuse(format!("was {status}; continue it with: medref train --resume {}", dir.display()));
    }
    Ok(())
}

fn is_lock(entry: &std::fs::DirEntry) -> bool {
    entry.file_name() == medref_core::run_lock::LOCK_FILE
}

/// Whether a fresh run may write `dir`: it is new or empty, or `force`
/// is given and it holds a run (never an arbitrary folder, `--out .`).
/// Checked before the lock is taken, so a refused `--out` gets no lock
/// file; returns whether there is an old run to remove.
pub(crate) fn check_replaceable(dir: &Path, force: bool) -> Result<bool, TrainError> {
    if !dir.exists() {
        return Ok(false);
    }
    // A lock file (of this run, or of one that ended) is not content.
    let non_empty = std::fs::read_dir(dir).map_err(TrainError::io(dir))?.flatten().any(|e| !is_lock(&e));
    if non_empty && !force {
        return Err(TrainError::RunDir {
            path: dir.to_path_buf(),
            message: "already exists and is not empty; choose another --out or pass --force to replace it".into(),
        });
    }
    if non_empty && !dir.join("manifest.json").is_file() {
        return Err(TrainError::RunDir {
            path: dir.to_path_buf(),
            message: "is not a medref run directory (no manifest.json); --force only replaces runs, \
                      choose an empty or new --out"
                .into(),
        });
    }
    Ok(non_empty)
}

/// Prepares the run directory (with its lock held): refuses to touch
/// another run's files unless `force`, in which case the old run is
/// removed first.
pub(crate) fn prepare_run_dir(dir: &Path, force: bool) -> Result<(), TrainError> {
    if check_replaceable(dir, force)? {
        // Everything but the lock: removing its file would let a second
        // writer lock a new one beside this run.
        for entry in std::fs::read_dir(dir).map_err(TrainError::io(dir))?.flatten().filter(|e| !is_lock(e)) {
            let path = entry.path();
            let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            removed.map_err(TrainError::io(&path))?;
        }
    }
    std::fs::create_dir_all(dir).map_err(TrainError::io(dir))
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), TrainError> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("plain data serialises to JSON");
    bytes.push(b'\n');
    write_atomic(path, &bytes).map_err(TrainError::io(path))
}

/// `id,split,label,score_0,...` for each split; multi-label rows carry
/// `label_j` and `score_j` columns per label.
pub fn predictions_csv(splits: &[(&str, &[String], &Targets, &[f64])]) -> String {
    let Some((_, _, first, _)) = splits.first() else {
        return String::new();
    };
    let k = first.n_outputs();
    let mut s = String::from("id,split");
    match first {
        Targets::Classes { .. } | Targets::Regression { .. } | Targets::Frames { .. } | Targets::Masks(_) => {
            s.push_str(",label")
        }
        // `label` is the event indicator, so the report reads it as any run's.
        Targets::Survival { .. } => s.push_str(",label,time"),
        Targets::MultiLabel { .. } => (0..k).for_each(|j| s.push_str(&format!(",label_{j}"))),
    }
    (0..k).for_each(|j| s.push_str(&format!(",score_{j}")));
    s.push('\n');
    for (name, rows, targets, scores) in splits {
        for (i, row) in rows.iter().enumerate() {
            s.push_str(&format!("{},{name}", csv_field(row)));
            match targets {
                Targets::Classes { labels, .. } => s.push_str(&format!(",{}", labels[i])),
                Targets::Regression { values, .. } => s.push_str(&format!(",{}", values[i])),
                Targets::Survival { time, event } => s.push_str(&format!(",{},{}", u8::from(event[i]), time[i])),
                Targets::Frames { labels, .. } => s.push_str(&format!(",{}", labels[i])),
                Targets::Masks(m) => s.push_str(&format!(",{}", m.labels[i])),
                Targets::MultiLabel { labels, .. } => {
                    (0..k).for_each(|j| s.push_str(&format!(",{}", labels[i * k + j])))
                }
            }
            for j in 0..k {
                s.push_str(&format!(",{:.6}", scores[i * k + j]));
            }
            s.push('\n');
        }
    }
    s
}

pub(crate) fn dataset_digest(data: &DataConfig) -> Result<String, TrainError> {
    let inputs = data.inputs();
    let digests = inputs.iter().map(|p| sha256_path(p).map_err(TrainError::io(*p))).collect::<Result<Vec<_>, _>>()?;
    Ok(match digests.as_slice() {
        [one] => one.clone(),
        many => medref_core::fsutil::sha256_bytes(many.join("\n").as_bytes()),
    })
}

/// Versions of the crates whose code produced the numbers.
pub fn crate_versions() -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    v.insert("medref".into(), env!("CARGO_PKG_VERSION").into());
    v.insert("burn".into(), env!("MEDREF_BURN_VERSION").into());
    v.insert("rustc".into(), env!("MEDREF_RUSTC_VERSION").into());
    v
}

pub(crate) fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub use medref_core::csv_text::csv_field;
