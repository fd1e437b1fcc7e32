//! What every reader does to a freshly built graph so that one structure
//! reads the same however it was drawn: hypervalent spellings become their
//! charge-separated forms, then aromaticity is perceived.
//!
//! The charge separation follows the conventions RDKit applies when it
//! reads a structure (and which the SDF files it writes already contain),
//! so that `CN(=O)=O` from a SMILES column and `C[N+](=O)[O-]` from a
//! molfile are one molecule:
//! - a neutral nitrogen of valence 5 with a double bond to a neutral O:
//!   that bond becomes single, N+ and O- (nitro groups, `n(=O)` N-oxides);
//!   failing that, a triple bond to a neutral N becomes double, N+ and N-
//!   (azides written `N=N#N`);
//! - a neutral P of valence 5 and degree 3 with a double bond to a neutral
//!   O and another to a C or N of degree >= 2: the P=O becomes P+-O-;
//! - a neutral Cl, Br or I of valence 3, 5 or 7 bonded only to oxygens:
//!   each double bond becomes single, the O negative and the halogen
//!   positive by one per bond (perchlorate `Cl(=O)(=O)(=O)O`).
//!
//! Hydrogen counts are not touched: each rule keeps every atom's valence
//! consistent with its new charge.

use crate::aromaticity::perceive_aromaticity;
use crate::molecule::{Atom, Bond, BondOrder, Molecule};

/// Charge separation (see the module documentation), then aromaticity.
pub(crate) fn sanitize(mol: &Molecule) -> Molecule {
    match separate_charges(mol) {
        Some(changed) => perceive_aromaticity(&changed),
        None => perceive_aromaticity(mol),
    }
}

/// Twice the valence a bond uses on each end (aromatic bonds count 1.5).
fn half_valence(order: BondOrder) -> u32 {
    match order {
        BondOrder::Aromatic => 3,
        other => 2 * other.valence(),
    }
}

/// The charge-separated molecule, or `None` when no rule applies.
fn separate_charges(mol: &Molecule) -> Option<Molecule> {
    let mut atoms: Vec<Atom> = mol.atoms().to_vec();
    let mut bonds: Vec<Bond> = mol.bonds().to_vec();
    let mut changed = false;
    for i in 0..atoms.len() {
        let z = atoms[i].atomic_number;
        if atoms[i].charge != 0 || !matches!(z, 7 | 15 | 17 | 35 | 53) {
            continue;
        }
        let half: u32 = mol.neighbors(i).iter().map(|nb| half_valence(bonds[nb.bond].order)).sum::<u32>()
            + 2 * u32::from(atoms[i].hydrogens);
        let find = |atoms: &[Atom], bonds: &[Bond], element: u8, order: BondOrder| {
            mol.neighbors(i)
                .iter()
                .find(|nb| {
                    atoms[nb.atom].atomic_number == element
                        && atoms[nb.atom].charge == 0
                        && bonds[nb.bond].order == order
                })
                .copied()
        };
        match z {
            7 if half == 10 => {
                let target = find(&atoms, &bonds, 8, BondOrder::Double)
                    .map(|nb| (nb, BondOrder::Single))
                    .or_else(|| find(&atoms, &bonds, 7, BondOrder::Triple).map(|nb| (nb, BondOrder::Double)));
                if let Some((nb, order)) = target {
                    bonds[nb.bond].order = order;
                    atoms[i].charge = 1;
                    atoms[nb.atom].charge = -1;
                    changed = true;
                }
            }
            15 if half == 10 && mol.degree(i) == 3 => {
                let to_o = find(&atoms, &bonds, 8, BondOrder::Double);
                let to_c_or_n = mol.neighbors(i).iter().any(|nb| {
                    matches!(atoms[nb.atom].atomic_number, 6 | 7)
                        && mol.degree(nb.atom) >= 2
                        && bonds[nb.bond].order == BondOrder::Double
                });
                if let (Some(nb), true) = (to_o, to_c_or_n) {
                    bonds[nb.bond].order = BondOrder::Single;
                    atoms[i].charge = 1;
                    atoms[nb.atom].charge = -1;
                    changed = true;
                }
            }
            17 | 35 | 53 if matches!(half, 6 | 10 | 14) => {
                let neighbours = mol.neighbors(i);
                if neighbours.iter().all(|nb| atoms[nb.atom].atomic_number == 8) {
                    for nb in neighbours {
                        if bonds[nb.bond].order == BondOrder::Double {
                            bonds[nb.bond].order = BondOrder::Single;
                            atoms[nb.atom].charge = -1;
                            atoms[i].charge += 1;
                            changed = true;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !changed {
        return None;
    }
    Molecule::new(atoms, bonds).ok()
}

#[cfg(test)]
mod tests {
    use crate::canonical::canonical_key;
    use crate::smiles::parse_smiles;

    fn key(s: &str) -> String {
        canonical_key(&parse_smiles(s).unwrap())
    }

    #[test]
    fn hypervalent_spellings_meet_charge_separated_ones() {
        assert_eq!(key("CN(=O)=O"), key("C[N+](=O)[O-]"));
        assert_eq!(key("O=N(=O)c1ccccc1"), key("[O-][N+](=O)c1ccccc1"));
        assert_eq!(key("c1ccn(=O)cc1"), key("c1cc[n+]([O-])cc1"));
        assert_eq!(key("CN=N#N"), key("CN=[N+]=[N-]"));
        assert_eq!(key("OCl(=O)(=O)=O"), key("O[Cl+3]([O-])([O-])[O-]"));
        assert_eq!(key("CC=P(=O)C"), key("CC=[P+]([O-])C"));
        assert_ne!(key("C=P(=O)C"), key("C=[P+]([O-])C")); // the C must have degree 2
                                                           // Already separated or ordinary valences are left alone.
        assert_eq!(key("CN(C)C"), key("N(C)(C)C"));
        assert_ne!(key("CP(=O)(C)C"), key("C[P+]([O-])(C)C"));
    }

    #[test]
    fn charges_do_not_change_hydrogens() {
        let m = parse_smiles("CN(=O)=O").unwrap();
        assert_eq!(m.total_hydrogens(), 3);
        let charges: Vec<i8> = m.atoms().iter().map(|a| a.charge).collect();
        assert_eq!(charges.iter().map(|&c| i32::from(c)).sum::<i32>(), 0);
        assert!(charges.contains(&1) && charges.contains(&-1));
    }
}
