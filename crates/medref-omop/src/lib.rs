//! OMOP Common Data Model (CDM v5.3/v5.4) tables to patient-level prediction:
//! a target cohort, an outcome and a time at risk become a labelled study
//! population with its attrition table (PatientLevelPrediction's
//! `createStudyPopulation`), and baseline covariates as FeatureExtraction's
//! default analyses define them, held sparse.
//!
//! Tables are read from a folder of CSV (`.csv` or `.csv.gz`) or Parquet files,
//! one per table, or from a PostgreSQL schema; only the columns a step needs;
//! ids are 64-bit integers, dates are days since 1970-01-01.

pub mod cdm_source;
pub mod characterisation;
pub mod cohort;
pub mod covariates;
mod csv_batches;
mod csv_cut;
pub mod date;
pub mod error;
pub mod output;
mod parquet_table;
pub mod parquet_write;
mod postgres_schema;
mod postgres_tls;
pub mod scan_progress;
pub mod study;
pub mod synthetic;
pub mod synthetic_scale;
pub mod table;
mod table_rows;
pub mod vocabulary;

/// Person and concept ids as sets and maps keys, hashed with Fx rather than
/// SipHash: a study hashes ids millions of times, and they come from the CDM,
/// not from someone choosing keys to collide.
pub type IdSet = rustc_hash::FxHashSet<i64>;
/// A map keyed by person or concept id (see [`IdSet`]).
pub type IdMap<V> = rustc_hash::FxHashMap<i64, V>;

pub use cdm_source::CdmSource;
pub use cohort::{AttritionStep, Domain, EventCriteria, StudyDefinition, StudyPerson, StudyPopulation, TimeAtRisk};
pub use covariates::{extract_covariates, Covariate, CovariateData, CovariateRef, CovariateSettings};
pub use error::OmopError;
pub use output::{write_attrition_csv, write_covariate_ref_csv};
pub use scan_progress::{set_default_progress, ScanProgress};
pub use table::{Cdm, IdFilter, Row};
pub use vocabulary::ConceptSet;
