//! The one error type of medref-timeseries.
//!
//! A message starts with the file, then the line (or record) and the
//! field, then what was expected. Cell values are never echoed: the
//! signals are patients' and care-home residents' data, and error messages
//! end up in logs and issue trackers.

use std::path::{Path, PathBuf};

use medref_data::DataError;

/// Why reading, writing or preparing a time-series dataset failed.
#[derive(Debug, thiserror::Error)]
pub enum TsError {
    /// The operating system refused to read or write the file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// One line of a text file is wrong.
    #[error("{}: line {line}: {detail}", path.display())]
    Line {
        /// The file holding the line.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was wrong (field or column named) and what was expected.
        detail: String,
    },
    /// The file as a whole is wrong (no data, inconsistent with another file).
    #[error("{}: {detail}", path.display())]
    Format {
        /// The file whose content is wrong.
        path: PathBuf,
        /// What was wrong and what was expected.
        detail: String,
    },
    /// A `.npy` (or other) file read through medref-data failed; its
    /// message already starts with the file.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A setting or in-memory input is unusable (no file involved).
    #[error("{0}")]
    Invalid(String),
    /// The data and the config do not fit together (unequal lengths, a
    /// split left empty, a bad config value for this reader).
    #[error("{0}")]
    Mismatch(String),
}

impl TsError {
    /// A [`TsError::Io`] for `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        TsError::Io { path: path.as_ref().to_path_buf(), source }
    }

    /// A [`TsError::Line`] for line `line` (1-based) of `path`.
    pub fn line(path: impl AsRef<Path>, line: usize, detail: impl Into<String>) -> Self {
        TsError::Line { path: path.as_ref().to_path_buf(), line, detail: detail.into() }
    }

    /// A [`TsError::Format`] for `path`.
    pub fn format(path: impl AsRef<Path>, detail: impl Into<String>) -> Self {
        TsError::Format { path: path.as_ref().to_path_buf(), detail: detail.into() }
    }
}

/// Reads a whole text file, naming it when that fails or it is not UTF-8.
pub(crate) fn read_text(path: &Path) -> Result<String, TsError> {
    let bytes = std::fs::read(path).map_err(|e| TsError::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        TsError::line(path, line, "not UTF-8 text (expected a plain text file)")
    })
}

/// Parses one numeric cell, `None` when it is not a finite number or a
/// missing marker.
/// `?`, `NaN`, `nan` and `NA` read as NaN (missing).
pub(crate) fn parse_value(cell: &str) -> Option<f32> {
    match cell {
        "?" | "NaN" | "nan" | "NAN" | "NA" => Some(f32::NAN),
        _ => cell.parse::<f32>().ok().filter(|v| v.is_finite()),
    }
}

impl medref_core::input_error::InputError for TsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_start_with_the_file_then_the_line() {
        let e = TsError::line("a/b.ts", 12, "channel 3: not a number");
        assert_eq!(e.to_string(), "a/b.ts: line 12: channel 3: not a number");
        let e = TsError::format("x.csv", "no data rows");
        assert_eq!(e.to_string(), "x.csv: no data rows");
    }

    #[test]
    fn missing_markers_read_as_nan_and_words_are_refused() {
        assert!(parse_value("?").unwrap().is_nan());
        assert!(parse_value("NaN").unwrap().is_nan());
        assert_eq!(parse_value("-1.5e2"), Some(-150.0));
        assert_eq!(parse_value("abc"), None);
        assert_eq!(parse_value(""), None);
    }
}
