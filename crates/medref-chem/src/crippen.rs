//! Crippen logP: the octanol/water partition coefficient estimated as a sum
//! of atom contributions, each atom (hydrogens included) classified into
//! one of 68 types by its element and bonded environment.
//!
//! Method and contributions: S. A. Wildman and G. M. Crippen, "Prediction
//! of Physicochemical Parameters by Atomic Contributions", J. Chem. Inf.
//! Comput. Sci. 1999, 39, 868-873 (Table 1). The typing follows RDKit's
//! default parameter table (`Crippen.txt`, used by `Descriptors.MolLogP`
//! and `rdMolDescriptors.CalcCrippenDescriptors`) rule by rule: the rules
//! of each type are tried in the table's order and an atom takes the first
//! that fits; an atom no rule fits contributes 0.
//!
//! Hydrogens are implicit in a [`Molecule`]: each one is typed by the atom
//! it is attached to (H1 on carbon, H2 on alcohol oxygen and most other
//! elements, H3 on nitrogen, H4 on acid oxygen, HS otherwise), as RDKit
//! types the hydrogens it adds before matching. Explicit H atoms (isotopes)
//! are typed the same way.
//!
//! In the rules below, "aliphatic" and "aromatic" mean the perceived
//! aromaticity of [`crate::aromaticity`], a hydrogen count is the atom's
//! total (implicit plus attached H atoms), the degree counts hydrogens, and
//! an unstated bond is single or aromatic, as in the SMARTS of the table.
//!
//! Known difference: RDKit stops matching a rule after 1000 matches across
//! the molecule, which only molecules with hundreds of atoms of one type
//! reach; here every atom is typed.

mod types;

use crate::molecule::{BondOrder, Molecule};

/// A Crippen atom type (Wildman and Crippen 1999, Table 1).
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CrippenType {
    C1,
    C2,
    C3,
    C4,
    C5,
    C6,
    C7,
    C8,
    C9,
    C10,
    C11,
    C12,
    C13,
    C14,
    C15,
    C16,
    C17,
    C18,
    C19,
    C20,
    C21,
    C22,
    C23,
    C24,
    C25,
    C26,
    C27,
    CS,
    H1,
    H2,
    H3,
    H4,
    HS,
    N1,
    N2,
    N3,
    N4,
    N5,
    N6,
    N7,
    N8,
    N9,
    N10,
    N11,
    N12,
    N13,
    N14,
    NS,
    O1,
    O2,
    O3,
    O4,
    O5,
    O6,
    O7,
    O8,
    O9,
    O10,
    O11,
    O12,
    OS,
    F,
    Cl,
    Br,
    I,
    Hal,
    P,
    S1,
    S2,
    S3,
    Me1,
    Me2,
}

impl CrippenType {
    /// The type's logP contribution (Wildman and Crippen 1999, Table 1, as
    /// in RDKit's `Crippen.txt`).
    pub fn logp(self) -> f64 {
        use CrippenType::*;
        match self {
            C1 => 0.1441,
            C2 => 0.0,
            C3 => -0.2035,
            C4 => -0.2051,
            C5 => -0.2783,
            C6 => 0.1551,
            C7 => 0.0017,
            C8 => 0.08452,
            C9 => -0.1444,
            C10 => -0.0516,
            C11 => 0.1193,
            C12 => -0.0967,
            C13 => -0.5443,
            C14 => 0.0,
            C15 => 0.245,
            C16 => 0.198,
            C17 => 0.0,
            C18 => 0.1581,
            C19 => 0.2955,
            C20 => 0.2713,
            C21 => 0.136,
            C22 => 0.4619,
            C23 => 0.5437,
            C24 => 0.1893,
            C25 => -0.8186,
            C26 => 0.264,
            C27 => 0.2148,
            CS => 0.08129,
            H1 => 0.123,
            H2 => -0.2677,
            H3 => 0.2142,
            H4 => 0.298,
            HS => 0.1125,
            N1 => -1.019,
            N2 => -0.7096,
            N3 => -1.027,
            N4 => -0.5188,
            N5 => 0.08387,
            N6 => 0.1836,
            N7 => -0.3187,
            N8 => -0.4458,
            N9 => 0.01508,
            N10 => -1.95,
            N11 => -0.3239,
            N12 => -1.119,
            N13 => -0.3396,
            N14 => 0.2887,
            NS => -0.4806,
            O1 => 0.1552,
            O2 => -0.2893,
            O3 => -0.0684,
            O4 => -0.4195,
            O5 => 0.0335,
            O6 => -0.3339,
            O7 => -1.189,
            O8 => 0.1788,
            O9 => -0.1526,
            O10 => 0.1129,
            O11 => 0.4833,
            O12 => -1.326,
            OS => -0.1188,
            F => 0.4202,
            Cl => 0.6895,
            Br => 0.8456,
            I => 0.8857,
            Hal => -2.996,
            P => 0.8612,
            S1 => 0.6482,
            S2 => -0.0024,
            S3 => 0.6237,
            Me1 => -0.3808,
            Me2 => -0.0025,
        }
    }
}

