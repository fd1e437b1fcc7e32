//! Single DICOM slices: `medref_data::read_slice` and the windowing that
//! follows it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("input.dcm", data);
    if let Ok(slice) = medref_data::read_slice(&path) {
        let _ = slice.to_u8(None);
        let _ = slice.to_u8_min_max();
        let _ = slice.value_range();
    }
});
