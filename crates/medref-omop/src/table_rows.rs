//! The rows every CDM source ends in: a folder's CSV or Parquet file and a
//! database's `COPY` stream are all read into [`Row`], so ids, dates and
//! errors obey one set of rules whatever the source. Text fields (CSV, a
//! database) are parsed here; Parquet hands over its typed values, which
//! follow the same rules: an integer is an id, a float never is (`2.0` is
//! refused, not rounded), a date is a date. Kept apart from `table` (which
//! picks the source) so the sources need not import it.

use std::borrow::Cow;
use std::io::Read;

use crate::csv_batches::cut_in_batches;
use crate::csv_cut::{CsvCutter, Record};
use crate::date::{civil_from_days, parse_date};
use crate::error::OmopError;
use crate::IdSet;

/// Rows whose column `column` (an index into the scan's column list) holds
/// one of `ids`: a filter a database can apply before sending the rows.
#[derive(Debug, Clone, Copy)]
pub struct IdFilter<'a> {
    /// Position of the id column in the scan's column list.
    pub column: usize,
    /// The ids whose rows are wanted.
    pub ids: &'a IdSet,
}

/// The largest id set written into a database query as a list; a larger set
/// goes into a temporary table the query reads.
pub const MAX_IDS_IN_QUERY: usize = 1_000;

/// Reads CSV with a header from `input` (a database's `COPY ... TO STDOUT
/// (FORMAT csv, HEADER)`, or any reader), handing `visit` the fields named by `columns`.
/// `location` names the source in errors, `unit` what its numbers count (`line` or `row`).
/// Each record is cut only up to the last scanned column (see `csv_cut`), and
/// only the scanned fields must be UTF-8.
pub(crate) fn scan_csv(
    input: impl Read,
    location: &str,
    unit: &'static str,
    columns: &[&str],
    purpose: &str,
    mut visit: impl FnMut(&Row) -> Result<(), OmopError>,
) -> Result<(), OmopError> {
    let (scan, mut cutter) = CsvScan::open(input, location, unit, columns, purpose)?;
    loop {
        let at = cutter.line();
        match cutter.next_record(scan.wanted) {
            Ok(Some(record)) => scan.visit_record(&record, &mut visit)?,
            Ok(None) => return Ok(()),
            Err(e) => return Err(scan.text_error(at, e.to_string())),
        }
    }
}

/// [`scan_csv`] for a file: reading, decompressing and cutting run on a
/// second thread (`csv_batches`) while this one visits the rows, in order.
pub(crate) fn scan_csv_file(
    input: impl Read + Send,
    location: &str,
    columns: &[&str],
    purpose: &str,
    mut visit: impl FnMut(&Row) -> Result<(), OmopError>,
) -> Result<(), OmopError> {
    let (scan, cutter) = CsvScan::open(input, location, "line", columns, purpose)?;
    cut_in_batches(cutter, scan.wanted, |batch| {
        match std::str::from_utf8(&batch.bytes) {
            Ok(text) => {
                for record in &batch.records {
                    let fields =
                        Fields::Text { text, spans: &batch.spans[record.spans.clone()], indices: &scan.indices };
                    visit(&Row { location, unit: scan.unit, line: record.line, fields, columns })?;
                }
            }
            Err(_) => {
                for record in &batch.records {
                    let spans = &batch.spans[record.spans.clone()];
                    let base = spans.first().map_or(0, |s| s.0);
                    let end = spans.last().map_or(base, |s| s.1);
                    let shifted: Vec<(usize, usize)> = spans.iter().map(|&(a, b)| (a - base, b - base)).collect();
                    let cut = Record { bytes: &batch.bytes[base..end], spans: &shifted, line: record.line };
                    scan.visit_record(&cut, &mut visit)?;
                }
            }
        }
        match &batch.error {
            Some((at, e)) => Err(scan.text_error(*at, e.to_string())),
            None => Ok(()),
        }
    })
}

/// A CSV scan once its header is read: where each scanned column lies.
struct CsvScan<'s> {
    location: &'s str,
    unit: &'static str,
    columns: &'s [&'s str],
    /// For each scanned column, its position in a record.
    indices: Vec<usize>,
    /// How many leading fields of each record to cut.
    wanted: usize,
}

