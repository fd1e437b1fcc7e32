use super::*;
use std::io::Write;

const FA: &str = ">chr1 first contig\nACGTACGTAC\nGTacgtNNNN\nAC\n>chr2\nTTTTGGGGCC\nA\n";

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A bgzip file in blocks of `block` bytes and its `.gzi`.
fn write_bgzip(path: &Path, text: &[u8], block: usize) {
    let mut out = Vec::new();
    let mut gzi: Vec<(u64, u64)> = Vec::new();
    let mut uncompressed = 0u64;
    for chunk in text.chunks(block) {
        if uncompressed > 0 {
            gzi.push((out.len() as u64, uncompressed));
        }
        let mut w = bgzf::io::Writer::new(Vec::new());
        w.write_all(chunk).unwrap();
        let mut bytes = w.finish().unwrap();
        // Drop the empty EOF block each writer appends, except at the end.
        bytes.truncate(bytes.len() - 28);
        out.extend_from_slice(&bytes);
        uncompressed += chunk.len() as u64;
    }
    let w = bgzf::io::Writer::new(Vec::new());
    out.extend_from_slice(&w.finish().unwrap());
    std::fs::write(path, out).unwrap();
    bgzf::gzi::fs::write(with_suffix(path, ".gzi"), &bgzf::gzi::Index::from(gzi)).unwrap();
}

#[test]
fn reads_records_uppercase_without_newlines() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.fa", FA.as_bytes());
    let recs = read_fasta(&p).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].id, "chr1");
    assert_eq!(recs[0].line, 1);
    assert_eq!(recs[0].sequence, b"ACGTACGTACGTACGTNNNNAC");
    assert_eq!((recs[1].id.as_str(), recs[1].line), ("chr2", 5));
    assert_eq!(recs[1].sequence, b"TTTTGGGGCCA");
    // CRLF line ends and blank lines between records.
    let crlf = FA.replace('\n', "\r\n").replace(">chr2", "\r\n>chr2");
    let p = write(dir.path(), "crlf.fa", crlf.as_bytes());
    assert_eq!(
        read_fasta(&p).unwrap(),
        recs.iter().map(|r| FastaRecord { line: if r.id == "chr2" { 6 } else { 1 }, ..r.clone() }).collect::<Vec<_>>()
    );
}

#[test]
fn bad_bytes_are_located_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad.fa", b">s1\nACGT\n>s2\nACGT\nAC@T\n");
    let e = read_fasta(&p).unwrap_err().to_string();
    assert!(e.starts_with(&p.display().to_string()), "{e}");
    assert!(e.contains("line 5, column 3") && e.contains("`@`") && e.contains("`s2`"), "{e}");
    let p = write(dir.path(), "fastq.fa", b"@read1\nACGT\n+\nIIII\n");
    let e = read_fasta(&p).unwrap_err().to_string();
    assert!(e.contains("line 1") && e.contains("FASTQ"), "{e}");
    let p = write(dir.path(), "noname.fa", b">\nACGT\n");
    let e = read_fasta(&p).unwrap_err().to_string();
    assert!(e.contains("line 1") && e.contains("definition"), "{e}");
}

#[test]
fn indexed_fetch_is_zero_based_half_open_with_and_without_fai() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "ref.fa", FA.as_bytes());
    let mut fa = IndexedFasta::open(&p).unwrap();
    assert_eq!(fa.contigs(), [("chr1".to_string(), 22), ("chr2".to_string(), 11)]);
    assert_eq!(fa.fetch("chr1", 0, 4).unwrap(), b"ACGT");
    assert_eq!(fa.fetch("chr1", 8, 14).unwrap(), b"ACGTAC", "across a line end");
    assert_eq!(fa.fetch("chr1", 20, 22).unwrap(), b"AC");
    assert_eq!(fa.fetch("chr2", 10, 11).unwrap(), b"A");
    assert_eq!(fa.fetch("chr2", 3, 3).unwrap(), b"");
    assert_eq!(fa.fetch_region("chr1:9-14").unwrap(), b"ACGTAC");
    assert_eq!(fa.fetch_region("chr2").unwrap(), b"TTTTGGGGCCA");
    assert_eq!(fa.fetch_region("chr2:10").unwrap(), b"CA");
    // The same through a .fai written by hand as samtools would.
    std::fs::write(with_suffix(&p, ".fai"), "chr1\t22\t19\t10\t11\nchr2\t11\t50\t10\t11\n").unwrap();
    let mut fa = IndexedFasta::open(&p).unwrap();
    assert_eq!(fa.fetch("chr1", 8, 14).unwrap(), b"ACGTAC");
    assert_eq!(fa.fetch("chr2", 9, 11).unwrap(), b"CA");
}

#[test]
fn region_errors_name_the_contig_and_its_length() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "ref.fa", FA.as_bytes());
    let mut fa = IndexedFasta::open(&p).unwrap();
    let e = fa.fetch("chr2", 5, 12).unwrap_err().to_string();
    assert!(e.starts_with(&p.display().to_string()), "{e}");
    assert!(e.contains("`chr2`") && e.contains("11 bp"), "{e}");
    let e = fa.fetch("1", 0, 1).unwrap_err().to_string();
    assert!(e.contains("no contig named `1`") && e.contains("chr1, chr2"), "{e}");
    assert!(fa.fetch("chr1", 5, 4).unwrap_err().to_string().contains("start > end"));
    assert!(fa.fetch_region("chr1:0-5").unwrap_err().to_string().contains("start at 1"));
    assert!(fa.fetch_region("chr1:x-5").unwrap_err().to_string().contains("whole numbers"));
    // A stale index that points past the file.
    std::fs::write(with_suffix(&p, ".fai"), "chr1\t22\t2000\t10\t11\n").unwrap();
    let e = IndexedFasta::open(&p).unwrap_err().to_string();
    assert!(e.contains(".fai") && e.contains("stale"), "{e}");
    // Ragged lines cannot be indexed.
    std::fs::remove_file(with_suffix(&p, ".fai")).unwrap();
    let r = write(dir.path(), "ragged.fa", b">a\nACGT\nAC\nACGT\n");
    let e = IndexedFasta::open(&r).unwrap_err().to_string();
    assert!(e.contains("record 1") && e.contains("rewrap"), "{e}");
}

#[test]
fn bgzip_fasta_reads_whole_and_by_region_and_needs_its_gzi() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ref.fa.gz");
    write_bgzip(&p, FA.as_bytes(), 7);
    let recs = read_fasta(&p).unwrap();
    assert_eq!(recs[0].sequence, b"ACGTACGTACGTACGTNNNNAC");
    let mut fa = IndexedFasta::open(&p).unwrap();
    assert_eq!(fa.fetch("chr1", 8, 14).unwrap(), b"ACGTAC");
    assert_eq!(fa.fetch("chr2", 0, 11).unwrap(), b"TTTTGGGGCCA");
    std::fs::remove_file(with_suffix(&p, ".gzi")).unwrap();
    let e = IndexedFasta::open(&p).unwrap_err().to_string();
    assert!(e.contains(".gzi") && e.contains("samtools faidx") && e.contains("bgzip -r"), "{e}");
}
