//! Regenerates the committed genomics fixtures under
//! `datasets/genomics/tiny/`: `reference.fa`, `reference.fa.fai`,
//! `regions.bed`, `variants.vcf`, `sequences.csv` (from
//! [`SynthGenomicsSpec::tiny`]) and `variants_edge_cases.vcf`.
//!
//! `cargo run -p medref-data --example make_genomics_fixtures` (from the
//! workspace root). The test `tiny_genomics_fixture_is_reproducible`
//! checks that this gives the committed bytes.

use std::path::Path;

use medref_core::fsutil::write_atomic;
use medref_data::synth_genomics::{generate, write_synth_genomics, SynthGenomicsSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/genomics/tiny");
    let spec = SynthGenomicsSpec::tiny();
    let paths = write_synth_genomics(&tiny, &spec)?;
    let synth = generate(&spec)?;
    write_atomic(&tiny.join("variants_edge_cases.vcf"), synth.edge_case_vcf_text().as_bytes())?;
    println!(
        "wrote {} windows ({} bp), {} variants under {}",
        synth.regions.len(),
        spec.seq_len,
        synth.variants.len(),
        paths.reference.parent().unwrap_or(&tiny).display()
    );
    Ok(())
}