/// The Crippen types of one molecule's atoms and hydrogens.
#[derive(Debug, Clone, PartialEq)]
pub struct CrippenAtom {
    /// Type of the atom itself; `None` when no rule fits (contributes 0).
    pub atom: Option<CrippenType>,
    /// Type of each of its implicit hydrogens (all alike), if it has any.
    pub hydrogen: Option<CrippenType>,
    /// Number of implicit hydrogens.
    pub hydrogens: u32,
}

/// Crippen logP of `mol` (RDKit's `MolLogP`).
pub fn crippen_logp(mol: &Molecule) -> f64 {
    crippen_types(mol)
        .iter()
        .map(|a| a.atom.map_or(0.0, CrippenType::logp) + a.hydrogen.map_or(0.0, |h| h.logp() * f64::from(a.hydrogens)))
        .sum()
}

/// The Crippen type of every atom of `mol` and of its implicit hydrogens,
/// in atom order.
pub fn crippen_types(mol: &Molecule) -> Vec<CrippenAtom> {
    let view = View::new(mol);
    (0..mol.atom_count())
        .map(|i| {
            let hydrogens = u32::from(mol.atoms()[i].hydrogens);
            CrippenAtom {
                atom: if view.z(i) == 1 {
                    Some(view.hydrogen_type(&[i], Some(i)))
                } else {
                    types::heavy_type(&view, i)
                },
                hydrogen: (hydrogens > 0).then(|| view.hydrogen_type(&[i], None)),
                hydrogens,
            }
        })
        .collect()
}

/// Which bonds a rule accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bd {
    /// Single or aromatic (an unstated SMARTS bond).
    Any,
    Single,
    Double,
    Triple,
    Aromatic,
}

impl Bd {
    fn accepts(self, order: BondOrder) -> bool {
        match self {
            Bd::Any => matches!(order, BondOrder::Single | BondOrder::Aromatic),
            Bd::Single => order == BondOrder::Single,
            Bd::Double => order == BondOrder::Double,
            Bd::Triple => order == BondOrder::Triple,
            Bd::Aromatic => order == BondOrder::Aromatic,
        }
    }
}

/// A condition on a neighbouring atom, by index.
pub(crate) type AtomTest<'a> = &'a dyn Fn(usize) -> bool;

/// A molecule with the per-atom counts the rules read.
pub(crate) struct View<'a> {
    mol: &'a Molecule,
    /// Total hydrogens: implicit plus attached H atoms.
    h: Vec<u32>,
    /// Total degree: neighbours plus implicit hydrogens.
    x: Vec<u32>,
}

impl<'a> View<'a> {
    fn new(mol: &'a Molecule) -> Self {
        let atoms = mol.atoms();
        let h = (0..atoms.len())
            .map(|i| {
                u32::from(atoms[i].hydrogens)
                    + mol.neighbors(i).iter().filter(|nb| atoms[nb.atom].atomic_number == 1).count() as u32
            })
            .collect();
        let x = (0..atoms.len()).map(|i| u32::from(atoms[i].hydrogens) + mol.degree(i) as u32).collect();
        View { mol, h, x }
    }

