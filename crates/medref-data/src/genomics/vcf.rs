//! VCF 4.x (plain or bgzip): variant records for scoring, and a writer
//! that re-emits every input record with added INFO fields.
//!
//! The header is checked with `noodles-vcf`'s parser and kept as raw text,
//! and each record keeps its raw line, so that the scored output differs
//! from the input only by the declared `##INFO` lines and the appended
//! `KEY=VALUE` entries: genotypes, FILTER and unknown fields pass through
//! untouched. Positions are VCF's: **1-based**.

use std::path::{Path, PathBuf};

use noodles::vcf;

use super::encode::{describe_byte, validate_sequence, EXPECTED_BASES};
use super::input::Lines;
use crate::error::DataError;

/// One VCF data line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantRecord {
    /// 1-based line in the file, for messages about this record.
    pub line: usize,
    /// CHROM: the contig, as named in the reference.
    pub chrom: String,
    /// POS: 1-based position of the first REF base (0 = telomere, allowed
    /// by the specification).
    pub pos: u64,
    /// ID column as written (`.` when missing; may hold `;`-separated ids).
    pub id: String,
    /// REF bases, uppercase (IUPAC codes other than N are kept, so that a
    /// scorer can flag them as a REF mismatch instead of the reader
    /// failing the whole file).
    pub reference: String,
    /// ALT alleles in order, empty when ALT is `.`. Base alleles are
    /// uppercase; `*`, symbolic (`<DEL>`) and breakend alleles are kept as
    /// written (see [`alt_kind`]).
    pub alternates: Vec<String>,
    /// The whole line as read (without its line end), re-emitted by
    /// [`write_vcf_with_info`].
    pub raw: String,
}

/// What an ALT allele is, for deciding whether it can be scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AltKind {
    /// Literal bases (an SNV, insertion, deletion or MNV against REF).
    Bases,
    /// `*`: the position is deleted by an overlapping variant.
    Overlapping,
    /// `<ID>`: a symbolic allele such as `<DEL>` or `<NON_REF>`.
    Symbolic,
    /// Breakend notation (`G]17:198982]`, `.A`, `A.`).
    Breakend,
}

/// Classifies an ALT allele string as written in a VCF.
pub fn alt_kind(alt: &str) -> AltKind {
    if alt == "*" {
        AltKind::Overlapping
    } else if alt.starts_with('<') && alt.ends_with('>') {
        AltKind::Symbolic
    } else if alt.contains('[') || alt.contains(']') || (alt.len() > 1 && (alt.starts_with('.') || alt.ends_with('.')))
    {
        AltKind::Breakend
    } else {
        AltKind::Bases
    }
}

/// A VCF file read whole: raw header text, sample names and records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcfFile {
    /// The file read, for messages.
    pub path: PathBuf,
    /// Every header line (`##...` and the `#CHROM` line), each ending in
    /// `\n`.
    pub header: String,
    /// Sample names from the `#CHROM` line (may be empty).
    pub sample_names: Vec<String>,
    /// Data lines, in file order.
    pub records: Vec<VariantRecord>,
}

/// The text of an error and of the errors that caused it.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

const FIXED_COLUMNS: [&str; 8] = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"];

/// Reads a VCF 4.x file, plain or bgzip-compressed (detected from the
/// first bytes).
///
/// The header must start with `##fileformat=VCFv4.x` and end with the
/// `#CHROM` line; each header line is checked by noodles. Each record
/// must have as many tab-separated columns as the `#CHROM` line, a whole
/// number POS, REF bases and valid ALT alleles. Errors name the file, the
/// line, and the column (e.g. `line 25, column 2 (POS)`). Blank lines are
/// skipped.
pub fn read_vcf(path: impl AsRef<Path>) -> Result<VcfFile, DataError> {
    let path = path.as_ref();
    let mut lines = Lines::open(path)?;
    let mut header = String::new();
    let mut parser = vcf::header::Parser::default();
    // Header.
    let (columns, sample_names) = loop {
        let Some((no, text)) = lines.next_line()? else {
            let what = if header.is_empty() {
                "the file is empty"
            } else {
                "the header has no `#CHROM` line (truncated file?)"
            };
            return Err(DataError::format(
                path,
                format!(
                    "{what}; expected a VCF header ending in `#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO`"
                ),
            ));
        };
        let text = std::str::from_utf8(text)
            .map_err(|_| DataError::format(path, format!("line {no}: not UTF-8 text (a binary file such as BCF?)")))?;
        if no == 1 && !text.starts_with("##fileformat=VCF") {
            return Err(DataError::format(
                path,
                format!(
                    "line 1: expected `##fileformat=VCFv4.x`, found `{}`",
                    text.chars().take(40).collect::<String>()
                ),
            ));
        }
        if !text.starts_with('#') {
            return Err(DataError::format(path, format!("line {no}: a data line before the `#CHROM` header line")));
        }
        parser
            .parse_partial(text.as_bytes())
            .map_err(|e| DataError::format(path, format!("line {no}: invalid header line: {}", chain(&e))))?;
        header.push_str(text);
        header.push('\n');
        if text.starts_with("#CHROM") {
            let names: Vec<&str> = text.split('\t').collect();
            if names.len() < 8 || names[..8] != ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"] {
                return Err(DataError::format(
                    path,
                    format!("line {no}: the `#CHROM` line must start with the 8 tab-separated columns #CHROM POS ID REF ALT QUAL FILTER INFO"),
                ));
            }
            let samples: Vec<String> = names.iter().skip(9).map(|s| s.to_string()).collect();
            break (names.len(), samples);
        }
    };
    parser.finish().map_err(|e| DataError::format(path, format!("invalid header: {}", chain(&e))))?;
    // Records.
    let mut records = Vec::new();
    while let Some((no, text)) = lines.next_line()? {
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text =
            std::str::from_utf8(text).map_err(|_| DataError::format(path, format!("line {no}: not UTF-8 text")))?;
        records.push(parse_record(path, no, text, columns)?);
    }
    Ok(VcfFile { path: path.to_path_buf(), header, sample_names, records })
}

