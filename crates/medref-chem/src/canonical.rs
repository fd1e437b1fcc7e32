//! A canonical key per molecule: the same structure gives the same key
//! whatever the atom order or SMILES spelling, so duplicates can be found
//! across splits and scaffolds grouped.
//!
//! Method: atoms are ranked by their invariants (element, isotope, charge,
//! hydrogens, aromatic flag, degree, ring membership), then the ranks are
//! refined Weisfeiler-Lehman style (rank plus sorted neighbour (rank, bond
//! order)) until the partition is stable. While some atoms still share a
//! rank, the lowest shared rank is split by singling out one of its atoms,
//! and refinement runs again. The graph written in that order is the
//! canonical string; its 128-bit hash is the key.
//!
//! Limits: stereo marks are ignored (enantiomers and cis/trans isomers
//! share a key). Kekulé and aromatic spellings meet because the readers
//! perceive aromaticity (`C1=CC=CC=C1` is `c1ccccc1`). Tie breaks assume that atoms which
//! refinement cannot tell apart are symmetric, true for ordinary molecules;
//! for exotic highly regular graphs the key could depend on input order
//! (never the other way round: equal keys always mean equal graphs, up to
//! hash collisions).

use crate::hash::hash_bytes;
use crate::molecule::Molecule;

/// Canonical position of each atom: `ranks[atom]` is in `0..atom_count`,
/// all different.
pub fn canonical_ranks(mol: &Molecule) -> Vec<usize> {
    let n = mol.atom_count();
    let initial: Vec<u64> = (0..n).map(|i| atom_key(mol, i)).collect();
    let (mut ranks, _) = dense_rank(&initial);
    loop {
        let classes = refine(mol, &mut ranks);
        if classes >= n {
            return ranks;
        }
        let mut members = vec![0usize; n];
        for &r in &ranks {
            members[r] += 1;
        }
        let Some(tied) = members.iter().position(|&m| m > 1) else {
            return ranks;
        };
        let Some(chosen) = ranks.iter().position(|&r| r == tied) else {
            return ranks;
        };
        let keys: Vec<usize> =
            ranks.iter().enumerate().map(|(i, &r)| 2 * r + usize::from(r == tied && i != chosen)).collect();
        ranks = dense_rank(&keys).0;
    }
}

/// The molecule written in canonical order: bracket-style atom tokens, `|`,
/// then the sorted bonds as `rank order-symbol rank`, e.g. ethanol is
/// `[CH2][CH3][OH1]|0-1,0-2` (atoms sort by element, then hydrogens). Empty for an empty molecule.
pub fn canonical_string(mol: &Molecule) -> String {
    let n = mol.atom_count();
    if n == 0 {
        return String::new();
    }
    let ranks = canonical_ranks(mol);
    let mut order = vec![0usize; n];
    for (atom, &r) in ranks.iter().enumerate() {
        order[r] = atom;
    }
    let mut out = String::with_capacity(8 * n + 6 * mol.bond_count());
    for &atom in &order {
        let a = &mol.atoms()[atom];
        out.push('[');
        if let Some(iso) = a.isotope {
            out.push_str(&iso.to_string());
        }
        if a.aromatic {
            out.push_str(&a.symbol().to_ascii_lowercase());
        } else {
            out.push_str(a.symbol());
        }
        if a.hydrogens > 0 {
            out.push('H');
            out.push_str(&a.hydrogens.to_string());
        }
        if a.charge != 0 {
            out.push(if a.charge > 0 { '+' } else { '-' });
            out.push_str(&a.charge.unsigned_abs().to_string());
        }
        out.push(']');
    }
    out.push('|');
    let mut bonds: Vec<(usize, usize, char)> = mol
        .bonds()
        .iter()
        .map(|b| {
            let (x, y) = (ranks[b.begin], ranks[b.end]);
            (x.min(y), x.max(y), b.order.symbol())
        })
        .collect();
    bonds.sort_unstable();
    for (k, (x, y, symbol)) in bonds.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(&x.to_string());
        out.push(*symbol);
        out.push_str(&y.to_string());
    }
    out
}

/// 32 hex digits: a 128-bit hash of [`canonical_string`]. Stable across
/// platforms and versions of this crate that keep the string format.
pub fn canonical_key(mol: &Molecule) -> String {
    let s = canonical_string(mol);
    let a = hash_bytes(0x6361_6E6F_6E69_6361, s.as_bytes());
    let b = hash_bytes(0x6C2D_6B65_792D_3132, s.as_bytes());
    format!("{a:016x}{b:016x}")
}

