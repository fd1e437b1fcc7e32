//! BED3+ region files, plain or bgzip: `genomics::read_bed` with the label
//! in the name column and in the score column.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_data::genomics::{read_bed, BED_NAME_COLUMN, BED_SCORE_COLUMN};

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("input.bed", data);
    let _ = read_bed(&path, BED_NAME_COLUMN);
    let _ = read_bed(&path, BED_SCORE_COLUMN);
});
