//! `format = "fasta_classes"`: one FASTA file per class (bound peaks of two
//! factors, or peaks against background), with an optional test FASTA per
//! class; trained by the genomics baseline.

use crate::genomics::Genomics;
use medref_core::config::defaults::default_fraction;
use medref_core::config::{check_holdout_fractions, Config, DataSection};
use medref_core::split::{split_train_val_test, SplitIndices};
use medref_data::genomics::sequence::SequenceDataset;
use medref_data::genomics::{read_fasta_per_class, LabelledSequences};
use medref_data::DataError;
use medref_train::{DataFormat, TrainError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The registry's entry for this format.
pub struct FastaClasses;

impl DataFormat for FastaClasses {
    type Baseline = Genomics;
    type Section = FastaClassesSection;
    const FORMAT: &'static str = "fasta_classes";
    // `eval --data` may name a folder of FASTA files.
    const READS_FOLDER: bool = true;

    /// `path` (from `eval --data`) replaces the first class's file.
    fn load(config: &Config, d: &FastaClassesSection, path: Option<&Path>) -> Result<SequenceDataset, TrainError> {
        Ok(load_fasta_classes(d, path, config.seed)?)
    }
}

/// Reads every class's FASTA, then splits: the test files (when given) are
/// the test split and a stratified share of the rest validates; otherwise
/// stratified shares of all records validate and test.
fn load_fasta_classes(d: &FastaClassesSection, first: Option<&Path>, seed: u64) -> Result<SequenceDataset, DataError> {
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
        let split = split_train_val_test(&main.records.labels, 1, d.val_fraction, d.test_fraction, seed)
            .map_err(|e| DataError::format(&main_path, e))?;
        return main.into_dataset(&split).map_err(|e| DataError::format(&main_path, e));
    };
    // The training length fixes the test files' length too, so the model
    // trained here can score them.
    let test: LabelledSequences = read_fasta_per_class(&test_files, d.seq_len.or(Some(main.seq_len)))?;
    let split = split_train_val_test(&main.records.labels, 1, d.val_fraction, 0.0, seed)
        .map_err(|e| DataError::format(&main_path, e))?;
    let mut ds = main.into_dataset(&split).map_err(|e| DataError::format(&main_path, e))?;
    let all_test = SplitIndices { train: Vec::new(), val: Vec::new(), test: (0..test.records.n).collect() };
    let test_path = test_files[0].1.clone();
    ds.test = test.into_dataset(&all_test).map_err(|e| DataError::format(&test_path, e))?.test;
    Ok(ds)
}

/// One class and its sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FastaClass {
    /// The class name; classes take indices in the order listed, so a
    /// binary task lists the negative class first.
    pub name: String,
    pub path: PathBuf,
    /// This class's held-out test sequences; give one for every class or
    /// for none (then a stratified share of `path` is held out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_path: Option<PathBuf>,
}

/// `[[data.classes]]` tables, at least two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FastaClassesSection {
    pub classes: Vec<FastaClass>,
    /// Centre-crop or `N`-pad every sequence to this length; without it all
    /// sequences must share one length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_len: Option<usize>,
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    /// Ignored when every class has a `test_path`.
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
}

impl DataSection for FastaClassesSection {
    fn path(&self) -> &Path {
        self.classes.first().map_or(Path::new(""), |c| c.path.as_path())
    }
    fn inputs(&self) -> Vec<&Path> {
        self.classes.iter().flat_map(|c| std::iter::once(&c.path).chain(&c.test_path)).map(PathBuf::as_path).collect()
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.classes.len() < 2 {
            return Err((
                "[data].classes".into(),
                "list at least two classes, each with a name and a FASTA path".into(),
            ));
        }
        let with_test = self.classes.iter().filter(|c| c.test_path.is_some()).count();
        if with_test != 0 && with_test != self.classes.len() {
            return Err(("[data].classes".into(), "give a test_path for every class or for none".into()));
        }
        if self.seq_len == Some(0) {
            return Err(("[data].seq_len".into(), "must be at least 1".into()));
        }
        let test = if with_test > 0 { 0.0 } else { self.test_fraction };
        check_holdout_fractions(self.val_fraction, test)
    }
}
