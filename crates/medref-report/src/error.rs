//! Errors of report writing; each names the file it concerns.

use std::path::PathBuf;

/// Why a report or model card could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file every finished run has is absent.
    #[error("{}: not found; is this a finished medref run directory (one that `medref train` completed)?", .path.display())]
    Missing { path: PathBuf },
    /// The file exists but could not be read.
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but does not hold what a run writes there.
    #[error("{}: {message}", .path.display())]
    Parse { path: PathBuf, message: String },
    /// The report could not be written.
    #[error("{}: cannot write: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A comparison was asked for without any run directory.
    #[error("no run directories given; name at least one run directory to report on")]
    NoRuns,
}

impl ReportError {
    pub(crate) fn parse(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ReportError::Parse { path: path.into(), message: message.into() }
    }
}
