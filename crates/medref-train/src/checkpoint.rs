//! Checkpoints and weights on disk, always written atomically.
//!
//! After every epoch the model, the optimiser state and (when the monitored
//! metric improved) the best model are written under names carrying the
//! epoch, then `state.json` is replaced atomically to point at them: that
//! rename is the commit. Only then are the previous epoch's files removed.
//! A run killed at any point, even halfway through a checkpoint, therefore
//! leaves one complete, consistent epoch to resume from (`medref train
//! --resume`), never a torn file or a model from one epoch with the
//! optimiser of another.
//!
//! The commit also records the SHA-256 of every file it points at, and a
//! resume checks them: a checkpoint damaged or changed after it was saved
//! would otherwise be trusted and give a different result without a word.

use crate::history::EpochRecord;
use crate::TrainError;
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use medref_core::fsutil::{sha256_bytes, sha256_path, write_atomic};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `checkpoints/state.json`: the last committed epoch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Epochs finished (1-based number of the last one).
    pub epoch: usize,
    /// Files in the checkpoint folder.
    pub last: String,
    pub optimizer: String,
    pub best: Option<String>,
    pub best_epoch: usize,
    pub history: Vec<EpochRecord>,
    /// File name -> SHA-256 of the files above, as written (absent in
    /// checkpoints from before digests were recorded: those are not checked).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sha256: BTreeMap<String, String>,
}

/// The `checkpoints/` folder of a run.
pub struct Checkpoints {
    dir: PathBuf,
    /// The best epoch's file, epoch and digest.
    best: Option<(String, usize, String)>,
    resume: Option<CheckpointState>,
}

impl Checkpoints {
    pub fn create(dir: &Path) -> Result<Self, TrainError> {
        std::fs::create_dir_all(dir).map_err(TrainError::io(dir))?;
        Ok(Self { dir: dir.to_path_buf(), best: None, resume: None })
    }

