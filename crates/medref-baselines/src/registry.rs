//! The one map from `[data].format` to the baseline that reads it. A new
//! format is one line here (plus its module and config section).

use medref_train::runner::{Registered, Runner};

/// Every format medref can train, one line each.
pub static FORMATS: &[&dyn Runner] = &[
    &Registered::<crate::imaging::MedmnistNpz>::NEW,
    &Registered::<crate::imaging::ImageFolder>::NEW,
    &Registered::<crate::genomics::SequenceCsv>::NEW,
    &Registered::<crate::genomics::BedRegions>::NEW,
    &Registered::<crate::tables::Table>::NEW,
    &Registered::<crate::molecules::Molecules>::NEW,
    &Registered::<crate::signals::Ts>::NEW,
    &Registered::<crate::signals::SensorCsv>::NEW,
    &Registered::<crate::surgery::Jigsaws>::NEW,
    &Registered::<crate::fasta_classes::FastaClasses>::NEW,
    &Registered::<crate::cholec80::Cholec80>::NEW,
];
