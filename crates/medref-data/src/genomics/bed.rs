//! BED regions with a label column (peaks of a factor, labelled windows),
//! parsed with `noodles-bed`, and the sequences under them.
//!
//! BED is 0-based and half-open: `chr1  100  300` is the 200 bases the
//! samtools region `chr1:101-300` names. Header lines (`#...`, `track`,
//! `browser`) and blank lines are skipped; columns are separated by tabs.

use std::path::Path;

use noodles::bed;

use super::fasta::IndexedFasta;
use super::input::Lines;
use super::sequence::{class_indices, LabelledSequences, SequenceSplit};
use crate::error::DataError;

/// The BED column holding the feature name (1-based): the usual place for
/// a label.
pub const BED_NAME_COLUMN: usize = 4;
/// The BED column holding the score (1-based), for labels kept as scores.
pub const BED_SCORE_COLUMN: usize = 5;

/// One labelled region of a BED file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledRegion {
    /// Contig (chromosome) name, as in the reference FASTA.
    pub chrom: String,
    /// First base, 0-based.
    pub start: u64,
    /// One past the last base (0-based, half-open); `end > start`.
    pub end: u64,
    /// The label column's text, e.g. `bound` / `unbound` or `1` / `0`.
    pub label: String,
    /// 1-based line in the BED file, for messages about this region.
    pub line: usize,
}

impl LabelledRegion {
    /// Length in bases.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Always false: readers refuse empty regions.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Largest coordinate accepted (2^48, far beyond any genome), so that
/// window arithmetic can never overflow.
const MAX_COORDINATE: u64 = 1 << 48;

fn column_name(column: usize) -> &'static str {
    match column {
        1 => "chrom",
        2 => "start",
        3 => "end",
        4 => "name",
        5 => "score",
        6 => "strand",
        _ => "label",
    }
}

/// Reads a BED3+ file (plain or bgzip) whose column `label_column`
/// (1-based, at least 4: [`BED_NAME_COLUMN`] or [`BED_SCORE_COLUMN`], or
/// any later one) holds each region's label.
///
/// Errors name the file, the line and the column: fewer than three
/// columns (or spaces instead of tabs), a start or end that is not a whole
/// number, `start >= end`, a missing or `.` label.
pub fn read_bed(path: impl AsRef<Path>, label_column: usize) -> Result<Vec<LabelledRegion>, DataError> {
    let path = path.as_ref();
    if label_column < 4 {
        return Err(DataError::format(
            path,
            format!(
                "label column {label_column} would be chrom, start or end; \
                 use {BED_NAME_COLUMN} (name), {BED_SCORE_COLUMN} (score) or a later column"
            ),
        ));
    }
    let mut lines = Lines::open(path)?;
    let mut regions = Vec::new();
    let mut record = bed::Record::<3>::default();
    let mut buf = Vec::new();
    while let Some((no, text)) = lines.next_line()? {
        if text.iter().all(u8::is_ascii_whitespace)
            || text.starts_with(b"#")
            || text.starts_with(b"track")
            || text.starts_with(b"browser")
        {
            continue;
        }
        let fields: Vec<&[u8]> = text.split(|&b| b == b'\t').collect();
        let at = |column: usize, detail: String| {
            DataError::format(path, format!("line {no}, column {column} ({}): {detail}", column_name(column)))
        };
        let shown = |column: usize| String::from_utf8_lossy(fields[column - 1]).into_owned();
        if fields.len() < 3 {
            let hint = if text.contains(&b' ') { "; columns must be separated by tabs, not spaces" } else { "" };
            return Err(DataError::format(
                path,
                format!(
                    "line {no}: {} column(s); expected at least 3 (chrom, start, end) and the label in column {label_column}{hint}",
                    fields.len()
                ),
            ));
        }
        // noodles-bed 0.40 drops a `\r` before the tab of an empty last
        // column from the wrong column and then panics on the bounds, so a
        // carriage return inside a line (not the CRLF ending, already
        // removed) is refused here.
        if let Some(k) = text[..text.len() - 1].iter().position(|&b| b == b'\r') {
            return Err(DataError::format(
                path,
                format!(
                    "line {no}, byte {}: a carriage return inside the line; expected \
                     tab-separated columns and one line ending (mixed line endings?)",
                    k + 1
                ),
            ));
        }
        buf.clear();
        buf.extend_from_slice(text);
        buf.push(b'\n');
        let mut reader = bed::io::Reader::<3, _>::new(&buf[..]);
        reader
            .read_record(&mut record)
            .map_err(|e| DataError::format(path, format!("line {no}: not a BED record: {e}")))?;
        let chrom = String::from_utf8(record.reference_sequence_name().to_vec())
            .map_err(|_| at(1, "the name is not UTF-8 text".into()))?;
        if chrom.is_empty() {
            return Err(at(1, "empty chromosome name".into()));
        }
        let start = record
            .feature_start()
            .map(|p| usize::from(p) as u64 - 1)
            .map_err(|_| at(2, format!("`{}` is not a whole number >= 0", shown(2))))?;
        let end = match record.feature_end() {
            None => 0,
            Some(Ok(p)) => usize::from(p) as u64,
            Some(Err(_)) => return Err(at(3, format!("`{}` is not a whole number >= 0", shown(3)))),
        };
        for (column, value) in [(2, start), (3, end)] {
            if value > MAX_COORDINATE {
                return Err(at(column, format!("{value} is larger than any genome (at most {MAX_COORDINATE})")));
            }
        }
        if start > end {
            return Err(DataError::format(
                path,
                format!(
                    "line {no}: start {start} is after end {end} (BED is 0-based, half-open: \
                     start < end; are the columns swapped?)"
                ),
            ));
        }
        if start == end {
            return Err(DataError::format(
                path,
                format!("line {no}: empty region (start = end = {start}); a labelled region needs at least one base"),
            ));
        }
        let label = match record.other_fields().get(label_column - 4) {
            None => {
                return Err(DataError::format(
                    path,
                    format!(
                        "line {no}: no column {label_column} ({}) to take the label from; the line has {} columns",
                        column_name(label_column),
                        fields.len()
                    ),
                ))
            }
            Some(v) => {
                String::from_utf8(v.to_vec()).map_err(|_| at(label_column, "the label is not UTF-8 text".into()))?
            }
        };
        let label = label.trim().to_string();
        if label.is_empty() || label == "." {
            return Err(at(label_column, format!("the label is `{label}` (missing); every region needs one")));
        }
        regions.push(LabelledRegion { chrom, start, end, label, line: no });
    }
    Ok(regions)
}

