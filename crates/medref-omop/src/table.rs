//! A CDM as a folder of one file per table (`person.csv` or `person.csv.gz`),
//! read row by row with only the columns a step names, so memory holds what a
//! step keeps, never a whole event table.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::date::parse_date;
use crate::error::OmopError;

/// A folder of CDM v5.3/v5.4 tables; column names are matched case-insensitively.
#[derive(Debug, Clone)]
pub struct Cdm {
    dir: PathBuf,
}

impl Cdm {
    /// A CDM in `dir`; nothing is read until a step scans a table.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder the tables are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding `table`, if present (`.csv` before `.csv.gz`).
    pub fn table_path(&self, table: &str) -> Option<PathBuf> {
        [format!("{table}.csv"), format!("{table}.csv.gz")]
            .into_iter()
            .map(|name| self.dir.join(name))
            .find(|p| p.is_file())
    }

    /// Whether `table` is present.
    pub fn has_table(&self, table: &str) -> bool {
        self.table_path(table).is_some()
    }

    /// Calls `visit` on every data row of `table` with `columns` (in that order);
    /// `purpose` says which step needs them, for the error when the table or a column is missing.
    pub fn scan(
        &self,
        table: &str,
        columns: &[&str],
        purpose: &str,
        mut visit: impl FnMut(&Row) -> Result<(), OmopError>,
    ) -> Result<(), OmopError> {
        let path = self.table_path(table).ok_or_else(|| OmopError::TableMissing {
            table: table.to_string(),
            dir: self.dir.clone(),
            purpose: purpose.to_string(),
        })?;
        let file = File::open(&path).map_err(|source| OmopError::Io { file: path.clone(), source })?;
        let input: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(flate2::read::MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
        let header = reader.headers().map_err(|source| OmopError::Csv { file: path.clone(), line: 1, source })?.clone();
        let mut indices = Vec::with_capacity(columns.len());
        for column in columns {
            let index =
                header.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(column));
            indices.push(index.ok_or_else(|| OmopError::ColumnMissing {
                file: path.clone(),
                column: column.to_string(),
                purpose: purpose.to_string(),
            })?);
        }
        let mut record = csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(source) => return Err(OmopError::Csv { file: path.clone(), line, source }),
            }
            let line = record.position().map_or(line, |p| p.line());
            visit(&Row { file: &path, line, record: &record, indices: &indices, columns })?;
        }
        Ok(())
    }
}

/// One data row of a scanned table, its fields addressed by their position in the scan's column list.
pub struct Row<'a> {
    file: &'a Path,
    line: u64,
    record: &'a csv::StringRecord,
    indices: &'a [usize],
    columns: &'a [&'a str],
}

impl Row<'_> {
    /// The trimmed text of field `i` (empty when the row is short).
    pub fn text(&self, i: usize) -> &str {
        self.record.get(self.indices[i]).unwrap_or("").trim()
    }

    /// The 1-based line of this row in its file.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn invalid(&self, i: usize, expected: &'static str) -> OmopError {
        OmopError::Value {
            file: self.file.to_path_buf(),
            line: self.line,
            column: self.columns[i].to_string(),
            value: self.text(i).to_string(),
            expected,
        }
    }

    /// Field `i` as a 64-bit id; decimals and exponents are refused, never rounded through a float.
    pub fn id(&self, i: usize) -> Result<i64, OmopError> {
        self.text(i).parse::<i64>().map_err(|_| self.invalid(i, "a 64-bit integer id"))
    }

    /// Field `i` as an integer, or `None` when empty (month and day of birth may be missing).
    pub fn optional_int(&self, i: usize) -> Result<Option<i64>, OmopError> {
        match self.text(i) {
            "" => Ok(None),
            t => t.parse::<i64>().map(Some).map_err(|_| self.invalid(i, "an integer or an empty field")),
        }
    }

    /// Field `i` as a date (days since 1970-01-01).
    pub fn date(&self, i: usize) -> Result<i32, OmopError> {
        parse_date(self.text(i)).ok_or_else(|| self.invalid(i, "a date YYYY-MM-DD"))
    }

    /// Field `i` as a date, or `None` when empty (an era or visit without an end date).
    pub fn optional_date(&self, i: usize) -> Result<Option<i32>, OmopError> {
        match self.text(i) {
            "" => Ok(None),
            _ => self.date(i).map(Some),
        }
    }
}
