//! medref-timeseries: signals over time for the eldercare (wearables,
//! falls) and surgery (gestures, phases) domains.
//!
//! Readers turn files into two in-memory types ([`series`]):
//! [`Series`] (one class per multichannel series, `[channels, len]`) in a
//! [`SeriesDataset`], and [`FrameSequence`] (one class per frame) in a
//! [`FrameDataset`].
//!
//! | module | reads | returns |
//! |---|---|---|
//! | [`ts_format`] | sktime / UEA `.ts` (`BasicMotions_TRAIN.ts`) | [`SeriesDataset`] |
//! | [`sensor_csv`] | long sensor CSV, cut into sliding windows per subject | [`SensorWindows`] |
//! | [`jigsaws`] | JIGSAWS kinematics + gesture transcriptions | [`FrameDataset`] |
//! | [`cholec80`] | Cholec80 phase annotations + per-frame features | [`FrameDataset`] |
//!
//! [`preprocess`] holds what must respect subjects (a [`ChannelScaler`]
//! fitted on training subjects only, [`subject_split`],
//! [`leave_one_subject_out`]) plus resampling and a magnitude channel;
//! [`missing`] fills gaps inside a series by the configured policy;
//! [`lengths`] fixes or summarises lengths and groups batches by length;
//! [`synth`] writes tiny files with planted structure in the formats above.
//! Metrics for these tasks (edit score, F1@k, sensitivity at a false-alarm
//! rate) live in [`medref_core::metrics::temporal`].
//!
//! Every reader returns [`TsError`], whose message starts with the file,
//! then the line and field; cell values are never echoed.

#![warn(missing_docs)]

pub mod centring;
pub mod cholec80;
pub mod error;
pub mod jigsaws;
pub mod lengths;
pub mod missing;
pub mod preprocess;
pub mod scoring;
pub mod sections;
pub mod sensor_csv;
pub mod series;
pub mod split_sets;
pub mod synth;
pub mod synth_series;
pub mod ts_format;

pub use cholec80::{read_cholec80, read_cholec80_video, read_phase_annotations, Cholec80Options, CHOLEC80_PHASES};
pub use error::TsError;
pub use jigsaws::{jigsaws_subject, read_jigsaws, read_jigsaws_trial, InteriorGaps, JigsawsOptions};
pub use lengths::{bucket_by_length, LengthPolicy, LengthSummary, Truncate};
pub use missing::{fill_series, MissingPolicy};
pub use preprocess::{
    add_magnitude, add_magnitude_channel, leave_one_subject_out, resample_frames, resample_linear, resample_series,
    subject_split, ChannelScaler, SubjectHoldout, SubjectSplit,
};
pub use sensor_csv::{read_sensor_csv, Recording, SensorCsvSpec, SensorWindows, WindowLabelRule};
pub use series::{pad_sequences, stack_series, FrameDataset, FrameSequence, FrameTable, Series, SeriesDataset, Signal};
pub use split_sets::{FrameSet, SeriesSet, SplitRecord};
pub use synth::{SynthEldercareSpec, SynthSurgerySpec};
pub use synth_series::SynthSeriesSpec;
pub use ts_format::{read_ts, read_ts_with};
