//! The molecular graph every reader produces and every featuriser reads.
//!
//! Hydrogens are not atoms here unless they have to be (isotopes, charged
//! H, H bonded to H): each heavy atom carries its total hydrogen count, as
//! RDKit does after reading. Ring membership is computed once on
//! construction (a bond is in a ring exactly when it is not a bridge), so
//! fingerprints and descriptors never search the graph for it again.

use serde::{Deserialize, Serialize};

use crate::elements;

mod hydrogens;
mod rings;

pub(crate) use hydrogens::{bond_valences, fold_hydrogens};
use rings::find_ring_bonds;

/// How two atoms are bonded. The readers set aromatic bonds by perception
/// ([`crate::aromaticity`]), whichever form the input was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BondOrder {
    /// `-` or an implicit bond between non-aromatic atoms.
    Single,
    /// `=`.
    Double,
    /// `#`.
    Triple,
    /// `$` (rare; metal-metal bonds).
    Quadruple,
    /// `:` or an implicit ring bond between two aromatic atoms.
    Aromatic,
}

impl BondOrder {
    /// Valence the bond uses up on each of its atoms; an aromatic bond
    /// counts 1 (the aromatic atom's extra valence is added per atom, see
    /// [`elements::implicit_hydrogens`]).
    pub fn valence(self) -> u32 {
        match self {
            BondOrder::Single | BondOrder::Aromatic => 1,
            BondOrder::Double => 2,
            BondOrder::Triple => 3,
            BondOrder::Quadruple => 4,
        }
    }

    /// A small distinct integer per order (1 to 5), stable across versions:
    /// fingerprints and canonical keys hash it.
    pub fn code(self) -> u8 {
        match self {
            BondOrder::Single => 1,
            BondOrder::Double => 2,
            BondOrder::Triple => 3,
            BondOrder::Quadruple => 4,
            BondOrder::Aromatic => 5,
        }
    }

    /// The SMILES bond symbol (`-`, `=`, `#`, `$`, `:`).
    pub fn symbol(self) -> char {
        match self {
            BondOrder::Single => '-',
            BondOrder::Double => '=',
            BondOrder::Triple => '#',
            BondOrder::Quadruple => '$',
            BondOrder::Aromatic => ':',
        }
    }
}

/// The SMILES double-bond stereo mark on a single bond, kept only as a
/// mark: nothing in this crate interprets cis/trans geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum BondStereo {
    /// No mark.
    #[default]
    None,
    /// `/`.
    Up,
    /// `\`.
    Down,
}

/// The SMILES tetrahedral mark of a bracket atom, kept only as a mark
/// (the neighbour order it refers to is the SMILES writing order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Chirality {
    /// No mark.
    #[default]
    None,
    /// `@`: neighbours counter-clockwise seen from the first.
    CounterClockwise,
    /// `@@`: neighbours clockwise seen from the first.
    Clockwise,
}

/// One atom of a [`Molecule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Atom {
    /// Atomic number, 1 to 118; 0 for the SMILES wildcard `*`.
    pub atomic_number: u8,
    /// Mass number when one was given (`[13C]`, `M  ISO`), else `None`
    /// (natural abundance).
    pub isotope: Option<u16>,
    /// Formal charge in units of e.
    pub charge: i8,
    /// Total hydrogens on the atom: implicit, bracket count and folded
    /// explicit H atoms together.
    pub hydrogens: u8,
    /// Part of an aromatic system as written (lowercase SMILES atom, or an
    /// atom with a molfile aromatic bond).
    pub aromatic: bool,
    /// Tetrahedral mark, if any.
    pub chirality: Chirality,
    /// SMILES atom class (`[CH3:7]`); 0 when none was given.
    pub atom_class: u32,
}

impl Atom {
    /// A neutral, non-aromatic atom of natural isotope with no hydrogens.
    pub fn new(atomic_number: u8) -> Self {
        Atom {
            atomic_number,
            isotope: None,
            charge: 0,
            hydrogens: 0,
            aromatic: false,
            chirality: Chirality::None,
            atom_class: 0,
        }
    }

    /// Element symbol (`"C"`, `"Cl"`, `"*"`); `"?"` for a number beyond 118.
    pub fn symbol(&self) -> &'static str {
        elements::element_symbol(self.atomic_number).unwrap_or("?")
    }

    /// Whether the atom counts as heavy: anything but hydrogen (the
    /// wildcard counts as heavy).
    pub fn is_heavy(&self) -> bool {
        self.atomic_number != 1
    }
}

