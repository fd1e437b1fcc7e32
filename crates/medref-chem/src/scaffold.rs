//! Bemis-Murcko scaffolds and the scaffold split: molecules sharing a ring
//! framework go to the same split, so a model is tested on chemotypes it
//! has not seen, a harder and more honest estimate than a random split.
//!
//! The scaffold is RDKit's `MurckoScaffold` (what DeepChem and chemprop
//! split on, so splits are comparable): ring atoms, the linker atoms on
//! paths between rings, and every other atom joined to one of those by a
//! double bond (the `=O` of a lactam or an amide linker, the `=CH2` left of
//! an alkylidene). Every bond cut becomes hydrogens on the atom that stays,
//! so the scaffold is a molecule in its own right and an N-methyl pyrrole
//! ring gives `[nH]`. Acyclic molecules have the empty scaffold, and all
//! of them form one group in the split, as in DeepChem.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::canonical::canonical_key;
use crate::molecule::{BondOrder, Molecule};

/// The Bemis-Murcko framework of `mol` (empty when it has no ring).
pub fn murcko_scaffold(mol: &Molecule) -> Molecule {
    let n = mol.atom_count();
    let atoms = mol.atoms();
    // Ring atoms and linkers: what survives stripping non-ring leaves.
    let mut framework: Vec<bool> = atoms.iter().map(|a| a.is_heavy()).collect();
    let mut degree: Vec<usize> = (0..n).map(|i| mol.heavy_degree(i)).collect();
    let mut queue: Vec<usize> = (0..n).filter(|&i| framework[i] && !mol.atom_in_ring(i) && degree[i] <= 1).collect();
    while let Some(atom) = queue.pop() {
        if !framework[atom] {
            continue;
        }
        framework[atom] = false;
        for nb in mol.neighbors(atom) {
            let j = nb.atom;
            if framework[j] {
                degree[j] = degree[j].saturating_sub(1);
                if !mol.atom_in_ring(j) && degree[j] <= 1 {
                    queue.push(j);
                }
            }
        }
    }
    let keep: Vec<bool> = (0..n)
        .map(|i| {
            framework[i]
                || (atoms[i].is_heavy()
                    && mol
                        .neighbors(i)
                        .iter()
                        .any(|nb| framework[nb.atom] && mol.bonds()[nb.bond].order == BondOrder::Double))
        })
        .collect();
    mol.subgraph(&keep)
}

/// The canonical key of the scaffold; `""` when the molecule has no ring.
pub fn scaffold_key(mol: &Molecule) -> String {
    let scaffold = murcko_scaffold(mol);
    if scaffold.is_empty() {
        String::new()
    } else {
        canonical_key(&scaffold)
    }
}

/// Which part of the data an example belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Fitting.
    Train,
    /// Model selection and early stopping.
    Val,
    /// The reported number.
    Test,
}

/// A scaffold split as index lists (each ascending), the shape the
/// training code's other splitters return.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScaffoldSplitIndices {
    /// Indices of training examples.
    pub train: Vec<usize>,
    /// Indices of validation examples.
    pub val: Vec<usize>,
    /// Indices of test examples.
    pub test: Vec<usize>,
}

/// Why a scaffold split could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScaffoldSplitError {
    /// The fractions are negative, not finite, or do not sum to 1.
    #[error("split fractions (train {}, val {}, test {}) must be >= 0 and sum to 1", .0[0], .0[1], .0[2])]
    BadFractions([f64; 3]),
    /// A split that was given a share of the data received no molecule,
    /// because whole scaffold groups cannot be divided.
    #[error(
        "scaffold split left {split} empty (fractions train {}, val {}, test {}): {molecules} \
         molecules fall into {groups} scaffold groups and the largest holds {largest} of them \
         ({largest_share:.0}%; acyclic molecules all share the empty scaffold), so whole groups \
         cannot fill every split; use a random split (split = \"random\") or more molecules \
         with more varied ring systems",
        .fractions[0], .fractions[1], .fractions[2]
    )]
    EmptySplit {
        /// `"train"`, `"val"` or `"test"`.
        split: &'static str,
        /// The requested (train, val, test) fractions.
        fractions: [f64; 3],
        /// Number of molecules split.
        molecules: usize,
        /// Number of distinct scaffold keys.
        groups: usize,
        /// Size of the largest scaffold group.
        largest: usize,
        /// `largest` as a percentage of `molecules`.
        largest_share: f64,
    },
}

