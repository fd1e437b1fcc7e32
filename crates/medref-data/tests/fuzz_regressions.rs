//! Inputs that the fuzz targets (`fuzz/`, run by `scripts/fuzz`) found to
//! crash a reader, kept so the fixes stay fixed: every file under
//! `tests/fuzz_regressions/<folder>/` must be refused with an error that
//! names the file, never a panic. A new crash goes in as one more file in
//! the folder of its reader (see [`reader`]).
//!
//! The DICOM inputs are fuzzer mutations of the pydicom `MR_small` samples
//! in `datasets/dicom` (MIT, see `datasets/PROVENANCE.md`); the BED inputs
//! are a few bytes written by the fuzzer and by hand.

use std::path::{Path, PathBuf};

use medref_data::deidentify::{deidentify_file, DeidentifyOptions};
use medref_data::genomics::{read_bed, read_fasta, read_vcf, IndexedFasta, BED_NAME_COLUMN, BED_SCORE_COLUMN};
use medref_data::DataError;

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions")
}

/// The kept inputs of one folder, sorted (a `.fai` goes with its FASTA).
fn cases(folder: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(regressions_dir().join(folder)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "fai"))
        .collect();
    files.sort();
    files
}

/// A fuzz target's entry point: reads one file.
type Reader = fn(&Path) -> Result<(), DataError>;

/// What reads the files of each folder: the fuzz target's entry point.
fn reader(folder: &str) -> Option<Reader> {
    Some(match folder {
        // Pixel data that cannot be decoded.
        "dicom" => |p| medref_data::read_slice(p).map(drop),
        // Refused before parsing: a value longer than the file.
        "dicom_open" => |p| medref_data::read_slice(p).map(drop),
        "npz" => |p| medref_data::read_medmnist(p).map(drop),
        "npy" => |p| medref_data::npy::read_file(p).map(drop),
        "image" => |p| medref_data::image_folder::load_image(p, Some((7, 5)), true).map(drop),
        "fasta" => |p| read_fasta(p).map(drop),
        "fasta_indexed" => |p| {
            let mut reference = IndexedFasta::open(p)?;
            for (name, len) in reference.contigs().to_vec() {
                reference.fetch(&name, 0, len)?;
            }
            Ok(())
        },
        "vcf" => |p| read_vcf(p).map(drop),
        "bed" => |p| {
            read_bed(p, BED_SCORE_COLUMN)?;
            read_bed(p, BED_NAME_COLUMN).map(drop)
        },
        _ => return None,
    })
}

#[test]
fn every_kept_input_is_an_error_naming_the_file() {
    let mut checked = 0;
    for entry in std::fs::read_dir(regressions_dir()).unwrap() {
        let folder = entry.unwrap().file_name().to_string_lossy().into_owned();
        let read =
            reader(&folder).unwrap_or_else(|| panic!("tests/fuzz_regressions/{folder}: no reader for this folder"));
        for path in cases(&folder) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            match read(&path) {
                Ok(()) => panic!("{}: expected an error, the file was read", path.display()),
                Err(e) => {
                    assert!(e.to_string().contains(&name), "{}: the error does not name the file: {e}", path.display())
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} kept inputs found");
}

#[test]
fn value_longer_than_file_is_named() {
    for path in cases("dicom_open") {
        let e = medref_data::read_slice(&path).unwrap_err().to_string();
        assert!(e.contains("cannot parse DICOM data set") && e.contains("bytes follow"), "{e}");
    }
}

/// De-identification opens files with the same checks, so it refuses the
/// `dicom_open/` inputs before writing anything.
#[test]
fn dicom_inputs_are_refused_by_deidentify() {
    let out = tempfile::tempdir().unwrap();
    for path in cases("dicom_open") {
        let written = out.path().join("out.dcm");
        let result = deidentify_file(&path, &written, &DeidentifyOptions::default());
        assert!(result.is_err(), "{}", path.display());
        assert!(!written.exists(), "{}: wrote output", path.display());
    }
}

/// The checks added for the DICOM cases pass the well-formed files in
/// every transfer syntax medref reads, and RLE pixels match the
/// uncompressed copy.
#[test]
fn well_formed_dicom_still_reads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/dicom");
    let plain = medref_data::read_slice(dir.join("MR_small.dcm")).unwrap();
    for name in ["MR_small_RLE.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm"] {
        assert_eq!(medref_data::read_slice(dir.join(name)).unwrap(), plain, "{name}");
    }
    let ct = medref_data::read_slice(dir.join("CT_small.dcm")).unwrap();
    assert_eq!((ct.rows, ct.cols), (128, 128));
}

/// The carriage-return check refuses a `\r` inside a line but still reads
/// CRLF files.
#[test]
fn bed_with_crlf_line_endings_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crlf.bed");
    std::fs::write(&path, "chr1\t100\t200\tbound\r\nchr1\t300\t400\tunbound\r\n").unwrap();
    let regions = read_bed(&path, BED_NAME_COLUMN).unwrap();
    assert_eq!(regions.len(), 2);
    assert_eq!(regions[1].label, "unbound");
    let kept = regressions_dir().join("bed/cr_before_empty_label.bed");
    let e = read_bed(kept, BED_NAME_COLUMN).unwrap_err();
    assert!(e.to_string().contains("line 2, byte 13: a carriage return"), "{e}");
}
