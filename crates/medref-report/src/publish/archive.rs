//! Bundles as `.zip` archives, the form a learning platform takes as one
//! upload. Entries are written in name order with a fixed date, so the same
//! bundle gives the same bytes.

use super::bundle::list_files;
use super::error::PublishError;
use std::io::Write as _;
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// Whether `path` names an archive rather than a folder.
pub(crate) fn is_zip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Writes the files under `dir` into the archive `out`, atomically.
pub(crate) fn write_zip(dir: &Path, out: &Path) -> Result<(), PublishError> {
    let files = list_files(dir)?;
    let archive_error = |e: std::io::Error| PublishError::Archive { path: out.to_path_buf(), message: e.to_string() };
    medref_core::fsutil::write_atomic_with(out, |file| {
        let mut zip = ZipWriter::new(std::io::BufWriter::new(file));
        for (rel, path, _) in &files {
            let bytes = std::fs::read(path)?;
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .last_modified_time(DateTime::default())
                .unix_permissions(0o644)
                .large_file(bytes.len() as u64 >= u32::MAX as u64);
            zip.start_file(rel.as_str(), options)?;
            zip.write_all(&bytes)?;
        }
        zip.finish()?.flush()
    })
    .map_err(archive_error)
}

/// Unpacks an archive into `into` for checking. Entries whose names would
/// land outside `into` (`../x`, absolute names) are refused.
pub(crate) fn extract(archive: &Path, into: &Path) -> Result<(), PublishError> {
    let bad = |message: String| PublishError::Archive { path: archive.to_path_buf(), message };
    let file = std::fs::File::open(archive).map_err(PublishError::read(archive))?;
    let mut zip = ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| bad(format!("not a zip archive: {e}")))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| bad(format!("entry {i}: {e}")))?;
        let Some(name) = entry.enclosed_name() else {
            return Err(bad(format!("entry {i} names a place outside the archive")));
        };
        let to = into.join(name);
        if entry.is_dir() {
            std::fs::create_dir_all(&to).map_err(PublishError::write(&to))?;
            continue;
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(PublishError::write(parent))?;
        }
        let mut out = std::fs::File::create(&to).map_err(PublishError::write(&to))?;
        std::io::copy(&mut entry, &mut out).map_err(PublishError::write(&to))?;
    }
    Ok(())
}
