//! The molecular graph every reader produces and every featuriser reads.
//!
//! Hydrogens are not atoms here unless they have to be (isotopes, charged
//! H, H bonded to H): each heavy atom carries its total hydrogen count, as
//! RDKit does after reading. Ring membership is computed once on
//! construction (a bond is in a ring exactly when it is not a bridge), so
//! fingerprints and descriptors never search the graph for it again.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::elements;

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
        Bond {
            begin,
            end,
            order,
            stereo: BondStereo::None,
        }
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
                    return Err(MoleculeError::AtomOutOfRange {
                        bond: i,
                        atom,
                        atom_count: n,
                    });
                }
            }
            if b.begin == b.end {
                return Err(MoleculeError::SelfBond {
                    bond: i,
                    atom: b.begin,
                });
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
            adjacency[fill[b.begin]] = Neighbor {
                atom: b.end,
                bond: i,
            };
            fill[b.begin] += 1;
            adjacency[fill[b.end]] = Neighbor {
                atom: b.begin,
                bond: i,
            };
            fill[b.end] += 1;
        }
        // A duplicate shows as the same neighbour twice in one list; the
        // mark array makes the check linear in the number of bonds.
        let mut seen_from = vec![usize::MAX; n];
        for a in 0..n {
            for nb in &adjacency[adjacency_start[a]..adjacency_start[a + 1]] {
                if seen_from[nb.atom] == a {
                    let b = &bonds[nb.bond];
                    return Err(MoleculeError::DuplicateBond {
                        bond: nb.bond,
                        begin: b.begin,
                        end: b.end,
                    });
                }
                seen_from[nb.atom] = a;
            }
        }
        let (bond_in_ring, components) =
            find_ring_bonds(n, &adjacency_start, &adjacency, bonds.len());
        let mut atom_in_ring = vec![false; n];
        for (b, &ring) in bonds.iter().zip(&bond_in_ring) {
            if ring {
                atom_in_ring[b.begin] = true;
                atom_in_ring[b.end] = true;
            }
        }
        Ok(Molecule {
            atoms,
            bonds,
            adjacency_start,
            adjacency,
            atom_in_ring,
            bond_in_ring,
            components,
        })
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
        match (
            self.adjacency_start.get(atom),
            self.adjacency_start.get(atom + 1),
        ) {
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
        self.neighbors(atom)
            .iter()
            .filter(|nb| self.atoms.get(nb.atom).is_some_and(Atom::is_heavy))
            .count()
    }

    /// Index of the bond between `a` and `b`, if they are bonded.
    pub fn bond_between(&self, a: usize, b: usize) -> Option<usize> {
        self.neighbors(a)
            .iter()
            .find(|nb| nb.atom == b)
            .map(|nb| nb.bond)
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
        self.atoms
            .iter()
            .map(|a| usize::from(a.hydrogens) + usize::from(a.atomic_number == 1))
            .sum()
    }

    /// A smallest set of smallest rings (a minimum cycle basis), each ring
    /// as its atom indices in walking order, smallest rings first.
    ///
    /// Horton's method: every shortest-path cycle "v to x, bond x-y, y back
    /// to v" over ring bonds is a candidate; candidates are taken shortest
    /// first when they are independent (over GF(2), on their bond sets) of
    /// those already taken, until [`Molecule::ring_count`] rings are found.
    /// Cost grows with atoms x bonds, fine for drug-sized molecules.
    pub fn rings(&self) -> Vec<Vec<usize>> {
        let want = self.ring_count();
        if want == 0 {
            return Vec::new();
        }
        // Columns of the bond-set bit vectors: ring bonds only.
        let mut column = vec![usize::MAX; self.bonds.len()];
        let mut n_cols = 0;
        for (b, &ring) in self.bond_in_ring.iter().enumerate() {
            if ring {
                column[b] = n_cols;
                n_cols += 1;
            }
        }
        let words = n_cols.div_ceil(64);
        let n = self.atoms.len();
        let mut candidates: Vec<(Vec<u64>, Vec<usize>)> = Vec::new();
        let mut seen: HashSet<Vec<u64>> = HashSet::new();
        let mut dist = vec![usize::MAX; n];
        let mut parent_bond = vec![usize::MAX; n];
        let mut on_path = vec![usize::MAX; n];
        let mut queue = Vec::with_capacity(n);
        let mut stamp = 0usize;
        for root in 0..n {
            if !self.atom_in_ring[root] {
                continue;
            }
            dist.fill(usize::MAX);
            parent_bond.fill(usize::MAX);
            queue.clear();
            dist[root] = 0;
            queue.push(root);
            let mut head = 0;
            while let Some(&v) = queue.get(head) {
                head += 1;
                for nb in self.neighbors(v) {
                    if self.bond_in_ring[nb.bond] && dist[nb.atom] == usize::MAX {
                        dist[nb.atom] = dist[v] + 1;
                        parent_bond[nb.atom] = nb.bond;
                        queue.push(nb.atom);
                    }
                }
            }
            for (b, bond) in self.bonds.iter().enumerate() {
                let (x, y) = (bond.begin, bond.end);
                if !self.bond_in_ring[b]
                    || dist[x] == usize::MAX
                    || dist[y] == usize::MAX
                    || parent_bond[x] == b
                    || parent_bond[y] == b
                {
                    continue;
                }
                let path_x = self.tree_path(x, &parent_bond);
                let path_y = self.tree_path(y, &parent_bond);
                // The two paths may share only the root.
                stamp += 1;
                for &a in &path_x {
                    on_path[a] = stamp;
                }
                if path_y.iter().any(|&a| a != root && on_path[a] == stamp) {
                    continue;
                }
                let mut bits = vec![0u64; words];
                let mut ring: Vec<usize> = path_x.iter().rev().copied().collect();
                ring.extend(path_y.iter().copied().filter(|&a| a != root));
                for w in 0..ring.len() {
                    let a = ring[w];
                    let c = ring[(w + 1) % ring.len()];
                    if let Some(bb) = self.bond_between(a, c) {
                        let col = column[bb];
                        bits[col / 64] |= 1u64 << (col % 64);
                    }
                }
                if seen.insert(bits.clone()) {
                    candidates.push((bits, ring));
                }
            }
        }
        candidates.sort_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| a.0.cmp(&b.0)));
        // Gaussian elimination over GF(2): each basis row has a pivot bit.
        let mut basis: Vec<(usize, Vec<u64>)> = Vec::new();
        let mut rings = Vec::new();
        for (bits, ring) in candidates {
            let mut row = bits;
            for (pivot, brow) in &basis {
                if row[pivot / 64] >> (pivot % 64) & 1 == 1 {
                    for (r, b) in row.iter_mut().zip(brow) {
                        *r ^= b;
                    }
                }
            }
            let pivot = row
                .iter()
                .enumerate()
                .find(|(_, w)| **w != 0)
                .map(|(i, w)| i * 64 + w.trailing_zeros() as usize);
            if let Some(pivot) = pivot {
                basis.push((pivot, row));
                rings.push(ring);
                if rings.len() == want {
                    break;
                }
            }
        }
        rings
    }

    /// Atoms from `atom` up the BFS tree to its root, `atom` first.
    fn tree_path(&self, atom: usize, parent_bond: &[usize]) -> Vec<usize> {
        let mut path = vec![atom];
        let mut v = atom;
        while let Some(b) = parent_bond.get(v).copied().filter(|&b| b != usize::MAX) {
            v = self.bonds[b].other(v);
            path.push(v);
        }
        path
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
                (true, true) => bonds.push(Bond {
                    begin: new_index[b.begin],
                    end: new_index[b.end],
                    ..*b
                }),
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
pub(crate) fn fold_hydrogens(
    atoms: Vec<Atom>,
    bonds: Vec<Bond>,
) -> (Vec<Atom>, Vec<Bond>, Vec<bool>) {
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
        atoms.get(i).is_some_and(|a| {
            a.atomic_number == 1 && a.isotope.is_none() && a.charge == 0 && a.hydrogens == 0
        }) && degree.get(i) == Some(&1)
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

/// Tarjan's bridge finding without recursion (long chains must not
/// overflow the stack). Returns, per bond, whether it lies on a ring, and
/// the number of connected components.
fn find_ring_bonds(
    n: usize,
    adjacency_start: &[usize],
    adjacency: &[Neighbor],
    bond_count: usize,
) -> (Vec<bool>, usize) {
    let mut in_ring = vec![true; bond_count];
    let mut discovered = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut timer = 0;
    let mut components = 0;
    // (atom, bond it was reached by, next adjacency slot to look at)
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    for root in 0..n {
        if discovered[root] != usize::MAX {
            continue;
        }
        components += 1;
        discovered[root] = timer;
        low[root] = timer;
        timer += 1;
        stack.push((root, usize::MAX, adjacency_start[root]));
        while let Some(&(v, via, next)) = stack.last() {
            if next < adjacency_start[v + 1] {
                if let Some(top) = stack.last_mut() {
                    top.2 += 1;
                }
                let nb = adjacency[next];
                if nb.bond == via {
                    continue;
                }
                if discovered[nb.atom] == usize::MAX {
                    discovered[nb.atom] = timer;
                    low[nb.atom] = timer;
                    timer += 1;
                    stack.push((nb.atom, nb.bond, adjacency_start[nb.atom]));
                } else {
                    low[v] = low[v].min(discovered[nb.atom]);
                }
            } else {
                stack.pop();
                if let Some(&(parent, _, _)) = stack.last() {
                    low[parent] = low[parent].min(low[v]);
                    if low[v] > discovered[parent] {
                        in_ring[via] = false;
                    }
                }
            }
        }
    }
    (in_ring, components)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize, close: bool) -> Molecule {
        let atoms = vec![Atom::new(6); n];
        let mut bonds: Vec<Bond> = (1..n)
            .map(|i| Bond::new(i - 1, i, BondOrder::Single))
            .collect();
        if close {
            bonds.push(Bond::new(n - 1, 0, BondOrder::Single));
        }
        Molecule::new(atoms, bonds).unwrap()
    }

    #[test]
    fn rings_are_found_by_bridges() {
        let m = chain(6, true);
        assert_eq!(m.ring_count(), 1);
        assert!((0..6).all(|a| m.atom_in_ring(a)));
        let m = chain(6, false);
        assert_eq!(m.ring_count(), 0);
        assert!((0..5).all(|b| !m.bond_in_ring(b)));
        assert_eq!(m.component_count(), 1);
    }

    #[test]
    fn long_chain_does_not_overflow_the_stack() {
        let m = chain(200_000, true);
        assert_eq!(m.ring_count(), 1);
        assert!(m.bond_in_ring(199_999));
    }

    #[test]
    fn bad_graphs_are_rejected() {
        let atoms = vec![Atom::new(6); 2];
        let e = Molecule::new(atoms.clone(), vec![Bond::new(0, 2, BondOrder::Single)]).unwrap_err();
        assert!(matches!(e, MoleculeError::AtomOutOfRange { atom: 2, .. }));
        let e = Molecule::new(atoms.clone(), vec![Bond::new(1, 1, BondOrder::Single)]).unwrap_err();
        assert!(matches!(e, MoleculeError::SelfBond { atom: 1, .. }));
        let bonds = vec![
            Bond::new(0, 1, BondOrder::Single),
            Bond::new(1, 0, BondOrder::Double),
        ];
        let e = Molecule::new(atoms, bonds).unwrap_err();
        assert_eq!(
            e,
            MoleculeError::DuplicateBond {
                bond: 1,
                begin: 1,
                end: 0
            }
        );
    }

    #[test]
    fn bicyclic_rings_are_the_two_small_ones() {
        // Bicyclo[2.2.0]hexane: two 4-rings sharing a bond, not the 6-ring.
        let atoms = vec![Atom::new(6); 6];
        let pairs = [(0, 1), (1, 2), (2, 3), (3, 0), (1, 4), (4, 5), (5, 2)];
        let bonds = pairs
            .iter()
            .map(|&(a, b)| Bond::new(a, b, BondOrder::Single))
            .collect();
        let m = Molecule::new(atoms, bonds).unwrap();
        let rings = m.rings();
        assert_eq!(rings.len(), 2);
        assert!(rings.iter().all(|r| r.len() == 4));
    }

    #[test]
    fn smallest_rings_of_cages_and_bridged_systems() {
        let sizes = |s: &str| {
            let mut v: Vec<usize> = crate::smiles::parse_smiles(s)
                .unwrap()
                .rings()
                .iter()
                .map(Vec::len)
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(sizes("C12C3C4C1C5C2C3C45"), vec![4; 5]); // cubane
        assert_eq!(sizes("C1CC2CCC1C2"), vec![5, 5]); // norbornane
        assert_eq!(sizes("C1C2CC3CC1CC(C2)C3"), vec![6, 6, 6]); // adamantane
        assert_eq!(sizes("c1ccc2ccccc2c1"), vec![6, 6]);
        assert_eq!(sizes("C1CC1.C1CCC1"), vec![3, 4]);
        assert_eq!(sizes("CCO"), Vec::<usize>::new());
    }

    #[test]
    fn subgraph_turns_cut_bonds_into_hydrogens() {
        let mut atoms = vec![Atom::new(6); 3];
        atoms[0].hydrogens = 2;
        let bonds = vec![
            Bond::new(0, 1, BondOrder::Double),
            Bond::new(1, 2, BondOrder::Single),
        ];
        let m = Molecule::new(atoms, bonds).unwrap();
        let s = m.subgraph(&[false, true, true]);
        assert_eq!(s.atom_count(), 2);
        assert_eq!(s.atoms()[0].hydrogens, 2);
    }

    #[test]
    fn plain_hydrogens_are_folded() {
        let atoms = vec![Atom::new(6), Atom::new(1), Atom::new(1)];
        let bonds = vec![
            Bond::new(0, 1, BondOrder::Single),
            Bond::new(0, 2, BondOrder::Single),
        ];
        let (atoms, bonds, kept) = fold_hydrogens(atoms, bonds);
        assert_eq!(atoms.len(), 1);
        assert!(bonds.is_empty());
        assert_eq!(kept, vec![false, false]);
        assert_eq!(atoms[0].hydrogens, 2);
        // H2 stays two atoms.
        let (atoms, _, _) = fold_hydrogens(
            vec![Atom::new(1); 2],
            vec![Bond::new(0, 1, BondOrder::Single)],
        );
        assert_eq!(atoms.len(), 2);
    }
}