/// The reference sequence under each region, labelled, ready to split
/// (for example with [`chromosome_split`](super::sequence::chromosome_split)
/// on the regions' `chrom`).
///
/// With `window: Some(L)`, every region is replaced by the `L` bases
/// centred on its midpoint (`start + (end - start) / 2`), read from the
/// reference so the flanks are real sequence; flank bases beyond a
/// contig's ends are `N` (a region that itself runs past its contig's end
/// is an error). Without, all regions must have one length (an error names
/// the first BED line whose length differs, and both lengths).
///
/// Labels become class indices in `class_names` order when given, else
/// sorted (numerically when all are integers). Ids are samtools-style
/// regions of the bases actually read, e.g. `chr1:101-300`.
pub fn sequences_for_regions(
    reference: &mut IndexedFasta,
    bed_path: &Path,
    regions: &[LabelledRegion],
    window: Option<usize>,
    class_names: Option<&[String]>,
) -> Result<LabelledSequences, DataError> {
    if window == Some(0) {
        return Err(DataError::format(bed_path, "window of 0 bases requested; give a positive length"));
    }
    let labels: Vec<&str> = regions.iter().map(|r| r.label.as_str()).collect();
    let (names, indices) = class_indices(&labels, class_names).map_err(|i| {
        DataError::format(
            bed_path,
            format!(
                "line {}: label `{}` is not one of the classes {:?}",
                regions[i].line,
                regions[i].label,
                class_names.unwrap_or_default()
            ),
        )
    })?;
    let seq_len = match (window, regions.first()) {
        (Some(l), _) => l,
        (None, Some(r)) => r.len() as usize,
        (None, None) => 0,
    };
    let mut records = SequenceSplit::default();
    for (r, &class) in regions.iter().zip(&indices) {
        let Some(contig_len) = reference.contig_len(&r.chrom) else {
            return Err(DataError::format(
                bed_path,
                format!(
                    "line {}: contig `{}` is not in the reference {} ({})",
                    r.line,
                    r.chrom,
                    reference.path().display(),
                    if reference.contigs().is_empty() {
                        "it has no contigs: an empty FASTA?".to_string()
                    } else {
                        format!(
                            "it has {}",
                            reference.contigs().iter().take(10).map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    }
                ),
            ));
        };
        let (start, end) = match window {
            None => {
                if r.len() as usize != seq_len {
                    return Err(DataError::format(
                        bed_path,
                        format!(
                            "line {}: region is {} bp but the first region (line {}) is {seq_len} bp; \
                             all regions must have one length, or give a window length to centre them",
                            r.line,
                            r.len(),
                            regions[0].line
                        ),
                    ));
                }
                (r.start as i64, r.end as i64)
            }
            Some(l) => {
                let mid = (r.start + (r.end - r.start) / 2) as i64;
                let start = mid - (l / 2) as i64;
                (start, start + l as i64)
            }
        };
        let (inside_start, inside_end) = (start.max(0) as u64, (end.max(0) as u64).min(contig_len));
        // A window's flanks may run off the contig (they become `N`); the
        // region itself may not: it is from another assembly or corrupt.
        if r.end > contig_len {
            return Err(DataError::format(
                bed_path,
                format!(
                    "line {}: region {}:{}-{} runs past the end of contig `{}`, which is {contig_len} bp long",
                    r.line, r.chrom, r.start, r.end, r.chrom
                ),
            ));
        }
        let mut bases = Vec::with_capacity(seq_len);
        bases.resize((inside_start as i64 - start) as usize, b'N');
        if inside_start < inside_end {
            let inner = reference.fetch(&r.chrom, inside_start, inside_end).map_err(|e| match e {
                DataError::Format { path, detail } => {
                    DataError::Format { path, detail: format!("region of BED line {}: {detail}", r.line) }
                }
                other => other,
            })?;
            bases.extend_from_slice(&inner);
        }
        bases.resize(seq_len, b'N');
        let id = format!("{}:{}-{}", r.chrom, start + 1, end);
        records.push(id, &bases, &[class]);
    }
    Ok(LabelledSequences { seq_len, label_width: 1, class_names: names, records })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_labels_from_name_or_score_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "a.bed",
            "track name=peaks\n# comment\nchr1\t10\t20\tbound\t1\nchr2\t0\t5\tunbound\t0\t+\n\n",
        );
        let r = read_bed(&p, BED_NAME_COLUMN).unwrap();
        assert_eq!(r[0], LabelledRegion { chrom: "chr1".into(), start: 10, end: 20, label: "bound".into(), line: 3 });
        assert_eq!((r[1].label.as_str(), r[1].line, r[1].len()), ("unbound", 4, 5));
        let r = read_bed(&p, BED_SCORE_COLUMN).unwrap();
        assert_eq!(r.iter().map(|x| x.label.as_str()).collect::<Vec<_>>(), ["1", "0"]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("chr1\t30\t20\tx\n", "line 1: start 30 is after end 20"),
            ("chr1\tten\t20\tx\n", "line 1, column 2 (start): `ten` is not a whole number"),
            ("chr1\t1\t-4\tx\n", "line 1, column 3 (end): `-4`"),
            ("chr1\t1\t4\n", "line 1: no column 4 (name)"),
            ("chr1\t1\t4\t.\n", "line 1, column 4 (name): the label is `.`"),
            ("chr1 1 4 x\n", "tabs, not spaces"),
            ("chr1\t4\t4\tx\n", "empty region"),
            ("chr1\t4\t99999999999999999\tx\n", "column 3 (end): 99999999999999999 is larger than any genome"),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            let p = write(dir.path(), &format!("c{i}.bed"), text);
            let e = read_bed(&p, 4).unwrap_err().to_string();
            assert!(e.starts_with(&p.display().to_string()), "{e}");
            assert!(e.contains(want), "{e}\n  should contain: {want}");
        }
        let p = write(dir.path(), "ok.bed", "chr1\t1\t4\tx\n");
        assert!(read_bed(&p, 3).is_err());
    }

    #[test]
    fn sequences_under_regions_fixed_or_recentred() {
        let dir = tempfile::tempdir().unwrap();
        let fa = write(dir.path(), "ref.fa", ">chr1\nAACCGGTTAC\n>chr2\nGGGG\n");
        let bed = write(dir.path(), "r.bed", "chr1\t0\t4\tneg\nchr1\t6\t10\tpos\nchr2\t0\t4\tneg\n");
        let regions = read_bed(&bed, 4).unwrap();
        let mut reference = IndexedFasta::open(&fa).unwrap();
        let s = sequences_for_regions(&mut reference, &bed, &regions, None, None).unwrap();
        assert_eq!(s.seq_len, 4);
        assert_eq!(s.records.sequences, b"AACCTTACGGGG");
        assert_eq!(s.records.labels, [0, 1, 0]);
        assert_eq!(s.class_names, ["neg", "pos"]);
        assert_eq!(s.records.ids, ["chr1:1-4", "chr1:7-10", "chr2:1-4"]);
        // Re-centred 6 bp windows, N beyond contig ends.
        let s = sequences_for_regions(&mut reference, &bed, &regions, Some(6), None).unwrap();
        assert_eq!(s.records.sequence(0, 6), b"NAACCG");
        assert_eq!(s.records.sequence(1, 6), b"GTTACN");
        assert_eq!(s.records.sequence(2, 6), b"NGGGGN");
        assert_eq!(s.records.ids[0], "chr1:0-5");
        // Unequal lengths without a window, and unknown contigs.
        let bed2 = write(dir.path(), "r2.bed", "chr1\t0\t4\tneg\nchr1\t4\t9\tpos\n");
        let e = sequences_for_regions(&mut reference, &bed2, &read_bed(&bed2, 4).unwrap(), None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2: region is 5 bp") && e.contains("(line 1) is 4 bp"), "{e}");
        let bed3 = write(dir.path(), "r3.bed", "chrX\t0\t4\tneg\n");
        let e = sequences_for_regions(&mut reference, &bed3, &read_bed(&bed3, 4).unwrap(), None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1: contig `chrX`") && e.contains("chr1, chr2"), "{e}");
        let bed4 = write(dir.path(), "r4.bed", "chr2\t1\t5\tneg\n");
        let e = sequences_for_regions(&mut reference, &bed4, &read_bed(&bed4, 4).unwrap(), None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("`chr2`, which is 4 bp"), "{e}");
    }
}
