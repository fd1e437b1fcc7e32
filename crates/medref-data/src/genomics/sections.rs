//! The `[data]` sections of the DNA formats that read tables and
//! regions (`sequence_csv`, `bed_regions`): the options their dataset
//! assembly takes, parsed straight from the config.

use medref_core::config::defaults::{default_fraction, default_id_column, default_label_column};
use medref_core::config::{check_holdout_fractions, invalid, DataSection};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How examples without official splits are divided into train/val/test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitKind {
    /// Seeded, stratified by class, by `val_fraction` / `test_fraction`.
    Stratified,
    /// By chromosome (the part of the id before `:`): whole chromosomes go
    /// to validation or test, so no locus leaks across splits.
    Chromosome,
}

/// DNA sequences in a CSV table (`sequence,label`, optional `id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceCsvSection {
    /// The file (or folder) the data is read from.
    pub path: PathBuf,
    /// Column holding the DNA sequence.
    #[serde(default = "default_sequence_column")]
    pub sequence_column: String,
    /// Column holding the class label.
    #[serde(default = "default_label_column")]
    pub label_column: String,
    /// Multi-task: several 0/1 label columns, one task each (replaces
    /// `label_column` when given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub label_columns: Vec<String>,
    /// Column of record ids (`chr1:101-200` style ids enable `split = "chromosome"`).
    #[serde(default = "default_id_column")]
    pub id_column: String,
    /// Centre-crop or `N`-pad every sequence to this length; without it all
    /// sequences must share one length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_len: Option<usize>,
    /// How the examples are divided into train, validation and test.
    #[serde(default = "default_split")]
    pub split: SplitKind,
    /// Share held out for validation.
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    /// Share held out for test.
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
    /// For `split = "chromosome"`.
    #[serde(default)]
    pub val_chroms: Vec<String>,
    /// Chromosomes held out for test.
    #[serde(default)]
    pub test_chroms: Vec<String>,
}

/// Labelled regions (BED, label in a column) read from a reference genome
/// (FASTA with `.fai`), split by chromosome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BedRegionsSection {
    /// The reference genome (FASTA with its `.fai` index).
    pub reference: PathBuf,
    /// The labelled regions (BED).
    pub bed: PathBuf,
    /// 1-based BED column holding the label (4 = name, 5 = score).
    #[serde(default = "default_bed_label_column")]
    pub label_column: usize,
    /// Cut this many bases centred on each region; without it all regions
    /// must share one length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// Chromosomes held out for validation.
    pub val_chroms: Vec<String>,
    /// Chromosomes held out for test.
    pub test_chroms: Vec<String>,
}

fn default_sequence_column() -> String {
    "sequence".into()
}
fn default_bed_label_column() -> usize {
    4
}
fn default_split() -> SplitKind {
    SplitKind::Stratified
}

impl DataSection for SequenceCsvSection {
    fn path(&self) -> &Path {
        &self.path
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.split == SplitKind::Stratified {
            check_holdout_fractions(self.val_fraction, self.test_fraction)?;
        }
        if self.split == SplitKind::Chromosome && (self.val_chroms.is_empty() || self.test_chroms.is_empty()) {
            return invalid("[data]", "split = \"chromosome\" needs val_chroms and test_chroms");
        }
        Ok(())
    }
}

impl DataSection for BedRegionsSection {
    fn path(&self) -> &Path {
        &self.bed
    }
    fn inputs(&self) -> Vec<&Path> {
        vec![&self.bed, &self.reference]
    }
}
