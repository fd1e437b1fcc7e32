//! Synthetic genomics data with a planted, learnable signal and a known
//! answer for variant scoring.
//!
//! A small "genome" of three contigs of uniform random bases: `chr1` holds
//! the training windows, `chr2` the validation windows and `chr3` the test
//! windows, so that holding out whole chromosomes reproduces the splits.
//! Windows are separated by short random gaps and flanked by `seq_len`
//! bases at each contig end. Positive windows (label `motif`) carry one
//! copy of a transcription-factor-like motif (default `TGACTCA`, the AP-1
//! site) at a random offset, on either strand; a share of them carry it
//! with one mismatch. The motif (both strands) is scrubbed from everything
//! else, so negatives (label `background`) never contain it exactly.
//!
//! Variants (SNVs, on `chr3`) come in two kinds: `MOTIF_BREAK` variants
//! change a base of an exact motif copy, chosen so that the window of
//! `seq_len` bases centred on the variant holds no other exact copy before
//! the change and none after it; background variants fall in windows at
//! least 3 bases from any planted copy and create none. A model that
//! learned the motif scores the first kind far below its reference and the
//! second kind about the same. Everything is fixed by the seed (one random
//! stream per contig and one for the variants).

use std::collections::BTreeSet;

use medref_core::seed::Rng;

use crate::genomics::bed::LabelledRegion;
use crate::genomics::encode::reverse_complement;
use crate::genomics::sequence::{SequenceDataset, SequenceSplit};

mod files;

pub use files::{write_synth_genomics, SynthGenomicsPaths};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthGenomicsSpec {
    /// Training windows (on `chr1`).
    pub n_train: usize,
    /// Validation windows (on `chr2`).
    pub n_val: usize,
    /// Test windows (on `chr3`, where the variants are).
    pub n_test: usize,
    /// Bases per window, at least the motif length + 10.
    pub seq_len: usize,
    /// The planted motif: 4 to 30 bases of A, C, G, T.
    pub motif: String,
    /// Share of each split's windows that carry the motif (rounded).
    pub positive_fraction: f64,
    /// Share of positive windows whose copy has one mismatch (rounded):
    /// harder positives, still above background for a model that learned
    /// the motif's weights rather than an exact word.
    pub mismatch_fraction: f64,
    /// Number of variants in the VCF.
    pub n_variants: usize,
    /// Share of variants that break a motif copy (rounded).
    pub break_fraction: f64,
    /// Fixes every base, label and variant.
    pub seed: u64,
}

impl Default for SynthGenomicsSpec {
    fn default() -> Self {
        Self {
            n_train: 2000,
            n_val: 500,
            n_test: 500,
            seq_len: 200,
            motif: "TGACTCA".into(),
            positive_fraction: 0.5,
            mismatch_fraction: 0.1,
            n_variants: 200,
            break_fraction: 0.5,
            seed: 0,
        }
    }
}

impl SynthGenomicsSpec {
    /// The spec of the committed fixture `datasets/genomics/tiny/`
    /// (`cargo run -p medref-data --example make_genomics_fixtures`):
    /// 100 bp windows, 400 / 100 / 100 of them, 60 variants, seed 0.
    pub fn tiny() -> Self {
        Self { n_train: 400, n_val: 100, n_test: 100, seq_len: 100, n_variants: 60, ..Default::default() }
    }

    /// Says what is wrong with the spec, if anything.
    pub fn validate(&self) -> Result<(), String> {
        let m = self.motif.len();
        if !(4..=30).contains(&m) || !self.motif.bytes().all(|b| b"ACGT".contains(&b)) {
            return Err(format!("motif `{}` must be 4 to 30 bases of uppercase A, C, G, T", self.motif));
        }
        if self.seq_len < m + 10 {
            return Err(format!("seq_len {} is too short for a {m} bp motif (at least {})", self.seq_len, m + 10));
        }
        for (name, f) in [
            ("positive_fraction", self.positive_fraction),
            ("mismatch_fraction", self.mismatch_fraction),
            ("break_fraction", self.break_fraction),
        ] {
            if !(0.0..=1.0).contains(&f) {
                return Err(format!("{name} {f} (expected between 0 and 1)"));
            }
        }
        if self.n_variants > 0 && self.n_test == 0 {
            return Err("variants lie in test windows: n_test must be positive when n_variants is".into());
        }
        Ok(())
    }
}

/// Where a motif copy was planted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedMotif {
    /// Contig.
    pub chrom: String,
    /// 0-based start of the copy on the contig.
    pub start: u64,
    /// Planted as the reverse complement (minus strand).
    pub reverse: bool,
    /// The copy has one mismatch.
    pub mismatch: bool,
}

/// One synthetic SNV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthVariant {
    /// Contig (always `chr3`, the test contig).
    pub chrom: String,
    /// 1-based position, as in the VCF.
    pub pos: u64,
    /// VCF ID: `motif_break_N` or `background_N`.
    pub id: String,
    /// Reference base.
    pub reference: u8,
    /// Alternate base.
    pub alternate: u8,
    /// The known answer: true if the variant destroys an exact motif copy.
    pub breaks_motif: bool,
}

