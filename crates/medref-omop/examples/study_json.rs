//! Prints the celecoxib / GI haemorrhage study on a CDM folder as JSON:
//! attrition, the labelled population and every covariate value, for
//! `scripts/omop-parity` to compare with its own pandas computation.
//!
//! `cargo run -p medref-omop --example study_json -- CDM_DIR [MIN_FRACTION]`

use medref_omop::study::celecoxib_gi_bleed;
use medref_omop::{extract_covariates, Cdm, CovariateSettings};
use serde_json::json;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: study_json CDM_DIR [MIN_FRACTION]");
        std::process::exit(2);
    };
    let min_fraction = args.next().map_or(0.0, |f| f.parse().expect("MIN_FRACTION is a number"));
    let cdm = Cdm::new(dir);
    let run = || -> Result<serde_json::Value, medref_omop::OmopError> {
        let population = celecoxib_gi_bleed().build(&cdm)?;
        let settings = CovariateSettings { min_fraction, ..CovariateSettings::default() };
        let data = extract_covariates(&cdm, &population, &settings)?;
        let attrition: Vec<_> = population
            .attrition
            .iter()
            .map(|s| json!({"step": s.description, "persons": s.persons, "outcomes": s.outcomes}))
            .collect();
        let persons: Vec<_> = population
            .persons
            .iter()
            .map(|p| {
                json!({
                    "person_id": p.person_id, "index_date": p.index_date, "age": p.age_at_index,
                    "outcome": p.outcome, "survival_time": p.survival_time, "time_at_risk": p.time_at_risk,
                })
            })
            .collect();
        let covariates: Vec<_> = data
            .covariates
            .iter()
            .map(|c| json!([population.persons[c.row].person_id, c.covariate_id, c.value]))
            .collect();
        let reference: Vec<_> = data
            .reference
            .iter()
            .map(|r| json!({"covariate_id": r.covariate_id, "name": r.covariate_name, "analysis_id": r.analysis_id}))
            .collect();
        Ok(json!({"attrition": attrition, "persons": persons, "covariates": covariates, "reference": reference}))
    };
    match run() {
        Ok(value) => println!("{value}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