/// One bond of a [`Molecule`], between atom indices `begin` and `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Bond {
    /// Index of the first atom (the one written first in SMILES).
    pub begin: usize,
    /// Index of the second atom.
    pub end: usize,
    /// Bond order.
    pub order: BondOrder,
    /// Stereo mark, if any.
    pub stereo: BondStereo,
}

impl Bond {
    /// A bond with no stereo mark.
    pub fn new(begin: usize, end: usize, order: BondOrder) -> Self {
        Bond { begin, end, order, stereo: BondStereo::None }
    }

    /// The atom at the other end from `atom` (returns `begin` when `atom`
    /// is neither end).
    pub fn other(&self, atom: usize) -> usize {
        if atom == self.begin {
            self.end
        } else {
            self.begin
        }
    }
}

/// An entry of an atom's adjacency list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Neighbor {
    /// Index of the neighbouring atom.
    pub atom: usize,
    /// Index of the bond that joins them.
    pub bond: usize,
}

/// Why atoms and bonds do not form a valid molecular graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoleculeError {
    /// A bond names an atom index that does not exist.
    #[error("bond {bond} joins atom {atom}, but there are only {atom_count} atoms")]
    AtomOutOfRange {
        /// Index of the bad bond.
        bond: usize,
        /// The atom index it names.
        atom: usize,
        /// How many atoms there are.
        atom_count: usize,
    },
    /// A bond joins an atom to itself.
    #[error("bond {bond} joins atom {atom} to itself")]
    SelfBond {
        /// Index of the bad bond.
        bond: usize,
        /// The atom.
        atom: usize,
    },
    /// Two bonds join the same pair of atoms.
    #[error("bond {bond} repeats an earlier bond between atoms {begin} and {end}")]
    DuplicateBond {
        /// Index of the second bond between the pair.
        bond: usize,
        /// One atom.
        begin: usize,
        /// The other atom.
        end: usize,
    },
}

/// A molecular graph with hydrogens folded into their heavy atoms, its
/// adjacency lists and ring membership.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Molecule {
    atoms: Vec<Atom>,
    bonds: Vec<Bond>,
    /// Compressed adjacency: the neighbours of atom `i` are
    /// `adjacency[adjacency_start[i]..adjacency_start[i + 1]]`, in bond order.
    adjacency_start: Vec<usize>,
    adjacency: Vec<Neighbor>,
    atom_in_ring: Vec<bool>,
    bond_in_ring: Vec<bool>,
    components: usize,
}

impl Molecule {
    /// Builds the graph, checks it (indices in range, no self or duplicate
    /// bonds) and finds its rings. Hydrogen counts are taken as given.
    pub fn new(atoms: Vec<Atom>, bonds: Vec<Bond>) -> Result<Self, MoleculeError> {
        let n = atoms.len();
        let mut degree = vec![0usize; n + 1];
        for (i, b) in bonds.iter().enumerate() {
            for atom in [b.begin, b.end] {
                if atom >= n {
                    return Err(MoleculeError::AtomOutOfRange { bond: i, atom, atom_count: n });
                }
            }
            if b.begin == b.end {
                return Err(MoleculeError::SelfBond { bond: i, atom: b.begin });
            }
            degree[b.begin + 1] += 1;
            degree[b.end + 1] += 1;
        }
        for i in 1..=n {
            degree[i] += degree[i - 1];
        }
        let adjacency_start = degree;
        let mut fill = adjacency_start.clone();
        let mut adjacency = vec![Neighbor { atom: 0, bond: 0 }; bonds.len() * 2];
        for (i, b) in bonds.iter().enumerate() {
            adjacency[fill[b.begin]] = Neighbor { atom: b.end, bond: i };
            fill[b.begin] += 1;
            adjacency[fill[b.end]] = Neighbor { atom: b.begin, bond: i };
            fill[b.end] += 1;
        }
        // A duplicate shows as the same neighbour twice in one list; the
        // mark array makes the check linear in the number of bonds.
        let mut seen_from = vec![usize::MAX; n];
        for a in 0..n {
            for nb in &adjacency[adjacency_start[a]..adjacency_start[a + 1]] {
                if seen_from[nb.atom] == a {
                    let b = &bonds[nb.bond];
                    return Err(MoleculeError::DuplicateBond { bond: nb.bond, begin: b.begin, end: b.end });
                }
                seen_from[nb.atom] = a;
            }
        }
        let (bond_in_ring, components) = find_ring_bonds(n, &adjacency_start, &adjacency, bonds.len());
        let mut atom_in_ring = vec![false; n];
        for (b, &ring) in bonds.iter().zip(&bond_in_ring) {
            if ring {
                atom_in_ring[b.begin] = true;
                atom_in_ring[b.end] = true;
            }
        }
        Ok(Molecule { atoms, bonds, adjacency_start, adjacency, atom_in_ring, bond_in_ring, components })
    }