/// Packed invariants: ordering by them is meaningful and input-independent.
fn atom_key(mol: &Molecule, i: usize) -> u64 {
    let a = &mol.atoms()[i];
    let charge = (i64::from(a.charge) + 128) as u64;
    (u64::from(a.atomic_number) << 56)
        | (u64::from(a.isotope.unwrap_or(0)) << 40)
        | (charge << 32)
        | (u64::from(a.hydrogens) << 24)
        | (u64::from(a.aromatic) << 23)
        | ((mol.degree(i).min(0x3F_FFFF) as u64) << 1)
        | u64::from(mol.atom_in_ring(i))
}

/// Ranks 0.. by sorted key, equal keys sharing a rank; also the number of
/// distinct ranks.
fn dense_rank<T: Ord>(keys: &[T]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut ranks = vec![0usize; keys.len()];
    let mut rank = 0;
    for (k, pair) in order.windows(2).enumerate() {
        if keys[pair[0]] != keys[pair[1]] {
            rank = k + 1;
        }
        ranks[pair[1]] = rank;
    }
    // Ranks so far jump over tied atoms; compress them to 0..classes.
    let mut distinct: Vec<usize> = ranks.clone();
    distinct.sort_unstable();
    distinct.dedup();
    for r in &mut ranks {
        *r = distinct.binary_search(r).unwrap_or(0);
    }
    (ranks, distinct.len())
}

/// Refines `ranks` by neighbourhoods until no class splits; returns the
/// number of classes.
fn refine(mol: &Molecule, ranks: &mut Vec<usize>) -> usize {
    let n = ranks.len();
    let mut classes = {
        let mut d = ranks.clone();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    loop {
        let signatures: Vec<Vec<u64>> = (0..n)
            .map(|i| {
                let mut sig: Vec<u64> = mol
                    .neighbors(i)
                    .iter()
                    .map(|nb| {
                        let code = mol.bonds().get(nb.bond).map_or(0, |b| u64::from(b.order.code()));
                        ((ranks[nb.atom] as u64) << 3) | code
                    })
                    .collect();
                sig.sort_unstable();
                sig.insert(0, ranks[i] as u64);
                sig
            })
            .collect();
        let (new, new_classes) = dense_rank(&signatures);
        if new_classes == classes {
            return classes;
        }
        *ranks = new;
        classes = new_classes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smiles::parse_smiles;

    fn key(s: &str) -> String {
        canonical_key(&parse_smiles(s).unwrap())
    }

    #[test]
    fn spelling_does_not_matter() {
        assert_eq!(key("OCC"), key("CCO"));
        assert_eq!(key("C(C)O"), key("CCO"));
        assert_eq!(key("c1ccccc1O"), key("Oc1ccccc1"));
        assert_eq!(key("C1CCCCC1C"), key("C2CCCCC2C"));
        assert_eq!(key("c1ccc2ccccc2c1"), key("c1cc2ccccc2cc1"));
        assert_eq!(key("CC(=O)O"), key("CC(O)=O"));
        assert_eq!(key("CC(=O)Oc1ccccc1C(=O)O"), key("OC(=O)c1ccccc1OC(C)=O"));
        assert_eq!(key("[Na+].[Cl-]"), key("[Cl-].[Na+]"));
        assert_eq!(key("N[C@@H](C)C(=O)O"), key("N[C@H](C)C(=O)O"));
    }

    #[test]
    fn different_molecules_differ() {
        assert_ne!(key("CCO"), key("CO"));
        assert_ne!(key("CCO"), key("COC"));
        assert_ne!(key("c1ccccc1"), key("C1CCCCC1"));
        assert_ne!(key("Oc1ccccc1C"), key("Oc1cccc(C)c1"));
        // Both are 12 CH2 in 2-regular graphs; refinement alone cannot
        // separate them, the written bonds do.
        assert_ne!(key("C1CCCCC1.C1CCCCC1"), key("C1CCCCCCCCCCC1"));
        assert_ne!(key("[13CH4]"), key("C"));
    }

    #[test]
    fn string_is_readable_and_key_is_hex() {
        let s = canonical_string(&parse_smiles("OCC").unwrap());
        assert_eq!(s, "[CH2][CH3][OH1]|0-1,0-2");
        let k = key("CCO");
        assert_eq!(k.len(), 32);
        assert!(k.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(canonical_string(&Molecule::default()), "");
    }

    #[test]
    fn ranks_are_a_permutation() {
        let m = parse_smiles("C12C3C4C1C5C2C3C45").unwrap(); // cubane
        let mut r = canonical_ranks(&m);
        r.sort_unstable();
        assert_eq!(r, (0..8).collect::<Vec<_>>());
        // Every numbering of cubane's SMILES gives one key.
        assert_eq!(key("C12C3C4C1C5C2C3C45"), key("C1(C2C3C14)C5C2C3C45"));
    }
}
