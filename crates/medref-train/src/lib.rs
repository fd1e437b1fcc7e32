//! medref-train: the one training loop every domain reuses, evaluation,
//! checkpoints and the run directory.
//!
//! A domain plugs in through [`baseline::Baseline`] (its examples, network
//! and extra files) and each of its data formats through
//! [`baseline::DataFormat`]; `medref-baselines` holds those and the
//! registry of [`runner::Runner`]s. The loop in [`fit()`] and the run in [`run`] never name a domain.

pub mod baseline;
pub mod checkpoint;
pub mod device;
pub mod error;
pub mod evaluate;
pub mod examples;
pub mod fit;
pub mod history;
pub mod interrupt;
pub mod leakage;
pub mod loss;
pub mod mask_metrics;
pub mod operating_point;
pub mod precise_bn;
pub mod pytorch_weights;
pub mod run;
pub mod run_dir;
pub mod runner;
pub mod schedule;
pub mod tensor;

pub use baseline::{Baseline, DataFormat, DataShape, DirectFit, ModelMeta, Prediction, RunInfo, Trained};
pub use device::{open_device, DeviceChoice};
pub use error::TrainError;
pub use examples::{Examples, Network, Targets};
pub use fit::{fit, EpochRecord, Fitted, Progress, Silent};
pub use medref_models::FrameBatch;
pub use run::{TrainOutcome, TrainRequest};
pub use runner::{Registered, Runner};
