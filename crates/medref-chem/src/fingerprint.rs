//! Morgan (ECFP) circular fingerprints identical to RDKit's default Morgan
//! generator (`GetMorganGenerator(radius, fpSize)`, the same bits as the
//! older `GetMorganFingerprintAsBitVect`), because users compare numbers
//! with RDKit and reuse fingerprints across tools.
//!
//! The algorithm is Rogers and Hahn's ECFP (J. Chem. Inf. Model. 2010,
//! 50, 742) with RDKit's conventions, all in 32-bit arithmetic:
//! - An atom starts from a hash of (atomic number, total degree including
//!   hydrogens, total hydrogens, formal charge, isotope mass minus the
//!   standard weight truncated to an integer, then 1 if the atom is in a
//!   ring), hashed in that order.
//! - Iteration `layer` (0-based) gives an atom the hash of `layer`, its
//!   previous identifier, then each neighbour's (bond type, identifier)
//!   pair in sorted order; bond types are RDKit's numbers (single 1,
//!   double 2, triple 3, quadruple 4, aromatic 12).
//! - Each identifier also records the set of bonds it covers. An
//!   identifier whose bond set was already produced (in an earlier
//!   iteration, or in this one by an atom with a smaller identifier) is
//!   dropped, and its atom stops growing.
//! - Identifiers fold into `identifier mod n_bits`.
//!
//! The hash is the Boost `hash_combine` step RDKit uses,
//! `seed ^= value + 0x9e3779b9 + (seed << 6) + (seed >> 2)`, a pair
//! hashed as its two members combined into 0. Chirality is ignored (RDKit's
//! default). Isotope masses are taken as the mass number (2.014 and 3.016
//! for D and T), which truncates to RDKit's value for ordinary isotopes.

use serde::{Deserialize, Serialize};

use crate::elements;
use crate::molecule::{BondOrder, Molecule};

/// What fingerprint to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MorganSpec {
    /// Neighbourhood radius in bonds; 2 gives ECFP4.
    pub radius: u32,
    /// Length of the folded vector.
    pub n_bits: usize,
    /// Count occurrences per folded bit instead of 0/1 presence.
    pub counts: bool,
}

impl Default for MorganSpec {
    /// ECFP4 as bits: radius 2, 2048 bits.
    fn default() -> Self {
        MorganSpec { radius: 2, n_bits: 2048, counts: false }
    }
}

/// Why a fingerprint could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// `n_bits` is 0.
    #[error("MorganSpec.n_bits must be at least 1")]
    ZeroBits,
    /// The caller's buffer does not match `n_bits`.
    #[error("output buffer holds {found} values, expected n_bits = {expected}")]
    BufferLength {
        /// `spec.n_bits`.
        expected: usize,
        /// `out.len()`.
        found: usize,
    },
}

/// One Boost `hash_combine` step on 32-bit words.
fn hash_combine(seed: u32, value: u32) -> u32 {
    seed ^ value.wrapping_add(0x9e37_79b9).wrapping_add(seed << 6).wrapping_add(seed >> 2)
}

/// RDKit's bond type number.
fn bond_type_code(order: BondOrder) -> u32 {
    match order {
        BondOrder::Single => 1,
        BondOrder::Double => 2,
        BondOrder::Triple => 3,
        BondOrder::Quadruple => 4,
        BondOrder::Aromatic => 12,
    }
}

/// The radius-0 identifier of `atom` (see the module documentation); 0
/// for an index out of range.
pub fn atom_invariant(mol: &Molecule, atom: usize) -> u64 {
    let Some(a) = mol.atoms().get(atom) else {
        return 0;
    };
    let h_atoms =
        mol.neighbors(atom).iter().filter(|nb| mol.atoms().get(nb.atom).is_some_and(|x| x.atomic_number == 1)).count()
            as u32;
    let delta_mass = match (a.atomic_number, a.isotope) {
        (_, None) => 0,
        (z, Some(mass)) => {
            let mass = match (z, mass) {
                (1, 2) => 2.014,
                (1, 3) => 3.016,
                _ => f64::from(mass),
            };
            (mass - elements::average_mass(z)) as i32
        }
    };
    let mut components = vec![
        u32::from(a.atomic_number),
        mol.degree(atom) as u32 + u32::from(a.hydrogens),
        u32::from(a.hydrogens) + h_atoms,
        i32::from(a.charge) as u32,
        delta_mass as u32,
    ];
    if mol.atom_in_ring(atom) {
        components.push(1);
    }
    u64::from(components.into_iter().fold(0, hash_combine))
}

