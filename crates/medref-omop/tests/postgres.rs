//! The tiny CDM from a real PostgreSQL schema gives the same study as from
//! its CSV folder. `.ci/run` starts a throwaway cluster, loads the tiny CDM
//! with `scripts/omop-load-postgres` and sets:
//! - `MEDREF_POSTGRES`: `postgresql://127.0.0.1:PORT/medref` (user from `PGUSER`);
//! - `MEDREF_POSTGRES_SCHEMA`: the tiny CDM's schema (default `tiny`);
//! - `MEDREF_POSTGRES_GIBLEED_SCHEMA`: GiBleed's schema, when loaded;
//! - `MEDREF_REQUIRE_POSTGRES=1`: fail, rather than skip, when the database cannot be used;
//! - `MEDREF_POSTGRES_TLS_ROOT`: the cluster's CA certificate, when it accepts TLS.
//!
//! Without `MEDREF_POSTGRES` each test says why it skipped and passes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use medref_omop::study::celecoxib_gi_bleed;
use medref_omop::table::MAX_IDS_IN_QUERY;
use medref_omop::{extract_covariates, Cdm, CovariateSettings, IdFilter, OmopError};

fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/rwd/tiny")
}

fn required() -> bool {
    std::env::var("MEDREF_REQUIRE_POSTGRES").as_deref() == Ok("1")
}

/// The connection string, or `None` (with the reason printed) when there is no database to test.
fn connection() -> Option<String> {
    match std::env::var("MEDREF_POSTGRES") {
        Ok(c) if !c.is_empty() => Some(c),
        _ => {
            assert!(!required(), "MEDREF_REQUIRE_POSTGRES=1 but MEDREF_POSTGRES is not set");
            eprintln!("skipped: MEDREF_POSTGRES is not set (.ci/run starts a local PostgreSQL and sets it)");
            None
        }
    }
}

/// The CDM in `schema`, or `None` when the database cannot be reached and is not required.
fn postgres_cdm(schema: &str) -> Option<Cdm> {
    let connection = connection()?;
    match Cdm::postgres(&connection, schema) {
        Ok(cdm) => Some(cdm),
        Err(e) if !required() => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("MEDREF_REQUIRE_POSTGRES=1 but the database cannot be used: {e}"),
    }
}

fn tiny_schema() -> String {
    std::env::var("MEDREF_POSTGRES_SCHEMA").unwrap_or_else(|_| "tiny".into())
}

#[test]
fn the_tiny_study_from_postgres_equals_the_one_from_csv() {
    let Some(database) = postgres_cdm(&tiny_schema()) else { return };
    let folder = Cdm::new(tiny_dir());
    let from_db = celecoxib_gi_bleed().build(&database).unwrap();
    let from_csv = celecoxib_gi_bleed().build(&folder).unwrap();
    assert_eq!(from_db.attrition, from_csv.attrition);
    assert_eq!(from_db, from_csv);
    // Not vacuous: the hand count of datasets/rwd/tiny/README.md, id 2^53+1 intact.
    let steps: Vec<(usize, usize)> = from_db.attrition.iter().map(|s| (s.persons, s.outcomes)).collect();
    assert_eq!(steps, vec![(9, 4), (8, 4), (7, 4), (6, 3), (5, 3), (4, 2), (3, 2)]);
    let labels: Vec<(i64, bool, i32)> =
        from_db.persons.iter().map(|p| (p.person_id, p.outcome, p.survival_time)).collect();
    assert_eq!(labels, vec![(1, true, 78), (7, true, 153), (9007199254740993, false, 365)]);
    let settings = CovariateSettings::default();
    let covariates = extract_covariates(&database, &from_db, &settings).unwrap();
    assert_eq!(covariates, extract_covariates(&folder, &from_csv, &settings).unwrap());
    assert_eq!(covariates.value(0, 1920), 2.0);
    assert_eq!(covariates.reference_of(8532001).unwrap().covariate_name, "gender = FEMALE");
    // A NUMERIC column read back as the CSV's number, and the optional cdm_source table.
    assert_eq!(covariates.value(0, 3000963713706), 12.0);
    let source = medref_omop::CdmSource::read(&database).unwrap();
    assert!(source.as_ref().is_some_and(|s| s.cdm_version.as_deref() == Some("v5.3")), "{source:?}");
    assert_eq!(source, medref_omop::CdmSource::read(&folder).unwrap());
}