impl<'s> CsvScan<'s> {
    /// Reads the header of `input` and finds each column (case-insensitively, past a byte-order mark).
    fn open<R: Read>(
        input: R,
        location: &'s str,
        unit: &'static str,
        columns: &'s [&'s str],
        purpose: &str,
    ) -> Result<(Self, CsvCutter<R>), OmopError> {
        let mut cutter = CsvCutter::new(input);
        let mut scan = CsvScan { location, unit, columns, indices: Vec::new(), wanted: 0 };
        let header = cutter.header().map_err(|e| scan.text_error(1, e.to_string()))?.unwrap_or_default();
        for column in columns {
            let index =
                header.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(column));
            scan.indices.push(index.ok_or_else(|| OmopError::ColumnMissing {
                file: location.to_string(),
                column: column.to_string(),
                purpose: purpose.to_string(),
            })?);
        }
        scan.wanted = scan.indices.iter().max().map_or(0, |&i| i + 1);
        Ok((scan, cutter))
    }

    /// The number a line of the input goes by: a database numbers its rows from 1 after the header line.
    fn number(&self, line: u64) -> u64 {
        if self.unit == "row" {
            line.saturating_sub(1)
        } else {
            line
        }
    }

    fn text_error(&self, line: u64, message: String) -> OmopError {
        OmopError::Text { file: self.location.to_string(), unit: self.unit, line: self.number(line), message }
    }

    /// Hands `visit` one record after one UTF-8 check of its scanned prefix;
    /// only a record that fails it is looked at field by field.
    fn visit_record(
        &self,
        record: &Record,
        visit: &mut impl FnMut(&Row) -> Result<(), OmopError>,
    ) -> Result<(), OmopError> {
        let line = self.number(record.line);
        let prefix = record.spans.last().map_or(0, |&(_, end)| end);
        let owned;
        let in_scan_order: Vec<usize>;
        let fields = match std::str::from_utf8(&record.bytes[..prefix]) {
            Ok(text) => Fields::Text { text, spans: record.spans, indices: &self.indices },
            Err(_) => {
                // The scanned fields copied out, in scan order: column i is field i.
                owned = scanned_text(record, &self.indices, self.columns)
                    .map_err(|message| self.text_error(record.line, message))?;
                in_scan_order = (0..self.columns.len()).collect();
                Fields::Text { text: &owned.0, spans: &owned.1, indices: &in_scan_order }
            }
        };
        visit(&Row { location: self.location, unit: self.unit, line, fields, columns: self.columns })
    }
}

/// The scanned fields of a record whose prefix is not all UTF-8, copied out
/// (in scan order) when each is; otherwise the first column that is not.
fn scanned_text(record: &Record, indices: &[usize], columns: &[&str]) -> Result<(String, Vec<(usize, usize)>), String> {
    let mut text = String::new();
    let mut spans = Vec::with_capacity(indices.len());
    for (column, &index) in columns.iter().zip(indices) {
        let &(a, b) = record.spans.get(index).unwrap_or(&(0, 0));
        let field =
            std::str::from_utf8(&record.bytes[a..b]).map_err(|_| format!("column `{column}` is not UTF-8 text"))?;
        spans.push((text.len(), text.len() + field.len()));
        text.push_str(field);
    }
    Ok((text, spans))
}

/// `text` without surrounding whitespace; most fields have none, and looking
/// at their two ends is cheaper than `str::trim`'s Unicode-aware walk.
fn trimmed(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Up to 18 ASCII digits as their value (they cannot overflow an `i64`);
/// anything else is left to `str::parse`, which gives the same value or error, slower.
fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 {
        return None;
    }
    text.bytes().try_fold(0i64, |value, byte| {
        let digit = byte.wrapping_sub(b'0');
        (digit <= 9).then_some(value * 10 + i64::from(digit))
    })
}

/// One data row of a scanned table, its fields addressed by their position in the scan's column list.
pub struct Row<'a> {
    pub(crate) location: &'a str,
    pub(crate) unit: &'static str,
    pub(crate) line: u64,
    pub(crate) fields: Fields<'a>,
    pub(crate) columns: &'a [&'a str],
}

/// Where a row's fields are: a text record, or typed values decoded column by column.
pub(crate) enum Fields<'a> {
    /// A CSV record's leading fields (`spans` into `text`) and, for each
    /// scanned column, its position among them.
    Text { text: &'a str, spans: &'a [(usize, usize)], indices: &'a [usize] },
    /// A batch of typed columns (`batch[slot][row]`) and, for each scanned
    /// column, its slot in the batch (a column scanned twice is decoded once).
    Typed { batch: &'a [Vec<Value>], row: usize, slots: &'a [usize] },
}