/// Writes the fingerprint of `mol` into `out` (`out.len()` must equal
/// `spec.n_bits`): 0/1 per bit, or counts with `spec.counts`.
pub fn morgan(mol: &Molecule, spec: &MorganSpec, out: &mut [f32]) -> Result<(), FingerprintError> {
    if spec.n_bits == 0 {
        return Err(FingerprintError::ZeroBits);
    }
    if out.len() != spec.n_bits {
        return Err(FingerprintError::BufferLength { expected: spec.n_bits, found: out.len() });
    }
    out.fill(0.0);
    let n_bits = spec.n_bits as u64;
    let counts = spec.counts;
    for_each_identifier(mol, spec.radius, |id| {
        // id % n_bits < n_bits == out.len()
        let slot = &mut out[(u64::from(id) % n_bits) as usize];
        if counts {
            *slot += 1.0;
        } else {
            *slot = 1.0;
        }
    });
    Ok(())
}

/// [`morgan`] into a new vector of length `spec.n_bits`.
pub fn morgan_vec(mol: &Molecule, spec: &MorganSpec) -> Result<Vec<f32>, FingerprintError> {
    let mut out = vec![0.0; spec.n_bits];
    morgan(mol, spec, &mut out)?;
    Ok(out)
}

/// The unfolded identifiers RDKit would report (its sparse, unhashed
/// Morgan fingerprint), radius 0 atom by atom first, then each layer's
/// surviving environments. For inspection and tests.
pub fn morgan_identifiers(mol: &Molecule, radius: u32) -> Vec<u64> {
    let mut ids = Vec::with_capacity(mol.atom_count() * (radius as usize + 1));
    for_each_identifier(mol, radius, |id| ids.push(u64::from(id)));
    ids
}

