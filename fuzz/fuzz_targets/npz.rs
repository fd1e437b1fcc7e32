//! MedMNIST `.npz` archives: `npz::inspect`, `npz::read_array` and
//! `read_medmnist`, on the fuzzer's bytes written to a scratch file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("input.npz", data);
    let _ = medref_data::npz::inspect(&path);
    let _ = medref_data::npz::read_array(&path, "train_labels");
    if let Ok(ds) = medref_data::read_medmnist(&path) {
        let _ = ds.check_consistent();
    }
});
