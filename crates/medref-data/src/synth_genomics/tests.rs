use super::*;
use crate::genomics::bed::{read_bed, sequences_for_regions};
use crate::genomics::fasta::IndexedFasta;
use crate::genomics::sequence::chromosome_split;
use crate::genomics::sequence_csv::{read_sequence_csv, SequenceCsvOptions};
use crate::genomics::vcf::read_vcf;

fn small() -> SynthGenomicsSpec {
    SynthGenomicsSpec { n_train: 60, n_val: 20, n_test: 40, seq_len: 80, n_variants: 30, ..Default::default() }
}

/// Best number of matching bases of `motif` (either strand) in `seq`.
fn best_match(seq: &[u8], motif: &[u8]) -> usize {
    let rc = reverse_complement(motif);
    (0..=seq.len() - motif.len())
        .map(|i| {
            let w = &seq[i..i + motif.len()];
            let f = w.iter().zip(motif).filter(|(a, b)| a == b).count();
            let r = w.iter().zip(&rc).filter(|(a, b)| a == b).count();
            f.max(r)
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn same_seed_same_data_and_splits_are_independent() {
    let a = generate(&small()).unwrap();
    assert_eq!(a, generate(&small()).unwrap());
    let b = generate(&SynthGenomicsSpec { seed: 1, ..small() }).unwrap();
    assert_ne!(a.contigs, b.contigs);
    let more = generate(&SynthGenomicsSpec { n_train: 80, ..small() }).unwrap();
    assert_eq!(more.dataset.test, a.dataset.test);
    assert_eq!(more.variants, a.variants);
    assert!(a.dataset.check_consistent().is_ok());
    assert_eq!((a.dataset.train.n, a.dataset.val.n, a.dataset.test.n), (60, 20, 40));
    assert_eq!(a.dataset.test.labels.iter().filter(|&&x| x == 1).count(), 20);
}

#[test]
fn motif_separates_classes_and_negatives_never_hold_it() {
    let s = generate(&SynthGenomicsSpec { n_train: 400, ..small() }).unwrap();
    let motif = s.spec.motif.as_bytes();
    let tr = &s.dataset.train;
    let mut mismatched = 0;
    for i in 0..tr.n {
        let best = best_match(tr.sequence(i, 80), motif);
        if tr.labels[i] == 0 {
            assert!(best < motif.len(), "negative {} holds the motif", tr.ids[i]);
        } else {
            assert!(best >= motif.len() - 1);
            mismatched += usize::from(best < motif.len());
        }
    }
    // About 10 % of the 200 positives carry a mismatch.
    assert!((10..=30).contains(&mismatched), "{mismatched}");
    // Both strands are used.
    assert!(s.planted.iter().any(|p| p.reverse) && s.planted.iter().any(|p| !p.reverse));
}

#[test]
fn variants_have_a_known_answer() {
    let s = generate(&small()).unwrap();
    let motif = s.spec.motif.as_bytes();
    let contig = &s.contigs[2].1;
    assert_eq!(s.variants.len(), 30);
    assert_eq!(s.variants.iter().filter(|v| v.breaks_motif).count(), 15);
    assert!(s.variants.windows(2).all(|w| w[0].pos < w[1].pos));
    for v in &s.variants {
        let p = (v.pos - 1) as usize;
        assert_eq!(contig[p], v.reference);
        let window = |seq: &[u8]| best_match(&seq[p - 40..p + 40], motif);
        let mut alt = contig.clone();
        alt[p] = v.alternate;
        if v.breaks_motif {
            assert_eq!(window(contig), motif.len(), "{}", v.id);
            assert!(window(&alt) < motif.len(), "{}", v.id);
        } else {
            assert_eq!(window(contig) == motif.len(), window(&alt) == motif.len(), "{}", v.id);
        }
    }
}

#[test]
fn written_files_read_back_into_the_same_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let spec = small();
    let paths = write_synth_genomics(dir.path(), &spec).unwrap();
    let s = generate(&spec).unwrap();
    // The committed .fai equals the one noodles builds.
    let fai = std::fs::read_to_string(&paths.index).unwrap();
    std::fs::rename(&paths.index, dir.path().join("moved.fai")).unwrap();
    let mut built = IndexedFasta::open(&paths.reference).unwrap();
    std::fs::rename(dir.path().join("moved.fai"), &paths.index).unwrap();
    let mut reference = IndexedFasta::open(&paths.reference).unwrap();
    assert_eq!(built.contigs(), reference.contigs());
    assert_eq!(built.fetch("chr3", 0, 50).unwrap(), reference.fetch("chr3", 0, 50).unwrap());
    assert_eq!(fai, s.fai_text());
    // BED + FASTA + chromosome split gives the generated dataset.
    let regions = read_bed(&paths.regions, 4).unwrap();
    assert_eq!(regions, s.regions);
    let seqs = sequences_for_regions(&mut reference, &paths.regions, &regions, None, None).unwrap();
    let chroms: Vec<&str> = regions.iter().map(|r| r.chrom.as_str()).collect();
    let split = chromosome_split(&chroms, &["chr2"], &["chr3"]).unwrap();
    assert_eq!(seqs.into_dataset(&split).unwrap(), s.dataset);
    // The CSV reads to the same records.
    let csv = read_sequence_csv(&paths.sequences, &SequenceCsvOptions::default()).unwrap();
    assert_eq!(csv.records.n, 120);
    assert_eq!(csv.class_names, CLASS_NAMES);
    // The VCF reads, and flags the breaking variants.
    let vcf = read_vcf(&paths.variants).unwrap();
    assert_eq!(vcf.records.len(), 30);
    for (r, v) in vcf.records.iter().zip(&s.variants) {
        assert_eq!((r.pos, r.id.as_str()), (v.pos, v.id.as_str()));
        assert_eq!(r.raw.ends_with("MOTIF_BREAK"), v.breaks_motif);
    }
    let edge = dir.path().join("edge.vcf");
    std::fs::write(&edge, s.edge_case_vcf_text()).unwrap();
    let edge = read_vcf(&edge).unwrap();
    assert_eq!(edge.records.len(), 8);
    let mismatch = &edge.records.iter().find(|r| r.id == "ref_mismatch").unwrap();
    let base = reference.fetch("chr3", mismatch.pos - 1, mismatch.pos).unwrap();
    assert_ne!(base, mismatch.reference.as_bytes());
    // No temporary files left behind: the five outputs and edge.vcf.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 6);
}

#[test]
fn edge_cases_fit_the_smallest_valid_genome() {
    let spec = SynthGenomicsSpec {
        n_train: 0,
        n_val: 0,
        n_test: 0,
        n_variants: 0,
        motif: "ACGT".into(),
        seq_len: 14,
        ..Default::default()
    };
    let s = generate(&spec).unwrap();
    assert_eq!(s.contigs[2].1.len(), 28);
    assert_eq!(s.edge_case_vcf_text().lines().filter(|l| !l.starts_with('#')).count(), 8);
}

#[test]
fn invalid_specs_are_refused_with_the_reason() {
    let bad = |s: SynthGenomicsSpec| generate(&s).unwrap_err();
    assert!(bad(SynthGenomicsSpec { motif: "TGAXTCA".into(), ..small() }).contains("motif"));
    assert!(bad(SynthGenomicsSpec { seq_len: 12, ..small() }).contains("seq_len"));
    assert!(bad(SynthGenomicsSpec { positive_fraction: 1.5, ..small() }).contains("positive_fraction"));
    assert!(bad(SynthGenomicsSpec { n_test: 0, ..small() }).contains("n_test"));
    assert!(bad(SynthGenomicsSpec { n_test: 2, n_variants: 50, ..small() }).contains("could place"));
    let dir = tempfile::tempdir().unwrap();
    let e = write_synth_genomics(dir.path(), &SynthGenomicsSpec { seq_len: 3, ..small() }).unwrap_err().to_string();
    assert!(e.contains("seq_len"), "{e}");
}
