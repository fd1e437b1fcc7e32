//! Dividing examples without official splits into train, validation and
//! test: the one stratified splitter and the one check of the held-out
//! fractions, shared by every domain (DNA, tables, molecules, signals) so
//! that a given config's fractions mean, and are refused with, the same
//! thing everywhere.

use crate::seed::Rng;
use std::collections::BTreeMap;

/// Which records go to train, val and test: indices into the records the
/// split was drawn over, each ascending.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SplitIndices {
    /// Training records.
    pub train: Vec<usize>,
    /// Validation records.
    pub val: Vec<usize>,
    /// Test records.
    pub test: Vec<usize>,
}

impl SplitIndices {
    /// The three splits with their names, in train, val, test order.
    pub fn named(&self) -> [(&'static str, &Vec<usize>); 3] {
        [("train", &self.train), ("val", &self.val), ("test", &self.test)]
    }
}

/// The shares held out for validation and test: each in `[0, 1)` and
/// together below 1, so that something is left to train on. The message
/// names the config keys, since that is where a trainee sets them.
pub fn check_holdout(val: f64, test: f64) -> Result<(), String> {
    let ok = (0.0..1.0).contains(&val) && (0.0..1.0).contains(&test) && val + test < 1.0;
    if ok {
        Ok(())
    } else {
        Err(format!("val_fraction ({val}) and test_fraction ({test}) must each be in [0, 1) and sum below 1"))
    }
}

/// A seeded, stratified random split for data without official splits.
///
/// `labels` is `[n, label_width]`; records are grouped by their whole label
/// row (the class for `label_width == 1`), each group is shuffled with a
/// stream derived from `seed`, and `val` and `test` shares are cut off
/// (rounded per group), the rest trains. Every class is thus represented
/// in each split in about its overall share. The indices of each split are
/// ascending (file order); the same labels and seed always give the same
/// split.
pub fn split_train_val_test(
    labels: &[u32],
    label_width: usize,
    val: f64,
    test: f64,
    seed: u64,
) -> Result<SplitIndices, String> {
    if label_width == 0 || !labels.len().is_multiple_of(label_width) {
        return Err(format!("{} label values do not form rows of label_width {label_width}", labels.len()));
    }
    check_holdout(val, test)?;
    let train = 1.0 - val - test;
    let mut groups: BTreeMap<&[u32], Vec<usize>> = BTreeMap::new();
    for (i, row) in labels.chunks(label_width).enumerate() {
        groups.entry(row).or_default().push(i);
    }
    // The stream's name predates this module; changing it would change
    // every seeded split and so every published number.
    let mut rng = Rng::derive(seed, "genomics/split_train_val_test");
    let mut split = SplitIndices::default();
    for members in groups.values_mut() {
        rng.shuffle(members);
        let n = members.len() as f64;
        let cut_train = ((n * train).round() as usize).min(members.len());
        let cut_val = ((n * (train + val)).round() as usize).clamp(cut_train, members.len());
        split.train.extend_from_slice(&members[..cut_train]);
        split.val.extend_from_slice(&members[cut_train..cut_val]);
        split.test.extend_from_slice(&members[cut_val..]);
    }
    split.train.sort_unstable();
    split.val.sort_unstable();
    split.test.sort_unstable();
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_split_keeps_class_shares_and_is_seeded() {
        let labels: Vec<u32> = (0..1000).map(|i| u32::from(i % 10 == 0) + u32::from(i % 10 == 1) * 2).collect();
        let s = split_train_val_test(&labels, 1, 0.1, 0.2, 3).unwrap();
        assert_eq!(s.train.len() + s.val.len() + s.test.len(), 1000);
        let count = |idx: &[usize], c: u32| idx.iter().filter(|&&i| labels[i] == c).count();
        assert_eq!(count(&s.train, 1), 70);
        assert_eq!(count(&s.val, 1), 10);
        assert_eq!(count(&s.test, 1), 20);
        assert_eq!(count(&s.test, 0), 160);
        assert!(s.train.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(s, split_train_val_test(&labels, 1, 0.1, 0.2, 3).unwrap());
        assert_ne!(s, split_train_val_test(&labels, 1, 0.1, 0.2, 4).unwrap());
        assert!(split_train_val_test(&labels[..3], 2, 0.0, 0.0, 3).is_err());
    }

    #[test]
    fn holdout_fractions_are_checked_in_one_wording() {
        assert!(check_holdout(0.15, 0.15).is_ok());
        assert!(check_holdout(0.0, 0.0).is_ok());
        for (val, test) in [(0.5, 0.5), (-0.1, 0.2), (1.0, 0.0), (0.2, f64::NAN)] {
            let err = check_holdout(val, test).unwrap_err();
            assert!(err.contains("must each be in [0, 1) and sum below 1"), "{err}");
        }
        let labels = [0u32, 1, 0, 1];
        let err = split_train_val_test(&labels, 1, 0.6, 0.6, 0).unwrap_err();
        assert_eq!(err, check_holdout(0.6, 0.6).unwrap_err());
    }
}
