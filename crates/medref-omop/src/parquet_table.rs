//! CDM tables as Parquet (`person.parquet`), as pandas, polars, DuckDB and
//! Spark export them. Only the requested columns are decoded (a projection),
//! row group by row group. Each value is written as the text a CSV export
//! would hold, then read by the same [`Row`] as CSV, so ids and dates obey one
//! set of rules whatever the format: an integer column gives an id, a float
//! column (`2.0`) is refused as an id rather than rounded, a `DATE` or
//! timestamp column gives a date.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::schema::types::Type;

use crate::date::civil_from_days;
use crate::error::OmopError;
use crate::table_rows::Row;

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
    let schema = reader.metadata().file_metadata().schema();
    let location = path.display().to_string();

    // Top-level fields in file order (a projection keeps the file's order), and
    // for each requested column its position among them.
    let fields = schema.get_fields();
    let mut wanted: Vec<usize> = Vec::with_capacity(columns.len());
    for column in columns {
        let found = fields.iter().position(|f| f.name().eq_ignore_ascii_case(column));
        wanted.push(found.ok_or_else(|| OmopError::ColumnMissing {
            file: location.clone(),
            column: column.to_string(),
            purpose: purpose.to_string(),
        })?);
    }
    let mut projected: Vec<usize> = wanted.clone();
    projected.sort_unstable();
    projected.dedup();
    let slot_of = |field: usize| projected.binary_search(&field).expect("every wanted field is projected");
    let indices: Vec<usize> = wanted.iter().map(|&f| slot_of(f)).collect();
    let projection = Type::group_type_builder(schema.name())
        .with_fields(projected.iter().map(|&f| Arc::clone(&fields[f])).collect())
        .build()
        .map_err(parquet_error)?;

    let rows = reader.get_row_iter(Some(projection)).map_err(parquet_error)?;
    let mut record = csv::StringRecord::new();
    let mut text = String::new();
    for (n, row) in rows.enumerate() {
        let row = row.map_err(parquet_error)?;
        record.clear();
        for (_, field) in row.get_column_iter() {
            text.clear();
            field_as_text(field, &mut text);
            record.push_field(&text);
        }
        let line = n as u64 + 1;
        visit(&Row { location: &location, unit: "row", line, record: &record, indices: &indices, columns })?;
    }
    Ok(())
}

/// The text a CSV export writes for `field`: integers in decimal, floats with a
/// fraction (`2.0`, so an id parser refuses them), dates and timestamps as
/// `YYYY-MM-DD` (a timestamp's time of day dropped, as the CSV path drops it),
/// null as empty.
fn field_as_text(field: &Field, out: &mut String) {
    use std::fmt::Write;
    let date = |days: i64, out: &mut String| match i32::try_from(days) {
        Ok(days) => {
            let (y, m, d) = civil_from_days(days);
            let _ = write!(out, "{y:04}-{m:02}-{d:02}");
        }
        Err(_) => out.push_str("a date out of range"),
    };
    let _ = match field {
        Field::Null => Ok(()),
        Field::Bool(v) => write!(out, "{v}"),
        Field::Byte(v) => write!(out, "{v}"),
        Field::Short(v) => write!(out, "{v}"),
        Field::Int(v) => write!(out, "{v}"),
        Field::Long(v) => write!(out, "{v}"),
        Field::UByte(v) => write!(out, "{v}"),
        Field::UShort(v) => write!(out, "{v}"),
        Field::UInt(v) => write!(out, "{v}"),
        Field::ULong(v) => write!(out, "{v}"),
        Field::Float16(v) => write!(out, "{:?}", f32::from(*v)),
        Field::Float(v) => write!(out, "{v:?}"),
        Field::Double(v) => write!(out, "{v:?}"),
        Field::Decimal(d) => write_decimal(d.data(), d.scale(), out),
        Field::Str(s) => write!(out, "{s}"),
        Field::Bytes(b) => write!(out, "{}", String::from_utf8_lossy(b.data())),
        Field::Date(days) => {
            date(i64::from(*days), out);
            Ok(())
        }
        Field::TimestampMillis(ms) => {
            date(ms.div_euclid(86_400_000), out);
            Ok(())
        }
        Field::TimestampMicros(us) => {
            date(us.div_euclid(86_400_000_000), out);
            Ok(())
        }
        Field::TimeMillis(_) | Field::TimeMicros(_) => write!(out, "a time of day"),
        Field::Group(_) | Field::ListInternal(_) | Field::MapInternal(_) => write!(out, "a nested value"),
    };
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
    fn values_become_the_text_a_csv_export_holds() {
        let text = |f: Field| {
            let mut s = String::new();
            field_as_text(&f, &mut s);
            s
        };
        assert_eq!(text(Field::Long(9007199254740993)), "9007199254740993");
        assert_eq!(text(Field::Double(2.0)), "2.0");
        assert_eq!(text(Field::Date(14683)), "2010-03-15");
        assert_eq!(text(Field::Date(-1)), "1969-12-31");
        assert_eq!(text(Field::TimestampMicros(14683 * 86_400_000_000 + 3_600_000_000)), "2010-03-15");
        assert_eq!(text(Field::TimestampMillis(-1)), "1969-12-31");
        assert_eq!(text(Field::Null), "");
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
    }
}
