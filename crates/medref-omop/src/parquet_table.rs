//! CDM tables as Parquet (`person.parquet`), as pandas, polars, DuckDB and
//! Spark export them. Only the requested columns are decoded (a projection),
//! each by the `parquet` crate's typed column reader, [`BATCH_ROWS`] rows at a
//! time, so memory holds one batch of the scanned columns, never a row group
//! or a table. Values keep their type on the way to [`Row`] (no detour
//! through text, which cost 4x CSV's CPU): an integer column gives ids, a
//! float column (`2.0`) is refused as an id rather than rounded, a `DATE` or
//! timestamp column gives dates, and text columns are read as CSV text is.

use std::fs::File;
use std::path::Path;

use parquet::basic::{ConvertedType, LogicalType, TimeUnit};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType, FixedLenByteArray, Int96};
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, RowGroupReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

use crate::error::OmopError;
use crate::table_rows::{Fields, Row, Value};

/// Rows decoded per column at a time: large enough to amortise the call,
/// small enough (a few MB for a handful of columns) to keep memory flat.
const BATCH_ROWS: usize = 64 * 1024;

/// Calls `visit` on every row of the Parquet file at `path` with `columns` (in that order).
pub(crate) fn scan_parquet(
    path: &Path,
    columns: &[&str],
    purpose: &str,
    mut visit: impl FnMut(&Row) -> Result<(), OmopError>,
) -> Result<(), OmopError> {
    let parquet_error = |source| OmopError::Parquet { file: path.to_path_buf(), source };
    let file = File::open(path).map_err(|source| OmopError::Io { file: path.to_path_buf(), source })?;
    let reader = SerializedFileReader::new(file).map_err(parquet_error)?;
    let metadata = reader.metadata();
    let schema = metadata.file_metadata().schema_descr();
    let location = path.display().to_string();

    // For each requested column the leaf column holding it, decoded once however often it is requested.
    let mut leaves: Vec<usize> = Vec::with_capacity(columns.len());
    let mut slots: Vec<usize> = Vec::with_capacity(columns.len());
    for column in columns {
        let field = schema.root_schema().get_fields().iter().find(|f| f.name().eq_ignore_ascii_case(column));
        let Some(field) = field else {
            return Err(OmopError::ColumnMissing {
                file: location.clone(),
                column: column.to_string(),
                purpose: purpose.to_string(),
            });
        };
        let leaf = schema.columns().iter().position(|c| c.path().parts() == [field.name().to_string()]);
        let Some(leaf) = leaf.filter(|_| field.is_primitive()) else {
            return Err(OmopError::Value {
                file: location.clone(),
                unit: "row",
                line: 1,
                column: column.to_string(),
                value: "a nested value".into(),
                expected: "one value per row",
            });
        };
        slots.push(leaves.iter().position(|&l| l == leaf).unwrap_or_else(|| {
            leaves.push(leaf);
            leaves.len() - 1
        }));
    }

    let mut batch: Vec<Vec<Value>> = vec![Vec::with_capacity(BATCH_ROWS); leaves.len()];
    let mut line = 0u64;
    for group in 0..metadata.num_row_groups() {
        let group_reader = reader.get_row_group(group).map_err(parquet_error)?;
        let rows = usize::try_from(group_reader.metadata().num_rows()).unwrap_or(0);
        let mut decoders = Vec::with_capacity(leaves.len());
        for &leaf in &leaves {
            decoders.push(ColumnDecoder::new(group_reader.as_ref(), leaf, schema.column(leaf)).map_err(parquet_error)?);
        }
        let mut done = 0;
        while done < rows {
            let want = BATCH_ROWS.min(rows - done);
            for (decoder, values) in decoders.iter_mut().zip(batch.iter_mut()) {
                decoder.read(want, values).map_err(parquet_error)?;
                if values.len() != want {
                    let message = format!("row group {group} ended after {} of its {rows} rows", done + values.len());
                    return Err(parquet_error(ParquetError::General(message)));
                }
            }
            for row in 0..want {
                line += 1;
                let fields = Fields::Typed { batch: &batch, row, slots: &slots };
                visit(&Row { location: &location, unit: "row", line, fields, columns })?;
            }
            done += want;
        }
    }
    Ok(())
}

/// What a leaf column's values mean, from its logical type (or the legacy converted type).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Meaning {
    Plain,
    Date,
    /// A timestamp in units of which `per_day` make a day; its time of day is dropped, as CSV's is.
    Timestamp {
        per_day: i64,
    },
    Decimal {
        scale: i32,
    },
    Unsigned,
    TimeOfDay,
    Float16,
}