    pub(crate) fn z(&self, i: usize) -> u8 {
        self.mol.atoms()[i].atomic_number
    }
    pub(crate) fn charge(&self, i: usize) -> i32 {
        i32::from(self.mol.atoms()[i].charge)
    }
    pub(crate) fn aromatic(&self, i: usize) -> bool {
        self.mol.atoms()[i].aromatic
    }
    pub(crate) fn h(&self, i: usize) -> u32 {
        self.h[i]
    }
    pub(crate) fn x(&self, i: usize) -> u32 {
        self.x[i]
    }
    /// Not hydrogen (`[!#1]`).
    pub(crate) fn heavy(&self, i: usize) -> bool {
        self.z(i) != 1
    }
    /// Aliphatic and not hydrogen (`[A;!#1]`).
    pub(crate) fn aliphatic_heavy(&self, i: usize) -> bool {
        !self.aromatic(i) && self.z(i) != 1
    }
    /// Aliphatic atom of element `z` (`C`, `N`, `O`, `S`...).
    pub(crate) fn aliphatic_el(&self, i: usize, z: u8) -> bool {
        !self.aromatic(i) && self.z(i) == z
    }
    /// Aromatic atom of element `z` (`c`, `n`...).
    pub(crate) fn aromatic_el(&self, i: usize, z: u8) -> bool {
        self.aromatic(i) && self.z(i) == z
    }

    /// Whether `center` has distinct neighbours, none of them in `exclude`,
    /// one for each `(bond, test)` of `wants`.
    pub(crate) fn has(&self, center: usize, exclude: &[usize], wants: &[(Bd, AtomTest)]) -> bool {
        let candidates: Vec<(usize, BondOrder)> = self
            .mol
            .neighbors(center)
            .iter()
            .filter(|nb| !exclude.contains(&nb.atom))
            .map(|nb| (nb.atom, self.mol.bonds()[nb.bond].order))
            .collect();
        let mut used = vec![false; candidates.len()];
        assign(&candidates, wants, &mut used)
    }

    /// The neighbours of `center` joined by a bond `bond` accepts, except
    /// those in `exclude`.
    pub(crate) fn neighbors_by(&self, center: usize, bond: Bd, exclude: &[usize]) -> impl Iterator<Item = usize> + '_ {
        let exclude = exclude.to_vec();
        self.mol.neighbors(center).iter().filter_map(move |nb| {
            (bond.accepts(self.mol.bonds()[nb.bond].order) && !exclude.contains(&nb.atom)).then_some(nb.atom)
        })
    }

    /// Type of a hydrogen attached to each of `parents`: an implicit one
    /// (`this` is `None`) or the H atom `this`. With several parents (a
    /// bridging H atom) the earliest type any of them gives wins.
    fn hydrogen_type(&self, parents: &[usize], this: Option<usize>) -> CrippenType {
        let parents: Vec<usize> = match this {
            Some(h) => self.mol.neighbors(h).iter().map(|nb| nb.atom).collect(),
            None => parents.to_vec(),
        };
        parents.iter().map(|&p| self.hydrogen_on(p, this)).min().unwrap_or(CrippenType::HS)
    }

    /// Type of one hydrogen on atom `p` (`this`: the H atom, if explicit).
    fn hydrogen_on(&self, p: usize, this: Option<usize>) -> CrippenType {
        use CrippenType::*;
        let zp = self.z(p);
        // H1: on carbon or on hydrogen.
        if matches!(zp, 6 | 1) {
            return H1;
        }
        let exclude: Vec<usize> = this.into_iter().collect();
        let on_oxygen = self.aliphatic_el(p, 8);
        // Hydrogens on p besides this one.
        let other_h = self.h(p) - 1;
        let other = |test: &dyn Fn(usize) -> bool| self.neighbors_by(p, Bd::Any, &exclude).any(test);
        // H2: alcohol, [#1]O[CX4,c]; [#1]O[!#6;!#7;!#8;!#16]; [#1][!#6;!#7;!#8].
        if on_oxygen && other(&|j| (self.aliphatic_el(j, 6) && self.x(j) == 4) || self.aromatic_el(j, 6)) {
            return H2;
        }
        if on_oxygen && (other_h > 0 || other(&|j| !matches!(self.z(j), 6 | 7 | 8 | 16))) {
            return H2;
        }
        if !matches!(zp, 6..=8) {
            return H2;
        }
        // H3: amine, [#1][#7]; [#1]O[#7].
        if zp == 7 || (on_oxygen && other(&|j| self.z(j) == 7)) {
            return H3;
        }
        // H4: acid, [#1]OC=[#6,#7,O,S]; [#1]O[O,S].
        if on_oxygen
            && other(&|c| {
                self.aliphatic_el(c, 6)
                    && self
                        .neighbors_by(c, Bd::Double, &[p])
                        .any(|k| matches!(self.z(k), 6 | 7) || self.aliphatic_el(k, 8) || self.aliphatic_el(k, 16))
            })
        {
            return H4;
        }
        if on_oxygen && other(&|j| self.aliphatic_el(j, 8) || self.aliphatic_el(j, 16)) {
            return H4;
        }
        HS
    }
}

