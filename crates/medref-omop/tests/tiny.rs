//! The study pipeline on the hand-built CDM in `datasets/rwd/tiny/`, whose
//! README works out every count and value asserted here.

use std::path::{Path, PathBuf};

use medref_omop::study::celecoxib_gi_bleed;
use medref_omop::{extract_covariates, Cdm, CovariateSettings, OmopError};

fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/rwd/tiny")
}

/// A copy of the tiny CDM with `edit(name, text) -> Option<text>` applied to each file (`None` drops it).
fn edited_copy(edit: impl Fn(&str, String) -> Option<String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(tiny_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with(".csv") {
            continue;
        }
        if let Some(text) = edit(&name, std::fs::read_to_string(&path).unwrap()) {
            std::fs::write(dir.path().join(&name), text).unwrap();
        }
    }
    dir
}

const BIG_ID: i64 = 9007199254740993; // 2^53 + 1: not representable as an f64

#[test]
fn attrition_matches_the_hand_count() {
    let population = celecoxib_gi_bleed().build(&Cdm::new(tiny_dir())).unwrap();
    let steps: Vec<(&str, usize, usize)> =
        population.attrition.iter().map(|s| (s.description.as_str(), s.persons, s.outcomes)).collect();
    assert_eq!(
        steps,
        vec![
            ("first exposure to the target concept set", 9, 4),
            ("in the person table", 8, 4),
            ("index date inside an observation period", 7, 4),
            ("at least 365 days of observation before index", 6, 3),
            ("aged 18 or older at index", 5, 3),
            ("no outcome in the 99999 days before the time at risk", 4, 2),
            ("at least 364 days at risk after the first or an outcome at risk", 3, 2),
        ]
    );
}

#[test]
fn labels_match_the_hand_count() {
    let population = celecoxib_gi_bleed().build(&Cdm::new(tiny_dir())).unwrap();
    let rows: Vec<(i64, bool, Option<i32>, i32, i32, i32)> = population
        .persons
        .iter()
        .map(|p| (p.person_id, p.outcome, p.days_to_event, p.survival_time, p.time_at_risk, p.age_at_index))
        .collect();
    assert_eq!(
        rows,
        vec![(1, true, Some(78), 78, 365, 50), (7, true, Some(153), 153, 181, 40), (BIG_ID, false, None, 365, 365, 68),]
    );
    // 2010-03-15 is day 14683 since 1970-01-01.
    assert_eq!(population.persons[0].index_date, 14683);
    assert_eq!(population.persons[1].risk_end, 181);
}

#[test]
fn covariates_match_the_hand_count() {
    let cdm = Cdm::new(tiny_dir());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    let data = extract_covariates(&cdm, &population, &CovariateSettings::default()).unwrap();
    let row0: Vec<(i64, f64)> =
        data.covariates.iter().filter(|c| c.row == 0).map(|c| (c.covariate_id, c.value)).collect();
    assert_eq!(
        row0,
        vec![
            (1920, 2.0),
            (1922, 1.0),
            (3007, 1.0),
            (10003, 1.0),
            (2010006, 1.0),
            (8532001, 1.0),
            (80180210, 1.0),
            (80180212, 1.0),
            (1118084410, 1.0),
            (1118084412, 1.0),
            (1124300410, 1.0),
            (4291025210, 1.0),
            (4291025212, 1.0),
            (21603933410, 1.0),
            (21603933412, 1.0),
        ]
    );
    assert_eq!(data.value(1, 8003), 1.0);
    assert_eq!(data.value(1, 80180210), 0.0, "an era ending 2 years before index is outside both windows");
    assert_eq!(data.value(2, 13003), 1.0);
    assert_eq!(data.value(2, 1920), 1.0, "a visit without an end date counts on its start day");
    assert_eq!(data.value(2, 8507001), 1.0);
    let bleed_group = data.reference_of(21603933410).unwrap();
    assert_eq!(
        bleed_group.covariate_name,
        "drug_era group during day -365 through 0 days relative to index: \
         Antiinflammatory and antirheumatic products, non-steroids"
    );
    assert_eq!(bleed_group.analysis_name, "DrugGroupEraLongTerm");
    assert_eq!(bleed_group.window, Some((-365, 0)));
    assert_eq!(data.reference_of(8532001).unwrap().covariate_name, "gender = FEMALE");
    assert_eq!(data.reference_of(13003).unwrap().covariate_name, "age group: 65 - 69");
    assert!(data.reference_of(4274025210).is_none() && data.reference_of(441840210).is_none());
}

