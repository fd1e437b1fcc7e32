//! A handful of whole-molecule descriptors (Lipinski-style counts and
//! weight) in a fixed order, for tabular baselines and sanity checks.
//!
//! Definitions, chosen to be simple and stated rather than to reproduce a
//! particular toolkit exactly:
//! - `heavy_atoms`: atoms other than hydrogen.
//! - `rings`: size of the smallest set of smallest rings (cycle rank).
//! - `aromatic_rings`: rings of that set ([`Molecule::rings`], Horton's
//!   minimum cycle basis) whose bonds are all aromatic after perception,
//!   as RDKit counts them (azulene, whose fusion bond is not, has none).
//! - `heteroatoms`: heavy atoms other than carbon (the wildcard excluded).
//! - `rotatable_bonds`: single, non-ring bonds between two heavy atoms
//!   that each have heavy degree >= 2, except bonds to an atom carrying a
//!   triple bond (rotating next to a linear group changes nothing).
//!   Amide C-N bonds count; RDKit's "strict" definition would not.
//! - `hbond_donors`: N or O atoms with at least one hydrogen, implicit or
//!   as an H atom such as `[2H]` (atoms are counted, not hydrogens).
//! - `hbond_acceptors`: all N and O atoms (Lipinski's simple count).
//! - `molecular_weight`: average atomic masses in g/mol including implicit
//!   hydrogens; a given isotope weighs its mass number (2.014 and 3.016
//!   for D and T).
//! - `formal_charge`: sum of formal charges.
//! - `tpsa`: topological polar surface area in square ångström, Ertl's
//!   N and O contributions ([`crate::tpsa`]), RDKit's default `TPSA`.
//! - `logp`: Wildman-Crippen logP ([`crate::crippen`]), RDKit's `MolLogP`.

use serde::{Deserialize, Serialize};

use crate::elements;
use crate::molecule::{BondOrder, Molecule};

/// Names of the descriptors in the order of [`Descriptors::to_array`].
pub const DESCRIPTOR_NAMES: [&str; 11] = [
    "heavy_atoms",
    "rings",
    "aromatic_rings",
    "heteroatoms",
    "rotatable_bonds",
    "hbond_donors",
    "hbond_acceptors",
    "molecular_weight",
    "formal_charge",
    "tpsa",
    "logp",
];

/// The descriptors of one molecule (definitions in the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Descriptors {
    /// Non-hydrogen atoms.
    pub heavy_atoms: u32,
    /// Rings in the smallest set of smallest rings.
    pub rings: u32,
    /// Rings whose atoms are all aromatic.
    pub aromatic_rings: u32,
    /// Heavy atoms other than carbon.
    pub heteroatoms: u32,
    /// Rotatable bonds.
    pub rotatable_bonds: u32,
    /// N and O atoms carrying hydrogen.
    pub hbond_donors: u32,
    /// N and O atoms.
    pub hbond_acceptors: u32,
    /// Average molecular weight, g/mol.
    pub molecular_weight: f64,
    /// Net formal charge.
    pub formal_charge: i32,
    /// Topological polar surface area, square ångström.
    pub tpsa: f64,
    /// Wildman-Crippen octanol/water logP.
    pub logp: f64,
}

impl Descriptors {
    /// The values in [`DESCRIPTOR_NAMES`] order.
    pub fn to_array(&self) -> [f64; 11] {
        [
            f64::from(self.heavy_atoms),
            f64::from(self.rings),
            f64::from(self.aromatic_rings),
            f64::from(self.heteroatoms),
            f64::from(self.rotatable_bonds),
            f64::from(self.hbond_donors),
            f64::from(self.hbond_acceptors),
            self.molecular_weight,
            f64::from(self.formal_charge),
            self.tpsa,
            self.logp,
        ]
    }
}

