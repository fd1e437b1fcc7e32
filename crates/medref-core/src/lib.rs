//! medref-core: the shared vocabulary of medref, free of burn so that it
//! builds and tests in seconds. Config schema, run manifest, metrics and
//! seeded randomness live here; every domain crate builds on them.

pub mod config;
pub mod csv_text;
pub mod fsutil;
pub mod input_error;
pub mod manifest;
pub mod metrics;
pub mod record_key;
pub mod run_lock;
pub mod seed;
pub mod split;
pub mod targets;
pub mod task;