fn meaning_of(descr: &ColumnDescriptor) -> Meaning {
    const MILLIS: i64 = 86_400_000;
    match descr.logical_type() {
        Some(LogicalType::Date) => Meaning::Date,
        Some(LogicalType::Timestamp { unit, .. }) => Meaning::Timestamp {
            per_day: match unit {
                TimeUnit::MILLIS(_) => MILLIS,
                TimeUnit::MICROS(_) => MILLIS * 1_000,
                TimeUnit::NANOS(_) => MILLIS * 1_000_000,
            },
        },
        Some(LogicalType::Decimal { scale, .. }) => Meaning::Decimal { scale },
        Some(LogicalType::Integer { is_signed: false, .. }) => Meaning::Unsigned,
        Some(LogicalType::Time { .. }) => Meaning::TimeOfDay,
        Some(LogicalType::Float16) => Meaning::Float16,
        Some(_) => Meaning::Plain,
        None => match descr.converted_type() {
            ConvertedType::DATE => Meaning::Date,
            ConvertedType::TIMESTAMP_MILLIS => Meaning::Timestamp { per_day: MILLIS },
            ConvertedType::TIMESTAMP_MICROS => Meaning::Timestamp { per_day: MILLIS * 1_000 },
            ConvertedType::DECIMAL => Meaning::Decimal { scale: descr.type_scale() },
            ConvertedType::UINT_8 | ConvertedType::UINT_16 | ConvertedType::UINT_32 | ConvertedType::UINT_64 => {
                Meaning::Unsigned
            }
            ConvertedType::TIME_MILLIS | ConvertedType::TIME_MICROS => Meaning::TimeOfDay,
            _ => Meaning::Plain,
        },
    }
}

/// One leaf column of one row group, decoded batch by batch into [`Value`]s.
struct ColumnDecoder {
    reader: ColumnReader,
    meaning: Meaning,
    /// Values are present where the definition level reaches this (0: the column is required).
    max_def: i16,
    defs: Vec<i16>,
}

impl ColumnDecoder {
    fn new(
        group: &dyn RowGroupReader,
        leaf: usize,
        descr: std::sync::Arc<ColumnDescriptor>,
    ) -> Result<Self, ParquetError> {
        let meaning = meaning_of(&descr);
        Ok(Self { reader: group.get_column_reader(leaf)?, meaning, max_def: descr.max_def_level(), defs: Vec::new() })
    }

    /// Replaces `out` with the next `want` values (fewer only at the end of the row group).
    fn read(&mut self, want: usize, out: &mut Vec<Value>) -> Result<(), ParquetError> {
        let (meaning, max_def, defs) = (self.meaning, self.max_def, &mut self.defs);
        match &mut self.reader {
            ColumnReader::BoolColumnReader(r) => read_into(r, want, max_def, defs, out, |v| Value::Text(v.to_string())),
            ColumnReader::Int32ColumnReader(r) => read_into(r, want, max_def, defs, out, |&v| match meaning {
                Meaning::Date => Value::Date(v),
                Meaning::Unsigned => Value::Int(i64::from(v as u32)),
                _ => integer(i64::from(v), meaning),
            }),
            ColumnReader::Int64ColumnReader(r) => read_into(r, want, max_def, defs, out, |&v| match meaning {
                Meaning::Unsigned if v < 0 => Value::Text((v as u64).to_string()),
                _ => integer(v, meaning),
            }),
            ColumnReader::Int96ColumnReader(r) => {
                read_into(r, want, max_def, defs, out, |v: &Int96| day(v.to_seconds().div_euclid(86_400)))
            }
            // The shortest text of an f32 (`0.1`), read as CSV reads it, not widened bit for bit.
            ColumnReader::FloatColumnReader(r) => {
                read_into(r, want, max_def, defs, out, |v| Value::Float(v.to_string().parse().unwrap_or(f64::NAN)))
            }
            ColumnReader::DoubleColumnReader(r) => read_into(r, want, max_def, defs, out, |&v| Value::Float(v)),
            ColumnReader::ByteArrayColumnReader(r) => {
                read_into(r, want, max_def, defs, out, |v: &ByteArray| bytes(v.data(), meaning))
            }
            ColumnReader::FixedLenByteArrayColumnReader(r) => {
                read_into(r, want, max_def, defs, out, |v: &FixedLenByteArray| bytes(v.data(), meaning))
            }
        }
    }
}

/// Reads up to `want` rows of a typed column into `out`, nulls where the definition level falls short.
fn read_into<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    want: usize,
    max_def: i16,
    defs: &mut Vec<i16>,
    out: &mut Vec<Value>,
    convert: impl Fn(&T::T) -> Value,
) -> Result<(), ParquetError> {
    defs.clear();
    out.clear();
    let mut values = Vec::with_capacity(want);
    let (rows, _, _) = reader.read_records(want, Some(defs), None, &mut values)?;
    if max_def == 0 {
        out.extend(values.iter().map(convert));
    } else {
        let mut present = values.iter();
        // Only defined rows have a value: advance through them alone.
        out.extend(defs[..rows].iter().map(|&d| match (d == max_def).then(|| present.next()).flatten() {
            Some(v) => convert(v),
            None => Value::Null,
        }));
    }
    Ok(())
}

