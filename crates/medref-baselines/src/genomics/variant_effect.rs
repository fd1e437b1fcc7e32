//! Variant-effect scoring with a trained DNA model: for each VCF record,
//! score the reference window and the window carrying each ALT allele, on
//! both strands, and report the change in logit space.
//!
//! A record is never scored silently when something is off: a REF that does
//! not match the reference, a window that runs off the contig, an unknown
//! contig or an allele that is not literal bases each get a flag and no
//! scores.

use super::SequenceExamples;
use medref_data::genomics::fasta::IndexedFasta;
use medref_data::genomics::sequence::{SequenceDataset, SequenceSplit};
use medref_data::genomics::vcf::{alt_kind, AltKind, InfoDef, VcfFile};
use medref_models::DnaCnn;
use medref_train::run::score_examples;
use medref_train::{TrainError, Trained};

/// One scored (record, ALT) pair: one row of the TSV output.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantScore {
    pub record: usize,
    pub chrom: String,
    pub pos: u64,
    pub id: String,
    pub reference: String,
    pub alternate: String,
    /// Probability of the scored class, mean of both strands.
    pub ref_score: Option<f64>,
    pub alt_score: Option<f64>,
    /// `logit(alt_score) - logit(ref_score)`.
    pub logit_diff: Option<f64>,
    /// `ok`, or why the pair was not scored.
    pub flag: String,
}

pub(crate) fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-7, 1.0 - 1e-7);
    (p / (1.0 - p)).ln()
}

/// The windows to score for one ALT, or the flag saying why not.
fn windows(
    fasta: &mut IndexedFasta,
    chrom: &str,
    pos: u64,
    reference: &str,
    alt: &str,
    len: usize,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let Some(contig_len) = fasta.contig_len(chrom) else {
        return Err("unknown_contig".into());
    };
    if !matches!(alt_kind(alt), AltKind::Bases) {
        return Err("unsupported_alt".into());
    }
    let r = reference.len() as i64;
    let a = alt.len() as i64;
    let half = len as i64 / 2;
    let pad = (r - a).abs() + 1;
    let p = pos as i64 - 1; // 0-based start of REF
    let start = p - half - pad;
    let end = p + r + half + pad;
    if start < 0 {
        return Err("too_close_to_contig_start".into());
    }
    if end > contig_len as i64 {
        return Err("too_close_to_contig_end".into());
    }
    let wide = fasta.fetch(chrom, start as u64, end as u64).map_err(|e| format!("fetch_failed:{e}"))?;
    let at = (p - start) as usize;
    if !wide[at..at + r as usize].eq_ignore_ascii_case(reference.as_bytes()) {
        return Err("ref_mismatch".into());
    }
    // Both windows are cut `len` long around the middle of their allele,
    // so an indel shifts the flanks instead of changing the length.
    let cut = |seq: &[u8], allele_start: usize, allele_len: usize| {
        let centre = allele_start + allele_len / 2;
        let s = centre - half as usize;
        seq[s..s + len].to_vec()
    };
    let ref_window = cut(&wide, at, r as usize);
    let mut alt_seq = wide[..at].to_vec();
    alt_seq.extend_from_slice(alt.to_ascii_uppercase().as_bytes());
    alt_seq.extend_from_slice(&wide[at + r as usize..]);
    let alt_window = cut(&alt_seq, at, a as usize);
    Ok((ref_window, alt_window))
}

/// Probability of class `class` for each sequence, averaged over both strands.
pub(crate) fn strand_mean_scores(
    run: &Trained<DnaCnn>,
    seqs: &[Vec<u8>],
    class: usize,
) -> Result<Vec<f64>, TrainError> {
    let len = run.info.meta.input_shape[0];
    let k = run.info.meta.n_outputs;
    let mut all = Vec::with_capacity(seqs.len() * 2 * len);
    for s in seqs {
        all.extend_from_slice(s);
        all.extend(medref_data::genomics::encode::reverse_complement(s));
    }
    let n = seqs.len() * 2;
    let ds = SequenceDataset {
        seq_len: len,
        label_width: 1,
        n_classes: k,
        class_names: run.info.meta.class_names.clone(),
        train: SequenceSplit::default(),
        val: SequenceSplit::default(),
        test: SequenceSplit { ids: vec![String::new(); n], sequences: all, labels: vec![0; n], n },
    };
    let ex = SequenceExamples::new(&ds, &ds.test, false);
    let p = score_examples(run, &ex)?;
    Ok((0..seqs.len()).map(|i| (p[(2 * i) * k + class] + p[(2 * i + 1) * k + class]) / 2.0).collect())
}

