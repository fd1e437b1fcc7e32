//! Kekulé and aromatic inputs of one molecule must be indistinguishable to
//! everything downstream: duplicate detection (canonical keys), the model
//! inputs (fingerprints, descriptors) and the split (scaffolds).

use std::path::PathBuf;

use medref_chem::{
    canonical_key, descriptors, morgan_vec, parse_sdf, parse_smiles, read_sdf, scaffold_key, Molecule, MorganSpec,
};

/// Everything a baseline derives from a molecule, for equality checks.
fn features(m: &Molecule) -> (String, Vec<f32>, Vec<f32>, Vec<f64>, String) {
    let bits = morgan_vec(m, &MorganSpec::default()).unwrap();
    let counts = morgan_vec(m, &MorganSpec { counts: true, ..MorganSpec::default() }).unwrap();
    // Rounded: summing atom masses in another order moves the last bit.
    let d = descriptors(m).to_array().iter().map(|v| (v * 1e6).round() / 1e6).collect();
    (canonical_key(m), bits, counts, d, scaffold_key(m))
}

#[test]
fn kekule_smiles_give_the_features_of_aromatic_smiles() {
    let pairs = [
        ("benzene", "C1=CC=CC=C1", "c1ccccc1"),
        ("pyridine", "C1=CC=NC=C1", "c1ccncc1"),
        ("pyrrole", "C1=CNC=C1", "c1cc[nH]c1"),
        ("furan", "C1=COC=C1", "c1ccoc1"),
        ("thiophene", "C1=CSC=C1", "c1ccsc1"),
        ("naphthalene", "C1=CC=C2C=CC=CC2=C1", "c1ccc2ccccc2c1"),
        ("indole", "C1=CC=C2C(=C1)C=CN2", "c1ccc2[nH]ccc2c1"),
        ("caffeine", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
        ("aspirin", "CC(=O)OC1=CC=CC=C1C(=O)O", "CC(=O)Oc1ccccc1C(=O)O"),
    ];
    for (name, kekule, aromatic) in pairs {
        let k = features(&parse_smiles(kekule).unwrap());
        let a = features(&parse_smiles(aromatic).unwrap());
        assert_eq!(k, a, "{name}");
        // The ring is seen as aromatic: one aromatic ring at least.
        assert!(a.3[2] >= 1.0, "{name}: aromatic_rings = {}", a.3[2]);
    }
}

#[test]
fn non_aromatic_rings_do_not_meet_their_aromatic_spelling() {
    // Cyclohexadiene and cyclooctatetraene stay Kekulé: no aromatic ring.
    for s in ["C1=CCC=CC1", "C1=CC=CC=CC=C1"] {
        let d = descriptors(&parse_smiles(s).unwrap());
        assert_eq!(d.aromatic_rings, 0, "{s}");
    }
    assert_ne!(
        canonical_key(&parse_smiles("C1=CC=CC=CC=C1").unwrap()),
        canonical_key(&parse_smiles("C1=CC=CC=C1").unwrap())
    );
}

/// Pyridine as a molfile, bonds given as `order` per ring bond in turn.
fn pyridine_molfile(orders: [u8; 6]) -> String {
    let mut s = String::from("pyridine\n  test\n\n  6  6  0  0  0  0  0  0  0  0999 V2000\n");
    for el in ["N", "C", "C", "C", "C", "C"] {
        s.push_str(&format!("    0.0000    0.0000    0.0000 {el:<3} 0  0  0  0  0  0  0  0  0  0  0  0\n"));
    }
    for (i, o) in orders.iter().enumerate() {
        s.push_str(&format!("{:>3}{:>3}{:>3}  0\n", i + 1, (i + 1) % 6 + 1, o));
    }
    s.push_str("M  END\n$$$$\n");
    s
}

#[test]
fn sdf_with_alternating_bonds_reads_as_the_aromatic_smiles() {
    let smiles = features(&parse_smiles("c1ccncc1").unwrap());
    for orders in [[2, 1, 2, 1, 2, 1], [1, 2, 1, 2, 1, 2], [4; 6]] {
        let records = parse_sdf(&pyridine_molfile(orders)).unwrap();
        assert_eq!(features(&records[0].molecule), smiles, "{orders:?}");
    }
}

#[test]
fn shipped_kekule_molfiles_match_their_aromatic_smiles() {
    // The Huuskonen SDFs are written Kekulé by RDKit, their <smiles> tags
    // aromatic: the canonical keys must agree record by record. Two tags
    // leave out the H of an aromatic NH (RDKit refuses them); the reader
    // puts it on another N than the molfile does, a different tautomer.
    let known = ["c1nc(O)c2cnnc2n1", "n(c(c(ncn1)c1n2)N)c2"];
    for name in ["solubility.train.sdf", "solubility.test.sdf"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/drug").join(name);
        let records = read_sdf(path).unwrap();
        let mut differ = Vec::new();
        for r in &records {
            let smiles = r.tag("smiles").or(r.tag("SMILES")).unwrap().trim();
            let from_smiles = parse_smiles(smiles).unwrap();
            if canonical_key(&r.molecule) != canonical_key(&from_smiles) && !known.contains(&smiles) {
                differ.push(format!("record {}: {smiles}", r.index + 1));
            }
        }
        assert!(differ.is_empty(), "{name}: {} differ: {:?}", differ.len(), differ);
    }
}
