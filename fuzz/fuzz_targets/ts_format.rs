//! sktime / UEA `.ts` files: `medref_timeseries::read_ts`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("Fuzz_TRAIN.ts", data);
    if let Ok(ds) = medref_timeseries::read_ts(&path) {
        let _ = ds.class_counts();
        let _ = ds.common_len();
    }
});
