//! One writer per run directory, and who that writer is.
//!
//! Two `medref` processes writing one directory (a second `train --force`,
//! a resume started while the run still trains, two `publish` into one
//! bundle) would interleave their files and both report success. A writer
//! therefore holds an advisory lock on `DIR/.medref.lock` for as long as it
//! writes: the kernel releases it when the process ends, however it ends,
//! so a lock left by a killed run is never an obstacle, and `--force` never
//! overrides a live one. The file keeps the holder's process id, so a
//! refusal can name it and a reader can tell a run that is still training
//! from one whose process is gone (a stale `running` manifest).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside a run directory.
pub const LOCK_FILE: &str = ".medref.lock";

/// Held while a process writes a directory; released on drop or exit.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Why a directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}: {}", dir.display(), busy_reason(*holder))]
    Busy { dir: PathBuf, holder: Option<u32> },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Why a directory held by `holder` cannot be written now (the message of
/// [`LockError::Busy`] after its directory).
pub fn busy_reason(holder: Option<u32>) -> String {
    let who = holder.map_or_else(|| "another medref process".to_string(), |pid| format!("medref process {pid}"));
    format!(
        "{who} is writing this directory; wait for it to end or stop it \
         (--force does not replace a run that is still being written)"
    )
}

/// Creates `dir` if needed and takes its lock, or says who holds it.
pub fn lock_dir(dir: &Path) -> Result<DirLock, LockError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LockError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(LOCK_FILE);
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(LockError::Busy { dir: dir.to_path_buf(), holder: read_pid(&mut file) });
        }
        Err(TryLockError::Error(e)) => return Err(LockError::Io { path, source: e }),
    }
    file.set_len(0).and_then(|_| file.rewind()).map_err(io(&path))?;
    write!(file, "{}", std::process::id()).and_then(|_| file.flush()).map_err(io(&path))?;
    Ok(DirLock { _file: file })
}

/// The process now writing `dir`, if another one is: `Some(pid)` (`None`
/// inside when it did not record one). This process's own lock does not
/// count. Used to tell a live run from a `running` manifest whose process
/// is gone.
pub fn other_writer(dir: &Path) -> Option<Option<u32>> {
    let mut file = File::open(dir.join(LOCK_FILE)).ok()?;
    let holder = read_pid(&mut file);
    if holder == Some(std::process::id()) {
        return None;
    }
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(TryLockError::WouldBlock) => Some(holder),
        Err(TryLockError::Error(_)) => None,
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let first = lock_dir(&dir).unwrap();
        let message = lock_dir(&dir).unwrap_err().to_string();
        let pid = std::process::id().to_string();
        assert!(message.contains(&format!("medref process {pid} is writing this directory")), "{message}");
        // The holder is this process, which is not "another writer".
        assert_eq!(other_writer(&dir), None);
        drop(first);
        // Released (as the kernel does when a holder dies): a new writer gets it.
        let again = lock_dir(&dir).unwrap();
        drop(again);
    }

    #[test]
    fn a_lock_file_nobody_holds_names_no_writer() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(other_writer(tmp.path()), None);
        // Left by a process that died: the pid is there, the lock is not.
        std::fs::write(tmp.path().join(LOCK_FILE), "4194304").unwrap();
        assert_eq!(other_writer(tmp.path()), None);
    }
}
