//! Hydrogens that sloppy SMILES leave off aromatic nitrogen (`c1ccnc1`).

use crate::aromaticity::next_combination;
use crate::elements;
use crate::molecule::{Atom, Bond, BondOrder};

/// Aromatic systems bigger than this are left alone by
/// [`infer_pyrrole_hydrogens`] (its search is exponential in the worst case).
const MAX_INFERENCE_ATOMS: usize = 200;
/// Search steps allowed per aromatic system.
const MAX_INFERENCE_STEPS: u32 = 100_000;

/// Gives `[nH]` hydrogens to aromatic `n` atoms written without them, as in
/// `c1ccnc1` for pyrrole (RDKit refuses such strings; sloppy datasets,
/// including the Huuskonen set, contain them).
///
/// An aromatic atom "needs" a double bond in a Kekulé structure when its
/// lowest valence leaves exactly one unit after its bonds (aromatic ones
/// count 1) and hydrogens. When the atoms that need one cannot all be
/// paired along aromatic bonds, the fewest organic-subset `n` atoms with
/// two aromatic bonds and no H are made `[nH]`, first such set in atom
/// order, until they can. Systems that already pair up, or that no such
/// choice fixes, are not changed.
pub(super) fn infer_pyrrole_hydrogens(atoms: &mut [Atom], organic: &[bool], bonds: &[Bond], valence: &[u32]) {
    let n = atoms.len();
    if !atoms.iter().any(|a| a.aromatic) {
        return;
    }
    let mut needs: Vec<bool> = (0..n)
        .map(|i| {
            let a = &atoms[i];
            let lowest = elements::default_valences(a.atomic_number, a.charge).first().copied();
            let used = valence.get(i).copied().unwrap_or(0) + u32::from(a.hydrogens);
            a.aromatic && lowest.is_some_and(|v| u32::from(v) == used + 1)
        })
        .collect();
    let adjacency = AromaticAdjacency::new(n, bonds);
    let mut seen = vec![false; n];
    for start in 0..n {
        if seen[start] || !needs[start] {
            continue;
        }
        // The atoms needing a double bond that are joined by aromatic bonds.
        let mut system = vec![start];
        seen[start] = true;
        let mut head = 0;
        while let Some(&v) = system.get(head) {
            head += 1;
            for &u in adjacency.of(v) {
                if needs[u] && !seen[u] {
                    seen[u] = true;
                    system.push(u);
                }
            }
        }
        if system.len() > MAX_INFERENCE_ATOMS {
            continue;
        }
        system.sort_unstable();
        let mut mate = vec![usize::MAX; n];
        if pairs_up(&system, &needs, &adjacency, &mut mate) != Some(false) {
            continue;
        }
        let candidates: Vec<usize> = system
            .iter()
            .copied()
            .filter(|&i| {
                let a = &atoms[i];
                organic.get(i) == Some(&true)
                    && a.atomic_number == 7
                    && a.charge == 0
                    && a.hydrogens == 0
                    && adjacency.of(i).len() == 2
                    && valence.get(i) == Some(&2)
            })
            .collect();
        'sizes: for k in 1..=candidates.len().min(4) {
            if (system.len() - k) % 2 != 0 {
                continue;
            }
            let mut pick: Vec<usize> = (0..k).collect();
            loop {
                for &p in &pick {
                    needs[candidates[p]] = false;
                }
                mate.fill(usize::MAX);
                let ok = pairs_up(&system, &needs, &adjacency, &mut mate) == Some(true);
                for &p in &pick {
                    needs[candidates[p]] = true;
                }
                if ok {
                    for &p in &pick {
                        atoms[candidates[p]].hydrogens = 1;
                        needs[candidates[p]] = false;
                    }
                    break 'sizes;
                }
                if !next_combination(&mut pick, candidates.len()) {
                    break;
                }
            }
        }
    }
}

/// Whether every atom of `system` with `needs` set can be paired with a
/// neighbour that also needs one; `None` when the search ran too long.
/// Depth-first with an explicit stack: (atom, next neighbour to try).
fn pairs_up(system: &[usize], needs: &[bool], adjacency: &AromaticAdjacency, mate: &mut [usize]) -> Option<bool> {
    let unpaired = |mate: &[usize]| system.iter().copied().find(|&v| needs[v] && mate[v] == usize::MAX);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut steps = 0u32;
    let Some(first) = unpaired(mate) else {
        return Some(true);
    };
    stack.push((first, 0));
    while let Some(&mut (v, ref mut next)) = stack.last_mut() {
        steps += 1;
        if steps > MAX_INFERENCE_STEPS {
            return None;
        }
        // Undo the pairing made at this level before trying the next one.
        if mate[v] != usize::MAX {
            let u = mate[v];
            mate[u] = usize::MAX;
            mate[v] = usize::MAX;
        }
        let choice = adjacency.of(v).iter().enumerate().skip(*next).find(|&(_, &u)| needs[u] && mate[u] == usize::MAX);
        match choice {
            Some((k, &u)) => {
                *next = k + 1;
                mate[v] = u;
                mate[u] = v;
                match unpaired(mate) {
                    None => return Some(true),
                    Some(w) => stack.push((w, 0)),
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    Some(false)
}

/// Neighbours along aromatic bonds, in compressed form (two allocations
/// per molecule instead of one per atom).
struct AromaticAdjacency {
    start: Vec<usize>,
    list: Vec<usize>,
}

impl AromaticAdjacency {
    fn new(n: usize, bonds: &[Bond]) -> Self {
        let aromatic = || bonds.iter().filter(|b| b.order == BondOrder::Aromatic && b.begin < n && b.end < n);
        let mut start = vec![0usize; n + 1];
        for b in aromatic() {
            start[b.begin + 1] += 1;
            start[b.end + 1] += 1;
        }
        for i in 1..=n {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        let mut list = vec![0usize; start[n]];
        for b in aromatic() {
            list[fill[b.begin]] = b.end;
            fill[b.begin] += 1;
            list[fill[b.end]] = b.begin;
            fill[b.end] += 1;
        }
        AromaticAdjacency { start, list }
    }

    fn of(&self, atom: usize) -> &[usize] {
        &self.list[self.start[atom]..self.start[atom + 1]]
    }
}