/// Everything [`generate`] makes, in memory; the `*_text` methods give the
/// exact bytes [`write_synth_genomics`] writes.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthGenomics {
    /// The spec it was made from.
    pub spec: SynthGenomicsSpec,
    /// `(name, bases)` of `chr1`, `chr2`, `chr3`, uppercase.
    pub contigs: Vec<(String, Vec<u8>)>,
    /// Every window with its label (`motif` or `background`), in file
    /// order; `line` is its line in `regions.bed`.
    pub regions: Vec<LabelledRegion>,
    /// Every planted motif copy.
    pub planted: Vec<PlantedMotif>,
    /// The variants, sorted by position.
    pub variants: Vec<SynthVariant>,
    /// The windows as a dataset: train = `chr1`, val = `chr2`, test =
    /// `chr3`; classes `["background", "motif"]`; ids such as
    /// `chr1:101-300`.
    pub dataset: SequenceDataset,
}

const BASES: [u8; 4] = *b"ACGT";
const CONTIGS: [(&str, &str); 3] = [("chr1", "train"), ("chr2", "val"), ("chr3", "test")];
/// Class names, in label-index order.
pub const CLASS_NAMES: [&str; 2] = ["background", "motif"];
/// FASTA line width of `reference.fa`.
const LINE_WIDTH: usize = 60;

/// Start positions of exact copies of `motif` or `rc` in `seq`.
fn occurrences(seq: &[u8], motif: &[u8], rc: &[u8]) -> Vec<usize> {
    let m = motif.len();
    if seq.len() < m {
        return Vec::new();
    }
    (0..=seq.len() - m).filter(|&i| &seq[i..i + m] == motif || &seq[i..i + m] == rc).collect()
}

fn other_base(rng: &mut Rng, base: u8) -> u8 {
    let others: Vec<u8> = BASES.iter().copied().filter(|&b| b != base).collect();
    others[rng.below(3)]
}

/// One contig with its windows: (bases, windows as (start, label), planted).
fn make_contig(spec: &SynthGenomicsSpec, name: &str, n: usize) -> (Vec<u8>, Vec<(u64, u32)>, Vec<PlantedMotif>) {
    let mut rng = Rng::derive(spec.seed, &format!("synth_genomics/{name}"));
    let (l, motif) = (spec.seq_len, spec.motif.as_bytes());
    let m = motif.len();
    let rc = reverse_complement(motif);
    let n_pos = ((n as f64 * spec.positive_fraction).round() as usize).min(n);
    let mut labels: Vec<u32> = (0..n).map(|i| u32::from(i < n_pos)).collect();
    rng.shuffle(&mut labels);
    let n_mismatch = ((n_pos as f64 * spec.mismatch_fraction).round() as usize).min(n_pos);
    let mut mismatch: Vec<bool> = (0..n_pos).map(|i| i < n_mismatch).collect();
    rng.shuffle(&mut mismatch);

    let mut starts = Vec::with_capacity(n);
    let mut len = l;
    for i in 0..n {
        if i > 0 {
            len += m + 3 + rng.below(l / 5 + 1);
        }
        starts.push(len);
        len += l;
    }
    len += l;
    let mut seq: Vec<u8> = (0..len).map(|_| BASES[rng.below(4)]).collect();
    loop {
        let found = occurrences(&seq, motif, &rc);
        if found.is_empty() {
            break;
        }
        for p in found {
            let j = p + m / 2;
            seq[j] = other_base(&mut rng, seq[j]);
        }
    }
    let mut planted = Vec::new();
    let mut mismatch = mismatch.into_iter();
    for (&start, &label) in starts.iter().zip(&labels) {
        if label == 0 {
            continue;
        }
        let offset = rng.below(l - m + 1);
        let reverse = rng.below(2) == 1;
        let mut copy = if reverse { rc.clone() } else { motif.to_vec() };
        let has_mismatch = mismatch.next().unwrap_or(false);
        if has_mismatch {
            let j = rng.below(m);
            copy[j] = other_base(&mut rng, copy[j]);
        }
        let at = start + offset;
        seq[at..at + m].copy_from_slice(&copy);
        planted.push(PlantedMotif { chrom: name.to_string(), start: at as u64, reverse, mismatch: has_mismatch });
    }
    let windows = starts.iter().map(|&s| s as u64).zip(labels).collect();
    (seq, windows, planted)
}

