//! Kekulé structures for aromatic input: which aromatic bonds are double.
//! Aromaticity perception ([`crate::aromaticity`]) counts electrons on a
//! Kekulé form, so an aromatic SMILES or a molfile with type-4 bonds is
//! turned into one first, as RDKit does before it perceives.
//!
//! An atom with aromatic bonds needs a double bond when its lowest default
//! valence ([`elements::default_valences`], charge-adjusted) is exactly one
//! more than its bonds (aromatic ones counting 1) plus hydrogens: the `c`
//! of benzene, the `n` of pyridine, not the `[nH]` of pyrrole or the `o`
//! of furan. Those atoms are paired along aromatic bonds (a perfect
//! matching); the pairs become double bonds, every other aromatic bond
//! single.

use crate::elements;
use crate::molecule::{BondOrder, Molecule};

/// Search steps allowed when pairing double bonds.
const MAX_KEKULE_STEPS: u32 = 200_000;

/// Bond orders with every aromatic bond made single or double, or `None`
/// when the atoms that need a double bond cannot all get one.
pub(crate) fn kekule_orders(mol: &Molecule) -> Option<Vec<BondOrder>> {
    let bonds = mol.bonds();
    let mut orders: Vec<BondOrder> = bonds.iter().map(|b| b.order).collect();
    if !orders.contains(&BondOrder::Aromatic) {
        return Some(orders);
    }
    let n = mol.atom_count();
    let needs: Vec<bool> = (0..n)
        .map(|i| {
            let a = &mol.atoms()[i];
            let mut used = u32::from(a.hydrogens);
            let mut aromatic_bonds = 0;
            for nb in mol.neighbors(i) {
                let order = bonds[nb.bond].order;
                used += order.valence();
                aromatic_bonds += usize::from(order == BondOrder::Aromatic);
            }
            let lowest = elements::default_valences(a.atomic_number, a.charge).first();
            aromatic_bonds > 0 && lowest.is_some_and(|&v| u32::from(v) == used + 1)
        })
        .collect();
    let mate = pair_double_bonds(mol, &needs)?;
    for (b, order) in orders.iter_mut().enumerate() {
        if *order == BondOrder::Aromatic {
            let bond = &bonds[b];
            *order = if mate[bond.begin] == Some(b) { BondOrder::Double } else { BondOrder::Single };
        }
    }
    Some(orders)
}

/// A perfect matching of the atoms with `needs` set along aromatic bonds:
/// for each atom, the bond that becomes its double bond. Depth-first
/// search that always extends the atom with the fewest free partners, so
/// ordinary ring systems are paired without backtracking.
fn pair_double_bonds(mol: &Molecule, needs: &[bool]) -> Option<Vec<Option<usize>>> {
    struct Frame {
        atom: usize,
        choices: Vec<(usize, usize)>,
        next: usize,
    }
    let bonds = mol.bonds();
    let n = mol.atom_count();
    let partners = |atom: usize, mate: &[Option<usize>]| -> Vec<(usize, usize)> {
        mol.neighbors(atom)
            .iter()
            .filter(|nb| bonds[nb.bond].order == BondOrder::Aromatic && needs[nb.atom] && mate[nb.atom].is_none())
            .map(|nb| (nb.atom, nb.bond))
            .collect()
    };
    let mut mate: Vec<Option<usize>> = vec![None; n];
    let mut stack: Vec<Frame> = Vec::new();
    let mut steps = 0u32;
    'search: loop {
        let mut best: Option<(usize, Vec<(usize, usize)>)> = None;
        for atom in (0..n).filter(|&i| needs[i] && mate[i].is_none()) {
            let choices = partners(atom, &mate);
            if best.as_ref().is_none_or(|(_, c)| choices.len() < c.len()) {
                let stop = choices.is_empty();
                best = Some((atom, choices));
                if stop {
                    break;
                }
            }
        }
        match best {
            None => return Some(mate),
            Some((atom, choices)) if !choices.is_empty() => stack.push(Frame { atom, choices, next: 0 }),
            Some(_) => {}
        }
        // Try the next pairing of the innermost open choice, unwinding
        // the choices that have none left.
        loop {
            steps += 1;
            if steps > MAX_KEKULE_STEPS {
                return None;
            }
            let top = stack.last_mut()?;
            if let Some(b) = mate[top.atom].take() {
                let other = bonds[b].other(top.atom);
                mate[other] = None;
            }
            if let Some(&(other, bond)) = top.choices.get(top.next) {
                top.next += 1;
                mate[top.atom] = Some(bond);
                mate[other] = Some(bond);
                continue 'search;
            }
            stack.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::molecule::{Atom, Bond};

    /// A ring of `n` aromatic CH atoms as written, before perception.
    fn aromatic_ring(n: usize) -> Molecule {
        let mut atom = Atom::new(6);
        atom.aromatic = true;
        atom.hydrogens = 1;
        let bonds = (0..n).map(|i| Bond::new(i, (i + 1) % n, BondOrder::Aromatic)).collect();
        Molecule::new(vec![atom; n], bonds).unwrap()
    }

    #[test]
    fn benzene_alternates_and_odd_rings_fail() {
        let orders = kekule_orders(&aromatic_ring(6)).unwrap();
        let doubles = orders.iter().filter(|&&o| o == BondOrder::Double).count();
        assert_eq!(doubles, 3);
        for i in 0..6 {
            assert_ne!(orders[i], orders[(i + 1) % 6], "bonds {i} and {}", (i + 1) % 6);
        }
        assert!(kekule_orders(&aromatic_ring(5)).is_none());
    }

    #[test]
    fn fused_and_large_systems_pair_up() {
        // A 400-atom annulene written aromatic: the search does not backtrack.
        let orders = kekule_orders(&aromatic_ring(400)).unwrap();
        assert_eq!(orders.iter().filter(|&&o| o == BondOrder::Double).count(), 200);
    }
}