/// A typed field, as a Parquet column holds it once its logical type is applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    /// Any integer column (and `DECIMAL(p,0)` that fits 64 bits).
    Int(i64),
    /// `FLOAT`, `DOUBLE`, half floats: numbers, never ids.
    Float(f64),
    /// Days since 1970-01-01 (`DATE`, or a timestamp's day).
    Date(i32),
    /// Text, and whatever has no typed reading (a decimal fraction, a boolean, a time of day).
    Text(String),
}

/// A field seen through its type: CSV text is always `Text`.
enum Field<'r> {
    Null,
    Int(i64),
    Float(f64),
    Date(i32),
    Text(&'r str),
}

impl Row<'_> {
    fn field(&self, i: usize) -> Field<'_> {
        match &self.fields {
            Fields::Text { text, spans, indices } => {
                let field = spans.get(indices[i]).and_then(|&(a, b)| text.get(a..b));
                Field::Text(trimmed(field.unwrap_or("")))
            }
            Fields::Typed { batch, row, slots } => match &batch[slots[i]][*row] {
                Value::Null => Field::Null,
                Value::Int(v) => Field::Int(*v),
                Value::Float(v) => Field::Float(*v),
                Value::Date(v) => Field::Date(*v),
                Value::Text(s) => Field::Text(s.trim()),
            },
        }
    }

    /// The trimmed text of field `i` (empty when the row is short or the value
    /// is null); a typed value as a CSV export writes it (`2.0`, `2010-03-15`).
    pub fn text(&self, i: usize) -> Cow<'_, str> {
        match self.field(i) {
            Field::Null => Cow::Borrowed(""),
            Field::Text(t) => Cow::Borrowed(t),
            Field::Int(v) => Cow::Owned(v.to_string()),
            Field::Float(v) => Cow::Owned(format!("{v:?}")),
            Field::Date(days) => {
                let (y, m, d) = civil_from_days(days);
                Cow::Owned(format!("{y:04}-{m:02}-{d:02}"))
            }
        }
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
            value: self.text(i).into_owned(),
            expected,
        }
    }

    /// Field `i` as a 64-bit id; decimals and exponents are refused, never rounded through a float.
    pub fn id(&self, i: usize) -> Result<i64, OmopError> {
        match self.field(i) {
            Field::Int(v) => Ok(v),
            Field::Text(t) => {
                digits(t).map_or_else(|| t.parse::<i64>(), Ok).map_err(|_| self.invalid(i, "a 64-bit integer id"))
            }
            _ => Err(self.invalid(i, "a 64-bit integer id")),
        }
    }

    /// Field `i` as an integer, or `None` when empty (month and day of birth may be missing).
    pub fn optional_int(&self, i: usize) -> Result<Option<i64>, OmopError> {
        match self.field(i) {
            Field::Null | Field::Text("") => Ok(None),
            Field::Int(v) => Ok(Some(v)),
            Field::Text(t) => t.parse::<i64>().map(Some).map_err(|_| self.invalid(i, "an integer or an empty field")),
            _ => Err(self.invalid(i, "an integer or an empty field")),
        }
    }

    /// Field `i` as a finite number, or `None` when empty (a measurement without a numeric result).
    pub fn optional_number(&self, i: usize) -> Result<Option<f64>, OmopError> {
        let expected = "a finite number or an empty field";
        match self.field(i) {
            Field::Null | Field::Text("") => Ok(None),
            Field::Int(v) => Ok(Some(v as f64)),
            Field::Float(v) if v.is_finite() => Ok(Some(v)),
            Field::Text(t) => match t.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(self.invalid(i, expected)),
            },
            _ => Err(self.invalid(i, expected)),
        }
    }

    /// Field `i` as a date (days since 1970-01-01).
    pub fn date(&self, i: usize) -> Result<i32, OmopError> {
        match self.field(i) {
            Field::Date(days) => Ok(days),
            Field::Text(t) => parse_date(t).ok_or_else(|| self.invalid(i, "a date YYYY-MM-DD")),
            _ => Err(self.invalid(i, "a date YYYY-MM-DD")),
        }
    }

    /// Field `i` as a date, or `None` when empty (an era or visit without an end date).
    pub fn optional_date(&self, i: usize) -> Result<Option<i32>, OmopError> {
        match self.field(i) {
            Field::Null | Field::Text("") => Ok(None),
            _ => self.date(i).map(Some),
        }
    }
}
