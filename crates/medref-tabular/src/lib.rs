//! medref-tabular: tables for the clinical and drug domains.
//!
//! [`table`] is the format-free in-memory table; [`frame`] reads CSV and
//! Parquet through polars (and dispatches `.arff` to [`arff`], Weka's format,
//! common for clinical survival sets); [`preprocess`] turns columns into
//! model inputs with statistics fitted on training rows only; [`split`]
//! keeps each patient's rows in one split; [`anonymity`] measures
//! k-anonymity and l-diversity and [`generalise`] coarsens and suppresses
//! until a target k is met. Every reader returns [`TableError`], whose
//! message starts with the file at fault.

#![warn(missing_docs)]

pub mod anonymity;
pub mod arff;
pub mod dataset;
pub mod error;
pub mod frame;
pub mod generalise;
pub mod molecule_data;
pub mod omop_data;
pub mod preprocess;
pub mod sections;
pub mod split;
pub mod synth;
pub mod table;
pub mod table_data;

pub use dataset::{TabularDataset, TabularRecipe, TabularSplit};
pub use error::TableError;
pub use frame::{read_table, CsvLayout};
pub use preprocess::{FeatureSpec, InputTransform, Preprocessor};
pub use table::{Column, ColumnData, RawTable};