    /// The atoms, indexed as in the source (SMILES order, molfile order
    /// minus folded hydrogens).
    pub fn atoms(&self) -> &[Atom] {
        &self.atoms
    }

    /// The bonds.
    pub fn bonds(&self) -> &[Bond] {
        &self.bonds
    }

    /// Number of atoms (hydrogens that stayed atoms included).
    pub fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    /// Number of bonds.
    pub fn bond_count(&self) -> usize {
        self.bonds.len()
    }

    /// Whether there are no atoms at all.
    pub fn is_empty(&self) -> bool {
        self.atoms.is_empty()
    }

    /// Neighbours of `atom` with the joining bond; empty for an index out of
    /// range.
    pub fn neighbors(&self, atom: usize) -> &[Neighbor] {
        match (self.adjacency_start.get(atom), self.adjacency_start.get(atom + 1)) {
            (Some(&a), Some(&b)) => self.adjacency.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Number of explicit neighbours of `atom` (hydrogen atoms included).
    pub fn degree(&self, atom: usize) -> usize {
        self.neighbors(atom).len()
    }

    /// Number of non-hydrogen neighbours of `atom`.
    pub fn heavy_degree(&self, atom: usize) -> usize {
        self.neighbors(atom).iter().filter(|nb| self.atoms.get(nb.atom).is_some_and(Atom::is_heavy)).count()
    }

    /// Index of the bond between `a` and `b`, if they are bonded.
    pub fn bond_between(&self, a: usize, b: usize) -> Option<usize> {
        self.neighbors(a).iter().find(|nb| nb.atom == b).map(|nb| nb.bond)
    }

    /// Whether `atom` lies on at least one ring.
    pub fn atom_in_ring(&self, atom: usize) -> bool {
        self.atom_in_ring.get(atom).copied().unwrap_or(false)
    }

    /// Whether `bond` lies on at least one ring (is not a bridge).
    pub fn bond_in_ring(&self, bond: usize) -> bool {
        self.bond_in_ring.get(bond).copied().unwrap_or(false)
    }

    /// Number of connected components (`.`-separated parts).
    pub fn component_count(&self) -> usize {
        self.components
    }

    /// Number of rings in the smallest set of smallest rings, which equals
    /// the cycle rank: bonds - atoms + components.
    pub fn ring_count(&self) -> usize {
        (self.bonds.len() + self.components).saturating_sub(self.atoms.len())
    }

    /// Number of non-hydrogen atoms.
    pub fn heavy_atom_count(&self) -> usize {
        self.atoms.iter().filter(|a| a.is_heavy()).count()
    }

    /// All hydrogens: those carried by atoms plus hydrogen atoms.
    pub fn total_hydrogens(&self) -> usize {
        self.atoms.iter().map(|a| usize::from(a.hydrogens) + usize::from(a.atomic_number == 1)).sum()
    }

    /// The molecule made of the atoms with `keep[i]` true and the bonds
    /// between them. Every bond cut off adds its valence back as hydrogens
    /// on the kept atom, so a ring carbon that lost a methyl is a CH again.
    pub fn subgraph(&self, keep: &[bool]) -> Molecule {
        let kept = |i: usize| keep.get(i).copied().unwrap_or(false);
        let mut new_index = vec![usize::MAX; self.atoms.len()];
        let mut atoms = Vec::new();
        for (i, a) in self.atoms.iter().enumerate() {
            if kept(i) {
                new_index[i] = atoms.len();
                atoms.push(*a);
            }
        }
        let mut bonds = Vec::new();
        for b in &self.bonds {
            match (kept(b.begin), kept(b.end)) {
                (true, true) => bonds.push(Bond { begin: new_index[b.begin], end: new_index[b.end], ..*b }),
                (true, false) | (false, true) => {
                    let a = if kept(b.begin) { b.begin } else { b.end };
                    let atom = &mut atoms[new_index[a]];
                    let add = u8::try_from(b.order.valence()).unwrap_or(1);
                    atom.hydrogens = atom.hydrogens.saturating_add(add);
                }
                (false, false) => {}
            }
        }
        // Indices were remapped from a valid graph, so this cannot fail.
        Molecule::new(atoms, bonds).unwrap_or_default()
    }

    /// Changes a bond's order; ring membership does not depend on it.
    pub(crate) fn set_bond_order(&mut self, bond: usize, order: BondOrder) {
        if let Some(b) = self.bonds.get_mut(bond) {
            b.order = order;
        }
    }
}

#[cfg(test)]
mod tests;
