//! The committed tiny tables are exactly what their generators write, so
//! anyone can regenerate them and CI notices a drifting generator.

use medref_tabular::frame::write_csv;
use medref_tabular::synth::{synth_clinical, synth_drug, SynthClinicalSpec, SynthDrugSpec};

fn committed(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn tiny_clinical_fixture_is_reproducible() {
    assert_eq!(write_csv(&synth_clinical(&SynthClinicalSpec::tiny())), committed("clinical/tiny/visits.csv"));
}

#[test]
fn tiny_drug_fixture_is_reproducible() {
    assert_eq!(write_csv(&synth_drug(&SynthDrugSpec::tiny())), committed("drug/tiny/molecules.csv"));
}
