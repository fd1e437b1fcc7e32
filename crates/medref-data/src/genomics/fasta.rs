//! FASTA: whole files read record by record ([`read_fasta`]) and reference
//! genomes read region by region through their `.fai` index
//! ([`IndexedFasta`]), plain or bgzip-compressed, through `noodles-fasta`.
//!
//! Sequences come back uppercase; lowercase (soft-masked repeats) is
//! accepted. Any byte that is not a nucleotide code (see
//! [`IUPAC_SHARES`](super::encode::IUPAC_SHARES)), such as a `@` or a stray
//! space, is an error naming the line and column, because a FASTA with a
//! non-sequence line is usually a different format (FASTQ, an alignment)
//! or a damaged file, and encoding it silently would train on garbage.

use std::fs::File;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use noodles::bgzf;
use noodles::core::{Position, Region};
use noodles::fasta;
use noodles::fasta::fai;

use super::encode::{describe_byte, normalise_sequence, EXPECTED_BASES};
use super::input::{detect_compression, plain_gzip_error, Compression, LineCounter, Lines};
use crate::error::DataError;

/// One FASTA record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastaRecord {
    /// The name: the definition line after `>` up to the first whitespace.
    pub id: String,
    /// 1-based line of the definition line, for messages about the record.
    pub line: usize,
    /// Bases, uppercase ASCII, newlines removed.
    pub sequence: Vec<u8>,
}

fn open_sequential(path: &Path) -> Result<Box<dyn BufRead>, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    match detect_compression(path)? {
        Compression::Plain => Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file))),
        Compression::Bgzip => Ok(Box::new(bgzf::io::Reader::new(file))),
        Compression::Gzip => Err(plain_gzip_error(path)),
    }
}

/// The start of a line as an error message quotes it.
fn quote_line_start(line: &[u8]) -> String {
    let shown: String = String::from_utf8_lossy(&line[..line.len().min(40)]).into_owned();
    if line.len() > 40 {
        format!("`{shown}...`")
    } else {
        format!("`{shown}`")
    }
}

/// Reads every record of a FASTA file (plain or bgzip, detected from the
/// first bytes), in file order.
///
/// Errors name the file and line: a first line that does not start with
/// `>`, a definition without a name, a name that is not UTF-8, or a byte
/// that is not a nucleotide code (with its line and 1-based column). A
/// record with no bases is returned with an empty sequence.
pub fn read_fasta(path: impl AsRef<Path>) -> Result<Vec<FastaRecord>, DataError> {
    let path = path.as_ref();
    let mut reader = fasta::io::Reader::new(LineCounter::new(open_sequential(path)?));
    let mut records = Vec::new();
    let mut definition = fasta::record::Definition::default();
    loop {
        let (line, _) = reader.get_ref().position();
        let peek = reader.get_mut().fill_buf().map(|b| b.first().copied()).map_err(|e| read_error(path, line, &e))?;
        match peek {
            None => break,
            Some(b'>') => {}
            Some(_) => {
                let mut text = Vec::new();
                let _ = reader.get_mut().read_until(b'\n', &mut text);
                if text.starts_with(&[0xFF, 0xFE]) || text.starts_with(&[0xFE, 0xFF]) {
                    return Err(DataError::format(
                        path,
                        format!("line {line}: the file is UTF-16 text; save it as plain ASCII/UTF-8"),
                    ));
                }
                let hint = if text.starts_with(b"@") {
                    " (this looks like FASTQ)"
                } else if text.starts_with(b"##") || text.starts_with(b"#CHROM") {
                    " (this looks like VCF)"
                } else {
                    ""
                };
                return Err(DataError::format(
                    path,
                    format!(
                        "line {line}: expected a definition line starting with `>`, found {}{hint}",
                        quote_line_start(text.trim_ascii_end())
                    ),
                ));
            }
        }
        reader.read_definition(&mut definition).map_err(|e| {
            DataError::format(path, format!("line {line}: definition line: {e} (expected `>NAME [description]`)"))
        })?;
        let id = String::from_utf8(definition.name().to_vec())
            .map_err(|_| DataError::format(path, format!("line {line}: the sequence name is not UTF-8 text")))?;
        let mut sequence = Vec::new();
        reader.read_sequence(&mut sequence).map_err(|e| {
            let (at, _) = reader.get_ref().position();
            read_error(path, at, &e)
        })?;
        if let Err((k, byte)) = normalise_sequence(&mut sequence) {
            return Err(bad_base_error(path, &id, line, k, byte));
        }
        records.push(FastaRecord { id, line, sequence });
    }
    Ok(records)
}

