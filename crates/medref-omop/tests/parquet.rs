//! The tiny CDM written as Parquet (`medref_omop::parquet_write`: `INT64`
//! ids, `DATE` dates, UTF-8 text, zstd) gives the same study as its CSV, and
//! a float id column is refused with file, row and column.

use std::path::{Path, PathBuf};

use medref_omop::parquet_write::{cdm_column_type, csv_to_parquet, ParquetColumn};
use medref_omop::study::celecoxib_gi_bleed;
use medref_omop::{extract_covariates, Cdm, CovariateSettings, OmopError};

fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/rwd/tiny")
}

/// The tiny CDM as Parquet (`parquet_write`'s types), `person_id` as `person_id_type`.
fn tiny_as_parquet(person_id_type: ParquetColumn) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(tiny_dir()).unwrap() {
        let path = entry.unwrap().path();
        let Some(table) = path.file_name().unwrap().to_str().unwrap().strip_suffix(".csv") else { continue };
        let type_of = |c: &str| if c == "person_id" { person_id_type } else { cdm_column_type(c) };
        let rows = csv_to_parquet(&path, &dir.path().join(format!("{table}.parquet")), type_of).unwrap();
        assert!(rows > 0, "{table}");
    }
    dir
}

#[test]
fn parquet_tables_give_the_same_study_as_csv() {
    let dir = tiny_as_parquet(ParquetColumn::Id);
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
    let dir = tiny_as_parquet(ParquetColumn::Number);
    let message = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap_err().to_string();
    assert!(message.contains("drug_era.parquet, row 1, column `person_id`"), "{message}");
    assert!(message.contains("64-bit integer id") && message.contains("\"1.0\""), "{message}");
}

#[test]
fn a_missing_parquet_column_is_named_with_its_file() {
    let dir = tiny_as_parquet(ParquetColumn::Id);
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

#[test]
fn a_field_that_does_not_fit_its_type_is_refused_when_writing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("drug_era.csv");
    std::fs::write(&csv, "drug_era_id,person_id,drug_era_start_date\n1,2,2010-01-01\n2,2.5,2010-01-01\n").unwrap();
    let err = csv_to_parquet(&csv, &dir.path().join("drug_era.parquet"), cdm_column_type).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("drug_era.csv, line 3, column `person_id`"), "{message}");
}
