//! Publishing a run as open teaching material: a bundle with nothing at the
//! level of a patient left in it, and a checker for bundles.
//!
//! Programmes that use medref ask trainees to publish what they made. A run
//! directory cannot be shared as it is: `predictions.csv` has one row per
//! patient, the explanation picture redraws a real test image or sequence,
//! subgroup tables show groups of any size, and the manifest and config
//! carry local paths. [`publish`] applies a [`PublishPolicy`] and records
//! every decision in a [`PublishReport`]; [`check_bundle`] re-scans any
//! folder for what the policy forbids. `docs/lessons/publishing.md`
//! explains each rule to trainees.

mod aggregates;
mod archive;
mod bundle;
mod check;
mod error;
mod paths;
mod policy;
mod rows;
mod study_counts;
mod suppress;

pub use crate::published_bundle::CURVES_FILE;
pub use crate::published_bundle::{Entry, PublishReport, SyntheticExplanation, REPORT_FILE};
pub use bundle::publish;
pub use check::{check_bundle, Finding};
pub use error::PublishError;
pub use policy::{ExplainPolicy, PublishPolicy, DEFAULT_K, DEFAULT_QUASI_IDENTIFIERS, SECRET_ENV};
