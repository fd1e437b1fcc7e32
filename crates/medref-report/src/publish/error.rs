//! Errors of publishing; each names the file it concerns and what was
//! expected, so the command line can say what to fix.

use crate::error::ReportError;
use std::path::PathBuf;

/// Why a bundle could not be written or checked.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The run directory could not be read as a run (missing or broken file).
    #[error(transparent)]
    Run(#[from] ReportError),
    /// The bundle's place is taken: publishing never mixes into old files.
    #[error("{}: already exists and is not empty; choose a new --out or remove it first", .path.display())]
    OutExists { path: PathBuf },
    /// A file could not be read.
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file or folder of the bundle could not be written.
    #[error("{}: cannot write: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A run file does not hold what a run writes there.
    #[error("{}: {message}", .path.display())]
    Parse { path: PathBuf, message: String },
    /// Keeping predictions was asked for, but without a secret the hashed
    /// ids could be recomputed from a list of candidate ids.
    #[error("{}: keeping predictions needs a secret for the salted id hashes; set {variable} (keep it private, it is not written to the bundle)", .path.display())]
    NoSecret { path: PathBuf, variable: &'static str },
    /// Keeping predictions was asked for, but the file carries columns
    /// beyond id, split, labels and scores, which may identify a patient.
    #[error("{}: cannot keep predictions: columns {columns:?} may be quasi-identifiers (expected only id, split, label or label_<i>, score_<i>); publish without --keep-predictions", .path.display())]
    QuasiIdentifiers { path: PathBuf, columns: Vec<String> },
    /// The finished bundle failed its own check; nothing was written to `--out`.
    #[error("{}: the bundle made from this run still holds what the policy forbids, so nothing was written: {}", .path.display(), .findings.join("; "))]
    Unsafe { path: PathBuf, findings: Vec<String> },
    /// The archive could not be written.
    #[error("{}: cannot write the zip archive: {message}", .path.display())]
    Archive { path: PathBuf, message: String },
}

impl PublishError {
    pub(crate) fn read(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> PublishError {
        let path = path.into();
        move |source| PublishError::Read { path, source }
    }

    pub(crate) fn write(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> PublishError {
        let path = path.into();
        move |source| PublishError::Write { path, source }
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, message: impl Into<String>) -> PublishError {
        PublishError::Parse { path: path.into(), message: message.into() }
    }
}