/// Scores every (record, ALT) of `vcf` against `reference` with the run's
/// DNA model; `class` is the output scored (default: class 1, the positive
/// class of a binary model).
pub fn score_variants(
    run: &Trained<DnaCnn>,
    fasta: &mut IndexedFasta,
    vcf: &VcfFile,
    class: usize,
) -> Result<Vec<VariantScore>, TrainError> {
    if class >= run.info.meta.n_outputs {
        return Err(TrainError::Mismatch(format!(
            "class {class} does not exist: the model has {} outputs",
            run.info.meta.n_outputs
        )));
    }
    let len = run.info.meta.input_shape[0];
    let mut rows = Vec::new();
    let mut to_score = Vec::new();
    for (ri, rec) in vcf.records.iter().enumerate() {
        for alt in &rec.alternates {
            let mut row = VariantScore {
                record: ri,
                chrom: rec.chrom.clone(),
                pos: rec.pos,
                id: rec.id.clone(),
                reference: rec.reference.clone(),
                alternate: alt.clone(),
                ref_score: None,
                alt_score: None,
                logit_diff: None,
                flag: "ok".into(),
            };
            match windows(fasta, &rec.chrom, rec.pos, &rec.reference, alt, len) {
                Ok(pair) => to_score.push((rows.len(), pair)),
                Err(flag) => row.flag = flag,
            }
            rows.push(row);
        }
    }
    let seqs: Vec<Vec<u8>> = to_score.iter().flat_map(|(_, (r, a))| [r.clone(), a.clone()]).collect();
    let scores = strand_mean_scores(run, &seqs, class)?;
    for (j, (row, _)) in to_score.iter().enumerate() {
        let (r, a) = (scores[2 * j], scores[2 * j + 1]);
        let out = &mut rows[*row];
        out.ref_score = Some(r);
        out.alt_score = Some(a);
        out.logit_diff = Some(logit(a) - logit(r));
    }
    Ok(rows)
}

/// Tab-separated table, one row per (record, ALT).
pub fn to_tsv(rows: &[VariantScore]) -> String {
    let f = |v: Option<f64>| v.map_or(".".to_string(), |v| format!("{v:.6}"));
    let mut s = String::from("chrom\tpos\tid\tref\talt\tref_score\talt_score\tlogit_diff\tflag\n");
    for r in rows {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            r.chrom,
            r.pos,
            r.id,
            r.reference,
            r.alternate,
            f(r.ref_score),
            f(r.alt_score),
            f(r.logit_diff),
            r.flag
        ));
    }
    s
}

/// The input VCF with every record kept and four per-ALT INFO fields added.
pub fn to_vcf(vcf: &VcfFile, rows: &[VariantScore]) -> Result<String, TrainError> {
    let defs = [
        InfoDef::new("MEDREF_REF", "A", "Float", "medref model score of the reference window (mean of both strands)"),
        InfoDef::new("MEDREF_ALT", "A", "Float", "medref model score of the window carrying this ALT allele"),
        InfoDef::new("MEDREF_DLOGIT", "A", "Float", "logit(ALT score) - logit(REF score)"),
        InfoDef::new("MEDREF_FLAG", "A", "String", "ok, or why this ALT was not scored"),
    ];
    let f = |v: Option<f64>| v.map_or(".".to_string(), |v| format!("{v:.6}"));
    let values = (0..vcf.records.len())
        .map(|ri| {
            let mine: Vec<&VariantScore> = rows.iter().filter(|r| r.record == ri).collect();
            if mine.is_empty() {
                return vec![None; 4];
            }
            let join =
                |g: &dyn Fn(&VariantScore) -> String| Some(mine.iter().map(|r| g(r)).collect::<Vec<_>>().join(","));
            vec![
                join(&|r| f(r.ref_score)),
                join(&|r| f(r.alt_score)),
                join(&|r| f(r.logit_diff)),
                join(&|r| r.flag.clone()),
            ]
        })
        .collect::<Vec<_>>();
    Ok(medref_data::genomics::vcf::write_vcf_with_info(vcf, &defs, &values)?)
}
