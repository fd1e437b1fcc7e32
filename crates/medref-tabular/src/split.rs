//! Splits that respect patients: all rows of one group id stay together.
//!
//! A patient with several visits split across train and test lets a model
//! recognise the patient instead of the disease, and inflates every score.

use std::collections::{BTreeMap, BTreeSet};

use medref_core::seed::Rng;
use medref_core::split::SplitIndices;

/// Holds out whole groups (patients): groups are shuffled with a stream
/// derived from `seed`, then test is filled until it holds at least its
/// share of rows, then validation; the rest trains. Rows of a group never
/// straddle splits. Indices in each split ascend.
pub fn group_split(groups: &[String], fractions: [f64; 3], seed: u64) -> SplitIndices {
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        members.entry(g.as_str()).or_default().push(i);
    }
    let mut order: Vec<&str> = members.keys().copied().collect();
    Rng::derive(seed, "tabular/group_split").shuffle(&mut order);
    let n = groups.len() as f64;
    let (want_test, want_val) = (n * fractions[2], n * fractions[1]);
    let mut split = SplitIndices::default();
    for g in order {
        let rows = &members[g];
        let target = if (split.test.len() as f64) < want_test {
            &mut split.test
        } else if (split.val.len() as f64) < want_val {
            &mut split.val
        } else {
            &mut split.train
        };
        target.extend_from_slice(rows);
    }
    split.train.sort_unstable();
    split.val.sort_unstable();
    split.test.sort_unstable();
    split
}

/// Checks that no group id appears in two splits (for splits the user fixed
/// with a split column). The error names how many groups leak and one
/// example's row numbers, never the id itself (ids identify patients).
pub fn check_groups_disjoint(groups: &[String], split: &SplitIndices) -> Result<(), String> {
    let sets: Vec<BTreeSet<&str>> = [&split.train, &split.val, &split.test]
        .iter()
        .map(|rows| rows.iter().map(|&r| groups[r].as_str()).collect())
        .collect();
    let names = ["train", "val", "test"];
    let mut leaks = Vec::new();
    for a in 0..3 {
        for b in a + 1..3 {
            for g in sets[a].intersection(&sets[b]) {
                leaks.push((a, b, *g));
            }
        }
    }
    let Some(&(a, b, g)) = leaks.first() else { return Ok(()) };
    let row_in = |s: &Vec<usize>| s.iter().find(|&&r| groups[r] == g).map_or(0, |r| r + 1);
    let rows = [&split.train, &split.val, &split.test];
    Err(format!(
        "{} group id(s) appear in more than one split; for example the group of data row {} ({}) is also in data row {} ({}); \
         every row of a patient must be in one split",
        leaks.len(),
        row_in(rows[a]),
        names[a],
        row_in(rows[b]),
        names[b]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_never_straddle_splits_and_shares_are_close() {
        let groups: Vec<String> = (0..300).map(|i| format!("p{}", i / 3)).collect();
        let s = group_split(&groups, [0.7, 0.15, 0.15], 7);
        assert_eq!(s.train.len() + s.val.len() + s.test.len(), 300);
        check_groups_disjoint(&groups, &s).unwrap();
        assert!((45..=48).contains(&s.test.len()), "{}", s.test.len());
        assert!((45..=48).contains(&s.val.len()), "{}", s.val.len());
        assert_eq!(group_split(&groups, [0.7, 0.15, 0.15], 7), s);
        assert_ne!(group_split(&groups, [0.7, 0.15, 0.15], 8), s);
    }

    #[test]
    fn a_leaking_patient_is_reported_by_row_not_by_id() {
        let groups: Vec<String> = ["MRN-1", "MRN-2", "MRN-1"].iter().map(|s| s.to_string()).collect();
        let split = SplitIndices { train: vec![0, 1], val: vec![], test: vec![2] };
        let msg = check_groups_disjoint(&groups, &split).unwrap_err();
        assert!(
            msg.contains("1 group id(s)") && msg.contains("data row 1 (train)") && msg.contains("data row 3 (test)"),
            "{msg}"
        );
        assert!(!msg.contains("MRN"), "{msg}");
    }
}
