//! PNG/JPEG files as an image folder reads them: `image_folder::load_image`,
//! at native size and resized.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("input.png", data);
    let _ = medref_data::image_folder::load_image(&path, None, false);
    let _ = medref_data::image_folder::load_image(&path, Some((7, 5)), true);
});
