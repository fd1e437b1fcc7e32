//! Errors of training and evaluation, split by whose fault they are so the
//! CLI can tell bad input (exit 2) from a failure of the run itself.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A reader's error: the input file or its contents are at fault.
    #[error(transparent)]
    Input(Box<dyn std::error::Error + Send + Sync>),
    /// The asked-for device cannot be used on this machine.
    #[error("{0}")]
    Device(String),
    /// The data and config do not fit together (wrong channels, one class only...).
    #[error("{0}")]
    Mismatch(String),
    #[error("{path}: {message}")]
    RunDir { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot read or write model weights: {message}")]
    Weights { path: PathBuf, message: String },
    /// Training diverged; the message says where and what to try.
    #[error("{0}")]
    Diverged(String),
    /// A signal asked the run to stop; `epochs` were committed in `dir`
    /// (empty until the run names it).
    #[error(
        "stopped by {} with {epochs} epoch(s) committed; continue with: medref train --resume {}",
        crate::interrupt::signal_name(*signal),
        dir.display()
    )]
    Interrupted { signal: i32, epochs: usize, dir: PathBuf },
}

impl TrainError {
    /// Whether the user's input (config, data, device choice, run directory)
    /// is at fault, as opposed to the run failing on good input.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            TrainError::Input(_)
                | TrainError::Device(_)
                | TrainError::Mismatch(_)
                | TrainError::RunDir { .. }
                | TrainError::Weights { .. }
        )
    }

    /// Maps an I/O error on `path` into a [`TrainError::Io`] naming it.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> TrainError {
        let path = path.into();
        move |source| TrainError::Io { path, source }
    }
}

/// Every reader's error (DNA and images, tables, signals) converts with
/// `?`, keeping its message, as bad input.
impl<E: medref_core::input_error::InputError> From<E> for TrainError {
    fn from(e: E) -> Self {
        TrainError::Input(Box::new(e))
    }
}
