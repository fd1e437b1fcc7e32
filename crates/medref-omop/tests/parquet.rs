//! The tiny CDM written as Parquet (typed columns: `INT64` ids, `DATE` dates,
//! UTF-8 text, compressed with the codecs exporters use) gives the same study
//! as its CSV, and a float id column is refused with file, row and column.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use medref_omop::study::celecoxib_gi_bleed;
use medref_omop::{extract_covariates, Cdm, CovariateSettings, OmopError};
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/rwd/tiny")
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Id,
    Float,
    Date,
    Text,
}

/// The Parquet type a CDM export gives a column (the naming rule of `scripts/omop-load-postgres`).
fn kind_of(column: &str) -> Kind {
    let text_ids = ["domain_id", "vocabulary_id", "concept_class_id", "relationship_id"];
    if column.ends_with("_date") {
        Kind::Date
    } else if (column.ends_with("_id") && !text_ids.contains(&column))
        || ["year_of_birth", "month_of_birth", "day_of_birth"].contains(&column)
    {
        Kind::Id
    } else {
        Kind::Text
    }
}

/// Writes the CSV at `csv_path` as Parquet at `out`, `override_kind` forcing some columns' types.
fn csv_to_parquet(csv_path: &Path, out: &Path, compression: Compression, override_kind: &[(&str, Kind)]) {
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let kinds: Vec<Kind> = header
        .iter()
        .map(|c| override_kind.iter().find(|(name, _)| name == c).map_or_else(|| kind_of(c), |&(_, k)| k))
        .collect();
    let fields: Vec<String> = header
        .iter()
        .zip(&kinds)
        .map(|(c, k)| match k {
            Kind::Id => format!("OPTIONAL INT64 {c};"),
            Kind::Float => format!("OPTIONAL DOUBLE {c};"),
            Kind::Date => format!("OPTIONAL INT32 {c} (DATE);"),
            Kind::Text => format!("OPTIONAL BYTE_ARRAY {c} (UTF8);"),
        })
        .collect();
    let schema = Arc::new(parse_message_type(&format!("message cdm {{ {} }}", fields.join(" "))).unwrap());
    let props = Arc::new(WriterProperties::builder().set_compression(compression).build());
    let mut writer = SerializedFileWriter::new(File::create(out).unwrap(), schema, props).unwrap();
    let mut group = writer.next_row_group().unwrap();
    let mut column = 0;
    while let Some(mut col) = group.next_column().unwrap() {
        let cells: Vec<&str> = records.iter().map(|r| r.get(column).unwrap_or("").trim()).collect();
        let levels: Vec<i16> = cells.iter().map(|c| i16::from(!c.is_empty())).collect();
        let present = cells.iter().filter(|c| !c.is_empty());
        match kinds[column] {
            Kind::Id => {
                let values: Vec<i64> = present.map(|c| c.parse().unwrap()).collect();
                col.typed::<Int64Type>().write_batch(&values, Some(&levels), None).unwrap();
            }
            Kind::Float => {
                let values: Vec<f64> = present.map(|c| c.parse().unwrap()).collect();
                col.typed::<DoubleType>().write_batch(&values, Some(&levels), None).unwrap();
            }
            Kind::Date => {
                let values: Vec<i32> = present.map(|c| days(c)).collect();
                col.typed::<Int32Type>().write_batch(&values, Some(&levels), None).unwrap();
            }
            Kind::Text => {
                let values: Vec<ByteArray> = present.map(|c| ByteArray::from(*c)).collect();
                col.typed::<ByteArrayType>().write_batch(&values, Some(&levels), None).unwrap();
            }
        }
        col.close().unwrap();
        column += 1;
    }
    group.close().unwrap();
    writer.close().unwrap();
}

fn days(text: &str) -> i32 {
    let parts: Vec<i32> = text.split('-').map(|p| p.parse().unwrap()).collect();
    medref_omop::date::days_from_civil(parts[0], parts[1] as u32, parts[2] as u32)
}

/// The tiny CDM as Parquet, every table but those in `as_csv`.
fn tiny_as_parquet(override_kind: &[(&str, Kind)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(tiny_dir()).unwrap() {
        let path = entry.unwrap().path();
        let Some(table) = path.file_name().unwrap().to_str().unwrap().strip_suffix(".csv") else { continue };
        // Event tables zstd (polars' default), the rest snappy (pandas', DuckDB's).
        let compression = if table.ends_with("_era") || table.ends_with("_occurrence") {
            Compression::ZSTD(ZstdLevel::default())
        } else {
            Compression::SNAPPY
        };
        csv_to_parquet(&path, &dir.path().join(format!("{table}.parquet")), compression, override_kind);
    }
    dir
}

#[test]
fn parquet_tables_give_the_same_study_as_csv() {
    let dir = tiny_as_parquet(&[]);
    assert!(!dir.path().join("person.csv").exists() && dir.path().join("person.parquet").is_file());
    let (csv, parquet) = (Cdm::new(tiny_dir()), Cdm::new(dir.path()));
    let from_csv = celecoxib_gi_bleed().build(&csv).unwrap();
    let from_parquet = celecoxib_gi_bleed().build(&parquet).unwrap();
    assert_eq!(from_parquet, from_csv);
    // Not vacuous: the hand-counted population, with the id above 2^53 intact.
    let ids: Vec<i64> = from_parquet.persons.iter().map(|p| p.person_id).collect();
    assert_eq!(ids, vec![1, 7, 9007199254740993]);
    let settings = CovariateSettings::default();
    let covariates = extract_covariates(&parquet, &from_parquet, &settings).unwrap();
    assert_eq!(covariates, extract_covariates(&csv, &from_csv, &settings).unwrap());
    assert_eq!(covariates.value(0, 1920), 2.0);
}

#[test]
fn a_float_id_column_is_refused_with_file_row_and_column() {
    let dir = tiny_as_parquet(&[("person_id", Kind::Float)]);
    let message = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap_err().to_string();
    assert!(message.contains("drug_era.parquet, row 1, column `person_id`"), "{message}");
    assert!(message.contains("64-bit integer id") && message.contains("\"1.0\""), "{message}");
}

#[test]
fn a_missing_parquet_column_is_named_with_its_file() {
    let dir = tiny_as_parquet(&[]);
    let cdm = Cdm::new(dir.path());
    let err = cdm.scan("person", &["person_id", "birth_weight"], "a test", |_| Ok(())).unwrap_err();
    match &err {
        OmopError::ColumnMissing { file, column, purpose } => {
            assert!(file.ends_with("person.parquet"), "{file}");
            assert_eq!((column.as_str(), purpose.as_str()), ("birth_weight", "a test"));
        }
        other => panic!("expected a missing column, got {other}"),
    }
}

#[test]
fn a_file_that_is_not_parquet_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("person.parquet"), "person_id\n1\n").unwrap();
    let err = Cdm::new(dir.path()).scan("person", &["person_id"], "a test", |_| Ok(())).unwrap_err();
    assert!(matches!(err, OmopError::Parquet { .. }), "{err}");
    assert!(err.to_string().contains("person.parquet"), "{err}");
}
