//! `format = "fasta_classes"`: one FASTA file per class (bound peaks of two
//! factors, or peaks against background), with an optional test FASTA per
//! class; trained by the genomics baseline.

use crate::genomics::Genomics;
use medref_core::config::{Config, DataConfig, FastaClassesData};
use medref_data::genomics::sequence::{split_train_val_test, SequenceDataset, SplitIndices};
use medref_data::genomics::{read_fasta_per_class, LabelledSequences};
use medref_data::DataError;
use medref_train::{DataFormat, TrainError};
use std::path::{Path, PathBuf};

/// The registry's entry for this format.
pub struct FastaClasses;

impl DataFormat for FastaClasses {
    type Baseline = Genomics;
    const FORMAT: &'static str = "fasta_classes";

    /// `path` (from `eval --data`) replaces the first class's file.
    fn load(config: &Config, path: Option<&Path>) -> Result<SequenceDataset, TrainError> {
        let DataConfig::FastaClasses(d) = &config.data else { return Err(crate::wrong_section(config)) };
        Ok(load_fasta_classes(d, path, config.seed)?)
    }
}

/// Reads every class's FASTA, then splits: the test files (when given) are
/// the test split and a stratified share of the rest validates; otherwise
/// stratified shares of all records validate and test.
fn load_fasta_classes(d: &FastaClassesData, first: Option<&Path>, seed: u64) -> Result<SequenceDataset, DataError> {
    let files: Vec<(String, PathBuf)> = d
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.clone(), if i == 0 { first.unwrap_or(&c.path).to_path_buf() } else { c.path.clone() }))
        .collect();
    let main = read_fasta_per_class(&files, d.seq_len)?;
    let main_path = files[0].1.clone();
    let test_files: Option<Vec<(String, PathBuf)>> =
        d.classes.iter().map(|c| c.test_path.clone().map(|p| (c.name.clone(), p))).collect();
    let Some(test_files) = test_files else {
        let train = 1.0 - d.val_fraction - d.test_fraction;
        let split = split_train_val_test(&main.records.labels, 1, [train, d.val_fraction, d.test_fraction], seed)
            .map_err(|e| DataError::format(&main_path, e))?;
        return main.into_dataset(&split).map_err(|e| DataError::format(&main_path, e));
    };
    // The training length fixes the test files' length too, so the model
    // trained here can score them.
    let test: LabelledSequences = read_fasta_per_class(&test_files, d.seq_len.or(Some(main.seq_len)))?;
    let split = split_train_val_test(&main.records.labels, 1, [1.0 - d.val_fraction, d.val_fraction, 0.0], seed)
        .map_err(|e| DataError::format(&main_path, e))?;
    let mut ds = main.into_dataset(&split).map_err(|e| DataError::format(&main_path, e))?;
    let all_test = SplitIndices { train: Vec::new(), val: Vec::new(), test: (0..test.records.n).collect() };
    let test_path = test_files[0].1.clone();
    ds.test = test.into_dataset(&all_test).map_err(|e| DataError::format(&test_path, e))?.test;
    Ok(ds)
}
