//! DICOM de-identification: `medref_data::deidentify::deidentify_file`
//! (the same parser as `dicom`, then the PS3.15 basic profile and the
//! writer), on the fuzzer's bytes written to a scratch file. What it
//! writes must open again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_data::deidentify::{deidentify_file, DeidentifyOptions};

fuzz_target!(|data: &[u8]| {
    let input = medref_fuzz::scratch_file("input.dcm", data);
    let output = medref_fuzz::scratch_dir().join("deidentified.dcm");
    let _ = std::fs::remove_file(&output);
    if deidentify_file(&input, &output, &DeidentifyOptions::default()).is_ok() {
        if let Err(e) = dicom_object::open_file(&output) {
            panic!("deidentify_file wrote a file that does not open: {e}");
        }
    }
});
