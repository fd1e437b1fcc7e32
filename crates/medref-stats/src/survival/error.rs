//! The ways survival inputs can be unusable, shared by the estimators and
//! metrics so that a caller handles one error type whatever it computed.

use thiserror::Error;

/// Why a survival estimator or metric refused its inputs.
///
/// Every message names the argument and what was expected, so that a run
/// that fails on a bad column says which column and which row.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SurvivalError {
    /// Two arguments that describe the same patients differ in length.
    #[error("{what} has {got} entries, expected {expected} (one per patient)")]
    LengthMismatch { what: &'static str, expected: usize, got: usize },
    /// A metric needs at least this many patients.
    #[error("{what} needs at least {needed} patients, got {got}")]
    TooFewPatients { what: &'static str, needed: usize, got: usize },
    /// Times must be finite and non-negative (time since entry).
    #[error("{what}[{index}] = {value}, expected a finite, non-negative time")]
    BadTime { what: &'static str, index: usize, value: f64 },
    /// Scores and predicted probabilities must be finite numbers.
    #[error("{what}[{index}] = {value}, expected a finite number")]
    NonFinite { what: &'static str, index: usize, value: f64 },
    /// Every patient is censored, so there is no event to rank or predict.
    #[error("{what}: every patient is censored; at least one event is needed")]
    NoEvents { what: &'static str },
    /// No pair of patients can be ordered by outcome (say, all events are tied).
    #[error("{what}: no comparable pair of patients (an event before another patient's exit)")]
    NoComparablePairs { what: &'static str },
    /// An evaluation time outside the follow-up where the estimate is defined.
    #[error("evaluation time {time} lies outside the test follow-up [{min}, {max}); pick times inside it")]
    TimeOutsideFollowUp { time: f64, min: f64, max: f64 },
    /// The censoring survival G(t) is zero where an inverse weight is needed.
    #[error("the censoring distribution G(t) is 0 at t = {time}: every training patient still followed had left by then; truncate earlier (tau or horizon)")]
    CensoringSurvivalZero { time: f64 },
    /// An evaluation-time argument is empty or not sorted.
    #[error("{what}: {problem}")]
    BadTimes { what: &'static str, problem: &'static str },
    /// A count-like option is out of range.
    #[error("{what} = {value}, expected {expected}")]
    BadOption { what: &'static str, value: f64, expected: &'static str },
}

/// Checks that `time` and `event` describe the same patients and that every
/// time is a usable duration.
pub(crate) fn check_time_event(what: &'static str, time: &[f64], event: &[bool]) -> Result<(), SurvivalError> {
    if event.len() != time.len() {
        return Err(SurvivalError::LengthMismatch { what: "event", expected: time.len(), got: event.len() });
    }
    for (index, &value) in time.iter().enumerate() {
        if !value.is_finite() || value < 0.0 {
            return Err(SurvivalError::BadTime { what, index, value });
        }
    }
    Ok(())
}

/// Checks that `values` has one finite entry per patient.
pub(crate) fn check_finite(what: &'static str, values: &[f64], expected_len: usize) -> Result<(), SurvivalError> {
    if values.len() != expected_len {
        return Err(SurvivalError::LengthMismatch { what, expected: expected_len, got: values.len() });
    }
    for (index, &value) in values.iter().enumerate() {
        if !value.is_finite() {
            return Err(SurvivalError::NonFinite { what, index, value });
        }
    }
    Ok(())
}
