//! A CDM table from CSV to Parquet with the types an export gives it, so a
//! CSV extract (or a synthetic CDM) can be read as Parquet: for tests of the
//! Parquet reader and for measuring it at scale. Streams: one row group per
//! [`ROWS_PER_GROUP`] rows, never the whole table in memory.
//!
//! Column types follow the CDM's naming, as `scripts/omop-load-postgres`
//! does: `*_date` DATE, ids and birth year/month/day INT64 (except the
//! vocabulary's text ids such as `domain_id`), measured values, quantities,
//! counts and levels of separation DOUBLE, everything else UTF-8 text;
//! empty fields are nulls.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use crate::date::parse_date;
use crate::error::OmopError;

/// Rows per Parquet row group (as pyarrow writes, about a million).
pub const ROWS_PER_GROUP: usize = 1 << 20;

/// The Parquet type a CDM column is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParquetColumn {
    /// `INT64`: ids, concept ids, birth year, month and day.
    Id,
    /// `DOUBLE`: values, quantities, counts.
    Number,
    /// `INT32 (DATE)`: days since 1970-01-01.
    Date,
    /// `BYTE_ARRAY (UTF8)`: names, codes, source values, datetimes.
    Text,
}

/// The type the CDM's naming gives `column`.
pub fn cdm_column_type(column: &str) -> ParquetColumn {
    const TEXT_IDS: [&str; 7] = [
        "domain_id",
        "vocabulary_id",
        "concept_class_id",
        "relationship_id",
        "reverse_relationship_id",
        "unique_device_id",
        "production_id",
    ];
    const NUMBERS: [&str; 7] =
        ["value_as_number", "range_low", "range_high", "quantity", "gap_days", "refills", "days_supply"];
    let c = column.to_ascii_lowercase();
    if c.ends_with("_date") {
        ParquetColumn::Date
    } else if NUMBERS.contains(&c.as_str())
        || c.ends_with("_count")
        || c.ends_with("_levels_of_separation")
        || c.ends_with("_id_1")
        || c.ends_with("_id_2")
    {
        ParquetColumn::Number
    } else if (c.ends_with("_id") && !TEXT_IDS.contains(&c.as_str()))
        || ["year_of_birth", "month_of_birth", "day_of_birth"].contains(&c.as_str())
    {
        ParquetColumn::Id
    } else {
        ParquetColumn::Text
    }
}

