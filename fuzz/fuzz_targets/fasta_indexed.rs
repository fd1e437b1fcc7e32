//! Reference genomes read through a `.fai`: `genomics::IndexedFasta`.
//!
//! Input: `FASTA [\0 FAI [\0 REGIONS]]`. Without a FAI part (or an empty
//! one) the index is built in memory; REGIONS are samtools-style region strings, one a line.
//! Every contig is also fetched whole and in two halves.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_data::genomics::IndexedFasta;
use medref_fuzz::{remove_scratch, scratch_file, split_once};

fuzz_target!(|data: &[u8]| {
    let (fasta, rest) = split_once(data, 0);
    let path = scratch_file("ref.fa", fasta);
    let (fai, regions) = match rest {
        Some(rest) => split_once(rest, 0),
        None => (&[][..], None),
    };
    if !fai.is_empty() {
        scratch_file("ref.fa.fai", fai);
    } else {
        remove_scratch("ref.fa.fai");
    }
    let Ok(mut reference) = IndexedFasta::open(&path) else {
        return;
    };
    let contigs = reference.contigs().to_vec();
    for (name, len) in contigs.iter().take(8) {
        let _ = reference.fetch(name, 0, *len);
        let _ = reference.fetch(name, len / 2, *len);
        let _ = reference.fetch(name, 0, len.saturating_add(1));
    }
    if let Some(regions) = regions {
        for region in String::from_utf8_lossy(regions).lines().take(8) {
            let _ = reference.fetch_region(region);
        }
    }
});
