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

/// Every `TABLE.csv` of `from` as `TABLE.parquet` in a new folder, columns typed by `type_of`.
fn folder_as_parquet(from: &Path, type_of: impl Fn(&str) -> ParquetColumn + Copy) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let Some(table) = path.file_name().unwrap().to_str().unwrap().strip_suffix(".csv") else { continue };
        csv_to_parquet(&path, &dir.path().join(format!("{table}.parquet")), type_of).unwrap();
    }
    dir
}

/// The same study and covariates from `csv` and `parquet`; returns the persons, so a caller can check it is not empty.
fn same_study(csv: &Path, parquet: &Path) -> usize {
    let (csv, parquet) = (Cdm::new(csv), Cdm::new(parquet));
    let from_csv = celecoxib_gi_bleed().build(&csv).unwrap();
    let from_parquet = celecoxib_gi_bleed().build(&parquet).unwrap();
    assert_eq!(from_parquet, from_csv);
    let settings = CovariateSettings::default();
    let covariates = extract_covariates(&parquet, &from_parquet, &settings).unwrap();
    assert_eq!(covariates, extract_covariates(&csv, &from_csv, &settings).unwrap());
    from_csv.persons.len()
}

#[test]
fn dates_stored_as_text_read_as_the_csv_reads_them() {
    // Exports from tools without a date type write `YYYY-MM-DD` strings.
    let text_dates = |c: &str| if c.ends_with("_date") { ParquetColumn::Text } else { cdm_column_type(c) };
    let dir = folder_as_parquet(&tiny_dir(), text_dates);
    assert_eq!(same_study(&tiny_dir(), dir.path()), 3);
}

#[test]
fn a_synthetic_cdm_larger_than_one_batch_gives_the_same_study_as_csv() {
    // 5,000 persons: about 75,000 rows in each event table, so values cross a
    // decoding batch (65,536 rows) and optional columns hold nulls on both sides of it.
    let csv = tempfile::tempdir().unwrap();
    let settings = medref_omop::synthetic_scale::ScaleSettings { persons: 5_000, seed: 7 };
    medref_omop::synthetic_scale::write_scale_cdm(csv.path(), &settings).unwrap();
    let parquet = folder_as_parquet(csv.path(), cdm_column_type);
    let persons = same_study(csv.path(), parquet.path());
    assert!(persons > 100, "{persons}");
}

#[test]
fn gibleed_as_parquet_gives_the_same_study_as_csv() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/rwd/omop_gibleed");
    if !dir.join("person.csv").is_file() {
        eprintln!("skipped: GiBleed not found at {} (it lives in ../shared)", dir.display());
        return;
    }
    let parquet = folder_as_parquet(&dir, cdm_column_type);
    assert_eq!(same_study(&dir, parquet.path()), 1_767);
}
