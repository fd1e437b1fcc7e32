//! The celecoxib / GI haemorrhage study on OHDSI's Eunomia GiBleed CDM, when
//! `../shared/datasets/rwd/omop_gibleed/` is present (it is never committed).
//! The numbers are medref's own, checked independently by `scripts/omop-parity`.

use std::path::PathBuf;

use medref_omop::study::celecoxib_gi_bleed;
use medref_omop::{extract_covariates, Cdm, CovariateSettings};

fn gibleed() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/rwd/omop_gibleed");
    if dir.join("person.csv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipped: GiBleed not found at {} (it lives in ../shared, never in the repository)", dir.display());
        None
    }
}

#[test]
fn celecoxib_new_users_and_gi_bleeding() {
    let Some(dir) = gibleed() else { return };
    let cdm = Cdm::new(dir);
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    for step in &population.attrition {
        eprintln!("{:>6} {:>6}  {}", step.persons, step.outcomes, step.description);
    }
    let steps: Vec<(usize, usize)> = population.attrition.iter().map(|s| (s.persons, s.outcomes)).collect();
    assert_eq!(steps, EXPECTED_ATTRITION);
    let data = extract_covariates(&cdm, &population, &CovariateSettings::default()).unwrap();
    eprintln!("{} covariates, {} non-zero values", data.reference.len(), data.covariates.len());
    // As scripts/omop-parity found them, value for value, in pandas.
    assert_eq!((data.reference.len(), data.covariates.len()), (296, 18739));
    // GiBleed has procedures and visits but no measured number: no table is absent, no value covariate.
    assert!(data.tables_absent.is_empty(), "{:?}", data.tables_absent);
    assert!(data.reference.iter().any(|r| r.analysis_id == 502));
    assert!(data.reference.iter().all(|r| r.analysis_id != 706));
    assert!(data.reference_of(8532001).is_some_and(|r| r.covariate_name == "gender = FEMALE"));
    // Every new user has celecoxib's own era at index, in both windows.
    for row in 0..population.persons.len() {
        assert_eq!(data.value(row, 1118084410), 1.0);
        assert_eq!(data.value(row, 1118084412), 1.0);
    }
}

/// (persons, persons with an outcome at risk) after each step.
const EXPECTED_ATTRITION: [(usize, usize); 7] =
    [(1844, 355), (1844, 355), (1800, 355), (1800, 355), (1800, 355), (1800, 355), (1767, 355)];