/// An integer column's value: an id or count, a day, or a decimal with its fraction kept.
fn integer(v: i64, meaning: Meaning) -> Value {
    match meaning {
        Meaning::Date => day(v),
        Meaning::Timestamp { per_day } => day(v.div_euclid(per_day)),
        Meaning::Decimal { scale } if scale > 0 => decimal(&v.to_be_bytes(), scale),
        Meaning::TimeOfDay => Value::Text("a time of day".into()),
        _ => Value::Int(v),
    }
}

fn day(days: i64) -> Value {
    i32::try_from(days).map_or_else(|_| Value::Text("a date out of range".into()), Value::Date)
}

/// A byte-array column's value: text (UTF-8), a decimal, or a half float.
fn bytes(data: &[u8], meaning: Meaning) -> Value {
    match meaning {
        Meaning::Decimal { scale } => decimal(data, scale),
        Meaning::Float16 if data.len() == 2 => Value::Float(half_to_f64(u16::from_le_bytes([data[0], data[1]]))),
        _ => Value::Text(String::from_utf8_lossy(data).into_owned()),
    }
}

/// A decimal's unscaled big-endian two's-complement bytes: `NUMERIC(20,0)` ids
/// stay integers; a scale above 0 keeps its fraction as text (`2.00`), which
/// reads as a number but is refused as an id.
fn decimal(bytes: &[u8], scale: i32) -> Value {
    let mut text = String::new();
    let _ = write_decimal(bytes, scale, &mut text);
    match text.parse::<i64>() {
        Ok(v) if scale <= 0 => Value::Int(v),
        _ => Value::Text(text),
    }
}

/// IEEE 754 half precision to double.
fn half_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let fraction = f64::from(bits & 0x3ff);
    sign * match exponent {
        0 => fraction * 2f64.powi(-24),
        31 if fraction == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + fraction / 1024.0) * 2f64.powi(e - 15),
    }
}

/// A decimal's unscaled big-endian two's-complement bytes as text: `NUMERIC(20,0)`
/// ids stay integers; a scale above 0 keeps its fraction (and is refused as an id).
fn write_decimal(bytes: &[u8], scale: i32, out: &mut String) -> std::fmt::Result {
    use std::fmt::Write;
    if bytes.is_empty() || bytes.len() > 16 {
        return write!(out, "a decimal wider than 128 bits");
    }
    let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut wide = [fill; 16];
    wide[16 - bytes.len()..].copy_from_slice(bytes);
    let unscaled = i128::from_be_bytes(wide);
    if scale <= 0 {
        return write!(out, "{unscaled}");
    }
    let digits = unscaled.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if unscaled < 0 { "-" } else { "" };
    write!(out, "{sign}{whole}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_ids_unless_their_type_says_day_time_or_fraction() {
        assert_eq!(integer(9007199254740993, Meaning::Plain), Value::Int(9007199254740993));
        assert_eq!(integer(14683, Meaning::Date), Value::Date(14683));
        let micros = Meaning::Timestamp { per_day: 86_400_000_000 };
        assert_eq!(integer(14683 * 86_400_000_000 + 3_600_000_000, micros), Value::Date(14683));
        assert_eq!(integer(-1, Meaning::Timestamp { per_day: 86_400_000 }), Value::Date(-1));
        assert_eq!(integer(200, Meaning::Decimal { scale: 2 }), Value::Text("2.00".into()));
        assert_eq!(integer(1118084, Meaning::Decimal { scale: 0 }), Value::Int(1118084));
        assert_eq!(integer(5, Meaning::TimeOfDay), Value::Text("a time of day".into()));
        assert_eq!(day(i64::from(i32::MAX) + 1), Value::Text("a date out of range".into()));
    }

    #[test]
    fn byte_arrays_are_text_decimals_or_half_floats() {
        assert_eq!(bytes(b" 8532 ", Meaning::Plain), Value::Text(" 8532 ".into()));
        assert_eq!(bytes(&1118084i64.to_be_bytes(), Meaning::Decimal { scale: 0 }), Value::Int(1118084));
        assert_eq!(bytes(&[0x00, 0xc8], Meaning::Decimal { scale: 2 }), Value::Text("2.00".into()));
        // 1.5 in half precision is 0x3e00, stored little-endian.
        assert_eq!(bytes(&[0x00, 0x3e], Meaning::Float16), Value::Float(1.5));
        assert_eq!(half_to_f64(0xc000), -2.0);
        assert!(half_to_f64(0x7c01).is_nan());
    }

    #[test]
    fn decimals_keep_integers_whole_and_fractions_visible() {
        let text = |bytes: &[u8], scale| {
            let mut s = String::new();
            write_decimal(bytes, scale, &mut s).unwrap();
            s
        };
        assert_eq!(text(&1118084i64.to_be_bytes(), 0), "1118084");
        assert_eq!(text(&(-5i32).to_be_bytes(), 0), "-5");
        assert_eq!(text(&[0x00, 0xc8], 2), "2.00");
        assert_eq!(text(&(-7i32).to_be_bytes(), 2), "-0.07");
        // Wider than i64: kept as text, so an id parser refuses it rather than wrapping.
        assert_eq!(decimal(&[0x01; 9], 0), Value::Text(text(&[0x01; 9], 0)));
    }
}
