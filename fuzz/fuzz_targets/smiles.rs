//! SMILES strings: `medref_chem::parse_smiles`, then everything the drug
//! domain computes from a parsed molecule (fingerprints, descriptors,
//! canonical key, Murcko scaffold), which must not panic on any molecule
//! the parser accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_chem::{
    canonical_key, descriptors, morgan_vec, murcko_scaffold, parse_smiles, scaffold_key, MorganSpec,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mol) = parse_smiles(text) else {
        return;
    };
    let _ = morgan_vec(&mol, &MorganSpec::default());
    let counts = MorganSpec {
        radius: 3,
        n_bits: 64,
        counts: true,
    };
    let _ = morgan_vec(&mol, &counts);
    let _ = descriptors(&mol).to_array();
    let _ = canonical_key(&mol);
    let _ = mol.rings();
    let _ = murcko_scaffold(&mol).atom_count();
    let _ = scaffold_key(&mol);
});
