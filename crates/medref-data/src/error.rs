//! The one error type of medref-data.
//!
//! Every message starts with the file (or URL) it is about, then says what
//! was wrong and what was expected, so a trainee can act on it without
//! reading the source.

use std::path::{Path, PathBuf};

/// Why reading, writing or fetching a dataset failed.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The operating system refused to read or write the file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file was read but its content is not what the reader expects.
    #[error("{}: {detail}", path.display())]
    Format {
        /// The file whose content is wrong.
        path: PathBuf,
        /// What was wrong and what was expected.
        detail: String,
    },
    /// The file's MD5 is not the published one (a corrupt or changed file).
    #[error(
        "{}: MD5 mismatch: expected {expected}, got {actual} (the file is corrupt, \
         incomplete or not the published version; delete it and download again)",
        path.display()
    )]
    Checksum {
        /// The file that was checked.
        path: PathBuf,
        /// The published MD5, lowercase hex.
        expected: String,
        /// The MD5 of the bytes on disk, lowercase hex.
        actual: String,
    },
    /// The server could not be reached or did not deliver the file.
    #[error("{url}: download failed: {detail}")]
    Download {
        /// The URL that was requested.
        url: String,
        /// What went wrong (HTTP status, network error).
        detail: String,
    },
}

impl DataError {
    /// A [`DataError::Format`] for `path`.
    pub fn format(path: impl AsRef<Path>, detail: impl Into<String>) -> Self {
        DataError::Format { path: path.as_ref().to_path_buf(), detail: detail.into() }
    }

    /// A [`DataError::Io`] for `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        DataError::Io { path: path.as_ref().to_path_buf(), source }
    }
}

impl medref_core::input_error::InputError for DataError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_start_with_the_file() {
        let e = DataError::format("datasets/x.npz", "missing array `test_labels`");
        assert_eq!(e.to_string(), "datasets/x.npz: missing array `test_labels`");
        let e = DataError::Checksum { path: "a.npz".into(), expected: "00".into(), actual: "11".into() };
        assert!(e.to_string().starts_with("a.npz: MD5 mismatch: expected 00, got 11"));
    }
}
