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
            (8527004, 1.0),
            (8532001, 1.0),
            (9202923, 2.0),
            (9202925, 1.0),
            (80180210, 1.0),
            (80180212, 1.0),
            (1118084410, 1.0),
            (1118084412, 1.0),
            (1124300410, 1.0),
            (4198190502, 1.0),
            (4291025210, 1.0),
            (4291025212, 1.0),
            (4295880502, 1.0),
            (4295880504, 1.0),
            (21603933410, 1.0),
            (21603933412, 1.0),
            (38003564005, 1.0),
            (3000963713706, 12.0),
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

/// Race and ethnicity, procedures, visits per visit concept and the latest
/// measured value, as the tiny CDM's README works them out row by row.
#[test]
fn the_added_analyses_match_the_hand_count() {
    let cdm = Cdm::new(tiny_dir());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    let data = extract_covariates(&cdm, &population, &CovariateSettings::default()).unwrap();
    assert!(data.tables_absent.is_empty(), "{:?}", data.tables_absent);
    let values = |id: i64| [0, 1, 2].map(|row| data.value(row, id));
    let name = |id: i64| data.reference_of(id).unwrap().covariate_name.clone();
    // Race: listed as Race (person 1), not listed (person 7), listed as a gender (2^53+1: left out).
    assert_eq!(values(8527004), [1.0, 0.0, 0.0]);
    assert_eq!(values(8516004), [0.0, 1.0, 0.0]);
    assert!(data.reference_of(8507004).is_none(), "a gender concept in race_concept_id is not a race");
    assert_eq!((name(8527004), name(8516004)), ("race = White".into(), "race = concept 8516".into()));
    assert_eq!(values(38003564005), [1.0, 0.0, 0.0]);
    assert_eq!(values(38003563005), [0.0, 0.0, 1.0]);
    assert_eq!(name(38003563005), "ethnicity = Hispanic or Latino");
    assert!(data.covariates.iter().all(|c| c.covariate_id != 5), "ethnicity 0 is not recorded");
    // Procedures: day -365 is in the long-term window, day -30 in the short-term one, day +1 in neither.
    assert_eq!(values(4295880502), [1.0, 0.0, 1.0], "person 7's injection is on day -366");
    assert_eq!(values(4295880504), [1.0, 0.0, 1.0], "day -5 and the index day itself");
    assert_eq!(values(4198190502), [1.0, 1.0, 0.0]);
    assert_eq!(values(4198190504), [0.0, 1.0, 0.0]);
    assert!(data.covariates.iter().all(|c| c.covariate_id != 502 && c.covariate_id != 504), "concept 0 is skipped");
    let appendectomy = data.reference_of(4198190504).unwrap();
    assert_eq!(
        appendectomy.covariate_name,
        "procedure_occurrence during day -30 through 0 days relative to index: Appendectomy"
    );
    assert_eq!((appendectomy.analysis_name, appendectomy.window), ("ProcedureOccurrenceShortTerm", Some((-30, 0))));
    // Visits: person 7's visit of concept 0 is not counted; one from day -372 to -364 overlaps the long term.
    assert_eq!(values(1920), [2.0, 3.0, 1.0]);
    assert_eq!(values(1922), [1.0, 1.0, 1.0]);
    assert_eq!(values(9202923), [2.0, 2.0, 1.0]);
    assert_eq!(values(9202925), [1.0, 0.0, 1.0]);
    assert_eq!(values(9201923), [0.0, 1.0, 0.0]);
    assert_eq!(values(9201925), [0.0, 1.0, 0.0]);
    assert_eq!(name(9201925), "visit_count during day -30 through 0 days relative to index: Inpatient Visit");
    // Measurements: the latest before or on index, ties on a day to the larger measurement_id,
    // rows without a number skipped; the covariate id carries the unit.
    assert_eq!(values(3000963713706), [12.0, 0.0, 0.0]);
    assert_eq!(values(3000963000706), [0.0, 11.5, 0.0]);
    assert_eq!(values(3016723840706), [0.0, 0.0, 1.3]);
    let hb = data.reference_of(3000963713706).unwrap();
    assert_eq!(
        hb.covariate_name,
        "measurement value during day -365 through 0 days relative to index: Hemoglobin (gram per deciliter)"
    );
    assert_eq!((hb.analysis_id, hb.concept_id, hb.missing_means_zero), (706, 3000963, false));
    assert!(name(3000963000706).ends_with("Hemoglobin (Unknown unit)"));
    assert_eq!(data.reference.iter().filter(|r| r.analysis_id == 706).count(), 3, "creatinine of 2008 is too old");
}

