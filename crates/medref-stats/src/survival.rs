//! Survival analysis for tables with a time and an event column, keeping
//! every censored patient: the Kaplan-Meier estimator, Cox proportional
//! hazards fitted by Newton's method with Breslow's baseline hazard (so a
//! run predicts survival curves, not only risk scores), the partial
//! likelihood loss a neural Cox model trains on, and the metrics that
//! judge survival predictions, each matched against lifelines or
//! scikit-survival (`scripts/survival-parity`, `docs/survival-parity.md`).
//!
//! Conventions throughout: `time[i] >= 0` is patient i's follow-up and
//! `event[i]` whether it ended in the event (false = censored); risk
//! scores are "higher = worse", as scikit-survival's.

mod error;
mod linalg;

pub mod bootstrap;
pub mod brier;
pub mod calibration;
pub mod concordance;
pub mod cox;
pub mod kaplan_meier;
pub mod partial_likelihood;
pub mod synthetic;
pub mod time_auc;

pub use bootstrap::bootstrap_survival_ci;
pub use brier::{brier_scores, integrated_brier_score};
pub use calibration::{calibration_at_horizon, CalibrationBin, HorizonCalibration};
pub use concordance::{harrell_c_index, uno_c_index};
pub use cox::{fit_cox, CoxError, CoxFit, CoxOptions};
pub use error::SurvivalError;
pub use kaplan_meier::{censoring_distribution, kaplan_meier, KaplanMeier};
pub use medref_core::metrics::ConfidenceInterval;
pub use partial_likelihood::{cox_partial_nll_and_grad, Ties};
pub use synthetic::{synth_weibull_survival, SyntheticSurvival, PLANTED_COEFFICIENTS};
pub use time_auc::{cumulative_dynamic_auc, TimeDependentAuc};
