//! Errors of reading a CDM and building a cohort: each names the table file,
//! the line and the column, and what was expected, so a user can fix the extract.

use std::path::PathBuf;

/// Everything that can go wrong between a folder of CDM tables and a study population.
#[derive(Debug, thiserror::Error)]
pub enum OmopError {
    /// A table a step needs is not in the CDM folder (other tables may be absent).
    #[error("CDM table `{table}` not found in {dir} (looked for {table}.csv and {table}.csv.gz); it is needed for {purpose}")]
    TableMissing { table: String, dir: PathBuf, purpose: String },
    /// A table is there but lacks a column a step reads.
    #[error("{file}: column `{column}` is missing from the header; it is needed for {purpose}")]
    ColumnMissing { file: PathBuf, column: String, purpose: String },
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The CSV itself is malformed (unbalanced quotes, invalid UTF-8, ...).
    #[error("{file}, line {line}: {source}")]
    Csv {
        file: PathBuf,
        line: u64,
        #[source]
        source: csv::Error,
    },
    /// A field could not be read as the type its column holds.
    #[error("{file}, line {line}, column `{column}`: expected {expected}, found {value:?}")]
    Value { file: PathBuf, line: u64, column: String, value: String, expected: &'static str },
    /// The cohort or covariate definition itself is unusable.
    #[error("invalid study definition: {0}")]
    Definition(String),
}
