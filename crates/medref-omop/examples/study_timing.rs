//! Times the celecoxib / GI haemorrhage study (population, then covariates) on
//! a CDM folder or a PostgreSQL schema, for PERFORMANCE-style measurements
//! (wrap it in `/usr/bin/time -v` for the peak memory).
//!
//! `cargo run --release -p medref-omop --example study_timing -- CDM_DIR`
//! `cargo run --release -p medref-omop --example study_timing -- postgresql://HOST:PORT/DB SCHEMA`
//! (user and password from PGUSER and PGPASSWORD).

use std::time::Instant;

use medref_omop::study::celecoxib_gi_bleed;
use medref_omop::{extract_covariates, Cdm, CovariateSettings, OmopError};

fn run(args: &[String]) -> Result<(), OmopError> {
    let start = Instant::now();
    let cdm = match args {
        [connection, schema] if connection.starts_with("postgres") => Cdm::postgres(connection, schema)?,
        [dir] => Cdm::new(dir),
        _ => {
            eprintln!("usage: study_timing CDM_DIR | study_timing postgresql://HOST:PORT/DB SCHEMA");
            std::process::exit(2);
        }
    };
    println!("source: {}", cdm.describe());
    let population = celecoxib_gi_bleed().build(&cdm)?;
    let built = start.elapsed().as_secs_f64();
    for step in &population.attrition {
        println!("{:>9} {:>7}  {}", step.persons, step.outcomes, step.description);
    }
    // FeatureExtraction's usual minimum frequency on large populations would drop rare covariates; keep all here.
    let data = extract_covariates(&cdm, &population, &CovariateSettings::default())?;
    let total = start.elapsed().as_secs_f64();
    println!("{} covariates, {} non-zero values", data.reference.len(), data.covariates.len());
    println!("population {built:.2} s, covariates {:.2} s, total {total:.2} s", total - built);
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
