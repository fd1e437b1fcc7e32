//! The committed genomics data read as documented in
//! datasets/PROVENANCE.md, and the generated fixtures are reproducible.

use std::path::{Path, PathBuf};

use medref_core::split::split_train_val_test;
use medref_data::genomics::bed::{read_bed, sequences_for_regions};
use medref_data::genomics::encode::one_hot;
use medref_data::genomics::fasta::{read_fasta, IndexedFasta};
use medref_data::genomics::sequence::chromosome_split;
use medref_data::genomics::sequence_csv::{read_sequence_csv, SequenceCsvOptions};
use medref_data::genomics::vcf::{read_vcf, write_vcf_with_info, InfoDef};
use medref_data::synth_genomics::{generate, write_synth_genomics, SynthGenomicsSpec};

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

fn splice_options() -> SequenceCsvOptions {
    SequenceCsvOptions { sequence_column: "sequence".into(), label_columns: vec!["class".into()], ..Default::default() }
}

#[test]
fn splice_set_has_3186_sequences_of_60_bp_in_three_classes() {
    let s = read_sequence_csv(datasets().join("genomics/statlog_splice.csv"), &splice_options()).unwrap();
    assert_eq!((s.records.n, s.seq_len, s.label_width), (3186, 60, 1));
    assert_eq!(s.class_names, ["ei", "ie", "n"]);
    assert_eq!(s.class_counts(), [767, 765, 1654]);
    // Donor sites (exon-intron) carry the canonical GT at positions 31-32.
    let gt =
        (0..s.records.n).filter(|&i| s.records.labels[i] == 0 && &s.records.sequence(i, 60)[30..32] == b"GT").count();
    assert_eq!(gt, 759);
    // A stratified 70/10/20 split keeps the class shares.
    let split = split_train_val_test(&s.records.labels, 1, 0.1, 0.2, 0).unwrap();
    let ds = s.into_dataset(&split).unwrap();
    assert_eq!(ds.train.n + ds.val.n + ds.test.n, 3186);
    let ei_test = ds.test.labels.iter().filter(|&&l| l == 0).count();
    assert_eq!(ei_test, (767.0f64 * 0.2).round() as usize);
    assert_eq!(one_hot(ds.test.sequence(0, 60)).len(), 240);
}

#[test]
fn janggu_vcf_reads_its_ten_records_and_rewrites_with_info() {
    let path = datasets().join("genomics/vcf42_spec_example.vcf");
    let vcf = read_vcf(&path).unwrap();
    assert_eq!(vcf.records.len(), 10);
    assert_eq!(vcf.sample_names, ["NA00001", "NA00002", "NA00003"]);
    let by_id = |id: &str| vcf.records.iter().find(|r| r.id == id).unwrap();
    assert!(vcf.records[0].alternates.is_empty(), "ALT `.`");
    assert_eq!(by_id("rs6040355").alternates, ["G", "T"]);
    assert_eq!(by_id("microsat1").reference, "GTCT");
    assert_eq!(by_id("microsat1").alternates, ["G", "GTACT"]);
    assert_eq!(by_id("firstbase").pos, 1);
    assert_eq!(by_id("wrongbase").reference, "M", "IUPAC REF is kept for the scorer to flag");
    assert_eq!((by_id("rs6054259").line, by_id("rs6054259").pos), (27, 120));

    let defs = [
        InfoDef::new("REF_SCORE", "1", "Float", "model score of the reference window"),
        InfoDef::new("ALT_SCORE", "A", "Float", "model score of each ALT window"),
    ];
    let values: Vec<Vec<Option<String>>> = vcf
        .records
        .iter()
        .map(|r| {
            if r.alternates.is_empty() {
                vec![None, None]
            } else {
                let alts: Vec<String> = (0..r.alternates.len()).map(|i| format!("0.{i}")).collect();
                vec![Some("0.5".into()), Some(alts.join(","))]
            }
        })
        .collect();
    let text = write_vcf_with_info(&vcf, &defs, &values).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scored.vcf");
    std::fs::write(&out, &text).unwrap();
    let again = read_vcf(&out).unwrap();
    assert_eq!(again.records.len(), 10);
    let lines: Vec<&str> = text.lines().collect();
    let chrom = lines.iter().position(|l| l.starts_with("#CHROM")).unwrap();
    assert!(lines[chrom - 1].starts_with("##INFO=<ID=ALT_SCORE,Number=A"));
    assert!(text.contains("\tNS=2;DP=10;AF=0.333,0.667;AA=T;DB;REF_SCORE=0.5;ALT_SCORE=0.0,0.1\t"));
    for (a, b) in vcf.records.iter().zip(&again.records) {
        // Everything but INFO is untouched.
        let cols = |r: &str| {
            r.split('\t').enumerate().filter(|(i, _)| *i != 7).map(|(_, c)| c.to_string()).collect::<Vec<_>>()
        };
        assert_eq!(cols(&a.raw), cols(&b.raw));
    }
}