#[test]
fn a_missing_table_or_column_names_schema_table_and_purpose() {
    let schema = tiny_schema();
    let Some(cdm) = postgres_cdm(&schema) else { return };
    // The tiny CDM has no drug_exposure table.
    let err = cdm.scan("drug_exposure", &["person_id"], "the target cohort", |_| Ok(())).unwrap_err();
    assert!(matches!(&err, OmopError::TableMissing { table, .. } if table == "drug_exposure"), "{err}");
    let message = err.to_string();
    assert!(message.contains(&format!("{schema}.drug_exposure")) && message.contains("the target cohort"), "{message}");
    let err = cdm.scan("person", &["person_id", "birth_weight"], "a test", |_| Ok(())).unwrap_err();
    match &err {
        OmopError::ColumnMissing { file, column, purpose } => {
            assert_eq!(file, &format!("{schema}.person"));
            assert_eq!((column.as_str(), purpose.as_str()), ("birth_weight", "a test"));
        }
        other => panic!("expected a missing column, got {other}"),
    }
    assert!(!cdm.has_table("drug_exposure") && cdm.has_table("person"));
    // The connection still serves scans after those errors.
    let mut persons = 0;
    cdm.scan("person", &["person_id"], "a test", |_| {
        persons += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(persons, 9);
}

#[test]
fn a_missing_schema_is_named_and_the_description_has_no_user() {
    let Some(connection) = connection() else { return };
    let err = match Cdm::postgres(&connection, "no_such_cdm_schema") {
        Err(e) => e,
        Ok(_) => panic!("a schema that does not exist was accepted"),
    };
    if matches!(&err, OmopError::Database { message, .. } if !message.contains("schema")) && !required() {
        eprintln!("skipped: {err}");
        return;
    }
    assert!(err.to_string().contains("schema `no_such_cdm_schema` not found"), "{err}");
    let Some(cdm) = postgres_cdm(&tiny_schema()) else { return };
    let words = cdm.describe();
    assert!(words.starts_with("PostgreSQL postgresql://") && words.ends_with(&format!("schema {}", tiny_schema())));
    assert!(!words.contains('@'), "{words}");
    if let Ok(password) = std::env::var("PGPASSWORD") {
        assert!(password.is_empty() || !words.contains(&password));
    }
}

#[test]
fn over_tls_the_server_is_verified_and_the_study_is_the_same() {
    let Some(connection) = connection() else { return };
    let Ok(root) = std::env::var("MEDREF_POSTGRES_TLS_ROOT") else {
        eprintln!("skipped: MEDREF_POSTGRES_TLS_ROOT is not set (the local cluster had no openssl)");
        return;
    };
    let tls = format!("{connection}?sslmode=verify-full&sslrootcert={root}");
    let cdm = Cdm::postgres(&tls, &tiny_schema()).unwrap();
    assert!(cdm.describe().contains("(TLS, server verified)"), "{}", cdm.describe());
    let study = celecoxib_gi_bleed().build(&cdm).unwrap();
    assert_eq!(study, celecoxib_gi_bleed().build(&Cdm::new(tiny_dir())).unwrap());
    // The server's view: a medref session on TLS is open now (the others in this file are plain).
    let on_tls: i64 = raw_client(&connection)
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = 'medref' AND s.ssl",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(on_tls >= 1, "no medref session on TLS");
    drop(cdm);
    // Without the cluster's CA the throwaway certificate is not trusted: no connection, no data.
    let err = match Cdm::postgres(
        &format!("{connection}?sslmode=require&sslrootcert={}", tiny_dir().join("README.md").display()),
        &tiny_schema(),
    ) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a root file without certificates was accepted"),
    };
    assert!(err.contains("sslrootcert") && err.contains("no PEM certificate"), "{err}");
    if std::env::var_os("PGSSLROOTCERT").is_none() {
        let err = match Cdm::postgres(&format!("{connection}?sslmode=verify-full"), &tiny_schema()) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("a server with an untrusted certificate was accepted"),
        };
        assert!(err.contains("certificate"), "{err}");
    }
}

/// A client of our own, to write a broken table (the library only reads).
fn raw_client(connection: &str) -> postgres::Client {
    let mut config: postgres::Config = connection.parse().unwrap();
    if config.get_user().is_none() {
        config.user(&std::env::var("PGUSER").or_else(|_| std::env::var("USER")).unwrap());
    }
    if let Ok(password) = std::env::var("PGPASSWORD") {
        config.password(password);
    }
    config.connect(postgres::NoTls).unwrap()
}

