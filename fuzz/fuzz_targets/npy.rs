//! `.npy` arrays held in memory: `medref_data::npy::parse` and the element
//! decoders a reader calls next.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = medref_data::npy::read_header(&mut &data[..]);
    if let Ok(array) = medref_data::npy::parse(data) {
        let _ = array.to_i128();
        let _ = array.to_f64();
    }
});