    /// Opens the folder of an interrupted run; the state to continue from is
    /// then handed to the training loop by [`Checkpoints::take_resume`].
    pub fn open_for_resume(dir: &Path) -> Result<Self, TrainError> {
        let path = dir.join("state.json");
        let text = std::fs::read_to_string(&path).map_err(|_| TrainError::RunDir {
            path: dir.to_path_buf(),
            message: "has no committed checkpoint (state.json): the run stopped before its first epoch ended; \
                      train it again instead of resuming"
                .into(),
        })?;
        let state: CheckpointState = serde_json::from_str(&text).map_err(|e| TrainError::RunDir {
            path: path.clone(),
            message: format!("is not a checkpoint state: {e}"),
        })?;
        verify_digests(dir, &state)?;
        // Temporary files of a write the kill interrupted were never committed.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().ends_with(".tmp") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let best = state.best.clone().map(|b| {
            let digest = state.sha256.get(&b).cloned().unwrap_or_default();
            (b, state.best_epoch, digest)
        });
        Ok(Self { dir: dir.to_path_buf(), best, resume: Some(state) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn take_resume(&mut self) -> Option<CheckpointState> {
        self.resume.take()
    }

    /// Commits one finished epoch (see the module doc).
    pub fn save_epoch<M: Module + Clone>(
        &mut self,
        model: &M,
        optim: &ModuleOptimizer,
        history: &[EpochRecord],
        improved: bool,
    ) -> Result<(), TrainError> {
        let epoch = history.len();
        let mut sha256 = BTreeMap::new();
        let last = format!("last-{epoch}.bpk");
        sha256.insert(last.clone(), save_weights(model, &self.dir.join(&last))?);
        if improved {
            let best = format!("best-{epoch}.bpk");
            let digest = save_weights(model, &self.dir.join(&best))?;
            self.best = Some((best, epoch, digest));
        }
        if let Some((file, _, digest)) = &self.best {
            sha256.insert(file.clone(), digest.clone());
        }
        fault_point("checkpoint", epoch);
        let optimizer = format!("optimizer-{epoch}.bin");
        let path = self.dir.join(&optimizer);
        let bytes =
            optim.into_bytes().map_err(|e| TrainError::Weights { path: path.clone(), message: e.to_string() })?;
        write_atomic(&path, &bytes).map_err(TrainError::io(&path))?;
        sha256.insert(optimizer.clone(), sha256_bytes(&bytes));
        let state = CheckpointState {
            epoch,
            last,
            optimizer,
            best: self.best.as_ref().map(|b| b.0.clone()),
            best_epoch: self.best.as_ref().map_or(0, |b| b.1),
            history: history.to_vec(),
            sha256,
        };
        let path = self.dir.join("state.json");
        let json = serde_json::to_vec_pretty(&state).expect("checkpoint state serialises");
        write_atomic(&path, &json).map_err(TrainError::io(&path))?;
        // Committed: files of earlier epochs are no longer referenced.
        let keep = [Some(&state.last), Some(&state.optimizer), state.best.as_ref()];
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let ours = name.ends_with(".bpk") || name.starts_with("optimizer-");
                if ours && !keep.iter().flatten().any(|k| **k == name) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }
}

/// Crash-test hook: with `MEDREF_FAULT_KILL=<where>:<epoch>` the process
/// kills itself with SIGKILL at that point (`epoch`: after the first batch
/// of the epoch; `checkpoint`: after the epoch's weights are written but
/// before its state is committed). Tests use it to kill a run at exact,
/// repeatable places; it does nothing when the variable is unset.
pub fn fault_point(place: &str, epoch: usize) {
    let Ok(spec) = std::env::var("MEDREF_FAULT_KILL") else { return };
    if spec != format!("{place}:{epoch}") {
        return;
    }
    let pid = std::process::id().to_string();
    let _ = std::process::Command::new("kill").args(["-9", &pid]).status();
    std::thread::sleep(std::time::Duration::from_secs(60));
    std::process::abort();
}

/// Checks every committed file against the digest `state.json` recorded.
fn verify_digests(dir: &Path, state: &CheckpointState) -> Result<(), TrainError> {
    let Err(mismatch) = check_sha256(dir, &state.sha256) else { return Ok(()) };
    let what = match mismatch.unreadable {
        Some(_) => "is missing, though state.json commits it",
        None => "differs from the SHA-256 that state.json committed (damaged or changed since it was saved)",
    };
    Err(TrainError::RunDir {
        path: mismatch.path,
        message: format!("{what}; the run cannot resume from it (train it again, with --force)"),
    })
}

/// A file that does not match the SHA-256 recorded for it.
pub(crate) struct DigestMismatch {
    pub path: PathBuf,
    /// Why it could not be read; `None` when it was read and differs.
    pub unreadable: Option<std::io::Error>,
}

/// Each of `files` (file name in `dir` -> recorded SHA-256) against its
/// bytes on disk: the first missing or changed one, if any. Checkpoints
/// (`state.json`) and a finished run's weights (`manifest.json`) both
/// vouch for their files this way.
pub(crate) fn check_sha256(dir: &Path, files: &BTreeMap<String, String>) -> Result<(), DigestMismatch> {
    for (file, want) in files {
        let path = dir.join(file);
        match sha256_path(&path) {
            Ok(got) if &got == want => {}
            Ok(_) => return Err(DigestMismatch { path, unreadable: None }),
            Err(e) => return Err(DigestMismatch { path, unreadable: Some(e) }),
        }
    }
    Ok(())
}

/// Writes a model's parameters (burnpack format) atomically; returns the
/// SHA-256 of the bytes written.
///
/// Saved from `valid()`: a running statistic (batch norm) holds its latest
/// update apart until the next one, and only `valid()` folds it in, so a
/// plain record would miss one step and a resumed run would drift.
pub fn save_weights<M: Module + Clone>(model: &M, path: &Path) -> Result<String, TrainError> {
    let bytes = model
        .valid()
        .into_record()
        .into_bytes()
        .map_err(|e| TrainError::Weights { path: path.to_path_buf(), message: e.to_string() })?;
    write_atomic(path, &bytes).map_err(TrainError::io(path))?;
    Ok(sha256_bytes(&bytes))
}

/// Loads parameters saved by [`save_weights`] into a freshly built model of
/// the same architecture; a mismatch is an error, not a panic.
pub fn load_weights<M: Module>(model: M, path: &Path) -> Result<M, TrainError> {
    let bytes = std::fs::read(path).map_err(TrainError::io(path))?;
    let weights_error = |message: String| TrainError::Weights { path: path.to_path_buf(), message };
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| weights_error(e.to_string()))?;
    model.try_load_record(record).map_err(|e| weights_error(e.to_string()))
}
