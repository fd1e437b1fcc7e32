//! Morgan (ECFP-style) circular fingerprints: the standard input of a
//! molecular property MLP.
//!
//! Each atom starts from a hash of its invariants; each iteration replaces
//! it with a hash of the iteration number, its own identifier and its
//! neighbours' (bond order, identifier) pairs, so after `r` iterations an
//! identifier describes the atom's neighbourhood of radius `r`. The
//! identifiers of all atoms at every iteration 0..=radius are folded into
//! `n_bits` positions (`identifier mod n_bits`).
//!
//! Initial invariants (Daylight-like, close to RDKit's): atomic number,
//! heavy-atom degree, total hydrogens, formal charge, isotope (0 when
//! natural) and ring membership. Aromaticity enters through bond orders.
//!
//! Differences from RDKit's Morgan, so numbers are comparable in spirit
//! only: a different hash, neighbour pairs hashed then sorted (any fixed
//! order independent of atom numbering works), and no removal of
//! duplicate environments (two atoms covering the same bonds both count).
//! Chirality is ignored.

use serde::{Deserialize, Serialize};

use crate::hash::combine;
use crate::molecule::Molecule;

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
        MorganSpec {
            radius: 2,
            n_bits: 2048,
            counts: false,
        }
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

/// Seed of iteration 0 and the per-iteration salt; part of the format.
const SEED: u64 = 0x6D65_6472_6566_2D66; // "medref-f"

/// Atoms up to this many use stack buffers (no allocation per molecule).
const STACK_ATOMS: usize = 128;
/// Neighbours up to this many are sorted on the stack.
const STACK_DEGREE: usize = 16;

/// Hash of an atom's initial invariants (see the module documentation).
pub fn atom_invariant(mol: &Molecule, atom: usize) -> u64 {
    let Some(a) = mol.atoms().get(atom) else {
        return 0;
    };
    let mut h = combine(SEED, u64::from(a.atomic_number));
    h = combine(h, mol.heavy_degree(atom) as u64);
    h = combine(h, u64::from(a.hydrogens));
    h = combine(h, i64::from(a.charge) as u64);
    h = combine(h, u64::from(a.isotope.unwrap_or(0)));
    combine(h, u64::from(mol.atom_in_ring(atom)))
}

