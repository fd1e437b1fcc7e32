//! A CDM as a folder of one file per table (`person.csv`, `person.csv.gz` or
//! `person.parquet`) or as a PostgreSQL schema, read row by row with only the
//! columns a step names, so memory holds what a step keeps, never a whole event
//! table. Every source ends in the same [`Row`], so ids, dates and errors are
//! read by one code path whatever the source.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::OmopError;
use crate::postgres_schema::PostgresSource;
use crate::scan_progress::{default_progress, Counter, ScanProgress};
use crate::table_rows::scan_csv_file;
pub use crate::table_rows::{IdFilter, Row, MAX_IDS_IN_QUERY};
use crate::IdSet;

/// Where a CDM's tables are; column names are matched case-insensitively.
#[derive(Clone)]
pub struct Cdm {
    source: Source,
    /// Told of every scan's rows (a progress bar), when someone listens.
    progress: Option<Arc<dyn ScanProgress>>,
}

impl fmt::Debug for Cdm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cdm").field("source", &self.source).field("progress", &self.progress.is_some()).finish()
    }
}

#[derive(Debug, Clone)]
enum Source {
    Folder(PathBuf),
    Postgres(PostgresSource),
}

/// File names tried for a table in a folder, in this order.
const FOLDER_SUFFIXES: [&str; 3] = ["csv", "csv.gz", "parquet"];

impl Cdm {
    /// A CDM in the folder `dir`; nothing is read until a step scans a table.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { source: Source::Folder(dir.into()), progress: default_progress() }
    }

    /// This CDM, reporting the rows of each scan to `progress` (instead of the process-wide default).
    pub fn with_progress(mut self, progress: Option<Arc<dyn ScanProgress>>) -> Self {
        self.progress = progress;
        self
    }

    /// A CDM in `schema` of the PostgreSQL database at `connection`
    /// (`postgresql://host:port/database`). The user and password come from
    /// `PGUSER` (else the login name, as libpq does) and `PGPASSWORD`, never
    /// from the connection string: one holding a password is refused, so
    /// configs and run directories never carry it.
    /// Connects once and checks that the schema exists.
    pub fn postgres(connection: &str, schema: &str) -> Result<Self, OmopError> {
        let source = Source::Postgres(PostgresSource::connect(connection, schema)?);
        Ok(Self { source, progress: default_progress() })
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
        mut visit: impl FnMut(&Row) -> Result<(), OmopError>,
    ) -> Result<(), OmopError> {
        let mut counter = Counter::start(self.progress.as_deref(), table, purpose);
        let visit = |row: &Row| {
            counter.row();
            visit(row)
        };
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
                let input: Box<dyn Read + Send> = if path.extension().is_some_and(|e| e == "gz") {
                    Box::new(flate2::read::MultiGzDecoder::new(file))
                } else {
                    Box::new(file)
                };
                scan_csv_file(input, &path.display().to_string(), columns, purpose, visit)
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
        let wanted = Membership::of(filter.ids);
        let mut keep = |row: &Row| -> Result<(), OmopError> {
            if wanted.contains(row.id(filter.column)?) {
                visit(row)?;
            }
            Ok(())
        };
        match &self.source {
            Source::Folder(_) => self.scan(table, columns, purpose, keep),
            Source::Postgres(pg) => {
                let mut counter = Counter::start(self.progress.as_deref(), table, purpose);
                let keep = |row: &Row| {
                    counter.row();
                    keep(row)
                };
                pg.scan(table, columns, purpose, Some(filter), keep)
            }
        }
    }
}

/// Whether an id is in a filter's set, asked once per row of an event table:
/// a bitmap when the ids are small non-negative numbers (as CDMs number
/// persons, and the bitmap is at most 64 bits per id in the set or 128 KiB),
/// the hash set otherwise.
enum Membership<'a> {
    Bits(Vec<u64>),
    Set(&'a IdSet),
}

impl<'a> Membership<'a> {
    fn of(ids: &'a IdSet) -> Self {
        let max = ids.iter().copied().max();
        let small = ids.iter().all(|&id| id >= 0) && max.is_none_or(|max| max < (1 << 20).max(64 * ids.len() as i64));
        if !small {
            return Membership::Set(ids);
        }
        let mut bits = vec![0u64; max.map_or(0, |max| max as usize / 64 + 1)];
        for &id in ids {
            bits[id as usize / 64] |= 1 << (id % 64);
        }
        Membership::Bits(bits)
    }

    fn contains(&self, id: i64) -> bool {
        match self {
            Membership::Bits(bits) => {
                usize::try_from(id).ok().and_then(|i| bits.get(i / 64)).is_some_and(|word| word & (1 << (id % 64)) != 0)
            }
            Membership::Set(ids) => ids.contains(&id),
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