/// Computes all descriptors of `mol`.
pub fn descriptors(mol: &Molecule) -> Descriptors {
    let atoms = mol.atoms();
    let count = |f: &dyn Fn(usize) -> bool| (0..atoms.len()).filter(|&i| f(i)).count() as u32;
    let is_n_or_o = |i: usize| matches!(atoms[i].atomic_number, 7 | 8);
    let has_triple: Vec<bool> = (0..atoms.len())
        .map(|i| {
            mol.neighbors(i).iter().any(|nb| mol.bonds().get(nb.bond).is_some_and(|b| b.order == BondOrder::Triple))
        })
        .collect();
    let rotatable = mol
        .bonds()
        .iter()
        .enumerate()
        .filter(|&(i, b)| {
            b.order == BondOrder::Single
                && !mol.bond_in_ring(i)
                && [b.begin, b.end].iter().all(|&a| {
                    atoms.get(a).is_some_and(|x| x.is_heavy())
                        && mol.heavy_degree(a) >= 2
                        && !has_triple.get(a).copied().unwrap_or(false)
                })
        })
        .count() as u32;
    let aromatic_rings = mol
        .rings()
        .iter()
        .filter(|ring| {
            (0..ring.len()).all(|k| {
                mol.bond_between(ring[k], ring[(k + 1) % ring.len()])
                    .is_some_and(|b| mol.bonds()[b].order == BondOrder::Aromatic)
            })
        })
        .count() as u32;
    Descriptors {
        heavy_atoms: mol.heavy_atom_count() as u32,
        rings: mol.ring_count() as u32,
        aromatic_rings,
        heteroatoms: count(&|i| !matches!(atoms[i].atomic_number, 0 | 1 | 6)),
        rotatable_bonds: rotatable,
        hbond_donors: count(&|i| {
            is_n_or_o(i)
                && (atoms[i].hydrogens > 0
                    || mol.neighbors(i).iter().any(|nb| atoms.get(nb.atom).is_some_and(|x| x.atomic_number == 1)))
        }),
        hbond_acceptors: count(&is_n_or_o),
        molecular_weight: molecular_weight(mol),
        formal_charge: atoms.iter().map(|a| i32::from(a.charge)).sum(),
        tpsa: crate::tpsa::tpsa(mol),
        logp: crate::crippen::crippen_logp(mol),
    }
}

/// Average molecular weight in g/mol, implicit hydrogens included.
pub fn molecular_weight(mol: &Molecule) -> f64 {
    let hydrogen = elements::average_mass(1);
    mol.atoms()
        .iter()
        .map(|a| {
            let own = match (a.atomic_number, a.isotope) {
                (1, Some(2)) => 2.014,
                (1, Some(3)) => 3.016,
                (_, Some(mass)) => f64::from(mass),
                (z, None) => elements::average_mass(z),
            };
            own + f64::from(a.hydrogens) * hydrogen
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smiles::parse_smiles;

    fn d(s: &str) -> Descriptors {
        descriptors(&parse_smiles(s).unwrap())
    }

    /// (heavy, rings, aromatic rings, hetero, rotatable, donors, acceptors, charge), MW.
    fn check(s: &str, counts: [i64; 8], mw: f64) {
        let x = d(s);
        let got: [i64; 8] = [
            x.heavy_atoms.into(),
            x.rings.into(),
            x.aromatic_rings.into(),
            x.heteroatoms.into(),
            x.rotatable_bonds.into(),
            x.hbond_donors.into(),
            x.hbond_acceptors.into(),
            x.formal_charge.into(),
        ];
        assert_eq!(got, counts, "{s}");
        assert!((x.molecular_weight - mw).abs() < 0.005, "{s}: {}", x.molecular_weight);
    }

    #[test]
    fn hand_worked_molecules() {
        // Aspirin C9H8O4: rotatable C(=O)-O, O-c(ring), c(ring)-C(=O);
        // the methyl and OH bonds end at a heavy degree 1 atom.
        check("CC(=O)Oc1ccccc1C(=O)O", [13, 1, 1, 4, 3, 1, 4, 0], 180.159);
        // Caffeine C8H10N4O2: fused aromatic 5+6 rings, only methyl bonds.
        check("Cn1cnc2c1c(=O)n(C)c(=O)n2C", [14, 2, 2, 6, 0, 0, 6, 0], 194.194);
        // Ethanol C2H6O.
        check("CCO", [3, 0, 0, 1, 0, 1, 1, 0], 46.069);
        // Benzene C6H6 and naphthalene C10H8.
        check("c1ccccc1", [6, 1, 1, 0, 0, 0, 0, 0], 78.114);
        check("c1ccc2ccccc2c1", [10, 2, 2, 0, 0, 0, 0, 0], 128.174);
        // Indane: one aromatic ring, one aliphatic.
        check("c1ccc2CCCc2c1", [9, 2, 1, 0, 0, 0, 0, 0], 118.179);
        // Hex-3-yne: the CH2-C# bonds touch a triple-bonded atom.
        check("CCC#CCC", [6, 0, 0, 0, 0, 0, 0, 0], 82.146);
        // Sodium acetate: charges cancel; Na is a heteroatom.
        check("CC(=O)[O-].[Na+]", [5, 0, 0, 3, 0, 0, 2, 0], 82.034);
        // Methylammonium: N+ with 3 H is a donor.
        check("C[NH3+]", [2, 0, 0, 1, 0, 1, 1, 1], 32.066);
        // Heavy water: deuterium atoms stay atoms, and still make a donor.
        check("[2H]O[2H]", [1, 0, 0, 1, 0, 1, 1, 0], 20.027);
    }

    #[test]
    fn names_match_array_order() {
        let x = d("CCO");
        let a = x.to_array();
        assert_eq!(a.len(), DESCRIPTOR_NAMES.len());
        assert_eq!(DESCRIPTOR_NAMES[7], "molecular_weight");
        assert_eq!(a[7], x.molecular_weight);
        assert_eq!(DESCRIPTOR_NAMES[10], "logp");
        assert_eq!(a[10], x.logp);
    }
}