/// Calls `emit` with every identifier that survives duplicate removal.
fn for_each_identifier(mol: &Molecule, radius: u32, mut emit: impl FnMut(u32)) {
    let n = mol.atom_count();
    let mut current: Vec<u32> = (0..n).map(|a| atom_invariant(mol, a) as u32).collect();
    for &id in &current {
        emit(id);
    }
    let words = mol.bond_count().div_ceil(64).max(1);
    // Bond sets covered by each atom's identifier, `words` u64s per atom.
    let mut covered = vec![0u64; n * words];
    let mut dead = vec![false; n];
    let mut seen: std::collections::HashSet<Vec<u64>> = std::collections::HashSet::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for layer in 0..radius {
        let previous = covered.clone();
        let mut next = vec![0u32; n];
        let mut round: Vec<(Vec<u64>, u32, usize)> = Vec::new();
        for atom in 0..n {
            if dead[atom] {
                continue;
            }
            let neighbors = mol.neighbors(atom);
            if neighbors.is_empty() {
                dead[atom] = true;
                continue;
            }
            pairs.clear();
            for nb in neighbors {
                covered[atom * words + nb.bond / 64] |= 1u64 << (nb.bond % 64);
                for w in 0..words {
                    covered[atom * words + w] |= previous[nb.atom * words + w];
                }
                let code = mol.bonds().get(nb.bond).map_or(1, |b| bond_type_code(b.order));
                pairs.push((code, current[nb.atom]));
            }
            pairs.sort_unstable();
            let mut id = hash_combine(layer, current[atom]);
            for &(code, neighbor_id) in &pairs {
                id = hash_combine(id, hash_combine(hash_combine(0, code), neighbor_id));
            }
            next[atom] = id;
            round.push((covered[atom * words..(atom + 1) * words].to_vec(), id, atom));
        }
        round.sort_unstable();
        for (bonds, id, atom) in round {
            if seen.contains(&bonds) {
                dead[atom] = true;
            } else {
                emit(id);
                seen.insert(bonds);
            }
        }
        current = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smiles::parse_smiles;

    fn fp(s: &str, spec: &MorganSpec) -> Vec<f32> {
        morgan_vec(&parse_smiles(s).unwrap(), spec).unwrap()
    }

    #[test]
    fn atom_order_does_not_matter() {
        let spec = MorganSpec::default();
        assert_eq!(fp("OCC", &spec), fp("CCO", &spec));
        assert_eq!(fp("Oc1ccccc1", &spec), fp("c1ccccc1O", &spec));
        assert_eq!(fp("CC(=O)Oc1ccccc1C(=O)O", &spec), fp("OC(=O)c1ccccc1OC(C)=O", &spec));
        assert_ne!(fp("CCO", &spec), fp("CCN", &spec));
    }

    #[test]
    fn counts_and_bits_agree() {
        let bits = fp("CCCCCC", &MorganSpec::default());
        let counts = fp("CCCCCC", &MorganSpec { counts: true, ..MorganSpec::default() });
        for (b, c) in bits.iter().zip(&counts) {
            assert_eq!(*b > 0.0, *c > 0.0);
        }
        // 6 + 6 + 4: at radius 2 the end atoms repeat the bond sets of
        // their neighbours at radius 1 and are dropped.
        assert_eq!(counts.iter().sum::<f32>(), 16.0);
        // At radius 0 hexane has two kinds of atom: CH3 and CH2.
        let r0 = fp("CCCCCC", &MorganSpec { radius: 0, n_bits: 1 << 20, counts: false });
        assert_eq!(r0.iter().sum::<f32>(), 2.0);
    }

    /// Sorted unfolded identifiers with their counts.
    fn sparse(s: &str) -> Vec<(u64, usize)> {
        let mut ids = morgan_identifiers(&parse_smiles(s).unwrap(), 2);
        ids.sort_unstable();
        let mut out: Vec<(u64, usize)> = Vec::new();
        for id in ids {
            match out.last_mut() {
                Some((last, count)) if *last == id => *count += 1,
                _ => out.push((id, 1)),
            }
        }
        out
    }

    #[test]
    fn identifiers_equal_rdkits() {
        // RDKit 2026.09 `GetMorganGenerator(radius=2).GetSparseCountFingerprint`
        // on the same SMILES. A change here changes every saved fingerprint.
        let cases: [(&str, &[(u64, usize)]); 5] = [
            ("CO", &[(864662311, 1), (1533899907, 1), (2246728737, 1)]),
            (
                "CCCCCC",
                &[
                    (1173125914, 2),
                    (1510461303, 2),
                    (1685248591, 2),
                    (2245384272, 4),
                    (2246728737, 2),
                    (3542456614, 2),
                    (3745584548, 2),
                ],
            ),
            (
                "c1ccccc1O",
                &[
                    (26234434, 1),
                    (98513984, 3),
                    (251179073, 2),
                    (859799282, 1),
                    (864662311, 1),
                    (951226070, 2),
                    (2763854213, 1),
                    (2905660137, 1),
                    (3217380708, 1),
                    (3218693969, 5),
                    (3999906991, 2),
                ],
            ),
            ("[13CH4]", &[(2246733040, 1)]),
            ("C[N+](C)(C)C", &[(847698334, 1), (2246728737, 4), (3824347764, 4), (4175736998, 1)]),
        ];
        for (smiles, want) in cases {
            assert_eq!(sparse(smiles), want.to_vec(), "{smiles}");
        }
    }

    #[test]
    fn buffer_length_is_checked() {
        let m = parse_smiles("C").unwrap();
        let mut out = vec![0.0; 10];
        let spec = MorganSpec::default();
        assert_eq!(morgan(&m, &spec, &mut out), Err(FingerprintError::BufferLength { expected: 2048, found: 10 }));
        let spec = MorganSpec { n_bits: 0, ..spec };
        assert_eq!(morgan(&m, &spec, &mut []), Err(FingerprintError::ZeroBits));
    }

    #[test]
    fn large_molecules_use_the_heap_path() {
        let chain = "C".repeat(300);
        let m = parse_smiles(&chain).unwrap();
        let v = morgan_vec(&m, &MorganSpec { counts: true, ..MorganSpec::default() }).unwrap();
        assert_eq!(v.iter().sum::<f32>(), 300.0 + 300.0 + 298.0);
        let star = format!("C{}", "(C)".repeat(40));
        assert!(morgan_vec(&parse_smiles(&star).unwrap(), &MorganSpec::default()).is_ok());
    }
}
