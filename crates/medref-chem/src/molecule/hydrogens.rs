//! Bond valences and folding plain explicit hydrogens into their heavy
//! neighbour, shared by the SMILES and SDF readers.

use super::{Atom, Bond, BondOrder};

/// Sums of bond valences per atom, the input to implicit-hydrogen counting.
pub(crate) fn bond_valences(atom_count: usize, bonds: &[Bond]) -> Vec<u32> {
    let mut sum = vec![0u32; atom_count];
    for b in bonds {
        for a in [b.begin, b.end] {
            if let Some(s) = sum.get_mut(a) {
                *s = s.saturating_add(b.order.valence());
            }
        }
    }
    sum
}

/// Removes plain hydrogen atoms (no isotope, no charge, no H of their own,
/// one single bond to a heavy atom) and adds them to their neighbour's H
/// count. Returns the remaining atoms and bonds and, for each input bond,
/// whether it was kept. Out-of-range bond indices are left for
/// [`Molecule::new`] to report.
pub(crate) fn fold_hydrogens(atoms: Vec<Atom>, bonds: Vec<Bond>) -> (Vec<Atom>, Vec<Bond>, Vec<bool>) {
    let n = atoms.len();
    if !atoms.iter().any(|a| a.atomic_number == 1) {
        let kept = vec![true; bonds.len()];
        return (atoms, bonds, kept);
    }
    let mut degree = vec![0u32; n];
    for b in &bonds {
        for a in [b.begin, b.end] {
            if let Some(d) = degree.get_mut(a) {
                *d += 1;
            }
        }
    }
    let plain_h = |i: usize| {
        atoms.get(i).is_some_and(|a| a.atomic_number == 1 && a.isotope.is_none() && a.charge == 0 && a.hydrogens == 0)
            && degree.get(i) == Some(&1)
    };
    let mut remove = vec![false; n];
    for b in &bonds {
        if b.order != BondOrder::Single {
            continue;
        }
        for (h, heavy) in [(b.begin, b.end), (b.end, b.begin)] {
            if plain_h(h) && atoms.get(heavy).is_some_and(|a| a.is_heavy()) {
                remove[h] = true;
            }
        }
    }
    if !remove.contains(&true) {
        let kept = vec![true; bonds.len()];
        return (atoms, bonds, kept);
    }
    let mut atoms = atoms;
    let mut kept_bonds = Vec::with_capacity(bonds.len());
    let mut kept = Vec::with_capacity(bonds.len());
    for b in &bonds {
        let drop_begin = remove.get(b.begin).copied().unwrap_or(false);
        let drop_end = remove.get(b.end).copied().unwrap_or(false);
        if drop_begin || drop_end {
            let heavy = if drop_begin { b.end } else { b.begin };
            if let Some(a) = atoms.get_mut(heavy) {
                a.hydrogens = a.hydrogens.saturating_add(1);
            }
            kept.push(false);
        } else {
            kept_bonds.push(*b);
            kept.push(true);
        }
    }
    let mut new_index = vec![usize::MAX; n];
    let mut new_atoms = Vec::with_capacity(n);
    for (i, a) in atoms.into_iter().enumerate() {
        if !remove[i] {
            new_index[i] = new_atoms.len();
            new_atoms.push(a);
        }
    }
    for b in &mut kept_bonds {
        // Indices beyond the atom list stay out of range for Molecule::new.
        b.begin = new_index.get(b.begin).copied().unwrap_or(usize::MAX);
        b.end = new_index.get(b.end).copied().unwrap_or(usize::MAX);
    }
    (new_atoms, kept_bonds, kept)
}
