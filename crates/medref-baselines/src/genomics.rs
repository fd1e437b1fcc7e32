//! Genomic medicine: DNA sequences from tables or labelled BED regions of
//! a reference genome, trained with the 1D CNN on one-hot DNA; in-silico
//! mutagenesis explains one test sequence, and a trained run scores VCF
//! variants.

mod examples;
mod mutagenesis;
mod variant_effect;

pub use examples::SequenceExamples;
pub use mutagenesis::{saturation_mutagenesis, Mutagenesis};
pub use variant_effect::{score_variants, to_tsv, to_vcf, VariantScore};

use burn::prelude::*;
use medref_core::config::{Config, ModelConfig};
use medref_data::genomics::sequence::{pad_or_crop, SequenceDataset, SequenceSplit};
use medref_data::genomics::{BedRegionsSection, SequenceCsvSection};
use medref_models::DnaCnn;
use medref_train::run::reopen;
use medref_train::RunInfo;
use medref_train::{Baseline, DataFormat, DataShape, DeviceChoice, ModelMeta, TrainError, Trained};
use std::path::Path;

/// The DNA CNN on `[batch, 4, seq_len]` one-hot sequences.
pub struct Genomics;

impl Baseline for Genomics {
    type Data = SequenceDataset;
    type Model = DnaCnn;
    type Split<'a> = SequenceExamples<'a>;
    const MODEL_KINDS: &'static [&'static str] = &["dna_cnn"];

    fn shape(ds: &SequenceDataset) -> DataShape {
        DataShape {
            input_shape: vec![ds.seq_len],
            label_width: ds.label_width,
            n_classes: Some(ds.n_classes),
            class_names: ds.class_names.clone(),
        }
    }

    fn splits<'a>(config: &Config, ds: &'a SequenceDataset) -> [SequenceExamples<'a>; 3] {
        [
            SequenceExamples::new(ds, &ds.train, config.train.augment.reverse_complement),
            SequenceExamples::new(ds, &ds.val, false),
            SequenceExamples::new(ds, &ds.test, false),
        ]
    }

    fn build(config: &Config, meta: &ModelMeta, device: &Device) -> Result<DnaCnn, TrainError> {
        let ModelConfig::DnaCnn(m) = &config.model else {
            return Err(TrainError::Mismatch("the genomics baseline trains `dna_cnn` models".into()));
        };
        Ok(DnaCnn::new(m, meta.input_shape[0], meta.n_outputs, device))
    }

    /// In-silico mutagenesis of the first test positive (class 1), else the
    /// first test sequence.
    fn explanation(run: &Trained<DnaCnn>, ds: &SequenceDataset) -> Result<Option<String>, TrainError> {
        if ds.test.n == 0 {
            return Ok(None);
        }
        let i = (0..ds.test.n).find(|&i| ds.label_width == 1 && ds.test.label(i, 1)[0] == 1).unwrap_or(0);
        let class = if ds.label_width == 1 { ds.test.label(i, 1)[0] as usize } else { 0 };
        let ism = saturation_mutagenesis(run, ds.test.sequence(i, ds.seq_len), class)?;
        Ok(Some(ism.to_svg(&format!("In-silico mutagenesis of test sequence {}, class {class}", ds.test.ids[i]))))
    }

    /// A FASTA file, each record centre-cropped or N-padded to the trained
    /// length.
    fn read_new(run: &RunInfo, input: &Path) -> Result<SequenceDataset, TrainError> {
        let m = &run.meta;
        let seq_len = m.input_shape[0];
        let records = medref_data::genomics::fasta::read_fasta(input)?;
        let n = records.len();
        Ok(SequenceDataset {
            seq_len,
            label_width: m.label_width,
            n_classes: m.n_outputs,
            class_names: m.class_names.clone(),
            train: SequenceSplit::default(),
            val: SequenceSplit::default(),
            test: SequenceSplit {
                ids: records.iter().map(|r| r.id.clone()).collect(),
                sequences: records.iter().flat_map(|r| pad_or_crop(&r.sequence, seq_len)).collect(),
                labels: vec![0; n * m.label_width],
                n,
            },
        })
    }
}

/// Reopens a finished run's DNA model for `explain` and `score-variants`.
pub fn open_dna_run(dir: &Path, device: DeviceChoice) -> Result<Trained<DnaCnn>, TrainError> {
    let info = crate::open_run(dir)?;
    if !Genomics::MODEL_KINDS.contains(&info.config.model.kind()) {
        return Err(TrainError::Mismatch(format!("{}: this needs a DNA model (kind = \"dna_cnn\")", dir.display())));
    }
    reopen::<Genomics>(info, device)
}

/// `format = "sequence_csv"`: a table of sequences with a class column.
pub struct SequenceCsv;

impl DataFormat for SequenceCsv {
    type Baseline = Genomics;
    type Section = SequenceCsvSection;
    const FORMAT: &'static str = "sequence_csv";
    fn load(config: &Config, d: &SequenceCsvSection, path: Option<&Path>) -> Result<SequenceDataset, TrainError> {
        Ok(medref_data::genomics::dataset::load_sequence_csv(d, path.unwrap_or(&d.path), config.seed)?)
    }
}

/// `format = "bed_regions"`: labelled regions cut from a reference FASTA.
pub struct BedRegions;

impl DataFormat for BedRegions {
    type Baseline = Genomics;
    type Section = BedRegionsSection;
    const FORMAT: &'static str = "bed_regions";
    fn load(_config: &Config, d: &BedRegionsSection, path: Option<&Path>) -> Result<SequenceDataset, TrainError> {
        Ok(medref_data::genomics::dataset::load_bed_regions(d, path.unwrap_or(&d.bed))?)
    }
}