/// DeepChem's deterministic scaffold split. Indices are grouped by key;
/// groups are taken largest first (ties: the group whose first index is
/// smaller first; DeepChem breaks ties the other way) and each goes to
/// train while train stays within `train * n`, else to val while train +
/// val stay within `(train + val) * n`, else to test. A key is never in two
/// splits, so the fractions are met only approximately.
///
/// `keys` are scaffold keys, one per example (see [`scaffold_key`]).
/// `fractions` are (train, val, test).
pub fn scaffold_split<S: AsRef<str>>(keys: &[S], fractions: [f64; 3]) -> Result<Vec<Split>, ScaffoldSplitError> {
    check_fractions(fractions)?;
    let [train, val, _] = fractions;
    let mut groups = group_indices(keys);
    // Groups were created in order of first index, so a stable sort by
    // size keeps the first-index tie break.
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let n = keys.len() as f64;
    let train_cutoff = train * n;
    let val_cutoff = (train + val) * n;
    let mut out = vec![Split::Train; keys.len()];
    let (mut n_train, mut n_val) = (0usize, 0usize);
    for group in &groups {
        let size = group.len();
        let split = if (n_train + size) as f64 > train_cutoff {
            if (n_train + n_val + size) as f64 > val_cutoff {
                Split::Test
            } else {
                n_val += size;
                Split::Val
            }
        } else {
            n_train += size;
            Split::Train
        };
        for &i in group {
            out[i] = split;
        }
    }
    Ok(out)
}

/// [`scaffold_split`] as index lists.
pub fn scaffold_split_indices<S: AsRef<str>>(
    keys: &[S],
    fractions: [f64; 3],
) -> Result<ScaffoldSplitIndices, ScaffoldSplitError> {
    let mut out = ScaffoldSplitIndices::default();
    for (i, split) in scaffold_split(keys, fractions)?.into_iter().enumerate() {
        match split {
            Split::Train => out.train.push(i),
            Split::Val => out.val.push(i),
            Split::Test => out.test.push(i),
        }
    }
    Ok(out)
}

fn check_fractions(fractions: [f64; 3]) -> Result<(), ScaffoldSplitError> {
    let valid = fractions.iter().all(|f| f.is_finite() && *f >= 0.0);
    if !valid || (fractions.iter().sum::<f64>() - 1.0).abs() > 1e-6 {
        return Err(ScaffoldSplitError::BadFractions(fractions));
    }
    Ok(())
}