fn parse_record(path: &Path, no: usize, text: &str, columns: usize) -> Result<VariantRecord, DataError> {
    let fields: Vec<&str> = text.split('\t').collect();
    let at = |column: usize, detail: String| {
        DataError::format(path, format!("line {no}, column {} ({}): {detail}", column + 1, FIXED_COLUMNS[column]))
    };
    if text.starts_with('#') {
        return Err(DataError::format(path, format!("line {no}: a header line after the `#CHROM` line")));
    }
    if fields.len() != columns {
        let hint = if fields.len() < columns && fields.len() <= 2 && text.contains(' ') {
            " (columns must be separated by tabs, not spaces)"
        } else if fields.len() < columns {
            " (truncated line?)"
        } else {
            ""
        };
        return Err(DataError::format(
            path,
            format!("line {no}: {} tab-separated columns but the `#CHROM` line has {columns}{hint}", fields.len()),
        ));
    }
    if let Some(i) = fields[..8].iter().position(|f| f.is_empty()) {
        return Err(at(i, "empty (use `.` for a missing value)".into()));
    }
    let record = vcf::Record::try_from(text.as_bytes())
        .map_err(|e| DataError::format(path, format!("line {no}: not a VCF record: {}", chain(&e))))?;
    let chrom = record.reference_sequence_name().to_string();
    let pos = match record.variant_start() {
        None => 0,
        Some(Ok(p)) => usize::from(p) as u64,
        Some(Err(_)) => {
            return Err(at(1, format!("`{}` is not a whole number >= 0", fields[1])));
        }
    };
    let reference = record.reference_bases().to_ascii_uppercase();
    if let Err((k, b)) = validate_sequence(reference.as_bytes()) {
        return Err(at(3, format!("`{}` holds {} at base {}; {EXPECTED_BASES}", fields[3], describe_byte(b), k + 1)));
    }
    let mut alternates = Vec::new();
    if fields[4] != "." {
        for (i, alt) in fields[4].split(',').enumerate() {
            if alt.is_empty() {
                return Err(at(4, format!("allele {} is empty in `{}`", i + 1, fields[4])));
            }
            match alt_kind(alt) {
                AltKind::Bases => {
                    if let Err((k, b)) = validate_sequence(alt.as_bytes()) {
                        return Err(at(
                            4,
                            format!(
                                "allele `{alt}` holds {} at base {}; {EXPECTED_BASES}, or `*`, `<ID>` or a breakend",
                                describe_byte(b),
                                k + 1
                            ),
                        ));
                    }
                    alternates.push(alt.to_ascii_uppercase());
                }
                _ => alternates.push(alt.to_string()),
            }
        }
    }
    Ok(VariantRecord { line: no, chrom, pos, id: fields[2].to_string(), reference, alternates, raw: text.to_string() })
}

/// The declaration of one INFO field that [`write_vcf_with_info`] adds
/// (`##INFO=<ID=..,Number=..,Type=..,Description="..">`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoDef {
    /// Key, e.g. `ALT_SCORE`: a letter or `_`, then letters, digits, `_`, `.`.
    pub id: String,
    /// Values per record: an integer, `A` (one per ALT), `R` (one per
    /// allele, REF first), `G` (per genotype) or `.` (any).
    pub number: String,
    /// `Integer`, `Float`, `Flag`, `Character` or `String`.
    pub kind: String,
    /// One human sentence; quotes and backslashes are escaped on output.
    pub description: String,
}

impl InfoDef {
    /// A definition from its four parts.
    pub fn new(
        id: impl Into<String>,
        number: impl Into<String>,
        kind: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self { id: id.into(), number: number.into(), kind: kind.into(), description: description.into() }
    }

