//! One writer per run directory.
//!
//! Two `medref train` processes writing one directory (the second with
//! `--force`, or a resume started while the run still trains) would
//! interleave their files and both report success. A run therefore holds
//! an advisory lock on `RUN_DIR/.medref.lock` for as long as it writes:
//! the kernel releases it when the process ends, however it ends, so a
//! lock left by a killed run is never an obstacle, and `--force` never
//! overrides a live one. The file keeps the holder's process id, so the
//! refusal can name it.

use crate::TrainError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

/// The lock file's name inside a run directory.
pub const LOCK_FILE: &str = ".medref.lock";

/// Held while a run writes its directory; released on drop or exit.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Creates `dir` if needed and takes its lock, or says who holds it.
pub fn lock_run_dir(dir: &Path) -> Result<RunLock, TrainError> {
    std::fs::create_dir_all(dir).map_err(TrainError::io(dir))?;
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(TrainError::io(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                "another medref process".to_string()
            } else {
                format!("medref process {holder}")
            };
            return Err(TrainError::RunDir {
                path: dir.to_path_buf(),
                message: format!(
                    "{who} is writing this run directory; wait for it to end or stop it (--force does not replace a run that is still being written)"
                ),
            });
        }
        Err(TryLockError::Error(e)) => return Err(TrainError::Io { path, source: e }),
    }
    file.set_len(0).and_then(|_| file.rewind()).map_err(TrainError::io(&path))?;
    write!(file, "{}", std::process::id()).and_then(|_| file.flush()).map_err(TrainError::io(&path))?;
    Ok(RunLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let first = lock_run_dir(&dir).unwrap();
        let message = lock_run_dir(&dir).unwrap_err().to_string();
        let pid = std::process::id().to_string();
        assert!(message.contains(&format!("medref process {pid} is writing this run directory")), "{message}");
        drop(first);
        // Released (as the kernel does when a holder dies): a new writer gets it.
        let again = lock_run_dir(&dir).unwrap();
        drop(again);
    }
}
