//! Files the `data` commands generate: written whole or not at all, so an
//! interrupted command never leaves a half-written table or report.

use anyhow::Context;
use std::path::Path;

/// Writes a generated file atomically, creating its folder.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    medref_core::fsutil::write_atomic(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}
