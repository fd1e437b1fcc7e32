//! A marker for errors that are the user's input's fault.
//!
//! The readers' error types (DNA and images, tables, signals) implement it,
//! so the training crate can take any of them with `?` and report them as
//! bad input (exit status 2) without depending on the readers.

/// An error caused by the input (a file, a column, a value), not by a
/// failure of medref or of the machine.
pub trait InputError: std::error::Error + Send + Sync + 'static {}
