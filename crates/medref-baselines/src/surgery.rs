//! Surgical support: frame-labelled sequences (JIGSAWS gestures from
//! kinematics), trained with the temporal convolutional network; surgeons
//! are held out whole (`splits.json`).

use burn::prelude::*;
use medref_core::config::{Config, ModelConfig};
use medref_core::seed::Rng;
use medref_models::Tcn;
use medref_timeseries::sections::JigsawsSection;
use medref_timeseries::split_sets::{load_jigsaws, split_report};
use medref_timeseries::SplitRecord;
use medref_timeseries::{bucket_by_length, pad_sequences, FrameSequence, FrameSet};
use medref_train::run_dir::write_json;
use medref_train::tensor::to_tensor;
use medref_train::{Baseline, DataFormat, DataShape, Examples, FrameBatch, ModelMeta, RunInfo, Targets, TrainError};
use std::path::Path;

/// Whole sequences for frame labelling.
pub struct FrameExamples<'a> {
    sequences: &'a [FrameSequence],
    targets: Targets,
}

impl<'a> FrameExamples<'a> {
    pub fn new(set: &FrameSet, sequences: &'a [FrameSequence]) -> Self {
        let mut labels = Vec::new();
        let mut offsets = vec![0];
        for s in sequences {
            labels.extend_from_slice(&s.frame_labels);
            offsets.push(labels.len());
        }
        Self { sequences, targets: Targets::Frames { labels, offsets, n_classes: set.class_names.len().max(2) } }
    }
}

impl Examples for FrameExamples<'_> {
    type Input = FrameBatch;

    fn len(&self) -> usize {
        self.sequences.len()
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    fn example_id(&self, i: usize) -> String {
        self.sequences[i].id.clone()
    }

    fn row_ids(&self) -> Vec<String> {
        self.sequences.iter().flat_map(|s| s.source_frames.iter().map(move |f| format!("{}:{}", s.id, f + 1))).collect()
    }

    /// Trials of similar length batched together, so padding stays small.
    fn epoch_order(&self, order: Vec<usize>, batch_size: usize) -> Vec<usize> {
        let lengths: Vec<usize> = self.sequences.iter().map(|s| s.len).collect();
        bucket_by_length(order, &lengths, batch_size)
    }

    fn batch(&self, indices: &[usize], device: &Device, _augment: Option<&mut Rng>) -> FrameBatch {
        let c = self.sequences.first().map_or(0, |s| s.channels);
        let (x, lengths) = pad_sequences(indices.iter().map(|&i| &self.sequences[i]), c);
        FrameBatch { x: to_tensor(x, device), lengths }
    }
}

/// The TCN labelling every frame of `[batch, channels, frames]`.
pub struct Surgery;

impl Baseline for Surgery {
    type Data = FrameSet;
    type Model = Tcn;
    type Split<'a> = FrameExamples<'a>;
    const MODEL_KINDS: &'static [&'static str] = &["tcn"];

    fn shape(set: &FrameSet) -> DataShape {
        DataShape {
            input_shape: vec![set.channels],
            label_width: 1,
            n_classes: Some(set.class_names.len()),
            class_names: set.class_names.clone(),
        }
    }

    fn splits<'a>(_config: &Config, set: &'a FrameSet) -> [FrameExamples<'a>; 3] {
        [FrameExamples::new(set, &set.train), FrameExamples::new(set, &set.val), FrameExamples::new(set, &set.test)]
    }

    fn build(config: &Config, meta: &ModelMeta, device: &Device) -> Result<Tcn, TrainError> {
        let ModelConfig::Tcn(m) = &config.model else {
            return Err(TrainError::Mismatch("the surgery baseline trains `tcn` models".into()));
        };
        Ok(Tcn::new(m, meta.input_shape[0], meta.n_outputs, device))
    }

    /// `splits.json` and `scaler.json`, as for signals.
    fn write_data_extras(dir: &Path, set: &FrameSet) -> Result<(), TrainError> {
        write_json(&dir.join("splits.json"), &split_report(&set.split, None))?;
        if let Some(scaler) = &set.scaler {
            write_json(&dir.join("scaler.json"), scaler)?;
        }
        Ok(())
    }
}

/// `format = "jigsaws"`: JIGSAWS kinematics and gesture transcriptions.
pub struct Jigsaws;

impl DataFormat for Jigsaws {
    type Baseline = Surgery;
    type Section = JigsawsSection;
    const FORMAT: &'static str = "jigsaws";
    const READS_FOLDER: bool = true;
    fn load(config: &Config, d: &JigsawsSection, path: Option<&Path>) -> Result<FrameSet, TrainError> {
        Ok(load_jigsaws(d, config.seed, path)?)
    }
    /// One trial's kinematics file: one row per frame with its gesture.
    fn read_new(run: &RunInfo, _d: &JigsawsSection, input: &Path) -> Result<FrameSet, TrainError> {
        let table = medref_timeseries::jigsaws::read_kinematics(input)?;
        frames_to_score(run, input, &table, 1)
    }
}

/// A recording's frames as a data set whose test split is that one
/// sequence (ids `<file stem>:<frame>`, 1-based), scaled as in training.
pub(crate) fn frames_to_score(
    run: &RunInfo,
    input: &Path,
    table: &medref_timeseries::FrameTable,
    subsample: usize,
) -> Result<FrameSet, TrainError> {
    let channels = run.meta.input_shape.first().copied().unwrap_or(0);
    if table.columns != channels {
        return Err(TrainError::Mismatch(format!(
            "{}: {} values per frame; the model was trained on {channels}",
            input.display(),
            table.columns
        )));
    }
    let id = input.file_stem().map_or_else(|| "input".to_string(), |s| s.to_string_lossy().into_owned());
    let scaler = crate::signals::saved_scaler(run)?;
    let sequence = medref_timeseries::scoring::frame_sequence(&id, table, subsample, scaler.as_ref())?;
    let class_names = run.meta.class_names.clone();
    let split = SplitRecord::default();
    Ok(FrameSet {
        channels,
        class_names,
        train: Vec::new(),
        val: Vec::new(),
        test: vec![sequence],
        scaler: None,
        split,
    })
}
