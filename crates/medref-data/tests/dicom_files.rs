//! The pydicom sample files (datasets/dicom) and DICOM files built here.
//! Expected values were cross-checked with pydicom 3 (`apply_modality_lut`).

use std::path::{Path, PathBuf};

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use medref_data::dicom::{read_slice, DicomSlice};

fn dicom_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/dicom")
}

fn spans_full_range(v: &[u8]) -> bool {
    v.iter().min() == Some(&0) && v.iter().max() == Some(&255)
}

#[test]
fn ct_slice_is_in_hounsfield_units() {
    let ct = read_slice(dicom_dir().join("CT_small.dcm")).unwrap();
    assert_eq!((ct.rows, ct.cols, ct.hu.len()), (128, 128, 128 * 128));
    assert_eq!(ct.modality.as_deref(), Some("CT"));
    // Stored values + Rescale Intercept -1024 (slope 1): air-like values
    // near -900, bone above 1000.
    assert_eq!(ct.value_range(), Some((-896.0, 1167.0)));
    assert_eq!(&ct.hu[..5], &[-849.0, -844.0, -858.0, -881.0, -885.0]);
    assert_eq!(ct.hu.iter().map(|&v| v as f64).sum::<f64>(), -1_950_906.0);
    // No window in the file: min-max.
    assert_eq!(ct.window, None);
    let grey = ct.to_u8(None);
    assert_eq!(grey, ct.to_u8_min_max());
    assert!(spans_full_range(&grey));
    // A soft-tissue window (40, 400) saturates air and bone.
    let soft = ct.to_u8(Some((40.0, 400.0)));
    assert_eq!(soft[0], 0);
    assert!(soft.contains(&255) && soft.iter().any(|&v| v > 0 && v < 255));
}

#[test]
fn mr_transfer_syntaxes_give_identical_pixels() {
    let reference = read_slice(dicom_dir().join("MR_small.dcm")).unwrap();
    assert_eq!((reference.rows, reference.cols), (64, 64));
    assert_eq!(reference.modality.as_deref(), Some("MR"));
    assert_eq!(reference.value_range(), Some((127.0, 2145.0)));
    assert_eq!(&reference.hu[..5], &[905.0, 1019.0, 1227.0, 1259.0, 761.0]);
    assert_eq!(reference.window, Some((600.0, 1600.0)));
    for f in ["MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm"] {
        let other = read_slice(dicom_dir().join(f)).unwrap();
        assert_eq!(other, reference, "{f}");
    }
    assert!(spans_full_range(&reference.to_u8_min_max()));
    // The file's window is used when none is given.
    assert_eq!(reference.to_u8(None), reference.to_u8(Some((600.0, 1600.0))));
    assert_ne!(reference.to_u8(None), reference.to_u8_min_max());
}

/// An 8-bit greyscale object with `frames` frames of 2x3 pixels.
fn small_object(frames: u32, samples: u16, rescale: Option<(&str, &str)>) -> InMemDicomObject {
    let photometric = if samples == 1 { "MONOCHROME2" } else { "RGB" };
    let pixels: Vec<u8> = (0..6 * samples as usize * frames as usize).map(|i| (i * 10) as u8).collect();
    let mut obj = InMemDicomObject::from_element_iter([
        DataElement::new(tags::SOP_CLASS_UID, VR::UI, uids::SECONDARY_CAPTURE_IMAGE_STORAGE),
        DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, "2.25.1234567890"),
        DataElement::new(tags::MODALITY, VR::CS, "OT"),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(samples)),
        DataElement::new(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, photometric),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(2u16)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(3u16)),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(8u16)),
        DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(8u16)),
        DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(7u16)),
        DataElement::new(tags::PIXEL_REPRESENTATION, VR::US, PrimitiveValue::from(0u16)),
        DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(pixels)),
    ]);
    if samples > 1 {
        obj.put(DataElement::new(tags::PLANAR_CONFIGURATION, VR::US, PrimitiveValue::from(0u16)));
    }
    if frames > 1 {
        obj.put(DataElement::new(tags::NUMBER_OF_FRAMES, VR::IS, frames.to_string()));
    }
    if let Some((slope, intercept)) = rescale {
        obj.put(DataElement::new(tags::RESCALE_SLOPE, VR::DS, slope));
        obj.put(DataElement::new(tags::RESCALE_INTERCEPT, VR::DS, intercept));
    }
    obj
}

fn write(obj: InMemDicomObject, path: &Path) {
    obj.with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .unwrap()
        .write_to_file(path)
        .unwrap();
}

#[test]
fn rescale_is_stored_times_slope_plus_intercept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rescaled.dcm");
    write(small_object(1, 1, Some(("2", "-10"))), &path);
    let s = read_slice(&path).unwrap();
    assert_eq!(
        s,
        DicomSlice {
            rows: 2,
            cols: 3,
            hu: vec![-10.0, 10.0, 30.0, 50.0, 70.0, 90.0],
            modality: Some("OT".into()),
            window: None,
        }
    );
}

#[test]
fn multi_frame_and_colour_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let multi = dir.path().join("multi.dcm");
    write(small_object(2, 1, None), &multi);
    let e = read_slice(&multi).unwrap_err().to_string();
    assert!(e.starts_with(&multi.display().to_string()) && e.contains("multi-frame") && e.contains("2 frames"), "{e}");

    let colour = dir.path().join("colour.dcm");
    write(small_object(1, 3, None), &colour);
    let e = read_slice(&colour).unwrap_err().to_string();
    assert!(e.starts_with(&colour.display().to_string()) && e.contains("colour"), "{e}");
}

#[test]
fn damaged_dicom_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(dicom_dir().join("MR_small.dcm")).unwrap();
    let path = dir.path().join("cut.dcm");
    for cut in (0..bytes.len()).step_by(97) {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        assert!(read_slice(&path).is_err(), "cut at {cut}");
    }
}
