//! Checkpoints and weights on disk, always written atomically.
//!
//! After every epoch the latest model, the optimiser state and the history
//! so far are saved; the best model (by the monitored validation metric) is
//! saved whenever it improves. A run killed at any point leaves the previous
//! complete files, never a torn one.

use crate::fit::EpochRecord;
use crate::TrainError;
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use medref_core::fsutil::write_atomic;
use std::path::{Path, PathBuf};

/// The `checkpoints/` folder of a run.
pub struct Checkpoints {
    dir: PathBuf,
}

impl Checkpoints {
    pub fn create(dir: &Path) -> Result<Self, TrainError> {
        std::fs::create_dir_all(dir).map_err(TrainError::io(dir))?;
        Ok(Self { dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Saves `last.bpk`, `optimizer.bin`, `history.json`, and `best.bpk` if
    /// this epoch improved on the best so far.
    pub fn save_epoch<M: Module + Clone>(
        &mut self,
        model: &M,
        optim: &ModuleOptimizer,
        history: &[EpochRecord],
        improved: bool,
    ) -> Result<(), TrainError> {
        save_weights(model, &self.dir.join("last.bpk"))?;
        if improved {
            save_weights(model, &self.dir.join("best.bpk"))?;
        }
        let path = self.dir.join("optimizer.bin");
        let bytes = optim.into_bytes().map_err(|e| TrainError::Weights {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &bytes).map_err(TrainError::io(&path))?;
        let path = self.dir.join("history.json");
        let json = serde_json::to_vec_pretty(history).expect("history serialises");
        write_atomic(&path, &json).map_err(TrainError::io(&path))
    }
}

/// Writes a model's parameters (burnpack format) atomically.
pub fn save_weights<M: Module + Clone>(model: &M, path: &Path) -> Result<(), TrainError> {
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| TrainError::Weights { path: path.to_path_buf(), message: e.to_string() })?;
    write_atomic(path, &bytes).map_err(TrainError::io(path))
}

/// Loads parameters saved by [`save_weights`] into a freshly built model of
/// the same architecture; a mismatch is an error, not a panic.
pub fn load_weights<M: Module>(model: M, path: &Path) -> Result<M, TrainError> {
    let bytes = std::fs::read(path).map_err(TrainError::io(path))?;
    let weights_error = |message: String| TrainError::Weights { path: path.to_path_buf(), message };
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| weights_error(e.to_string()))?;
    model.try_load_record(record).map_err(|e| weights_error(e.to_string()))
}
