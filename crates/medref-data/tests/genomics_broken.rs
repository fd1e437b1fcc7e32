//! Bad genomics input must give an error that names the file, the line or
//! record, and the problem, and must never panic: the files under
//! `datasets/broken/`, and valid files cut short at many offsets.

use std::io::Write;
use std::path::{Path, PathBuf};

use medref_data::genomics::bed::read_bed;
use medref_data::genomics::fasta::{read_fasta, IndexedFasta};
use medref_data::genomics::sequence_csv::{read_sequence_csv, SequenceCsvOptions};
use medref_data::genomics::vcf::read_vcf;
use medref_data::DataError;
use noodles::bgzf;

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

fn err_of<T: std::fmt::Debug>(r: Result<T, DataError>) -> String {
    r.expect_err("expected an error").to_string()
}

fn assert_names(e: &str, path: &Path, parts: &[&str]) {
    assert!(e.starts_with(&path.display().to_string()), "should start with the file: {e}");
    for part in parts {
        assert!(e.contains(part), "{e}\n  should contain: {part}");
    }
}

#[test]
fn fasta_with_a_non_sequence_character_names_line_column_and_record() {
    let path = datasets().join("broken/bad_base.fa");
    let e = err_of(read_fasta(&path));
    assert_names(&e, &path, &["line 6, column 8", "`@`", "record `seq2`", "not a nucleotide code"]);
}

#[test]
fn truncated_vcf_names_the_cut_line() {
    let path = datasets().join("broken/truncated.vcf");
    let e = err_of(read_vcf(&path));
    assert_names(&e, &path, &["line 7", "7 tab-separated columns", "has 8", "truncated line?"]);
}

#[test]
fn vcf_with_a_malformed_position_names_line_and_column() {
    let path = datasets().join("broken/vcf_bad_pos.vcf");
    let e = err_of(read_vcf(&path));
    assert_names(&e, &path, &["line 4, column 2 (POS)", "`14x7`", "whole number"]);
}

#[test]
fn bed_with_start_after_end_names_the_line() {
    let path = datasets().join("broken/bed_bad_coord.bed");
    let e = err_of(read_bed(&path, 4));
    assert_names(&e, &path, &["line 3", "start 453 is after end 353", "0-based, half-open"]);
}

#[test]
fn csv_with_ragged_lengths_names_both_records_and_lengths() {
    let path = datasets().join("broken/ragged.csv");
    let e = err_of(read_sequence_csv(&path, &SequenceCsvOptions::default()));
    assert_names(&e, &path, &["line 4 (record `s3`)", "is 8 bp", "(record `s1`, line 2) is 10 bp", "pad_or_crop_to"]);
    // With a target length the same file reads.
    let opts = SequenceCsvOptions { pad_or_crop_to: Some(10), ..Default::default() };
    let s = read_sequence_csv(&path, &opts).unwrap();
    assert_eq!(s.records.sequence(2, 10), b"NACGTACGTN");
}

#[test]
fn missing_files_name_the_file() {
    let path = datasets().join("broken/no_such_file.vcf");
    let e = err_of(read_vcf(&path));
    assert!(e.contains("no_such_file.vcf"), "{e}");
    assert!(err_of(IndexedFasta::open(datasets().join("broken/nope.fa"))).contains("nope.fa"));
}

/// Writes `bytes[..cut]` for many cuts and hands each to `read`; the
/// reader may succeed or fail, but must not panic (a panic fails the test).
fn cut_at_many_offsets(dir: &Path, name: &str, bytes: &[u8], read: &dyn Fn(&Path)) {
    let step = (bytes.len() / 150).max(1);
    let mut cuts: Vec<usize> = (0..bytes.len()).step_by(step).collect();
    cuts.extend([1, 2, 17, 18, 19, 27, 28, bytes.len().saturating_sub(1)]);
    for cut in cuts {
        let cut = cut.min(bytes.len());
        let path = dir.join(name);
        std::fs::write(&path, &bytes[..cut]).unwrap();
        read(&path);
    }
}

fn bgzip(bytes: &[u8]) -> Vec<u8> {
    let mut w = bgzf::io::Writer::new(Vec::new());
    w.write_all(bytes).unwrap();
    w.finish().unwrap()
}

