//! The DNA model's own commands: scoring a VCF's variants against a
//! reference, and in-silico mutagenesis of one sequence.

use crate::usage::{refuse_directory, UsageError};
use crate::write_output;
use anyhow::Context;
use medref_baselines::genomics::{open_dna_run, saturation_mutagenesis, score_variants as score, to_tsv, to_vcf};
use medref_train::DeviceChoice;
use std::path::{Path, PathBuf};

/// `medref genomics score-variants`.
pub fn score_variants(
    run_dir: &Path,
    reference: &Path,
    vcf: &Path,
    out: &Path,
    class: usize,
    device: DeviceChoice,
) -> anyhow::Result<()> {
    refuse_directory(reference, "a reference FASTA file")?;
    refuse_directory(vcf, "a VCF file")?;
    let loaded = open_dna_run(run_dir, device)?;
    let mut fasta = medref_data::genomics::IndexedFasta::open(reference)?;
    let records = medref_data::genomics::read_vcf(vcf)?;
    let rows = score(&loaded, &mut fasta, &records, class)?;
    let text = match out.extension().and_then(|e| e.to_str()) {
        Some("vcf") => to_vcf(&records, &rows)?,
        Some("tsv") => to_tsv(&rows),
        _ => return Err(UsageError(format!("{}: --out must end in .tsv or .vcf", out.display())).into()),
    };
    write_output(out, text.as_bytes())?;
    let scored = rows.iter().filter(|r| r.flag == "ok").count();
    println!(
        "{}: {} of {} ALT alleles scored ({} flagged, see the flag column)",
        out.display(),
        scored,
        rows.len(),
        rows.len() - scored
    );
    Ok(())
}

/// `medref explain`: mutagenesis of `--sequence` or a FASTA record.
pub fn explain(
    run_dir: &Path,
    sequence: Option<String>,
    fasta: Option<PathBuf>,
    record: Option<String>,
    out: &Path,
    class: usize,
    device: DeviceChoice,
) -> anyhow::Result<()> {
    let loaded = open_dna_run(run_dir, device)?;
    let len = loaded.info.meta.input_shape[0];
    let (name, raw) = match (sequence, fasta) {
        (Some(seq), None) => ("sequence".to_string(), seq.into_bytes()),
        (None, Some(path)) => {
            refuse_directory(&path, "a FASTA file")?;
            let records = medref_data::genomics::read_fasta(&path)?;
            let rec = match &record {
                Some(id) => records
                    .into_iter()
                    .find(|r| &r.id == id)
                    .ok_or_else(|| UsageError(format!("{}: no record named `{id}`", path.display())))?,
                None => records
                    .into_iter()
                    .next()
                    .ok_or_else(|| UsageError(format!("{}: no FASTA records", path.display())))?,
            };
            (rec.id, rec.sequence)
        }
        _ => return Err(UsageError("give --sequence SEQ or --fasta FILE".into()).into()),
    };
    let raw = raw.to_ascii_uppercase();
    if let Err((pos, byte)) = medref_data::genomics::validate_sequence(&raw) {
        let message =
            format!("{name}: position {}: `{}` is not a DNA base or IUPAC code", pos + 1, byte.escape_ascii());
        return Err(UsageError(message).into());
    }
    let seq = medref_data::genomics::sequence::pad_or_crop(&raw, len);
    let ism = saturation_mutagenesis(&loaded, &seq, class)?;
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    write_output(&out.join("ism.tsv"), ism.to_tsv().as_bytes())?;
    let title = format!("{name}: score {:.3} (class {class}), in-silico mutagenesis", ism.reference_score);
    write_output(&out.join("ism.svg"), ism.to_svg(&title).as_bytes())?;
    println!("{}: ism.tsv and ism.svg for {name} ({len} bp), score {:.4}", out.display(), ism.reference_score);
    Ok(())
}