#[test]
fn minimum_frequency_drops_rare_covariates() {
    let cdm = Cdm::new(tiny_dir());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    let settings = CovariateSettings { min_fraction: 0.5, ..CovariateSettings::default() };
    let data = extract_covariates(&cdm, &population, &settings).unwrap();
    let ids: Vec<i64> = data.reference.iter().map(|r| r.covariate_id).collect();
    assert_eq!(ids, vec![1920, 1922, 2010006, 8532001, 1118084410, 1118084412, 21603933410, 21603933412]);
    assert!(data.covariates.iter().all(|c| ids.contains(&c.covariate_id)));
}

#[test]
fn gzipped_tables_read_the_same() {
    use std::io::Write;
    let dir = edited_copy(|name, text| (name != "drug_era.csv").then_some(text));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(tiny_dir().join("drug_era.csv")).unwrap()).unwrap();
    std::fs::write(dir.path().join("drug_era.csv.gz"), gz.finish().unwrap()).unwrap();
    let plain = celecoxib_gi_bleed().build(&Cdm::new(tiny_dir())).unwrap();
    let zipped = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap();
    assert_eq!(plain, zipped);
}

#[test]
fn a_missing_table_is_named() {
    let dir = edited_copy(|name, text| (name != "observation_period.csv").then_some(text));
    let err = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap_err();
    assert!(matches!(&err, OmopError::TableMissing { table, .. } if table == "observation_period"), "{err}");
    assert!(err.to_string().contains("observation_period.csv"), "{err}");
}

#[test]
fn tables_a_step_does_not_need_may_be_absent() {
    let dir = edited_copy(|name, text| (name != "visit_occurrence.csv").then_some(text));
    let cdm = Cdm::new(dir.path());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    assert_eq!(population.persons.len(), 3);
    let no_visits = CovariateSettings { visit_count: false, ..CovariateSettings::default() };
    assert!(extract_covariates(&cdm, &population, &no_visits).is_ok());
    let err = extract_covariates(&cdm, &population, &CovariateSettings::default()).unwrap_err();
    assert!(err.to_string().contains("visit_occurrence") && err.to_string().contains("visit count"), "{err}");
}

#[test]
fn a_missing_column_is_named_with_its_file() {
    let dir =
        edited_copy(|name, text| Some(if name == "person.csv" { text.replace("year_of_birth", "yob") } else { text }));
    let err = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap_err();
    match &err {
        OmopError::ColumnMissing { file, column, .. } => {
            assert!(file.ends_with("person.csv"));
            assert_eq!(column, "year_of_birth");
        }
        other => panic!("expected a missing column, got {other}"),
    }
}

#[test]
fn a_fractional_id_is_refused_with_file_line_and_column() {
    let dir = edited_copy(|name, text| {
        Some(if name == "drug_era.csv" { text.replace("4,2,1118084", "4,2.0,1118084") } else { text })
    });
    let err = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("drug_era.csv, line 5, column `person_id`"), "{message}");
    assert!(message.contains("64-bit integer id") && message.contains("\"2.0\""), "{message}");
}

#[test]
fn a_bad_date_is_refused_with_file_line_and_column() {
    let dir = edited_copy(|name, text| {
        Some(if name == "observation_period.csv" { text.replace("2010-08-31", "31/08/2010") } else { text })
    });
    let message = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap_err().to_string();
    assert!(message.contains("observation_period.csv, line 3, column `observation_period_end_date`"), "{message}");
}

#[test]
fn survival_time_counts_from_the_day_before_risk_starts_as_plp_does() {
    let mut definition = celecoxib_gi_bleed();
    definition.time_at_risk.start_offset = 0;
    definition.time_at_risk.require_time_at_risk = false;
    let population = definition.build(&Cdm::new(tiny_dir())).unwrap();
    let last = population.attrition.last().unwrap();
    assert_eq!((last.description.as_str(), last.persons, last.outcomes), ("some time at risk", 4, 2));
    let rows: Vec<(i64, Option<i32>, i32, i32)> =
        population.persons.iter().map(|p| (p.person_id, p.days_to_event, p.survival_time, p.time_at_risk)).collect();
    // Person 2 stays (211 days observed after index); survival counts day 0 as a day at risk.
    assert_eq!(
        rows,
        vec![(1, Some(78), 79, 366), (2, None, 212, 212), (7, Some(153), 154, 182), (BIG_ID, None, 366, 366)]
    );
}

