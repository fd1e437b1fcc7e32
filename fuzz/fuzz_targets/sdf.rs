//! V2000 SDF files: `medref_chem::read_sdf_from` over the raw bytes (and
//! the streaming `SdfReader`, which resumes after bad records), then the
//! molecule features as in the `smiles` target.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_chem::{canonical_key, descriptors, morgan_vec, scaffold_key, MorganSpec, SdfReader};

fuzz_target!(|data: &[u8]| {
    let _ = medref_chem::read_sdf_from(data, "fuzz.sdf");
    for record in SdfReader::new(data, "fuzz.sdf").take(64) {
        let Ok(record) = record else { continue };
        let _ = record.tag("value");
        let mol = &record.molecule;
        let _ = morgan_vec(mol, &MorganSpec::default());
        let _ = descriptors(mol).to_array();
        let _ = canonical_key(mol);
        let _ = scaffold_key(mol);
    }
});
