//! Whole FASTA files, plain or bgzip: `genomics::read_fasta`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("input.fa", data);
    let _ = medref_data::genomics::read_fasta(&path);
});
