//! The generated genome as the files a genomics baseline reads: FASTA and
//! its index, BED, VCF and sequence CSV.

use std::path::{Path, PathBuf};

use medref_core::fsutil::write_atomic;

use super::{generate, SynthGenomics, SynthGenomicsSpec, BASES, CLASS_NAMES, LINE_WIDTH};
use crate::error::DataError;

impl SynthGenomics {
    /// `reference.fa`: the contigs wrapped at 60 bases a line.
    pub fn fasta_text(&self) -> String {
        let mut out = String::new();
        for (name, seq) in &self.contigs {
            out.push('>');
            out.push_str(name);
            out.push('\n');
            for line in seq.chunks(LINE_WIDTH) {
                out.push_str(&String::from_utf8_lossy(line));
                out.push('\n');
            }
        }
        out
    }

    /// `reference.fa.fai`, as `samtools faidx` writes it.
    pub fn fai_text(&self) -> String {
        let mut out = String::new();
        let mut offset = 0usize;
        for (name, seq) in &self.contigs {
            offset += name.len() + 2;
            out.push_str(&format!("{name}\t{}\t{offset}\t{LINE_WIDTH}\t{}\n", seq.len(), LINE_WIDTH + 1));
            offset += seq.len() + seq.len().div_ceil(LINE_WIDTH);
        }
        out
    }

    /// `regions.bed`: `chrom start end label`, label in column 4.
    pub fn bed_text(&self) -> String {
        self.regions.iter().map(|r| format!("{}\t{}\t{}\t{}\n", r.chrom, r.start, r.end, r.label)).collect()
    }

    fn vcf_header(&self, extra_info: &str) -> String {
        let mut out = String::from("##fileformat=VCFv4.2\n");
        out.push_str(&format!(
            "##source=medref synth genomics (seed {}, motif {})\n##reference=reference.fa\n",
            self.spec.seed, self.spec.motif
        ));
        for (name, seq) in &self.contigs {
            out.push_str(&format!("##contig=<ID={name},length={}>\n", seq.len()));
        }
        out.push_str(extra_info);
        out.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
        out
    }

    /// `variants.vcf`: the SNVs; the known answer is the `MOTIF_BREAK` flag.
    pub fn vcf_text(&self) -> String {
        let mut out = self.vcf_header(
            "##INFO=<ID=MOTIF_BREAK,Number=0,Type=Flag,Description=\"Known answer: the variant destroys a planted motif copy\">\n",
        );
        for v in &self.variants {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t.\tPASS\t{}\n",
                v.chrom,
                v.pos,
                v.id,
                v.reference as char,
                v.alternate as char,
                if v.breaks_motif { "MOTIF_BREAK" } else { "." }
            ));
        }
        out
    }

    /// A VCF of records a variant scorer must flag rather than score, or
    /// score with care, against this reference; the `EXPECT` INFO field of
    /// each says which (`ref_mismatch`, `too_close_to_contig_start`,
    /// `too_close_to_contig_end`, `unknown_contig`, `symbolic_allele`,
    /// `multiallelic`, `deletion`, `insertion`).
    pub fn edge_case_vcf_text(&self) -> String {
        let mut out = self.vcf_header(
            "##INFO=<ID=EXPECT,Number=1,Type=String,Description=\"What a variant scorer should do with this record\">\n",
        );
        let (name, seq) = &self.contigs[2];
        let n = seq.len() as u64;
        let base = |pos: u64| seq[(pos - 1) as usize] as char;
        // Spread over the contig's second half, inside it for any valid
        // spec (contigs are at least 2 * seq_len >= 28 bases).
        let mid = n / 2;
        let step = (n / 10).max(2);
        let mismatch = match base(mid) {
            'A' => 'C',
            _ => 'A',
        };
        let other = |b: char| if b == 'G' { 'T' } else { 'G' };
        let site = self.planted.iter().find(|p| p.chrom == *name && !p.mismatch).map_or(mid + 7, |p| p.start + 3);
        let rows = [
            (mid, "ref_mismatch", mismatch.to_string(), other(mismatch).to_string()),
            (3, "too_close_to_contig_start", base(3).to_string(), other(base(3)).to_string()),
            (n - 2, "too_close_to_contig_end", base(n - 2).to_string(), other(base(n - 2)).to_string()),
            (site, "multiallelic", base(site).to_string(), {
                let alts: Vec<String> =
                    BASES.iter().map(|&b| b as char).filter(|&b| b != base(site)).take(2).map(String::from).collect();
                alts.join(",")
            }),
            (mid + step, "deletion", (mid + step..mid + step + 3).map(base).collect(), base(mid + step).to_string()),
            (mid + 2 * step, "insertion", base(mid + 2 * step).to_string(), format!("{}GA", base(mid + 2 * step))),
            (mid + 3 * step, "symbolic_allele", base(mid + 3 * step).to_string(), "<DEL>".to_string()),
        ];
        let mut rows = rows.to_vec();
        rows.sort_by_key(|r| r.0);
        for (pos, expect, reference, alt) in rows {
            out.push_str(&format!("{name}\t{pos}\t{expect}\t{reference}\t{alt}\t.\tPASS\tEXPECT={expect}\n"));
        }
        out.push_str("chrZ\t100\tunknown_contig\tA\tG\t.\tPASS\tEXPECT=unknown_contig\n");
        out
    }

    /// `sequences.csv`: `id,sequence,label,split` for every window.
    pub fn csv_text(&self) -> String {
        let mut out = String::from("id,sequence,label,split\n");
        let l = self.dataset.seq_len;
        for (split_name, split) in self.dataset.splits() {
            for i in 0..split.n {
                out.push_str(&format!(
                    "{},{},{},{split_name}\n",
                    split.ids[i],
                    String::from_utf8_lossy(split.sequence(i, l)),
                    CLASS_NAMES[split.labels[i] as usize]
                ));
            }
        }
        out
    }
}

/// The files [`write_synth_genomics`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthGenomicsPaths {
    /// `reference.fa`.
    pub reference: PathBuf,
    /// `reference.fa.fai`.
    pub index: PathBuf,
    /// `regions.bed` (label in column 4).
    pub regions: PathBuf,
    /// `variants.vcf`.
    pub variants: PathBuf,
    /// `sequences.csv` (`id,sequence,label,split`).
    pub sequences: PathBuf,
}

/// Generates `spec` and writes `reference.fa`, `reference.fa.fai`,
/// `regions.bed`, `variants.vcf` and `sequences.csv` into `dir` (created if
/// missing), each atomically (temporary file, then rename). The same spec
/// always gives the same bytes.
pub fn write_synth_genomics(dir: impl AsRef<Path>, spec: &SynthGenomicsSpec) -> Result<SynthGenomicsPaths, DataError> {
    let dir = dir.as_ref();
    let synth = generate(spec).map_err(|e| DataError::format(dir, format!("cannot generate: {e}")))?;
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let paths = SynthGenomicsPaths {
        reference: dir.join("reference.fa"),
        index: dir.join("reference.fa.fai"),
        regions: dir.join("regions.bed"),
        variants: dir.join("variants.vcf"),
        sequences: dir.join("sequences.csv"),
    };
    for (path, text) in [
        (&paths.reference, synth.fasta_text()),
        (&paths.index, synth.fai_text()),
        (&paths.regions, synth.bed_text()),
        (&paths.variants, synth.vcf_text()),
        (&paths.sequences, synth.csv_text()),
    ] {
        write_atomic(path, text.as_bytes()).map_err(|e| DataError::io(path, e))?;
    }
    Ok(paths)
}
