//! Genomics data: DNA sequences, their encoding, and the field's file
//! formats.
//!
//! - [`sequence`]: [`SequenceDataset`], the in-memory labelled data set every
//!   genomics reader and generator yields, and the seeded splits.
//! - [`encode`]: the hot path from ASCII bases to one-hot `[4, L]` floats,
//!   IUPAC ambiguity codes and reverse complements.
//! - [`fasta`], [`bed`], [`vcf`]: readers built on `noodles` (plain or
//!   bgzip-compressed input, detected by magic bytes), plus the VCF writer
//!   that adds INFO fields.
//! - [`sequence_csv`]: `sequence,label` tables and one FASTA per class.
//!
//! Coordinates: every API here takes and returns 0-based half-open
//! intervals (`start..end`, as in BED), except where a type or function
//! says it follows VCF (1-based positions) or samtools region strings
//! (`chr1:101-200`, 1-based inclusive). Sequences are uppercase ASCII:
//! soft-masked (lowercase) input is accepted and folded to uppercase.

pub mod bed;
pub mod dataset;
pub mod encode;
pub mod fasta;
mod input;
pub mod sections;
pub mod sequence;
pub mod sequence_csv;
pub mod vcf;

pub use bed::{read_bed, sequences_for_regions, LabelledRegion, BED_NAME_COLUMN, BED_SCORE_COLUMN};
pub use encode::{
    one_hot, one_hot_batch, one_hot_encode, reverse_complement, reverse_complement_one_hot,
    reverse_complement_one_hot_into, validate_sequence,
};
pub use fasta::{read_fasta, FastaRecord, IndexedFasta};
pub use sections::{BedRegionsSection, SequenceCsvSection, SplitKind};
pub use sequence::{chromosome_split, pad_or_crop, LabelledSequences, SequenceDataset, SequenceSplit};
pub use sequence_csv::{read_fasta_per_class, read_sequence_csv, SequenceCsvOptions};
pub use vcf::{alt_kind, read_vcf, write_vcf_with_info, AltKind, InfoDef, VariantRecord, VcfFile};
