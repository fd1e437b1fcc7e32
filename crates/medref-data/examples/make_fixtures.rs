//! Regenerates the committed imaging fixtures under `datasets/`:
//! `tiny/imaging_tiny.npz` and the bad-input files in `broken/`.
//!
//! `cargo run -p medref-data --example make_fixtures` (from the workspace
//! root). The tiny set equals `medref data synth imaging --out
//! datasets/tiny/imaging_tiny.npz --n-train 200 --n-val 60 --n-test 100
//! --size 28 --seed 0`; the test `tiny_fixture_is_reproducible` checks it.

use std::path::Path;

use medref_data::npy;
use medref_data::npz::{self, write_medmnist};
use medref_data::synth_imaging::{generate, SynthImagingSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let datasets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets");
    let tiny = datasets.join("tiny");
    let broken = datasets.join("broken");
    std::fs::create_dir_all(&tiny)?;
    std::fs::create_dir_all(&broken)?;

    let spec = SynthImagingSpec::tiny_fixture();
    write_medmnist(tiny.join("imaging_tiny.npz"), &generate(&spec))?;

    // A small valid file to damage.
    let small = generate(&SynthImagingSpec { n_train: 8, n_val: 4, n_test: 4, seed: 1, ..Default::default() });
    let whole = broken.join("whole.npz.tmp");
    write_medmnist(&whole, &small)?;
    let bytes = std::fs::read(&whole)?;
    std::fs::remove_file(&whole)?;
    std::fs::write(broken.join("truncated.npz"), &bytes[..bytes.len() / 2])?;

    let mut arrays = Vec::new();
    for (name, split) in small.splits() {
        let images = npy::encode("|u1", &[split.n, 28, 28], &split.images);
        let labels: Vec<u8> = split.labels.iter().map(|&l| l as u8).collect();
        arrays.push((format!("{name}_images"), images));
        arrays.push((format!("{name}_labels"), npy::encode("|u1", &[split.n, 1], &labels)));
    }
    npz::write_npz(broken.join("missing_test_labels.npz"), &arrays[..5])?;

    // Pixels saved as float64 in [0, 1], a common mistake when exporting.
    let as_f64 = |px: &[u8]| -> Vec<u8> { px.iter().flat_map(|&v| (v as f64 / 255.0).to_le_bytes()).collect() };
    let mut wrong = arrays.clone();
    for (i, (_, split)) in small.splits().iter().enumerate() {
        wrong[2 * i].1 = npy::encode("<f8", &[split.n, 28, 28], &as_f64(&split.images));
    }
    npz::write_npz(broken.join("wrong_dtype.npz"), &wrong)?;

    std::fs::write(
        broken.join("not_dicom.dcm"),
        "This is a plain text file with a .dcm name, used to test that medref\n\
         reports non-DICOM input clearly instead of failing somewhere inside a parser.\n",
    )?;
    println!("wrote fixtures under {}", datasets.display());
    Ok(())
}