/// Writes the CSV table at `csv_path` as Parquet at `out` (zstd), each column
/// typed by `type_of`; returns the rows written. A field that does not fit
/// its type is an error naming the file, line and column.
pub fn csv_to_parquet(csv_path: &Path, out: &Path, type_of: impl Fn(&str) -> ParquetColumn) -> Result<u64, OmopError> {
    let location = csv_path.display().to_string();
    let file = File::open(csv_path).map_err(|source| OmopError::Io { file: csv_path.to_path_buf(), source })?;
    let mut reader = csv::Reader::from_reader(file);
    let csv_error = |line, source| OmopError::Csv { file: location.clone(), line, source };
    let header: Vec<String> = reader.headers().map_err(|e| csv_error(1, e))?.iter().map(str::to_string).collect();
    let types: Vec<ParquetColumn> = header.iter().map(|c| type_of(c)).collect();
    let fields: Vec<String> = header
        .iter()
        .zip(&types)
        .map(|(c, t)| match t {
            ParquetColumn::Id => format!("OPTIONAL INT64 {c};"),
            ParquetColumn::Number => format!("OPTIONAL DOUBLE {c};"),
            ParquetColumn::Date => format!("OPTIONAL INT32 {c} (DATE);"),
            ParquetColumn::Text => format!("OPTIONAL BYTE_ARRAY {c} (UTF8);"),
        })
        .collect();
    let parquet_error = |source| OmopError::Parquet { file: out.to_path_buf(), source };
    let schema = parse_message_type(&format!("message cdm {{ {} }}", fields.join(" ")))
        .map_err(|_| OmopError::Definition(format!("{location}: a column name is not a Parquet field name")))?;
    let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default())).build();
    let sink = File::create(out).map_err(|source| OmopError::Io { file: out.to_path_buf(), source })?;
    let mut writer = SerializedFileWriter::new(sink, Arc::new(schema), Arc::new(props)).map_err(parquet_error)?;

    let mut rows: Vec<(u64, csv::StringRecord)> = Vec::with_capacity(ROWS_PER_GROUP.min(1 << 16));
    let mut total = 0u64;
    let mut records = reader.into_records();
    loop {
        rows.clear();
        for record in records.by_ref().take(ROWS_PER_GROUP) {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                csv_error(line, e)
            })?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record));
        }
        if rows.is_empty() {
            break;
        }
        let mut group = writer.next_row_group().map_err(parquet_error)?;
        let mut column = 0;
        while let Some(mut col) = group.next_column().map_err(parquet_error)? {
            let cells = rows.iter().map(|(line, r)| (*line, r.get(column).unwrap_or("").trim()));
            let levels: Vec<i16> = cells.clone().map(|(_, c)| i16::from(!c.is_empty())).collect();
            let present = cells.filter(|(_, c)| !c.is_empty());
            let bad = |line: u64, value: &str, expected| OmopError::Value {
                file: location.clone(),
                unit: "line",
                line,
                column: header[column].clone(),
                value: value.to_string(),
                expected,
            };
            let written = match types[column] {
                ParquetColumn::Id => {
                    let values = present
                        .map(|(line, c)| c.parse::<i64>().map_err(|_| bad(line, c, "a 64-bit integer id")))
                        .collect::<Result<Vec<_>, _>>()?;
                    col.typed::<Int64Type>().write_batch(&values, Some(&levels), None)
                }
                ParquetColumn::Number => {
                    let values = present
                        .map(|(line, c)| c.parse::<f64>().map_err(|_| bad(line, c, "a number")))
                        .collect::<Result<Vec<_>, _>>()?;
                    col.typed::<DoubleType>().write_batch(&values, Some(&levels), None)
                }
                ParquetColumn::Date => {
                    let values = present
                        .map(|(line, c)| parse_date(c).ok_or_else(|| bad(line, c, "a date YYYY-MM-DD")))
                        .collect::<Result<Vec<_>, _>>()?;
                    col.typed::<Int32Type>().write_batch(&values, Some(&levels), None)
                }
                ParquetColumn::Text => {
                    let values: Vec<ByteArray> = present.map(|(_, c)| ByteArray::from(c)).collect();
                    col.typed::<ByteArrayType>().write_batch(&values, Some(&levels), None)
                }
            };
            written.map_err(parquet_error)?;
            col.close().map_err(parquet_error)?;
            column += 1;
        }
        group.close().map_err(parquet_error)?;
        total += rows.len() as u64;
    }
    writer.close().map_err(parquet_error)?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdm_columns_get_the_types_an_export_gives_them() {
        assert_eq!(cdm_column_type("person_id"), ParquetColumn::Id);
        assert_eq!(cdm_column_type("drug_concept_id"), ParquetColumn::Id);
        assert_eq!(cdm_column_type("domain_id"), ParquetColumn::Text);
        assert_eq!(cdm_column_type("drug_era_start_date"), ParquetColumn::Date);
        assert_eq!(cdm_column_type("condition_start_datetime"), ParquetColumn::Text);
        assert_eq!(cdm_column_type("min_levels_of_separation"), ParquetColumn::Number);
        assert_eq!(cdm_column_type("concept_id_1"), ParquetColumn::Number);
        assert_eq!(cdm_column_type("year_of_birth"), ParquetColumn::Id);
        assert_eq!(cdm_column_type("concept_name"), ParquetColumn::Text);
    }
}