/// Places the variants on the test contig; see the module documentation
/// for the rules that make their answer known.
fn make_variants(
    spec: &SynthGenomicsSpec,
    contig: &[u8],
    windows: &[(u64, u32)],
    planted: &[PlantedMotif],
) -> Result<Vec<SynthVariant>, String> {
    let mut rng = Rng::derive(spec.seed, "synth_genomics/variants");
    let (l, motif) = (spec.seq_len, spec.motif.as_bytes());
    let m = motif.len();
    let rc = reverse_complement(motif);
    let n_break = ((spec.n_variants as f64 * spec.break_fraction).round() as usize).min(spec.n_variants);
    // The window centred on 0-based position p, widened by one base on
    // each side so either centring convention for even lengths is covered.
    let centred = |p: usize| {
        let from = p.saturating_sub(l / 2 + 1);
        let to = (p + l / 2 + 2).min(contig.len());
        from..to
    };
    let mut used = BTreeSet::new();
    let mut out: Vec<(usize, u8, bool)> = Vec::new();
    let exact: Vec<&PlantedMotif> = planted.iter().filter(|p| !p.mismatch).collect();
    let mut tries = 0;
    while out.len() < n_break {
        tries += 1;
        if exact.is_empty() || tries > 200 * n_break.max(1) {
            return Err(format!(
                "could place only {} of {n_break} motif-breaking variants: too few exact motif \
                 copies in the {} test windows (raise n_test or positive_fraction, or lower n_variants)",
                out.len(),
                spec.n_test
            ));
        }
        let site = exact[rng.below(exact.len())];
        let p = site.start as usize + rng.below(m);
        let alt = other_base(&mut rng, contig[p]);
        if used.contains(&p) {
            continue;
        }
        let range = centred(p);
        if occurrences(&contig[range.clone()], motif, &rc).len() != 1 {
            continue;
        }
        let mut mutated = contig[range.clone()].to_vec();
        mutated[p - range.start] = alt;
        if !occurrences(&mutated, motif, &rc).is_empty() {
            continue;
        }
        used.insert(p);
        out.push((p, alt, true));
    }
    let near_motif = |p: usize| planted.iter().any(|s| p + 3 >= s.start as usize && p < s.start as usize + m + 3);
    let n_background = spec.n_variants - n_break;
    let mut tries = 0;
    while out.len() < spec.n_variants {
        tries += 1;
        if windows.is_empty() || tries > 200 * n_background.max(1) {
            return Err(format!(
                "could place only {} of {n_background} background variants in {} test windows \
                 of {l} bp (raise n_test or lower n_variants)",
                out.len() - n_break,
                windows.len()
            ));
        }
        let (start, _) = windows[rng.below(windows.len())];
        let p = start as usize + rng.below(l);
        let alt = other_base(&mut rng, contig[p]);
        if used.contains(&p) || near_motif(p) {
            continue;
        }
        let range = centred(p);
        let mut mutated = contig[range.clone()].to_vec();
        mutated[p - range.start] = alt;
        if occurrences(&mutated, motif, &rc) != occurrences(&contig[range], motif, &rc) {
            continue;
        }
        used.insert(p);
        out.push((p, alt, false));
    }
    out.sort_unstable_by_key(|v| v.0);
    let (mut n_b, mut n_g) = (0, 0);
    Ok(out
        .into_iter()
        .map(|(p, alt, breaks)| {
            let id = if breaks {
                n_b += 1;
                format!("motif_break_{n_b}")
            } else {
                n_g += 1;
                format!("background_{n_g}")
            };
            SynthVariant {
                chrom: CONTIGS[2].0.to_string(),
                pos: p as u64 + 1,
                id,
                reference: contig[p],
                alternate: alt,
                breaks_motif: breaks,
            }
        })
        .collect())
}

/// Generates the reference, regions, variants and dataset for `spec`.
/// Says why if the spec is invalid or the variants cannot be placed.
pub fn generate(spec: &SynthGenomicsSpec) -> Result<SynthGenomics, String> {
    spec.validate()?;
    let l = spec.seq_len;
    let mut contigs = Vec::new();
    let mut regions = Vec::new();
    let mut planted = Vec::new();
    let mut splits: Vec<SequenceSplit> = Vec::new();
    let mut test_windows = Vec::new();
    for (i, ((name, _), n)) in CONTIGS.iter().zip([spec.n_train, spec.n_val, spec.n_test]).enumerate() {
        let (seq, windows, sites) = make_contig(spec, name, n);
        let mut split = SequenceSplit::default();
        for &(start, label) in &windows {
            let end = start + l as u64;
            split.push(format!("{name}:{}-{end}", start + 1), &seq[start as usize..end as usize], &[label]);
            regions.push(LabelledRegion {
                chrom: name.to_string(),
                start,
                end,
                label: CLASS_NAMES[label as usize].to_string(),
                line: regions.len() + 1,
            });
        }
        if i == 2 {
            test_windows = windows;
        }
        splits.push(split);
        planted.extend(sites);
        contigs.push((name.to_string(), seq));
    }
    let test_sites: Vec<PlantedMotif> = planted.iter().filter(|p| p.chrom == CONTIGS[2].0).cloned().collect();
    let variants = make_variants(spec, &contigs[2].1, &test_windows, &test_sites)?;
    let mut splits = splits.into_iter();
    let mut next = || splits.next().unwrap_or_default();
    let dataset = SequenceDataset {
        seq_len: l,
        label_width: 1,
        n_classes: 2,
        class_names: CLASS_NAMES.iter().map(|s| s.to_string()).collect(),
        train: next(),
        val: next(),
        test: next(),
    };
    Ok(SynthGenomics { spec: spec.clone(), contigs, regions, planted, variants, dataset })
}

#[cfg(test)]
mod tests;
