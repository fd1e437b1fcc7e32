//! Helpers shared by the fuzz targets.
//!
//! Most medref readers take a path (they sniff compression, name the file
//! in errors, and some look for sibling files such as a `.fai`), so a target
//! writes the fuzzer's bytes to a scratch file and calls the reader on it.
//! Each process gets its own scratch folder, so targets can run side by side.
//! It lives in memory (`/dev/shm`) where there is one, unless `TMPDIR` says
//! otherwise: rewriting a file on disk for every input made the file-based
//! targets some 20 times slower.

use std::path::PathBuf;
use std::sync::OnceLock;

/// This process's scratch folder, created once.
pub fn scratch_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let base = if std::env::var_os("TMPDIR").is_none() && shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("medref-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz scratch folder");
        dir
    })
}

/// Writes `bytes` to `name` inside the scratch folder and returns its path.
pub fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create a scratch subfolder");
    }
    std::fs::write(&path, bytes).expect("write the fuzz scratch file");
    path
}

/// Removes `name` from the scratch folder if it exists.
pub fn remove_scratch(name: &str) {
    let _ = std::fs::remove_file(scratch_dir().join(name));
}

/// Splits `data` at the first `sep` byte: (before, Some(after)) or (data, None).
pub fn split_once(data: &[u8], sep: u8) -> (&[u8], Option<&[u8]>) {
    match data.iter().position(|&b| b == sep) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    }
}