#[test]
fn truncated_vcf_and_fasta_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = std::fs::read(datasets().join("genomics/vcf42_spec_example.vcf")).unwrap();
    let read_v = |p: &Path| {
        let _ = read_vcf(p);
    };
    cut_at_many_offsets(dir.path(), "spec.vcf", &vcf, &read_v);
    cut_at_many_offsets(dir.path(), "spec.vcf.gz", &bgzip(&vcf), &read_v);
    let tiny_vcf = std::fs::read(datasets().join("genomics/tiny/variants.vcf")).unwrap();
    cut_at_many_offsets(dir.path(), "tiny.vcf", &tiny_vcf, &read_v);

    // FASTA: whole-file reading, and random access with the original
    // (now stale) .fai next to the cut file, and with an index built in
    // memory from the cut file.
    let fasta = std::fs::read(datasets().join("genomics/tiny/reference.fa")).unwrap();
    let fai = std::fs::read(datasets().join("genomics/tiny/reference.fa.fai")).unwrap();
    let read_f = |p: &Path| {
        let _ = read_fasta(p);
        let fetch_some = |p: &Path| {
            if let Ok(mut fa) = IndexedFasta::open(p) {
                for (chrom, len) in fa.contigs().to_vec() {
                    let _ = fa.fetch(&chrom, 0, len.min(500));
                    let _ = fa.fetch(&chrom, len.saturating_sub(70), len);
                }
            }
        };
        let _ = std::fs::remove_file(p.with_extension("fa.fai"));
        fetch_some(p);
        std::fs::write(p.with_extension("fa.fai"), &fai).unwrap();
        fetch_some(p);
    };
    cut_at_many_offsets(dir.path(), "ref.fa", &fasta, &read_f);
    // Same length as the index expects, but a byte changed: a line end,
    // a definition marker or a letter where bases should be.
    let damaged = dir.path().join("damaged.fa");
    std::fs::write(dir.path().join("damaged.fa.fai"), &fai).unwrap();
    for (i, k) in (0..fasta.len()).step_by(fasta.len() / 60).enumerate() {
        let mut bytes = fasta.clone();
        bytes[k] = [b'\n', b'>', b'X'][i % 3];
        std::fs::write(&damaged, &bytes).unwrap();
        let mut fa = IndexedFasta::open(&damaged).unwrap();
        for (chrom, len) in fa.contigs().to_vec() {
            for start in (0..len).step_by(997) {
                let _ = fa.fetch(&chrom, start, (start + 300).min(len));
            }
        }
    }
    let read_gz = |p: &Path| {
        let _ = read_fasta(p);
        let _ = IndexedFasta::open(p);
    };
    cut_at_many_offsets(dir.path(), "ref.fa.gz", &bgzip(&fasta), &read_gz);

    let bed = std::fs::read(datasets().join("genomics/tiny/regions.bed")).unwrap();
    cut_at_many_offsets(dir.path(), "r.bed", &bed, &|p| {
        let _ = read_bed(p, 4);
    });
    let csv = std::fs::read(datasets().join("genomics/statlog_splice.csv")).unwrap();
    let opts = SequenceCsvOptions { label_columns: vec!["class".into()], ..Default::default() };
    cut_at_many_offsets(dir.path(), "s.csv", &csv, &|p| {
        let _ = read_sequence_csv(p, &opts);
    });
}

#[test]
fn a_truncated_record_at_the_end_of_a_fasta_is_read_not_invented() {
    // Cutting inside the last line leaves a shorter record, not an error:
    // FASTA has no record terminator. Length checks downstream catch it.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.fa");
    std::fs::write(&p, ">a\nACGTACGT\n>b\nACG").unwrap();
    let recs = read_fasta(&p).unwrap();
    assert_eq!(recs[1].sequence, b"ACG");
    // A bgzip file cut inside a block is an error naming the file.
    let gz = dir.path().join("cut.fa.gz");
    let bytes = bgzip(b">a\nACGTACGTACGTACGTACGTACGTACGTACGTACGT\n");
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let e = err_of(read_fasta(&gz));
    assert!(e.starts_with(&gz.display().to_string()) && e.contains("cannot read"), "{e}");
}
