//! A CDM as a folder of one file per table (`person.csv`, `person.csv.gz` or
//! `person.parquet`) or as a PostgreSQL schema, read row by row with only the
//! columns a step names, so memory holds what a step keeps, never a whole event
//! table. Every source ends in the same [`Row`], so ids, dates and errors are
//! read by one code path whatever the source.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::date::parse_date;
use crate::error::OmopError;
use crate::postgres_schema::PostgresSource;

/// Where a CDM's tables are; column names are matched case-insensitively.
#[derive(Debug, Clone)]
pub struct Cdm {
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    Folder(PathBuf),
    Postgres(PostgresSource),
}

/// Rows whose column `column` (an index into the scan's column list) holds
/// one of `ids`: a filter a database can apply before sending the rows.
#[derive(Debug, Clone, Copy)]
pub struct IdFilter<'a> {
    /// Position of the id column in the scan's column list.
    pub column: usize,
    /// The ids whose rows are wanted.
    pub ids: &'a HashSet<i64>,
}

/// The largest id set written into a database query as a list; a larger set
/// goes into a temporary table the query reads.
pub const MAX_IDS_IN_QUERY: usize = 1_000;

/// File names tried for a table in a folder, in this order.
const FOLDER_SUFFIXES: [&str; 3] = ["csv", "csv.gz", "parquet"];

impl Cdm {
    /// A CDM in the folder `dir`; nothing is read until a step scans a table.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { source: Source::Folder(dir.into()) }
    }

    /// A CDM in `schema` of the PostgreSQL database at `connection`
    /// (`postgresql://host:port/database`). The user and password come from
    /// `PGUSER` (else the login name, as libpq does) and `PGPASSWORD`, never
    /// from the connection string: one holding a password is refused, so
    /// configs and run directories never carry it.
    /// Connects once and checks that the schema exists.
    pub fn postgres(connection: &str, schema: &str) -> Result<Self, OmopError> {
        Ok(Self { source: Source::Postgres(PostgresSource::connect(connection, schema)?) })
    }

    /// The folder the tables are read from, when the CDM is a folder.
    pub fn folder(&self) -> Option<&Path> {
        match &self.source {
            Source::Folder(dir) => Some(dir),
            Source::Postgres(_) => None,
        }
    }

    /// Where the CDM is, in words for messages and the model card: the folder,
    /// or the database's host, port, name and schema (never a user or password).
    pub fn describe(&self) -> String {
        self.to_string()
    }

    /// The file holding `table` in a folder CDM, if present (`.csv`, then `.csv.gz`, then `.parquet`).
    pub fn table_path(&self, table: &str) -> Option<PathBuf> {
        let Source::Folder(dir) = &self.source else { return None };
        FOLDER_SUFFIXES.iter().map(|suffix| dir.join(format!("{table}.{suffix}"))).find(|p| p.is_file())
    }

    /// Whether `table` is present (a database that cannot be asked answers no).
    pub fn has_table(&self, table: &str) -> bool {
        match &self.source {
            Source::Folder(_) => self.table_path(table).is_some(),
            Source::Postgres(pg) => pg.columns_of(table).is_ok_and(|(_, c)| !c.is_empty()),
        }
    }

    /// Calls `visit` on every data row of `table` with `columns` (in that order);
    /// `purpose` says which step needs them, for the error when the table or a column is missing.
    /// `visit` must not scan the same CDM (a database connection serves one scan at a time).
    pub fn scan(
        &self,
        table: &str,
        columns: &[&str],
        purpose: &str,
        visit: impl FnMut(&Row) -> Result<(), OmopError>,
    ) -> Result<(), OmopError> {
        match &self.source {
            Source::Folder(dir) => {
                let path = self.table_path(table).ok_or_else(|| OmopError::TableMissing {
                    table: table.to_string(),
                    location: dir.display().to_string(),
                    looked_for: FOLDER_SUFFIXES.map(|s| format!("{table}.{s}")).join(", "),
                    purpose: purpose.to_string(),
                })?;
                if path.extension().is_some_and(|e| e == "parquet") {
                    return crate::parquet_table::scan_parquet(&path, columns, purpose, visit);
                }
                let file = File::open(&path).map_err(|source| OmopError::Io { file: path.clone(), source })?;
                let input: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
                    Box::new(flate2::read::MultiGzDecoder::new(file))
                } else {
                    Box::new(file)
                };
                scan_csv(input, &path.display().to_string(), "line", columns, purpose, visit)
            }
            Source::Postgres(pg) => pg.scan(table, columns, purpose, None, visit),
        }
    }

    /// [`Cdm::scan`], calling `visit` only on rows whose `filter.column` holds
    /// one of `filter.ids` (a field there that is not an integer id is an error,
    /// as in `scan`). A database applies the filter in its query when the
    /// column is an integer column (a list of up to [`MAX_IDS_IN_QUERY`] ids,
    /// a temporary table beyond), so only those rows cross the connection: a
    /// cohort's few concepts, or its persons, out of an event table of millions of rows.
    pub fn scan_ids(
        &self,
        table: &str,
        columns: &[&str],
        purpose: &str,
        filter: IdFilter<'_>,
        mut visit: impl FnMut(&Row) -> Result<(), OmopError>,
    ) -> Result<(), OmopError> {
        let keep = |row: &Row| -> Result<(), OmopError> {
            if filter.ids.contains(&row.id(filter.column)?) {
                visit(row)?;
            }
            Ok(())
        };
        match &self.source {
            Source::Folder(_) => self.scan(table, columns, purpose, keep),
            Source::Postgres(pg) => pg.scan(table, columns, purpose, Some(filter), keep),
        }
    }
}

