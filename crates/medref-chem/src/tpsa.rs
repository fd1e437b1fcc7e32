//! Topological polar surface area (TPSA): the polar surface of a molecule
//! estimated from its nitrogen and oxygen atoms' bonding patterns, a
//! standard predictor of absorption and blood-brain barrier passage.
//!
//! Contributions are those of Ertl, Rohde and Selzer, "Fast Calculation
//! of Molecular Polar Surface Area as a Sum of Fragment-Based
//! Contributions and Its Application to the Prediction of Drug Transport
//! Properties", J. Med. Chem. 2000, 43, 3714 (Table 1), for N and O only,
//! as in RDKit's default `TPSA` (sulfur and phosphorus excluded). An N or O
//! pattern the table does not list gets RDKit's fallback estimate
//! (N: 30.5 - 8.2 per heavy neighbour + 1.5 per H; O: 28.5 - 8.6 per heavy
//! neighbour + 1.5 per H; never below 0).

use crate::molecule::{BondOrder, Molecule};

/// One row of Ertl's table: an element with exactly these heavy-atom
/// bonds, hydrogens and charge (and, where it matters, membership of a
/// three-membered ring) contributes `area`, in square ångström.
struct Fragment {
    element: u8,
    hydrogens: u32,
    charge: i32,
    /// Heavy-atom bonds: single, double, triple, aromatic.
    bonds: [u32; 4],
    in_three_ring: Option<bool>,
    area: f64,
}

const fn f(element: u8, hydrogens: u32, charge: i32, bonds: [u32; 4], ring3: Option<bool>, area: f64) -> Fragment {
    Fragment { element, hydrogens, charge, bonds, in_three_ring: ring3, area }
}

/// Ertl et al. 2000, Table 1 (N and O fragments).
const FRAGMENTS: [Fragment; 32] = [
    f(7, 0, 0, [0, 0, 1, 0], None, 23.79),
    f(7, 1, 0, [0, 1, 0, 0], None, 23.85),
    f(7, 2, 0, [1, 0, 0, 0], None, 26.02),
    f(7, 2, 1, [0, 1, 0, 0], None, 25.59),
    f(7, 3, 1, [1, 0, 0, 0], None, 27.64),
    f(7, 0, 0, [1, 1, 0, 0], None, 12.36),
    f(7, 0, 0, [0, 1, 1, 0], None, 13.60),
    f(7, 1, 0, [2, 0, 0, 0], Some(true), 21.94),
    f(7, 1, 0, [2, 0, 0, 0], Some(false), 12.03),
    f(7, 0, 1, [1, 0, 1, 0], None, 4.36),
    f(7, 1, 1, [1, 1, 0, 0], None, 13.97),
    f(7, 2, 1, [2, 0, 0, 0], None, 16.61),
    f(7, 0, 0, [0, 0, 0, 2], None, 12.89),
    f(7, 1, 0, [0, 0, 0, 2], None, 15.79),
    f(7, 1, 1, [0, 0, 0, 2], None, 14.14),
    f(7, 0, 0, [3, 0, 0, 0], Some(true), 3.01),
    f(7, 0, 0, [3, 0, 0, 0], Some(false), 3.24),
    f(7, 0, 0, [1, 2, 0, 0], None, 11.68),
    f(7, 0, 1, [2, 1, 0, 0], None, 3.01),
    f(7, 1, 1, [3, 0, 0, 0], None, 4.44),
    f(7, 0, 0, [0, 0, 0, 3], None, 4.41),
    f(7, 0, 0, [1, 0, 0, 2], None, 4.93),
    f(7, 0, 0, [0, 1, 0, 2], None, 8.39),
    f(7, 0, 1, [0, 0, 0, 3], None, 4.10),
    f(7, 0, 1, [1, 0, 0, 2], None, 3.88),
    f(7, 0, 1, [4, 0, 0, 0], None, 0.00),
    f(8, 0, 0, [0, 1, 0, 0], None, 17.07),
    f(8, 1, 0, [1, 0, 0, 0], None, 20.23),
    f(8, 0, -1, [1, 0, 0, 0], None, 23.06),
    f(8, 0, 0, [2, 0, 0, 0], Some(true), 12.53),
    f(8, 0, 0, [2, 0, 0, 0], Some(false), 9.23),
    f(8, 0, 0, [0, 0, 0, 2], None, 13.14),
];

/// TPSA of `mol` in square ångström.
pub fn tpsa(mol: &Molecule) -> f64 {
    let atoms = mol.atoms();
    let mut three_ring = vec![false; atoms.len()];
    for ring in mol.rings().iter().filter(|r| r.len() == 3) {
        for &a in ring {
            three_ring[a] = true;
        }
    }
    let mut total = 0.0;
    for (i, atom) in atoms.iter().enumerate() {
        if !matches!(atom.atomic_number, 7 | 8) {
            continue;
        }
        let mut hydrogens = u32::from(atom.hydrogens);
        let mut heavy = 0.0;
        let mut bonds = [0u32; 4];
        for nb in mol.neighbors(i) {
            if atoms[nb.atom].atomic_number == 1 {
                hydrogens += 1;
                continue;
            }
            heavy += 1.0;
            let slot = match mol.bonds()[nb.bond].order {
                BondOrder::Single => 0,
                BondOrder::Double => 1,
                BondOrder::Triple => 2,
                BondOrder::Aromatic => 3,
                BondOrder::Quadruple => continue,
            };
            bonds[slot] += 1;
        }
        let charge = i32::from(atom.charge);
        let listed = FRAGMENTS.iter().find(|fr| {
            fr.element == atom.atomic_number
                && fr.hydrogens == hydrogens
                && fr.charge == charge
                && fr.bonds == bonds
                && fr.in_three_ring.is_none_or(|r| r == three_ring[i])
        });
        total += match listed {
            Some(fr) => fr.area,
            None if atom.atomic_number == 7 => (30.5 - 8.2 * heavy + 1.5 * f64::from(hydrogens)).max(0.0),
            None => (28.5 - 8.6 * heavy + 1.5 * f64::from(hydrogens)).max(0.0),
        };
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smiles::parse_smiles;

    fn t(s: &str) -> f64 {
        tpsa(&parse_smiles(s).unwrap())
    }

    #[test]
    fn hand_summed_fragments() {
        // Ethanol: one OH, 20.23.
        assert!((t("CCO") - 20.23).abs() < 1e-9);
        // Aspirin: C=O 17.07 x2, ester O 9.23, OH 20.23 = 63.60.
        assert!((t("CC(=O)Oc1ccccc1C(=O)O") - 63.60).abs() < 1e-9);
        // Pyridine n 12.89; pyrrole [nH] 15.79; aziridine NH in a 3-ring 21.94.
        assert!((t("c1ccncc1") - 12.89).abs() < 1e-9);
        assert!((t("c1cc[nH]c1") - 15.79).abs() < 1e-9);
        assert!((t("C1CN1") - 21.94).abs() < 1e-9);
        // Nitro, read charge-separated: N+ with two single and one double
        // bond 3.01, =O 17.07, O- 23.06 (RDKit: 43.14).
        assert!((t("c1ccccc1N(=O)=O") - 43.14).abs() < 1e-9);
        assert_eq!(t("CCCC"), 0.0);
    }
}
