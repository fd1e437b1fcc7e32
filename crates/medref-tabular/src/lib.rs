//! medref-tabular: tables for the clinical and drug domains.
//!
//! [`table`] is the format-free in-memory table; [`arff`] reads Weka's ARFF
//! (common for clinical survival sets); [`frame`] reads CSV and Parquet
//! through polars. Every reader returns [`TableError`], whose message starts
//! with the file at fault.

#![warn(missing_docs)]

pub mod arff;
pub mod error;
pub mod table;

pub use error::TableError;
pub use table::{Column, ColumnData, RawTable};