#[test]
fn minimum_frequency_drops_rare_covariates() {
    let cdm = Cdm::new(tiny_dir());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    let settings = CovariateSettings { min_fraction: 0.5, ..CovariateSettings::default() };
    let data = extract_covariates(&cdm, &population, &settings).unwrap();
    let ids: Vec<i64> = data.reference.iter().map(|r| r.covariate_id).collect();
    assert_eq!(
        ids,
        vec![
            1920,
            1922,
            2010006,
            8532001,
            9202923,
            9202925,
            1118084410,
            1118084412,
            4198190502,
            4295880502,
            4295880504,
            21603933410,
            21603933412
        ]
    );
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
    let absent = ["visit_occurrence.csv", "procedure_occurrence.csv", "measurement.csv", "condition_era.csv"];
    let dir = edited_copy(|name, text| (!absent.contains(&name)).then_some(text));
    let cdm = Cdm::new(dir.path());
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    assert_eq!(population.persons.len(), 3);
    let data = extract_covariates(&cdm, &population, &CovariateSettings::default()).unwrap();
    assert_eq!(data.tables_absent, ["condition_era", "measurement", "procedure_occurrence", "visit_occurrence"]);
    let analyses: std::collections::BTreeSet<i64> = data.reference.iter().map(|r| r.analysis_id).collect();
    assert_eq!(analyses.into_iter().collect::<Vec<_>>(), [1, 3, 4, 5, 6, 7, 410, 412]);
    // The rest is as from the whole CDM.
    let whole = extract_covariates(&Cdm::new(tiny_dir()), &population, &CovariateSettings::default()).unwrap();
    for c in &data.covariates {
        assert_eq!(whole.value(c.row, c.covariate_id), c.value, "{c:?}");
    }
    // Present but without a column an analysis reads: an error naming both.
    let dir = edited_copy(|name, text| {
        Some(if name == "measurement.csv" { text.replace("value_as_number", "value") } else { text })
    });
    let err = extract_covariates(&Cdm::new(dir.path()), &population, &CovariateSettings::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("measurement.csv") && message.contains("`value_as_number`"), "{message}");
    assert!(message.contains("measurement value covariates"), "{message}");
    // A person table without race and ethnicity columns gives no such covariates.
    let dir = edited_copy(|name, text| {
        Some(if name == "person.csv" {
            text.lines().map(|l| l.rsplitn(3, ',').nth(2).unwrap().to_string() + "\n").collect()
        } else {
            text
        })
    });
    let data = extract_covariates(&Cdm::new(dir.path()), &population, &CovariateSettings::default()).unwrap();
    assert!(data.reference.iter().all(|r| r.analysis_id != 4 && r.analysis_id != 5));
    assert!(data.reference_of(8532001).is_some());
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
    // Columns: 1920, 1922, 2010006, 8532001, 9202923, 9202925, 1118084410, 1118084412,
    // 4198190502, 4295880502, 4295880504, 21603933410, 21603933412.
    assert_eq!(
        x,
        vec![
            2.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, // person 1
            3.0, 1.0, 1.0, 1.0, 2.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, // person 7
            1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, // person 2^53+1
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

#[test]
fn the_cdm_source_is_read_where_recorded() {
    let source = medref_omop::CdmSource::read(&Cdm::new(tiny_dir())).unwrap().unwrap();
    assert_eq!(source.cdm_source_name.as_deref(), Some("medref tiny CDM, written by hand"));
    assert_eq!(
        (source.cdm_version.as_deref(), source.source_release_date.as_deref()),
        (Some("v5.3"), Some("2024-01-15"))
    );
    assert_eq!(
        source.in_words(),
        "medref tiny CDM, written by hand (tiny), held by medref, CDM v5.3, vocabulary hand-picked OMOP concepts, \
         source released 2024-01-15, CDM released 2024-01-15"
    );
    // Columns are optional; the table is too.
    let dir = edited_copy(|name, text| {
        Some(if name == "cdm_source.csv" { text.replace("vocabulary_version", "vocabulary") } else { text })
    });
    let source = medref_omop::CdmSource::read(&Cdm::new(dir.path())).unwrap().unwrap();
    assert_eq!((source.vocabulary_version, source.cdm_holder.as_deref()), (None, Some("medref")));
    let dir = edited_copy(|name, text| (name != "cdm_source.csv").then_some(text));
    assert_eq!(medref_omop::CdmSource::read(&Cdm::new(dir.path())).unwrap(), None);
}

/// Diclofenac new users as the comparator: persons 1 (first diclofenac
/// 2009-06-01, the bleed of 2010-06-01 on day 365) and 9 (2010-01-01, no
/// bleed) pass every rule; person 1 is in both cohorts and counts in both.
#[test]
fn a_comparator_cohort_is_characterised_against_the_target() {
    use medref_omop::characterisation::{characterise_comparator, comparator_characterisation_csv};
    let text = r#"
        prior_observation_days = 365
        min_age = 18
        target = { concepts = [1118084], domains = ["drug_era"] }
        outcome = { concepts = [192671], include_descendants = true, domains = ["condition_occurrence"] }
        comparator = { concepts = [1124300], domains = ["drug_era"] }
    "#;
    let definition: medref_omop::StudyDefinition = toml::from_str(text).unwrap();
    assert!(celecoxib_gi_bleed().comparator_study().is_none());
    let comparator_study = definition.comparator_study().unwrap();
    assert_eq!(comparator_study.target.concept_set.concepts, [1124300]);
    let cdm = Cdm::new(tiny_dir());
    let (target, comparator) = (definition.build(&cdm).unwrap(), comparator_study.build(&cdm).unwrap());
    let people =
        |p: &medref_omop::StudyPopulation| p.persons.iter().map(|p| (p.person_id, p.outcome)).collect::<Vec<_>>();
    assert_eq!(people(&comparator), [(1, true), (9, false)]);
    assert_eq!(comparator.attrition.first().map(|s| (s.persons, s.outcomes)), Some((2, 1)));
    let settings = CovariateSettings::default();
    let (t, c) = (
        extract_covariates(&cdm, &target, &settings).unwrap(),
        extract_covariates(&cdm, &comparator, &settings).unwrap(),
    );
    let rows = characterise_comparator((&target, &t), (&comparator, &c));
    let row = |id: i64| rows.iter().find(|r| r.covariate_id == id).unwrap();
    // Female: 2 of 3 against 2 of 2; sds sqrt(2/9) and 0, pooled 1/3: SMD (2/3 - 1) / (1/3) = -1.
    let female = row(8532001);
    assert_eq!(female.count, [2, 2]);
    assert!((female.mean[0] - 2.0 / 3.0).abs() < 1e-12 && female.mean[1] == 1.0);
    assert!((female.smd + 1.0).abs() < 1e-12, "{}", female.smd);
    // Diclofenac's own era: person 1 has it in the target's long-term window, both comparators at index.
    assert_eq!(row(1124300410).count, [1, 2]);
    // A covariate only the target has appears with zero comparators: male (2^53+1).
    assert_eq!(row(8507001).count, [1, 0]);
    // Haemoglobin, a measured value, averaged over the measured: person 1 at each index
    // (12.0 before the celecoxib index; 13.1 on 2009-06-01, the diclofenac index).
    let hb = row(3000963713706);
    assert_eq!((hb.count, hb.mean), ([1, 1], [12.0, 13.1]));
    let text = comparator_characterisation_csv(&rows, [3, 2], 2);
    assert!(text.starts_with("covariate_id,covariate_name,analysis_name,target_count,target_mean,target_sd,"));
    let line = text.lines().find(|l| l.starts_with("8532001,")).unwrap();
    assert_eq!(line, "8532001,gender = FEMALE,DemographicsGender,2,0.666667,0.471405,2,1.000000,0.000000,-1.000000");
    let line = text.lines().find(|l| l.starts_with("8507001,")).unwrap();
    assert_eq!(line, "8507001,gender = MALE,DemographicsGender,<2,,,0,0.000000,0.000000,", "one person is hidden");
}

/// Every field of a line quoted (a doubled quote inside one), lines ended by `\r\n`.
fn quoted_crlf(text: &str) -> String {
    let quote = |field: &str| format!("\"{}\"", field.replace('"', "\"\""));
    text.lines().map(|line| line.split(',').map(quote).collect::<Vec<_>>().join(",") + "\r\n").collect()
}

#[test]
fn quoted_fields_crlf_and_blank_lines_give_the_same_study() {
    let dir = edited_copy(|name, text| {
        Some(match name {
            "drug_era.csv" | "condition_occurrence.csv" | "person.csv" => quoted_crlf(&text),
            "observation_period.csv" => text.replacen('\n', "\n\n", 2),
            _ => text,
        })
    });
    let settings = CovariateSettings::default();
    let plain = celecoxib_gi_bleed().build(&Cdm::new(tiny_dir())).unwrap();
    let edited = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap();
    assert_eq!(plain, edited);
    let plain_covariates = extract_covariates(&Cdm::new(tiny_dir()), &plain, &settings).unwrap();
    let edited_covariates = extract_covariates(&Cdm::new(dir.path()), &edited, &settings).unwrap();
    assert_eq!(plain_covariates, edited_covariates);
}

#[test]
fn broken_text_is_refused_with_file_and_line() {
    let dir = edited_copy(|name, text| {
        Some(if name == "drug_era.csv" { text.replace("4,2,1118084", "4,\"2,1118084") } else { text })
    });
    let message = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap_err().to_string();
    assert!(message.contains("drug_era.csv, line 5: a quoted field opened here is never closed"), "{message}");

    let dir = edited_copy(|_, text| Some(text));
    let path = dir.path().join("drug_era.csv");
    let bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(11).position(|w| w == b"4,2,1118084").unwrap();
    let mut broken = bytes.clone();
    broken[at + 2] = 0xff;
    std::fs::write(&path, &broken).unwrap();
    let message = celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap_err().to_string();
    assert!(message.contains("drug_era.csv, line 5: column `person_id` is not UTF-8 text"), "{message}");
}

#[test]
fn a_byte_that_is_not_utf8_in_a_column_no_step_reads_is_let_through() {
    // drug_era_id comes before the scanned columns: the record's prefix fails
    // the one-pass UTF-8 check, and the scanned fields are copied out alone.
    let dir = edited_copy(|_, text| Some(text));
    let path = dir.path().join("drug_era.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(11).position(|w| w == b"4,2,1118084").unwrap();
    bytes[at] = 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let plain = celecoxib_gi_bleed().build(&Cdm::new(tiny_dir())).unwrap();
    assert_eq!(celecoxib_gi_bleed().build(&Cdm::new(dir.path())).unwrap(), plain);
}