#[test]
fn tiny_genomics_fixture_is_reproducible() {
    let committed = datasets().join("genomics/tiny");
    let dir = tempfile::tempdir().unwrap();
    let spec = SynthGenomicsSpec::tiny();
    write_synth_genomics(dir.path(), &spec).unwrap();
    let synth = generate(&spec).unwrap();
    std::fs::write(dir.path().join("variants_edge_cases.vcf"), synth.edge_case_vcf_text()).unwrap();
    let mut total = 0;
    for name in
        ["reference.fa", "reference.fa.fai", "regions.bed", "variants.vcf", "sequences.csv", "variants_edge_cases.vcf"]
    {
        let want = std::fs::read(committed.join(name)).unwrap();
        let got = std::fs::read(dir.path().join(name)).unwrap();
        assert!(
            want == got,
            "{name} differs from the regenerated one: run `cargo run -p medref-data --example make_genomics_fixtures`"
        );
        total += want.len();
    }
    assert!(total < 200_000, "{total} bytes");
}

#[test]
fn tiny_fixture_reads_through_every_reader() {
    let tiny = datasets().join("genomics/tiny");
    let synth = generate(&SynthGenomicsSpec::tiny()).unwrap();
    let mut reference = IndexedFasta::open(tiny.join("reference.fa")).unwrap();
    assert_eq!(reference.contigs().len(), 3);
    let records = read_fasta(tiny.join("reference.fa")).unwrap();
    assert_eq!(records[2].sequence, synth.contigs[2].1);
    let bed = tiny.join("regions.bed");
    let regions = read_bed(&bed, 4).unwrap();
    let seqs = sequences_for_regions(&mut reference, &bed, &regions, None, None).unwrap();
    let chroms: Vec<&str> = regions.iter().map(|r| r.chrom.as_str()).collect();
    let ds = seqs.into_dataset(&chromosome_split(&chroms, &["chr2"], &["chr3"]).unwrap()).unwrap();
    assert_eq!(ds, synth.dataset);
    assert_eq!((ds.train.n, ds.val.n, ds.test.n, ds.seq_len), (400, 100, 100, 100));
    let vcf = read_vcf(tiny.join("variants.vcf")).unwrap();
    assert_eq!(vcf.records.len(), 60);
    let breaks = vcf.records.iter().filter(|r| r.raw.ends_with("MOTIF_BREAK")).count();
    assert_eq!(breaks, 30);
    for r in &vcf.records {
        let base = reference.fetch(&r.chrom, r.pos - 1, r.pos).unwrap();
        assert_eq!(base, r.reference.as_bytes(), "line {}", r.line);
    }
    let edge = read_vcf(tiny.join("variants_edge_cases.vcf")).unwrap();
    assert_eq!(edge.records.len(), 8);
    let csv = read_sequence_csv(tiny.join("sequences.csv"), &SequenceCsvOptions::default()).unwrap();
    assert_eq!(csv.records.sequences.len(), 600 * 100);
}