fn read_error(path: &Path, line: usize, e: &std::io::Error) -> DataError {
    DataError::format(path, format!("line {line}: cannot read: {e} (truncated or corrupt compressed file?)"))
}

/// The error for a byte that is not a nucleotide code at sequence index
/// `k` of the record defined on `def_line`; the file is read again to find
/// the line and column (this is the error path only).
fn bad_base_error(path: &Path, id: &str, def_line: usize, k: usize, byte: u8) -> DataError {
    let place = match locate_base(path, def_line, k) {
        Some((line, column)) => format!("line {line}, column {column}"),
        None => format!("record `{id}` (line {def_line}), base {}", k + 1),
    };
    DataError::format(
        path,
        format!(
            "{place}: {} in the sequence of record `{id}` is not a nucleotide code ({EXPECTED_BASES})",
            describe_byte(byte)
        ),
    )
}

/// Line and 1-based column of base `k` of the record whose definition is
/// on line `def_line`, following noodles' rules (line ends and empty lines
/// are not bases; a line starting with `>` ends the record).
fn locate_base(path: &Path, def_line: usize, mut k: usize) -> Option<(usize, usize)> {
    let mut lines = Lines::open(path).ok()?;
    while let Ok(Some((no, text))) = lines.next_line() {
        if no <= def_line {
            continue;
        }
        if text.starts_with(b">") {
            return None;
        }
        if k < text.len() {
            return Some((no, k + 1));
        }
        k -= text.len();
    }
    None
}

/// A reference genome opened for random access: regions are read through
/// the `.fai` index without loading the genome into memory.
///
/// Plain FASTA: `<path>.fai` is used if it exists, else the index is built
/// in memory by one pass over the file. bgzip FASTA (`bgzip ref.fa`): the
/// block index `<path>.gzi` must exist (`samtools faidx ref.fa.gz`, `bgzip -r ref.fa.gz`,
/// or compressing with `bgzip -i` writes it); the `.fai` is read or built as for
/// plain files.
pub struct IndexedFasta {
    path: PathBuf,
    contigs: Vec<(String, u64)>,
    index: fai::Index,
    reader: fasta::io::Reader<fasta::io::BufReader<File>>,
}

impl std::fmt::Debug for IndexedFasta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedFasta").field("path", &self.path).field("contigs", &self.contigs).finish_non_exhaustive()
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

const REWRAP_HINT: &str = "every sequence line of a record except the last must have the same \
                           length for a .fai index; rewrap the file, e.g. `seqkit seq -w 60 in.fa > out.fa`";

/// Builds the `.fai` index in memory by reading the (decompressed) file.
fn build_index(path: &Path, reader: impl BufRead) -> Result<fai::Index, DataError> {
    let mut indexer = fasta::io::Indexer::new(reader);
    let mut records = Vec::new();
    loop {
        match indexer.index_record() {
            Ok(Some(record)) => records.push(record),
            Ok(None) => break,
            Err(e) => {
                let record = records.len() + 1;
                // noodles does not export its IndexError type; its messages
                // are stable enough to pick the hint.
                let text = e.to_string();
                let hint = if text.contains("line bases") || text.contains("line width") {
                    REWRAP_HINT
                } else if text.contains("empty sequence") {
                    "a record has no bases; remove it or give it a sequence"
                } else {
                    "expected `>NAME` lines each followed by sequence lines"
                };
                return Err(DataError::format(
                    path,
                    format!("cannot build the .fai index: record {record}: {text} ({hint})"),
                ));
            }
        }
    }
    Ok(fai::Index::from(records))
}

