//! Bad input must give an error that names the file and the problem, and
//! must never panic.

use std::path::{Path, PathBuf};

use medref_data::npy;
use medref_data::npz::{self, read_medmnist};
use medref_data::synth_imaging::{generate, SynthImagingSpec};
use medref_data::{dicom, DataError};

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

fn err_of<T: std::fmt::Debug>(r: Result<T, DataError>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn truncated_npz_names_file_and_says_not_readable() {
    let path = datasets().join("broken/truncated.npz");
    let e = err_of(read_medmnist(&path));
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    assert!(e.contains("not a readable .npz"), "{e}");
    assert!(npz::inspect(&path).is_err());
}

#[test]
fn missing_array_is_named_with_the_expected_layout() {
    let path = datasets().join("broken/missing_test_labels.npz");
    let e = err_of(read_medmnist(&path));
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    assert!(e.contains("missing array `test_labels`"), "{e}");
    assert!(e.contains("train_/val_/test_"), "{e}");
    // inspect still works on it: the file itself is fine.
    assert_eq!(npz::inspect(&path).unwrap().len(), 5);
}

#[test]
fn float_images_are_refused_with_the_dtype() {
    let path = datasets().join("broken/wrong_dtype.npz");
    let e = err_of(read_medmnist(&path));
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    assert!(e.contains("`train_images`") && e.contains("<f8") && e.contains("uint8"), "{e}");
}

#[test]
fn text_file_is_not_dicom() {
    let path = datasets().join("broken/not_dicom.dcm");
    let e = err_of(dicom::read_slice(&path));
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    assert!(e.contains("not a DICOM file"), "{e}");
    let e = err_of(dicom::read_slice(datasets().join("broken/no_such_file.dcm")));
    assert!(e.contains("no_such_file.dcm"), "{e}");
}

/// A valid small MedMNIST file, as bytes.
fn valid_npz_bytes(dir: &Path) -> Vec<u8> {
    let ds = generate(&SynthImagingSpec { n_train: 3, n_val: 2, n_test: 2, seed: 5, ..Default::default() });
    let path = dir.join("valid.npz");
    npz::write_medmnist(&path, &ds).unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let whole = valid_npz_bytes(dir.path());
    let numpy_stored = std::fs::read(datasets().join("tiny/numpy_savez_grey.npz")).unwrap();
    for (tag, bytes) in [("ours", &whole), ("numpy", &numpy_stored)] {
        let path = dir.path().join(format!("cut_{tag}.npz"));
        for cut in (0..bytes.len()).step_by((bytes.len() / 400).max(1)) {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let e = read_medmnist(&path).expect_err(&format!("{tag} cut at {cut} of {} read fine", bytes.len()));
            assert!(e.to_string().contains("cut_"), "{e}");
            assert!(npz::inspect(&path).is_err());
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    // Corruption anywhere (zip headers, npy headers, data) must surface as
    // Err or, where it hits an unchecked field, as a readable dataset.
    let dir = tempfile::tempdir().unwrap();
    let numpy_stored = std::fs::read(datasets().join("tiny/numpy_savez_grey.npz")).unwrap();
    let ours = valid_npz_bytes(dir.path());
    let path = dir.path().join("flipped.npz");
    for bytes in [numpy_stored, ours] {
        for at in (0..bytes.len()).step_by((bytes.len() / 400).max(1)) {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x5a;
            std::fs::write(&path, &damaged).unwrap();
            let _ = read_medmnist(&path);
            let _ = npz::inspect(&path);
        }
    }
}

/// Writes an npz from `(name, descr, shape, raw bytes)` arrays.
fn write_arrays(path: &Path, arrays: &[(&str, &str, Vec<usize>, Vec<u8>)]) {
    let encoded: Vec<(String, Vec<u8>)> =
        arrays.iter().map(|(name, descr, shape, data)| (name.to_string(), npy::encode(descr, shape, data))).collect();
    npz::write_npz(path, &encoded).unwrap();
}

/// Arrays of an npz as `(name, descr, shape, raw bytes)`.
type Layout = Vec<(&'static str, &'static str, Vec<usize>, Vec<u8>)>;

/// A valid grey 2x2 layout with 2 images per split; `edit` breaks it.
fn layout(edit: impl Fn(&mut Layout)) -> Layout {
    let mut a = Vec::new();
    for (images, labels) in
        [("train_images", "train_labels"), ("val_images", "val_labels"), ("test_images", "test_labels")]
    {
        a.push((images, "|u1", vec![2, 2, 2], vec![7u8; 8]));
        a.push((labels, "|u1", vec![2, 1], vec![0u8, 1]));
    }
    edit(&mut a);
    a
}

#[test]
fn shape_dtype_and_value_errors_name_the_array() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.npz");
    let cases: Vec<(&str, Layout, &[&str])> = vec![
        ("valid", layout(|_| {}), &[]),
        (
            "n mismatch",
            layout(|a| a[3] = ("val_labels", "|u1", vec![3, 1], vec![0, 1, 1])),
            &["`val_images` holds 2 images", "`val_labels` holds 3"],
        ),
        (
            "images ndim",
            layout(|a| a[0] = ("train_images", "|u1", vec![8], vec![0; 8])),
            &["`train_images`", "shape [8]", "[N, H, W]"],
        ),
        (
            "labels ndim",
            layout(|a| a[1] = ("train_labels", "|u1", vec![2, 1, 1], vec![0, 1])),
            &["`train_labels`", "[N, 1]"],
        ),
        (
            "float labels",
            layout(|a| {
                a[5] = ("test_labels", "<f4", vec![2, 1], [0f32, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect())
            }),
            &["`test_labels`", "<f4", "integer"],
        ),
        (
            "negative label",
            layout(|a| {
                a[1] = ("train_labels", "<i8", vec![2, 1], [0i64, -1].iter().flat_map(|v| v.to_le_bytes()).collect())
            }),
            &["`train_labels`", "-1", "non-negative"],
        ),
        (
            "multi-label 2",
            layout(|a| {
                for (i, name) in ["train_labels", "val_labels", "test_labels"].into_iter().enumerate() {
                    a[2 * i + 1] = (name, "|u1", vec![2, 3], vec![0, 1, 1, 0, 0, 1]);
                }
                a[5].3[4] = 2;
            }),
            &["`test_labels`", "multi-label", "holds 2 at row 1, column 1", "0 or 1"],
        ),
        (
            "size mismatch",
            layout(|a| a[4] = ("test_images", "|u1", vec![2, 1, 4], vec![0; 8])),
            &["`test_images` are 1x4", "`train_images` are 2x2"],
        ),
        (
            "short data",
            layout(|a| {
                a[2].3.pop();
            }),
            &["`val_images`", "truncated"],
        ),
        (
            "3-D volumes",
            layout(|a| a[0] = ("train_images", "|u1", vec![2, 2, 2, 2], vec![0; 16])),
            &["`train_images`", "volumes"],
        ),
    ];
    for (what, arrays, needles) in cases {
        write_arrays(&path, &arrays);
        let result = read_medmnist(&path);
        if needles.is_empty() {
            let ds = result.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!((ds.train.n, ds.n_classes), (2, 2));
            continue;
        }
        let e = err_of(result);
        assert!(e.starts_with(&path.display().to_string()), "{what}: {e}");
        for needle in needles {
            assert!(e.contains(needle), "{what}: `{needle}` not in: {e}");
        }
    }
}

#[test]
fn fortran_order_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fortran.npz");
    let mut arrays: Vec<(String, Vec<u8>)> =
        layout(|_| {}).into_iter().map(|(n, d, s, b)| (n.to_string(), npy::encode(d, &s, &b))).collect();
    let header = &mut arrays[0].1;
    let at = header.windows(5).position(|w| w == b"False").unwrap();
    header[at..at + 5].copy_from_slice(b"True ");
    npz::write_npz(&path, &arrays).unwrap();
    let e = err_of(read_medmnist(&path));
    assert!(e.contains("`train_images`") && e.contains("fortran_order is True"), "{e}");
}