impl fmt::Display for Cdm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Folder(dir) => write!(f, "the folder {}", dir.display()),
            Source::Postgres(pg) => pg.fmt(f),
        }
    }
}

/// Reads CSV with a header from `input` (a file, or a database's `COPY ... TO
/// STDOUT (FORMAT csv, HEADER)`), handing `visit` the fields named by `columns`.
/// `location` names the source in errors, `unit` what its numbers count (`line` or `row`).
pub(crate) fn scan_csv(
    input: impl Read,
    location: &str,
    unit: &'static str,
    columns: &[&str],
    purpose: &str,
    mut visit: impl FnMut(&Row) -> Result<(), OmopError>,
) -> Result<(), OmopError> {
    let csv_error = |line, source| OmopError::Csv { file: location.to_string(), line, source };
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
    let header = reader.headers().map_err(|source| csv_error(1, source))?.clone();
    let mut indices = Vec::with_capacity(columns.len());
    for column in columns {
        let index = header.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(column));
        indices.push(index.ok_or_else(|| OmopError::ColumnMissing {
            file: location.to_string(),
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
            Err(source) => return Err(csv_error(line, source)),
        }
        let line = record.position().map_or(line, |p| p.line());
        // A database numbers its rows from 1 after the header line.
        let line = if unit == "row" { line.saturating_sub(1) } else { line };
        visit(&Row { location, unit, line, record: &record, indices: &indices, columns })?;
    }
    Ok(())
}

/// One data row of a scanned table, its fields addressed by their position in the scan's column list.
pub struct Row<'a> {
    pub(crate) location: &'a str,
    pub(crate) unit: &'static str,
    pub(crate) line: u64,
    pub(crate) record: &'a csv::StringRecord,
    pub(crate) indices: &'a [usize],
    pub(crate) columns: &'a [&'a str],
}

impl Row<'_> {
    /// The trimmed text of field `i` (empty when the row is short or the value is null).
    pub fn text(&self, i: usize) -> &str {
        self.record.get(self.indices[i]).unwrap_or("").trim()
    }

    /// The 1-based line of this row in its CSV file, or its row number in a Parquet file or database table.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn invalid(&self, i: usize, expected: &'static str) -> OmopError {
        OmopError::Value {
            file: self.location.to_string(),
            unit: self.unit,
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