/// Checks a `.fai` before any offset arithmetic: positive line lengths,
/// offsets that fit, unique names, and (for plain files) every contig's
/// last base inside the file.
fn check_index(
    path: &Path,
    index_path: &Path,
    index: &fai::Index,
    file_len: Option<u64>,
) -> Result<Vec<(String, u64)>, DataError> {
    let mut contigs: Vec<(String, u64)> = Vec::with_capacity(index.as_ref().len());
    for (i, r) in index.as_ref().iter().enumerate() {
        let name = String::from_utf8(r.name().to_vec())
            .map_err(|_| DataError::format(index_path, format!("line {}: contig name is not UTF-8", i + 1)))?;
        if contigs.iter().any(|(n, _)| *n == name) {
            return Err(DataError::format(
                path,
                format!("contig `{name}` occurs twice; regions by name would be ambiguous (rename one)"),
            ));
        }
        let (bases, width) = (r.line_base_count().get(), r.line_width().get());
        let last = r.length().saturating_sub(1);
        let end = (last / bases)
            .checked_mul(width)
            .and_then(|v| v.checked_add(r.position()))
            .and_then(|v| v.checked_add(last % bases));
        let fits = match (end, file_len) {
            (None, _) => false,
            (Some(e), Some(len)) => r.length() == 0 || e < len,
            (Some(_), None) => true,
        };
        if width < bases || !fits {
            return Err(DataError::format(
                index_path,
                format!(
                    "line {}: the entry for `{name}` does not match {} (a stale index? \
                     delete it and run `samtools faidx`, or let medref build it in memory)",
                    i + 1,
                    path.display()
                ),
            ));
        }
        contigs.push((name, r.length()));
    }
    Ok(contigs)
}

