//! The one error type of medref-tabular: every message starts with the file.

use std::path::PathBuf;

/// Why reading or preparing a table failed.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The operating system refused to read or write the file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The content is not what the reader expects. `location` is the line,
    /// record or column (for example `line 12` or `column "age"`), empty when
    /// the problem is the whole file.
    #[error("{}{}{location}: {detail}", path.display(), if location.is_empty() { "" } else { ": " })]
    Format {
        /// The file at fault.
        path: PathBuf,
        /// Where in the file.
        location: String,
        /// What was wrong and what was expected.
        detail: String,
    },
    /// The data and the config do not fit together (one class only, a
    /// split left empty, a positive class the outcome lacks).
    #[error("{0}")]
    Mismatch(String),
}

impl TableError {
    /// A format error at `location` (`"line 3"`, `"column \"age\""`).
    pub fn format(path: impl Into<PathBuf>, location: impl Into<String>, detail: impl Into<String>) -> Self {
        TableError::Format { path: path.into(), location: location.into(), detail: detail.into() }
    }
}

impl medref_core::input_error::InputError for TableError {}
