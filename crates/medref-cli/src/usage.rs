//! Requests the command line cannot carry out as asked: they exit with
//! status 2, like bad input, and say what to give instead.

use std::path::Path;

/// A command-line request that cannot be carried out as asked (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Refuses a folder where a file is expected, saying so instead of the
/// operating system's "is a directory" or a reader's "no such file".
/// `what` names the file wanted ("a config file (configs/imaging/tiny.toml)").
pub fn refuse_directory(path: &Path, what: &str) -> Result<(), UsageError> {
    if path.is_dir() {
        return Err(UsageError(format!("{}: is a directory; give {what}", path.display())));
    }
    Ok(())
}

/// Holds a run directory's writer lock while a command writes into it
/// (`report`, `publish`, `eval --out` inside the run), so it never writes
/// beside a run still training there or another command doing the same.
/// A folder that is not a run is left alone: the command's own reading
/// says what is wrong with it, and no lock file is created there.
pub fn hold_run(dir: &Path) -> Result<Option<medref_core::run_lock::DirLock>, medref_train::TrainError> {
    if !dir.join("manifest.json").is_file() {
        return Ok(None);
    }
    medref_train::run_dir::lock_run_dir(dir).map(Some)
}