#[test]
fn a_study_reads_from_toml_with_plp_defaults() {
    let text = r#"
        prior_observation_days = 365
        min_age = 18
        target = { concepts = [1118084], domains = ["drug_era"] }
        outcome = { concepts = [192671], include_descendants = true, domains = ["condition_occurrence"] }
    "#;
    let definition: medref_omop::StudyDefinition = toml::from_str(text).unwrap();
    assert_eq!(definition, celecoxib_gi_bleed());
    let back: medref_omop::StudyDefinition = toml::from_str(&toml::to_string(&definition).unwrap()).unwrap();
    assert_eq!(back, definition);
    let err = toml::from_str::<medref_omop::StudyDefinition>(&text.replace("min_age", "minimum_age")).unwrap_err();
    assert!(err.to_string().contains("minimum_age"), "{err}");
    let err =
        toml::from_str::<medref_omop::StudyDefinition>(&text.replace("\"drug_era\"", "\"drug_eras\"")).unwrap_err();
    assert!(err.to_string().contains("drug_eras"), "{err}");
    let settings: CovariateSettings = toml::from_str("min_fraction = 0.001\nvisit_count = false").unwrap();
    assert_eq!(settings, CovariateSettings { min_fraction: 0.001, visit_count: false, ..CovariateSettings::default() });
}

#[test]
fn attrition_and_covariate_reference_are_written_as_csv() {
    let cdm = Cdm::new(tiny_dir());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    let data = extract_covariates(&cdm, &population, &CovariateSettings::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    medref_omop::write_attrition_csv(&dir.path().join("attrition.csv"), &population.attrition).unwrap();
    medref_omop::write_covariate_ref_csv(&dir.path().join("covariate_ref.csv"), &data.reference).unwrap();
    let attrition = std::fs::read_to_string(dir.path().join("attrition.csv")).unwrap();
    let lines: Vec<&str> = attrition.lines().collect();
    assert_eq!(lines[0], "step,description,persons,outcomes");
    assert_eq!(lines[1], "1,first exposure to the target concept set,9,4");
    assert_eq!(lines.len(), 8);
    let reference = std::fs::read_to_string(dir.path().join("covariate_ref.csv")).unwrap();
    assert!(reference.contains("\n8532001,gender = FEMALE,1,DemographicsGender,8532,,\n"), "{reference}");
    assert!(reference.contains(
        "\n80180212,condition_era group during day -30 through 0 days relative to index: Osteoarthritis,212,\
         ConditionGroupEraShortTerm,80180,-30,0\n"
    ));
}

#[test]
fn the_sparse_matrix_densifies_in_reference_order() {
    let cdm = Cdm::new(tiny_dir());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    let settings = CovariateSettings { min_fraction: 0.5, ..CovariateSettings::default() };
    let data = extract_covariates(&cdm, &population, &settings).unwrap();
    let x = data.to_dense(population.persons.len());
    // Columns: 1920, 1922, 2010006, 8532001, 1118084410, 1118084412, 21603933410, 21603933412.
    assert_eq!(
        x,
        vec![
            2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, // person 1
            0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, // person 7
            1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, // person 2^53+1
        ]
    );
}

#[test]
fn the_committed_synthetic_cdm_is_what_the_generator_writes() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/rwd/synthetic");
    let fresh = tempfile::tempdir().unwrap();
    medref_omop::synthetic::write_synthetic_cdm(fresh.path(), 1200, 7).unwrap();
    for entry in std::fs::read_dir(fresh.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        let want = std::fs::read(&path).unwrap();
        let have = std::fs::read(committed.join(name)).unwrap_or_default();
        assert!(want == have, "datasets/rwd/synthetic/{} differs from the generator's output", name.to_string_lossy());
    }
}

/// The planted effects come out of the generated CDM's study: persons with
/// the ulcer have the outcome far more often than those without.
#[test]
fn the_synthetic_cdm_carries_its_planted_risk() {
    use medref_omop::characterisation::characterise;
    let fresh = tempfile::tempdir().unwrap();
    medref_omop::synthetic::write_synthetic_cdm(fresh.path(), 1200, 7).unwrap();
    let cdm = Cdm::new(fresh.path());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    assert_eq!(population.persons.len(), 1200, "nobody is left out: {:?}", population.attrition);
    let data = extract_covariates(&cdm, &population, &CovariateSettings::default()).unwrap();
    let rows = characterise(&population, &data);
    let ulcer = medref_omop::synthetic::PEPTIC_ULCER * 1000 + 210;
    assert_eq!(rows[0].covariate_id, ulcer, "the ulcer is the most imbalanced covariate");
    assert!(rows[0].smd > 0.5, "{:?}", rows[0]);
}
