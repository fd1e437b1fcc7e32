//! Errors of reading a CDM and building a cohort: each names where the table
//! lives (a file, or `schema.table` in a database), the line or row and the
//! column, and what was expected, so a user can fix the extract.

use std::path::PathBuf;

/// Everything that can go wrong between CDM tables and a study population.
#[derive(Debug, thiserror::Error)]
pub enum OmopError {
    /// A table a step needs is not in the CDM (other tables may be absent).
    #[error("CDM table `{table}` not found in {location} (looked for {looked_for}); it is needed for {purpose}")]
    TableMissing { table: String, location: String, looked_for: String, purpose: String },
    /// A table is there but lacks a column a step reads; `file` is the file, or `schema.table`.
    #[error("{file}: column `{column}` is missing from the table; it is needed for {purpose}")]
    ColumnMissing { file: String, column: String, purpose: String },
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The CSV itself (a file, or a database's `COPY` output) is malformed or broke off.
    #[error("{file}, line {line}: {source}")]
    Csv {
        file: String,
        line: u64,
        #[source]
        source: csv::Error,
    },
    /// The text of a CSV file or `COPY` stream could not be read into records
    /// (an unclosed quote, bytes that are not UTF-8, the input failing midway).
    #[error("{file}, {unit} {line}: {message}")]
    Text { file: String, unit: &'static str, line: u64, message: String },
    /// A Parquet file could not be read (not Parquet, corrupt, an unsupported codec).
    #[error("{file}: {source}")]
    Parquet {
        file: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A database could not be reached or refused a query; `location` never holds credentials.
    #[error("{location}: {message}")]
    Database { location: String, message: String },
    /// A field could not be read as the type its column holds; `unit` is `line`
    /// (CSV) or `row` (Parquet, a database table).
    #[error("{file}, {unit} {line}, column `{column}`: expected {expected}, found {value:?}")]
    Value { file: String, unit: &'static str, line: u64, column: String, value: String, expected: &'static str },
    /// The cohort or covariate definition itself is unusable.
    #[error("invalid study definition: {0}")]
    Definition(String),
}