impl IndexedFasta {
    /// Opens `path` with its index; see the type's documentation for which
    /// index files are used or built.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DataError> {
        let path = path.as_ref();
        let compression = detect_compression(path)?;
        let fai_path = with_suffix(path, ".fai");
        let have_fai = fai_path.is_file();
        let read_fai = || {
            fai::fs::read(&fai_path).map_err(|e| {
                DataError::format(
                    &fai_path,
                    format!("cannot read the FASTA index: {e} (expected 5 tab-separated columns NAME LENGTH OFFSET LINEBASES LINEWIDTH; delete it to have it rebuilt)"),
                )
            })
        };
        let open = || File::open(path).map_err(|e| DataError::io(path, e));
        let (index, reader, file_len) = match compression {
            Compression::Gzip => return Err(plain_gzip_error(path)),
            Compression::Plain => {
                let index = if have_fai { read_fai()? } else { build_index(path, std::io::BufReader::new(open()?))? };
                let file = open()?;
                let len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
                let reader = fasta::io::BufReader::Uncompressed(std::io::BufReader::new(file));
                (index, reader, Some(len))
            }
            Compression::Bgzip => {
                let gzi_path = with_suffix(path, ".gzi");
                if !gzi_path.is_file() {
                    return Err(DataError::format(
                        path,
                        format!(
                            "is bgzip-compressed but its block index {} is missing; create it with \
                             `samtools faidx {}` (writes .fai and .gzi) or `bgzip -r {}` \
                             (or compress with `bgzip -i` next time)",
                            gzi_path.display(),
                            path.display(),
                            path.display()
                        ),
                    ));
                }
                let gzi = bgzf::gzi::fs::read(&gzi_path).map_err(|e| {
                    DataError::format(
                        &gzi_path,
                        format!("cannot read the bgzip block index: {e} (recreate it with `bgzip -r`)"),
                    )
                })?;
                let index = if have_fai { read_fai()? } else { build_index(path, bgzf::io::Reader::new(open()?))? };
                let reader = fasta::io::BufReader::Bgzf(bgzf::io::IndexedReader::new(open()?, gzi));
                (index, reader, None)
            }
        };
        let index_path = if have_fai { fai_path.clone() } else { path.to_path_buf() };
        let contigs = check_index(path, &index_path, &index, file_len)?;
        Ok(Self { path: path.to_path_buf(), contigs, index, reader: fasta::io::Reader::new(reader) })
    }

    /// The FASTA file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every contig with its length in bases, in file order.
    pub fn contigs(&self) -> &[(String, u64)] {
        &self.contigs
    }

    /// Length in bases of contig `name`, if the file has it.
    pub fn contig_len(&self, name: &str) -> Option<u64> {
        self.contigs.iter().find(|(n, _)| n == name).map(|&(_, l)| l)
    }

    /// The bases of `chrom` from `start` to `end`, **0-based half-open**
    /// (`start..end`, as in BED): `fetch("chr1", 0, 10)` is the first ten
    /// bases, the samtools region `chr1:1-10`. Uppercase.
    ///
    /// Errors, naming the file: an unknown contig (listing some known
    /// ones), `start > end`, a region beyond the contig's end (naming the
    /// contig and its length), and data that does not match the index.
    pub fn fetch(&mut self, chrom: &str, start: u64, end: u64) -> Result<Vec<u8>, DataError> {
        let Some(len) = self.contig_len(chrom) else {
            return Err(self.unknown_contig(chrom));
        };
        if start > end {
            return Err(DataError::format(
                &self.path,
                format!("region {chrom}:{start}-{end} (0-based, half-open) has start > end"),
            ));
        }
        if end > len {
            return Err(DataError::format(
                &self.path,
                format!(
                    "region {chrom}:{start}-{end} (0-based, half-open) runs past the end of contig \
                     `{chrom}`, which is {len} bp long"
                ),
            ));
        }
        if start == end {
            return Ok(Vec::new());
        }
        let to_position = |v: u64| usize::try_from(v).ok().and_then(|v| Position::try_from(v).ok());
        let (Some(first), Some(last)) = (to_position(start + 1), to_position(end)) else {
            return Err(DataError::format(
                &self.path,
                format!("region {chrom}:{start}-{end} does not fit this machine's address space"),
            ));
        };
        let region = Region::new(chrom, first..=last);
        let stale = "the .fai does not match the FASTA (stale index? delete it and run `samtools faidx`)";
        let record = self.reader.query(&self.index, &region).map_err(|e| {
            DataError::format(&self.path, format!("cannot read region {chrom}:{start}-{end}: {e} ({stale})"))
        })?;
        let mut bases = record.sequence().as_ref().to_vec();
        let want = (end - start) as usize;
        if bases.len() != want {
            return Err(DataError::format(
                &self.path,
                format!("region {chrom}:{start}-{end}: read {} bases where {want} were expected; {stale}", bases.len()),
            ));
        }
        if let Err((k, byte)) = normalise_sequence(&mut bases) {
            return Err(DataError::format(
                &self.path,
                format!(
                    "contig `{chrom}`, position {} (1-based): {} is not a nucleotide code ({EXPECTED_BASES}); \
                     if the file looks right, {stale}",
                    start + k as u64 + 1,
                    describe_byte(byte)
                ),
            ));
        }
        Ok(bases)
    }

    /// Like [`fetch`](Self::fetch), for a samtools-style region string,
    /// which is **1-based and inclusive**: `chr1:101-200` is
    /// `fetch("chr1", 100, 200)`; `chr1:101` runs to the contig's end and
    /// `chr1` is the whole contig. Commas in numbers are allowed
    /// (`chr1:1,000-2,000`). A contig whose own name contains `:` is
    /// matched whole first.
    pub fn fetch_region(&mut self, region: &str) -> Result<Vec<u8>, DataError> {
        if let Some(len) = self.contig_len(region) {
            return self.fetch(region, 0, len);
        }
        let bad = |detail: &str| {
            DataError::format(
                &self.path,
                format!(
                    "region `{region}`: {detail} (expected CHROM, CHROM:START or CHROM:START-END, \
                     1-based inclusive, e.g. chr1:101-200)"
                ),
            )
        };
        let Some((chrom, range)) = region.rsplit_once(':') else {
            return Err(self.unknown_contig(region));
        };
        let Some(len) = self.contig_len(chrom) else {
            return Err(self.unknown_contig(chrom));
        };
        let number = |s: &str| s.replace(',', "").trim().parse::<u64>().ok();
        let (first, last) = match range.split_once('-') {
            Some((a, "")) => (number(a), Some(len)),
            Some((a, b)) => (number(a), number(b)),
            None => (number(range), Some(len)),
        };
        let (Some(first), Some(last)) = (first, last) else {
            return Err(bad("START and END must be whole numbers"));
        };
        if first == 0 {
            return Err(bad("positions start at 1"));
        }
        if first > last {
            return Err(bad("START is after END"));
        }
        self.fetch(chrom, first - 1, last)
    }

    fn unknown_contig(&self, chrom: &str) -> DataError {
        let known: Vec<&str> = self.contigs.iter().take(10).map(|(n, _)| n.as_str()).collect();
        DataError::format(
            &self.path,
            format!(
                "no contig named `{chrom}` (this file has {}: {}{}; check the naming, e.g. `chr1` vs `1`)",
                self.contigs.len(),
                known.join(", "),
                if self.contigs.len() > known.len() { ", ..." } else { "" }
            ),
        )
    }
}

#[cfg(test)]
mod tests;
