//! The Huuskonen solubility set as shipped in `datasets/drug`: every
//! record's molfile and its `<smiles>` tag must describe the same molecule
//! as far as heavy atoms, rings and hydrogens go. This cross-checks the
//! SDF and SMILES readers against each other on 1282 real structures.

use std::path::PathBuf;

use medref_chem::{parse_smiles, read_sdf};

fn dataset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/drug").join(name)
}

fn check(name: &str, expected_records: usize) {
    let records = read_sdf(dataset(name)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), expected_records, "{name}");
    let mut mismatches = Vec::new();
    for r in &records {
        // The train file says <smiles>, the test file <SMILES>.
        let smiles =
            r.tag("smiles").or(r.tag("SMILES")).unwrap_or_else(|| panic!("{name} record {}: no <smiles>", r.index + 1));
        let from_smiles =
            parse_smiles(smiles.trim()).unwrap_or_else(|e| panic!("{name} record {}: {smiles}: {e}", r.index + 1));
        let sdf = &r.molecule;
        let got = (sdf.heavy_atom_count(), sdf.ring_count(), sdf.total_hydrogens());
        let want = (from_smiles.heavy_atom_count(), from_smiles.ring_count(), from_smiles.total_hydrogens());
        if got != want {
            mismatches.push(format!(
                "record {} {:?} {smiles}: molfile (heavy, rings, H) {got:?}, SMILES {want:?}",
                r.index + 1,
                r.title
            ));
        }
        for tag in ["SOL", "SOL_classification"] {
            assert!(r.tag(tag).is_some(), "{name} record {}: no <{tag}>", r.index + 1);
        }
        r.tag("SOL").unwrap().trim().parse::<f64>().expect("SOL is a number");
    }
    assert!(mismatches.is_empty(), "{name}: {} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn train_file_molblocks_match_their_smiles() {
    check("solubility.train.sdf", 1025);
}

#[test]
fn test_file_molblocks_match_their_smiles() {
    check("solubility.test.sdf", 257);
}