/// Writes the fingerprint of `mol` into `out` (`out.len()` must equal
/// `spec.n_bits`): 0/1 per bit, or counts with `spec.counts`. Does not
/// allocate for molecules up to 128 atoms, so it can run in a batch loop.
pub fn morgan(mol: &Molecule, spec: &MorganSpec, out: &mut [f32]) -> Result<(), FingerprintError> {
    if spec.n_bits == 0 {
        return Err(FingerprintError::ZeroBits);
    }
    if out.len() != spec.n_bits {
        return Err(FingerprintError::BufferLength {
            expected: spec.n_bits,
            found: out.len(),
        });
    }
    out.fill(0.0);
    let n_bits = spec.n_bits as u64;
    let counts = spec.counts;
    for_each_identifier(mol, spec.radius, |id| {
        // id % n_bits < n_bits == out.len()
        let slot = &mut out[(id % n_bits) as usize];
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

/// The unfolded identifiers, atom by atom for iteration 0, then 1, ...:
/// `atom_count * (radius + 1)` values. For inspection and tests.
pub fn morgan_identifiers(mol: &Molecule, radius: u32) -> Vec<u64> {
    let mut ids = Vec::with_capacity(mol.atom_count() * (radius as usize + 1));
    for_each_identifier(mol, radius, |id| ids.push(id));
    ids
}

/// Calls `emit` with every identifier of every atom at every iteration.
fn for_each_identifier(mol: &Molecule, radius: u32, mut emit: impl FnMut(u64)) {
    let n = mol.atom_count();
    let mut stack = [0u64; 2 * STACK_ATOMS];
    let mut heap = Vec::new();
    let buffer: &mut [u64] = if n <= STACK_ATOMS {
        &mut stack[..2 * n]
    } else {
        heap.resize(2 * n, 0);
        &mut heap
    };
    let (mut current, mut next) = buffer.split_at_mut(n);
    for (atom, id) in current.iter_mut().enumerate() {
        *id = atom_invariant(mol, atom);
        emit(*id);
    }
    let bonds = mol.bonds();
    let mut spill = Vec::new();
    for iteration in 1..=radius {
        let salt = combine(SEED, u64::from(iteration));
        for atom in 0..n {
            let neighbors = mol.neighbors(atom);
            let mut small = [0u64; STACK_DEGREE];
            let pairs: &mut [u64] = if neighbors.len() <= STACK_DEGREE {
                &mut small[..neighbors.len()]
            } else {
                spill.clear();
                spill.resize(neighbors.len(), 0);
                &mut spill
            };
            for (pair, nb) in pairs.iter_mut().zip(neighbors) {
                let code = bonds.get(nb.bond).map_or(0, |b| u64::from(b.order.code()));
                *pair = combine(code, current[nb.atom]);
            }
            pairs.sort_unstable();
            let mut h = combine(salt, current[atom]);
            for &p in pairs.iter() {
                h = combine(h, p);
            }
            next[atom] = h;
            emit(h);
        }
        std::mem::swap(&mut current, &mut next);
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
        assert_eq!(
            fp("CC(=O)Oc1ccccc1C(=O)O", &spec),
            fp("OC(=O)c1ccccc1OC(C)=O", &spec)
        );
        assert_ne!(fp("CCO", &spec), fp("CCN", &spec));
    }

    #[test]
    fn counts_and_bits_agree() {
        let bits = fp("CCCCCC", &MorganSpec::default());
        let counts = fp(
            "CCCCCC",
            &MorganSpec {
                counts: true,
                ..MorganSpec::default()
            },
        );
        for (b, c) in bits.iter().zip(&counts) {
            assert_eq!(*b > 0.0, *c > 0.0);
        }
        // 6 atoms x 3 iterations of identifiers in all.
        assert_eq!(counts.iter().sum::<f32>(), 18.0);
        // At radius 0 hexane has two kinds of atom: CH3 and CH2.
        let r0 = fp(
            "CCCCCC",
            &MorganSpec {
                radius: 0,
                n_bits: 1 << 20,
                counts: false,
            },
        );
        assert_eq!(r0.iter().sum::<f32>(), 2.0);
    }

    #[test]
    fn identifiers_are_pinned() {
        // Stable across platforms and runs; a change here changes every
        // saved fingerprint, so it must be deliberate.
        let ids = morgan_identifiers(&parse_smiles("CO").unwrap(), 1);
        assert_eq!(ids.len(), 4);
        let again = morgan_identifiers(&parse_smiles("OC").unwrap(), 1);
        let mut a = ids.clone();
        let mut b = again;
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        assert_eq!(ids[0], PINNED_METHANOL_C0, "{:#x}", ids[0]);
    }

    /// Methanol's carbon at radius 0; an independent Python transcription
    /// of `hash.rs` gives the same number.
    const PINNED_METHANOL_C0: u64 = 0x65fc_36b2_a1e9_d28b;

    #[test]
    fn buffer_length_is_checked() {
        let m = parse_smiles("C").unwrap();
        let mut out = vec![0.0; 10];
        let spec = MorganSpec::default();
        assert_eq!(
            morgan(&m, &spec, &mut out),
            Err(FingerprintError::BufferLength {
                expected: 2048,
                found: 10
            })
        );
        let spec = MorganSpec { n_bits: 0, ..spec };
        assert_eq!(morgan(&m, &spec, &mut []), Err(FingerprintError::ZeroBits));
    }

    #[test]
    fn large_molecules_use_the_heap_path() {
        let chain = "C".repeat(300);
        let m = parse_smiles(&chain).unwrap();
        let v = morgan_vec(
            &m,
            &MorganSpec {
                counts: true,
                ..MorganSpec::default()
            },
        )
        .unwrap();
        assert_eq!(v.iter().sum::<f32>(), 900.0);
        let star = format!("C{}", "(C)".repeat(40));
        assert!(morgan_vec(&parse_smiles(&star).unwrap(), &MorganSpec::default()).is_ok());
    }
}