#[test]
fn a_fractional_id_in_the_database_is_refused_with_table_row_and_column() {
    let Some(connection) = connection() else { return };
    if postgres_cdm(&tiny_schema()).is_none() {
        return;
    }
    let schema = format!("medref_test_fraction_{}", std::process::id());
    let mut client = raw_client(&connection);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
             CREATE TABLE {schema}.drug_era (person_id NUMERIC, drug_concept_id BIGINT, drug_era_start_date DATE);
             INSERT INTO {schema}.drug_era VALUES
               (5, 1124300, '2010-01-01'), (3, 1118084, '2010-01-01'), (2.0, 1118084, '2010-01-01');"
        ))
        .unwrap();
    let result = Cdm::postgres(&connection, &schema).and_then(|cdm| celecoxib_gi_bleed().build(&cdm));
    client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
    let message = result.unwrap_err().to_string();
    // COPY writes rows in the table's order here. The target scan asks the
    // server for celecoxib's rows only (drug_concept_id is bigint), so the
    // diclofenac row never arrives and the fractional id is in row 2, not 3.
    assert!(message.contains(&format!("{schema}.drug_era, row 2, column `person_id`")), "{message}");
    assert!(message.contains("64-bit integer id") && message.contains("\"2.0\""), "{message}");
}

#[test]
fn a_large_id_filter_is_applied_by_the_database() {
    let Some(cdm) = postgres_cdm(&tiny_schema()) else { return };
    // More ids than fit a query's list: they go into a temporary table.
    let mut ids: medref_omop::IdSet = (1_000_000..1_000_000 + MAX_IDS_IN_QUERY as i64).collect();
    ids.extend([1, 7, 9007199254740993]);
    let mut seen = Vec::new();
    let filter = IdFilter { column: 0, ids: &ids };
    cdm.scan_ids("person", &["person_id"], "a test", filter, |row| {
        seen.push((row.id(0)?, row.line()));
        Ok(())
    })
    .unwrap();
    seen.sort_unstable();
    // Rows numbered 1 to 3: the server sent only these three of the nine persons.
    let mut lines: Vec<u64> = seen.iter().map(|&(_, line)| line).collect();
    lines.sort_unstable();
    assert_eq!(seen.iter().map(|&(id, _)| id).collect::<Vec<_>>(), vec![1, 7, 9007199254740993]);
    assert_eq!(lines, vec![1, 2, 3]);
    // The same filter on the folder gives the same persons.
    let mut from_csv = Vec::new();
    Cdm::new(tiny_dir())
        .scan_ids("person", &["person_id"], "a test", filter, |row| {
            from_csv.push(row.id(0)?);
            Ok(())
        })
        .unwrap();
    from_csv.sort_unstable();
    assert_eq!(from_csv, vec![1, 7, 9007199254740993]);
}

/// GiBleed, when `.ci/run` (or a user) loaded it into `MEDREF_POSTGRES_GIBLEED_SCHEMA`:
/// exactly the counts of the CSV folder (`tests/gibleed.rs`), and the time of each source.
#[test]
fn gibleed_from_postgres_gives_the_csv_counts() {
    let Ok(schema) = std::env::var("MEDREF_POSTGRES_GIBLEED_SCHEMA") else {
        eprintln!("skipped: MEDREF_POSTGRES_GIBLEED_SCHEMA is not set");
        return;
    };
    let Some(database) = postgres_cdm(&schema) else { return };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/rwd/omop_gibleed");
    let mut sources = vec![database];
    if dir.join("person.csv").is_file() {
        sources.push(Cdm::new(dir));
    } else {
        eprintln!("GiBleed's CSV folder is absent: checking the database against the known counts only");
    }
    let settings = CovariateSettings::default();
    let mut results = Vec::new();
    for cdm in sources {
        let start = Instant::now();
        let population = celecoxib_gi_bleed().build(&cdm).unwrap();
        let data = extract_covariates(&cdm, &population, &settings).unwrap();
        eprintln!("{}: {:.2} s", cdm.describe(), start.elapsed().as_secs_f64());
        results.push((population, data));
    }
    let (population, data) = &results[0];
    let steps: Vec<(usize, usize)> = population.attrition.iter().map(|s| (s.persons, s.outcomes)).collect();
    assert_eq!(steps[0], (1844, 355));
    assert_eq!(steps[2], (1800, 355));
    assert_eq!(*steps.last().unwrap(), (1767, 355));
    // With race, ethnicity, procedures, visits per concept and the latest
    // measurement: what scripts/omop-parity counts in pandas (296, 18,739).
    assert_eq!((data.reference.len(), data.covariates.len()), (296, 18739));
    if let Some(from_csv) = results.get(1) {
        assert_eq!(&results[0], from_csv);
    }
}