    fn check(&self) -> Result<(), String> {
        let mut chars = self.id.chars();
        let id_ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !id_ok {
            return Err(format!(
                "INFO id `{}` is not valid (a letter or `_`, then letters, digits, `_` or `.`)",
                self.id
            ));
        }
        let number_ok = matches!(self.number.as_str(), "A" | "R" | "G" | ".") || self.number.parse::<u32>().is_ok();
        if !number_ok {
            return Err(format!("INFO `{}`: Number `{}` is not an integer, A, R, G or .", self.id, self.number));
        }
        if !matches!(self.kind.as_str(), "Integer" | "Float" | "Flag" | "Character" | "String") {
            return Err(format!(
                "INFO `{}`: Type `{}` is not Integer, Float, Flag, Character or String",
                self.id, self.kind
            ));
        }
        if (self.kind == "Flag") != (self.number == "0") {
            return Err(format!(
                "INFO `{}`: a Flag must have Number=0 and only a Flag may (Number={}, Type={})",
                self.id, self.number, self.kind
            ));
        }
        if self.description.contains('\n') {
            return Err(format!("INFO `{}`: the description holds a line break", self.id));
        }
        Ok(())
    }

    fn header_line(&self) -> String {
        let description = self.description.replace('\\', "\\\\").replace('"', "\\\"");
        format!("##INFO=<ID={},Number={},Type={},Description=\"{description}\">\n", self.id, self.number, self.kind)
    }
}

/// The VCF text of `vcf` with INFO fields added: `info_defs` are declared
/// by `##INFO` lines just before `#CHROM`, and `values[r][f]` is the value
/// of field `f` for record `r` (`None` leaves the field out of that
/// record). Every record is re-emitted, in order, from its raw line; only
/// the INFO column changes (`.` is replaced; existing entries are kept).
/// Re-scoring a file replaces earlier declarations and values of the same
/// keys instead of duplicating them.
///
/// Values are written as given: join several values with `,` (one per
/// ALT for `Number=A`; their count is checked for `A`, `R` and integer
/// Numbers). A Flag is set by `Some("")`. Errors name the input file, the
/// record's line and the field: wrong table sizes, a value holding
/// whitespace, `;` or `=`, or the wrong number of values.
pub fn write_vcf_with_info(
    vcf: &VcfFile,
    info_defs: &[InfoDef],
    values: &[Vec<Option<String>>],
) -> Result<String, DataError> {
    let path = &vcf.path;
    for def in info_defs {
        def.check().map_err(|d| DataError::format(path, d))?;
    }
    if let Some(dup) = info_defs.iter().enumerate().find(|(i, d)| info_defs[..*i].iter().any(|e| e.id == d.id)) {
        return Err(DataError::format(path, format!("INFO `{}` is declared twice", dup.1.id)));
    }
    if values.len() != vcf.records.len() {
        return Err(DataError::format(
            path,
            format!("{} rows of INFO values for {} records", values.len(), vcf.records.len()),
        ));
    }
    let ours = |key: &str| info_defs.iter().any(|d| d.id == key);
    let mut out = String::with_capacity(vcf.header.len() + vcf.records.iter().map(|r| r.raw.len() + 32).sum::<usize>());
    for line in vcf.header.lines() {
        if line.starts_with("#CHROM") {
            for def in info_defs {
                out.push_str(&def.header_line());
            }
        } else if let Some(rest) = line.strip_prefix("##INFO=<ID=") {
            let key = rest.split([',', '>']).next().unwrap_or("");
            if ours(key) {
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    for (record, row) in vcf.records.iter().zip(values) {
        let at = |detail: String| DataError::format(path, format!("record at line {}: {detail}", record.line));
        if row.len() != info_defs.len() {
            return Err(at(format!("{} INFO values for {} declared fields", row.len(), info_defs.len())));
        }
        let mut fields: Vec<&str> = record.raw.split('\t').collect();
        if fields.len() < 8 {
            return Err(at("fewer than 8 columns in the raw line".into()));
        }
        let mut entries: Vec<String> = if fields[7] == "." {
            Vec::new()
        } else {
            fields[7].split(';').filter(|e| !ours(e.split('=').next().unwrap_or(""))).map(str::to_string).collect()
        };
        for (def, value) in info_defs.iter().zip(row) {
            let Some(value) = value else { continue };
            if def.kind == "Flag" {
                if !value.is_empty() {
                    return Err(at(format!("INFO `{}` is a Flag; set it with an empty value, not `{value}`", def.id)));
                }
                entries.push(def.id.clone());
                continue;
            }
            if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c == ';' || c == '=') {
                return Err(at(format!("INFO `{}` value `{value}` is empty or holds whitespace, `;` or `=`", def.id)));
            }
            let n_alt = record.alternates.len();
            let want = match def.number.as_str() {
                "A" => Some(n_alt),
                "R" => Some(n_alt + 1),
                n => n.parse::<usize>().ok(),
            };
            let have = value.split(',').count();
            if let Some(want) = want {
                if have != want {
                    return Err(at(format!(
                        "INFO `{}` (Number={}) needs {want} value(s) for {n_alt} ALT allele(s), got {have} in `{value}`",
                        def.id, def.number
                    )));
                }
            }
            entries.push(format!("{}={value}", def.id));
        }
        let info = if entries.is_empty() { ".".to_string() } else { entries.join(";") };
        fields[7] = &info;
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
