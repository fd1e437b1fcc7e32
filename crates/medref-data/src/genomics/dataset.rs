//! DNA data sets assembled from their configs: read, then split the way the
//! config says (stratified, or by chromosome so no test region sits next to
//! a training one). No burn: the training crate one-hot encodes batches.

use super::sections::{BedRegionsSection, SequenceCsvSection, SplitKind};
use super::sequence::{chromosome_split, SequenceDataset};
use super::sequence_csv::{read_sequence_csv, SequenceCsvOptions};
use super::{read_bed, sequences_for_regions, IndexedFasta};
use crate::DataError;
use medref_core::split::split_train_val_test;
use std::path::Path;

/// Reads a `format = "bed_regions"` config: labelled regions cut from the
/// reference, split by chromosome (`bed` replaces the config's BED file).
pub fn load_bed_regions(d: &BedRegionsSection, bed: &Path) -> Result<SequenceDataset, DataError> {
    let mut fasta = IndexedFasta::open(&d.reference)?;
    let regions = read_bed(bed, d.label_column)?;
    let all = sequences_for_regions(&mut fasta, bed, &regions, d.window, None)?;
    let chroms: Vec<&str> = regions.iter().map(|r| r.chrom.as_str()).collect();
    let val: Vec<&str> = d.val_chroms.iter().map(String::as_str).collect();
    let test: Vec<&str> = d.test_chroms.iter().map(String::as_str).collect();
    let split = chromosome_split(&chroms, &val, &test).map_err(|e| DataError::format(bed, e))?;
    all.into_dataset(&split).map_err(|e| DataError::format(bed, e))
}

/// Reads a `format = "sequence_csv"` config's table (`path`) and splits it
/// stratified or by chromosome, as the config says.
pub fn load_sequence_csv(d: &SequenceCsvSection, path: &Path, seed: u64) -> Result<SequenceDataset, DataError> {
    let options = SequenceCsvOptions {
        sequence_column: d.sequence_column.clone(),
        label_columns: if d.label_columns.is_empty() { vec![d.label_column.clone()] } else { d.label_columns.clone() },
        id_column: Some(d.id_column.clone()),
        pad_or_crop_to: d.seq_len,
        class_names: None,
    };
    let all = read_sequence_csv(path, &options)?;
    let split = match d.split {
        SplitKind::Stratified => {
            split_train_val_test(&all.records.labels, all.label_width, d.val_fraction, d.test_fraction, seed)
        }
        SplitKind::Chromosome => {
            let chroms: Vec<&str> = all.records.ids.iter().map(|id| id.split(':').next().unwrap_or(id)).collect();
            let val: Vec<&str> = d.val_chroms.iter().map(String::as_str).collect();
            let test: Vec<&str> = d.test_chroms.iter().map(String::as_str).collect();
            chromosome_split(&chroms, &val, &test)
        }
    }
    .map_err(|e| DataError::format(path, e))?;
    all.into_dataset(&split).map_err(|e| DataError::format(path, e))
}
