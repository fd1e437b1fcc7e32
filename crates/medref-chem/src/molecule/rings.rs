//! Rings: which bonds lie on one (computed once, at construction) and the
//! smallest set of smallest rings that descriptors and scaffolds need.

use std::collections::HashSet;

use super::{Molecule, Neighbor};

impl Molecule {
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
            let pivot =
                row.iter().enumerate().find(|(_, w)| **w != 0).map(|(i, w)| i * 64 + w.trailing_zeros() as usize);
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
}

/// Tarjan's bridge finding without recursion (long chains must not
/// overflow the stack). Returns, per bond, whether it lies on a ring, and
/// the number of connected components.
pub(super) fn find_ring_bonds(
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