/// Example indices grouped by key, groups in order of first appearance.
fn group_indices<S: AsRef<str>>(keys: &[S]) -> Vec<Vec<usize>> {
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let g = *group_of.entry(key.as_ref()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups
}

/// chemprop's balanced scaffold split, the better default when a few
/// scaffolds are large. Groups bigger than half the validation or half
/// the test size go first, in seeded random order, so they land in train
/// instead of swamping val or test; the other groups follow in seeded
/// random order. Each group goes to train while train stays within
/// `train * n`, else to val while val stays within `val * n`, else to
/// test. Unlike [`scaffold_split_indices`] the result is checked: a split
/// with a non-zero fraction that received nothing is an
/// [`ScaffoldSplitError::EmptySplit`] (see [`check_split_sizes`]).
pub fn balanced_scaffold_split_indices<S: AsRef<str>>(
    keys: &[S],
    fractions: [f64; 3],
    seed: u64,
) -> Result<ScaffoldSplitIndices, ScaffoldSplitError> {
    check_fractions(fractions)?;
    let n = keys.len() as f64;
    let [train_size, val_size, test_size] = fractions.map(|f| f * n);
    let (mut big, mut small): (Vec<Vec<usize>>, Vec<Vec<usize>>) = group_indices(keys)
        .into_iter()
        .partition(|g| g.len() as f64 > val_size / 2.0 || g.len() as f64 > test_size / 2.0);
    let mut rng = SplitMix64(seed);
    rng.shuffle(&mut big);
    rng.shuffle(&mut small);
    let mut out = ScaffoldSplitIndices::default();
    for group in big.into_iter().chain(small) {
        let size = group.len() as f64;
        let target = if out.train.len() as f64 + size <= train_size {
            &mut out.train
        } else if out.val.len() as f64 + size <= val_size {
            &mut out.val
        } else {
            &mut out.test
        };
        target.extend(group);
    }
    for list in [&mut out.train, &mut out.val, &mut out.test] {
        list.sort_unstable();
    }
    check_split_sizes(&out, keys, fractions)?;
    Ok(out)
}

/// Refuses a split in which train, val or test holds no example although
/// its fraction is above zero, naming the largest scaffold group (the
/// usual cause) and the fix. Callers of [`scaffold_split_indices`] can
/// run it on that result too.
pub fn check_split_sizes<S: AsRef<str>>(
    split: &ScaffoldSplitIndices,
    keys: &[S],
    fractions: [f64; 3],
) -> Result<(), ScaffoldSplitError> {
    let parts = [("train", &split.train), ("val", &split.val), ("test", &split.test)];
    for ((name, part), fraction) in parts.into_iter().zip(fractions) {
        if fraction > 0.0 && part.is_empty() {
            let groups = group_indices(keys);
            let largest = groups.iter().map(Vec::len).max().unwrap_or(0);
            return Err(ScaffoldSplitError::EmptySplit {
                split: name,
                fractions,
                molecules: keys.len(),
                groups: groups.len(),
                largest,
                largest_share: 100.0 * largest as f64 / keys.len().max(1) as f64,
            });
        }
    }
    Ok(())
}

/// SplitMix64: a tiny, fixed generator so a seed gives the same split on
/// every platform and version.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        crate::hash::mix64(self.0)
    }

    /// Fisher-Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smiles::parse_smiles;

    fn scaffold(s: &str) -> String {
        crate::canonical::canonical_string(&murcko_scaffold(&parse_smiles(s).unwrap()))
    }

    fn key(s: &str) -> String {
        scaffold_key(&parse_smiles(s).unwrap())
    }

    #[test]
    fn side_chains_are_stripped() {
        assert_eq!(scaffold("Cc1ccccc1"), scaffold("c1ccccc1"));
        assert_eq!(scaffold("CCCc1ccccc1O"), scaffold("c1ccccc1"));
        // Aspirin and salicylic acid share benzene.
        assert_eq!(key("CC(=O)Oc1ccccc1C(=O)O"), key("OC(=O)c1ccccc1O"));
        assert_eq!(key("CC(=O)Oc1ccccc1C(=O)O"), key("c1ccccc1"));
        // Linkers stay: diphenylmethane keeps its CH2, ring carbons get H back.
        assert_eq!(scaffold("c1ccccc1Cc1ccc(Cl)cc1"), scaffold("c1ccccc1Cc1ccccc1"));
        assert_ne!(key("c1ccccc1Cc1ccccc1"), key("c1ccccc1CCc1ccccc1"));
        // Exocyclic and linker double bonds stay, as in RDKit.
        assert_eq!(key("CC1CCC(=O)CC1"), key("O=C1CCCCC1"));
        assert_ne!(key("O=C1CCCCC1"), key("C1CCCCC1"));
        assert_eq!(key("Cc1ccccc1C(=O)Nc1ccc(Cl)cc1"), key("O=C(Nc1ccccc1)c1ccccc1"));
        // The alkylidene carbon stays and its chlorines become H (DDT-like).
        assert_eq!(key("ClC(Cl)=C(c1ccc(Cl)cc1)c1ccc(Cl)cc1"), key("C=C(c1ccccc1)c1ccccc1"));
        // A substituted aromatic N gets its H back.
        assert_eq!(key("Cn1cccc1"), key("c1cc[nH]c1"));
        // Different ring systems differ.
        assert_ne!(key("Cc1ccccc1"), key("Cc1ccncc1"));
    }

    #[test]
    fn acyclic_molecules_have_the_empty_scaffold() {
        assert_eq!(key("CCO"), "");
        assert!(murcko_scaffold(&parse_smiles("CC(C)CC(=O)O").unwrap()).is_empty());
        // A salt keeps only its ring part.
        assert_eq!(key("c1ccccc1C(=O)[O-].[Na+]"), key("c1ccccc1"));
    }

    #[test]
    fn split_keeps_groups_together_and_meets_fractions() {
        // 100 examples: groups of sizes 30, 20, 10, 10, then 30 singletons.
        let mut keys = Vec::new();
        for (g, size) in [(0, 30), (1, 20), (2, 10), (3, 10)] {
            keys.extend(std::iter::repeat_n(format!("g{g}"), size));
        }
        keys.extend((0..30).map(|i| format!("s{i}")));
        let splits = scaffold_split(&keys, [0.8, 0.1, 0.1]).unwrap();
        let mut home: HashMap<&str, Split> = HashMap::new();
        for (k, s) in keys.iter().zip(&splits) {
            assert_eq!(*home.entry(k.as_str()).or_insert(*s), *s, "{k} in two splits");
        }
        let count = |x| splits.iter().filter(|&&s| s == x).count();
        assert_eq!(count(Split::Train), 80);
        assert_eq!(count(Split::Val), 10);
        assert_eq!(count(Split::Test), 10);
        // Largest group first into train.
        assert_eq!(splits[0], Split::Train);
        let idx = scaffold_split_indices(&keys, [0.8, 0.1, 0.1]).unwrap();
        assert_eq!((idx.train.len(), idx.val.len(), idx.test.len()), (80, 10, 10));
        assert_eq!(idx.val, (80..90).collect::<Vec<_>>());
    }

    #[test]
    fn split_of_real_scaffolds_is_deterministic() {
        let smiles = ["c1ccccc1C", "c1ccccc1CC", "C1CCCCC1O", "CCO", "CCN", "c1ccncc1", "c1ccccc1O"];
        let keys: Vec<String> = smiles.iter().map(|s| key(s)).collect();
        let a = scaffold_split(&keys, [0.6, 0.2, 0.2]).unwrap();
        let b = scaffold_split(&keys, [0.6, 0.2, 0.2]).unwrap();
        assert_eq!(a, b);
        // The three benzene derivatives share a split.
        assert!(a[0] == a[1] && a[1] == a[6]);
    }

    #[test]
    fn bad_fractions_are_rejected() {
        let keys = ["a", "b"];
        assert!(scaffold_split(&keys, [0.5, 0.5, 0.5]).is_err());
        assert!(scaffold_split(&keys, [-0.1, 0.6, 0.5]).is_err());
        assert!(scaffold_split(&keys, [f64::NAN, 0.5, 0.5]).is_err());
        assert!(scaffold_split::<&str>(&[], [0.8, 0.1, 0.1]).unwrap().is_empty());
    }

    /// 100 keys: one group of `big`, the rest singletons.
    fn one_big_group(big: usize) -> Vec<String> {
        let mut keys = vec![String::new(); big];
        keys.extend((big..100).map(|i| format!("s{i}")));
        keys
    }

    #[test]
    fn balanced_split_puts_big_groups_in_train() {
        let keys = one_big_group(60);
        let s = balanced_scaffold_split_indices(&keys, [0.8, 0.1, 0.1], 0).unwrap();
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (80, 10, 10));
        // The 60 acyclic molecules are all in train.
        assert!((0..60).all(|i| s.train.binary_search(&i).is_ok()));
        // Seeded: same seed same split, another seed another one.
        assert_eq!(s, balanced_scaffold_split_indices(&keys, [0.8, 0.1, 0.1], 0).unwrap());
        assert_ne!(s, balanced_scaffold_split_indices(&keys, [0.8, 0.1, 0.1], 1).unwrap());
        // Every index once.
        let mut all: Vec<usize> = [s.train, s.val, s.test].concat();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn dominant_scaffold_is_an_error_naming_its_size() {
        // DeepChem's order puts the 85-molecule group nowhere but test when
        // train is 80: train ends up empty.
        let keys = one_big_group(85);
        let old = scaffold_split_indices(&keys, [0.8, 0.1, 0.1]).unwrap();
        let err = check_split_sizes(&old, &keys, [0.8, 0.1, 0.1]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("largest holds 85"), "{message}");
        assert!(message.contains("85%"), "{message}");
        assert!(message.contains("split = \"random\""), "{message}");
        // The balanced split cannot help either: 85 > 80 goes to test.
        let err = balanced_scaffold_split_indices(&keys, [0.8, 0.1, 0.1], 3).unwrap_err();
        assert!(matches!(err, ScaffoldSplitError::EmptySplit { largest: 85, .. }), "{err}");
        // A zero fraction may stay empty.
        let keys: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
        let s = balanced_scaffold_split_indices(&keys, [0.8, 0.2, 0.0], 0).unwrap();
        assert!(s.test.is_empty() && !s.val.is_empty());
        assert!(balanced_scaffold_split_indices(&keys, [0.8, 0.2, 0.2], 0).is_err());
    }
}
