//! medref-train: the one training loop every domain reuses, evaluation,
//! checkpoints and the run directory.
//!
//! A domain plugs in by implementing [`Examples`] (how to turn example
//! indices into an input tensor) and [`Network`] (input to logits); the loop
//! in [`fit`] does not know which domain it trains.

pub mod checkpoint;
pub mod clinical;
pub mod device;
pub mod error;
pub mod evaluate;
pub mod examples;
pub mod explain;
pub mod fit;
pub mod genomics;
pub mod imaging;
pub mod importance;
pub mod loss;
pub mod molecules;
pub mod run;
pub mod schedule;
pub mod tabular;
pub mod timeseries;
pub mod variant_effect;

pub use device::{open_device, DeviceChoice};
pub use error::TrainError;
pub use examples::{Examples, Network, Targets};
pub use fit::{fit, EpochRecord, Fitted, Progress, Silent};