/// Backtracking: give each want its own candidate neighbour.
fn assign(candidates: &[(usize, BondOrder)], wants: &[(Bd, AtomTest)], used: &mut [bool]) -> bool {
    let Some(((bond, test), rest)) = wants.split_first() else {
        return true;
    };
    for (k, &(atom, order)) in candidates.iter().enumerate() {
        if used[k] || !bond.accepts(order) || !test(atom) {
            continue;
        }
        used[k] = true;
        if assign(candidates, rest, used) {
            used[k] = false;
            return true;
        }
        used[k] = false;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smiles::parse_smiles;

    fn logp(s: &str) -> f64 {
        crippen_logp(&parse_smiles(s).unwrap())
    }

    /// Values from RDKit 2026.09.1:
    /// `Crippen.MolLogP(Chem.MolFromSmiles(s))`.
    #[test]
    fn matches_rdkit_on_small_molecules() {
        let cases = [
            // C1 + 4 H1.
            ("C", 0.6361),
            // C1 + C3 + O2 + 5 H1 + H2.
            ("CCO", -0.0014),
            // 6 C18 + 6 H1.
            ("c1ccccc1", 1.6866),
            // C1 + C5 + O9 + O2 + 3 H1 + H4.
            ("CC(=O)O", 0.0909),
            // 5 C18 + N11 + 5 H1.
            ("c1ccncc1", 1.0816),
            ("CC(=O)Oc1ccccc1C(=O)O", 1.3101),
            // N10 + 3 H3.
            ("C[NH3+]", -1.1419),
            // O2 + 2 H2.
            ("O", -0.8247),
            ("[2H]O[2H]", -0.8247),
            ("c1ccccc1N(=O)=O", 1.5948),
            ("CS(=O)(=O)N", -1.0953),
            ("CC(=O)[O-].[Na+]", -4.2398),
            // Charged N and O (N14, N12/O5, N13, N10), metals (Hal, Me1,
            // Me2), S=O (S2/O6), aldehyde (O10), peracid (H4 on O-O),
            // N-aryl pyrrole (C20, N11), aryl alkyne (C7).
            ("CN=[N+]=[N-]", 0.9265),
            ("[O-][n+]1ccccc1", 0.32),
            ("NC(=[NH2+])N", -2.9811),
            ("[Li+].[I-]", -5.992),
            ("C[Sn](C)(C)c1ccccc1", 2.2318),
            ("OB(O)c1ccccc1", -0.6336),
            ("[Fe+2]", -0.0025),
            ("CS(=O)C", -0.0053),
            ("O=Cc1ccccc1", 1.4991),
            ("CC(=O)OO", 0.0225),
            ("c1ccc(-n2cccc2)cc1", 2.4773),
            ("C#Cc1ccccc1", 1.6679),
        ];
        for (s, want) in cases {
            let got = logp(s);
            assert!((got - want).abs() < 1e-6, "{s}: {got} vs RDKit {want}");
        }
    }

    #[test]
    fn types_of_ethanol() {
        let t = crippen_types(&parse_smiles("CCO").unwrap());
        use CrippenType::*;
        let atoms: Vec<_> = t.iter().map(|a| (a.atom, a.hydrogen, a.hydrogens)).collect();
        assert_eq!(atoms, vec![(Some(C1), Some(H1), 3), (Some(C3), Some(H1), 2), (Some(O2), Some(H2), 1)]);
    }
}
