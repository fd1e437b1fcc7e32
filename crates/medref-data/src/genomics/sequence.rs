//! The in-memory DNA dataset every genomics reader and generator yields,
//! and the seeded splits for data that comes without official ones.
//!
//! Shapes mirror [`crate::ImageDataset`]: a split holds `n` sequences as one
//! flat `[n, seq_len]` buffer of uppercase ASCII bases (1 byte a base, so
//! a million 200 bp windows cost 200 MB, not the 3.2 GB of their one-hot
//! floats; encoding happens per batch with
//! [`one_hot_encode`](super::encode::one_hot_encode)) and `[n, label_width]`
//! labels: a class index when `label_width == 1`, else one 0/1 flag per
//! task (multi-task, as in DeepSEA-style data).

use std::collections::{BTreeMap, BTreeSet};

use medref_core::split::SplitIndices;

/// One split (train, val or test) of a [`SequenceDataset`], or all records
/// of a [`LabelledSequences`] before splitting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SequenceSplit {
    /// A name per sequence (FASTA id, CSV `id` column, or a region such as
    /// `chr1:101-300`), `[n]`; used in predictions and error messages.
    pub ids: Vec<String>,
    /// Bases `[n, seq_len]`, uppercase ASCII (A, C, G, T, N or another
    /// IUPAC code), row-major.
    pub sequences: Vec<u8>,
    /// Targets `[n, label_width]`: a class index when `label_width == 1`,
    /// else one 0/1 flag per task.
    pub labels: Vec<u32>,
    /// Number of sequences.
    pub n: usize,
}

impl SequenceSplit {
    /// Sequence `i` as `[seq_len]` bases.
    pub fn sequence(&self, i: usize, seq_len: usize) -> &[u8] {
        &self.sequences[i * seq_len..(i + 1) * seq_len]
    }

    /// Labels of sequence `i` as `[label_width]`.
    pub fn label(&self, i: usize, label_width: usize) -> &[u32] {
        &self.labels[i * label_width..(i + 1) * label_width]
    }

    /// The sequences at `indices`, in that order. Indices must be below `n`.
    pub fn select(&self, indices: &[usize], seq_len: usize, label_width: usize) -> SequenceSplit {
        let mut out = SequenceSplit {
            ids: Vec::with_capacity(indices.len()),
            sequences: Vec::with_capacity(indices.len() * seq_len),
            labels: Vec::with_capacity(indices.len() * label_width),
            n: indices.len(),
        };
        for &i in indices {
            out.ids.push(self.ids[i].clone());
            out.sequences.extend_from_slice(self.sequence(i, seq_len));
            out.labels.extend_from_slice(self.label(i, label_width));
        }
        out
    }

    /// Appends one sequence with its labels; the caller keeps the lengths
    /// consistent.
    pub(crate) fn push(&mut self, id: String, sequence: &[u8], labels: &[u32]) {
        self.ids.push(id);
        self.sequences.extend_from_slice(sequence);
        self.labels.extend_from_slice(labels);
        self.n += 1;
    }

    /// Checks buffer lengths against `n`, `seq_len` and `label_width`.
    fn check(&self, name: &str, seq_len: usize, label_width: usize) -> Result<(), String> {
        if self.ids.len() != self.n {
            return Err(format!("{name}: {} ids for n={} sequences", self.ids.len(), self.n));
        }
        if self.n.checked_mul(seq_len) != Some(self.sequences.len()) {
            return Err(format!(
                "{name}: {} bases but n={} sequences of {seq_len} bp need {}",
                self.sequences.len(),
                self.n,
                self.n.saturating_mul(seq_len)
            ));
        }
        if self.n.checked_mul(label_width) != Some(self.labels.len()) {
            return Err(format!(
                "{name}: {} label values but n={} sequences with label_width {label_width} need {}",
                self.labels.len(),
                self.n,
                self.n.saturating_mul(label_width)
            ));
        }
        Ok(())
    }
}

/// A labelled DNA dataset with train, val and test splits, all sequences
/// of one length.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SequenceDataset {
    /// Bases per sequence (the model's input width `L` in `[batch, 4, L]`).
    pub seq_len: usize,
    /// 1 = a class index per sequence; > 1 = that many 0/1 task flags.
    pub label_width: usize,
    /// Number of classes (`class_names.len()`), or of tasks for multi-task
    /// data (`label_width`).
    pub n_classes: usize,
    /// Name of each class index (or of each task), e.g. `["ei", "ie", "n"]`.
    pub class_names: Vec<String>,
    /// Training split.
    pub train: SequenceSplit,
    /// Validation split (model selection, early stopping).
    pub val: SequenceSplit,
    /// Test split (reported metrics only).
    pub test: SequenceSplit,
}

impl SequenceDataset {
    /// The split called `"train"`, `"val"` or `"test"`.
    pub fn split(&self, name: &str) -> Option<&SequenceSplit> {
        match name {
            "train" => Some(&self.train),
            "val" => Some(&self.val),
            "test" => Some(&self.test),
            _ => None,
        }
    }

    /// The three splits with their names, in train, val, test order.
    pub fn splits(&self) -> [(&'static str, &SequenceSplit); 3] {
        [("train", &self.train), ("val", &self.val), ("test", &self.test)]
    }

    /// Checks that every split's buffers match its `n` and the shared
    /// shape, that labels fit `label_width`/`n_classes`, and that bases are
    /// uppercase nucleotide codes; says what is off.
    pub fn check_consistent(&self) -> Result<(), String> {
        check_labels_meta(self.label_width, self.n_classes, self.class_names.len())?;
        for (name, s) in self.splits() {
            s.check(&format!("{name} split"), self.seq_len, self.label_width)?;
            check_values(name, s, self.label_width, self.n_classes)?;
        }
        Ok(())
    }
}

fn check_labels_meta(label_width: usize, n_classes: usize, n_names: usize) -> Result<(), String> {
    if label_width == 0 {
        return Err("label_width is 0 (expected 1 for class indices or K for K tasks)".into());
    }
    if label_width > 1 && n_classes != label_width {
        return Err(format!(
            "multi-task data ({label_width} tasks) must have n_classes = label_width, not {n_classes}"
        ));
    }
    if n_names != n_classes {
        return Err(format!("{n_names} class names for n_classes = {n_classes}"));
    }
    Ok(())
}

fn check_values(name: &str, s: &SequenceSplit, label_width: usize, n_classes: usize) -> Result<(), String> {
    let limit = if label_width == 1 { n_classes } else { 2 };
    if let Some(pos) = s.labels.iter().position(|&l| l as usize >= limit) {
        return Err(format!(
            "{name} split: label {} of sequence `{}` is out of range (expected below {limit})",
            s.labels[pos],
            s.ids.get(pos / label_width).map_or("?", |id| id.as_str())
        ));
    }
    let invalid = super::encode::validate_sequence(&s.sequences).err().map(|(p, _)| p);
    let lowercase = s.sequences.iter().position(|b| b.is_ascii_lowercase());
    if let Some(pos) = invalid.into_iter().chain(lowercase).min() {
        let seq_len = s.sequences.len() / s.n.max(1);
        return Err(format!(
            "{name} split: sequence `{}` holds {} at position {}; expected uppercase nucleotide codes",
            s.ids.get(pos / seq_len.max(1)).map_or("?", |id| id.as_str()),
            super::encode::describe_byte(s.sequences[pos]),
            pos % seq_len.max(1) + 1
        ));
    }
    Ok(())
}

/// All records a reader found, labelled but not yet split: what the
/// sequence readers return, turned into a [`SequenceDataset`] by
/// [`LabelledSequences::into_dataset`] with indices from
/// [`medref_core::split::split_train_val_test`] or [`chromosome_split`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelledSequences {
    /// Bases per sequence.
    pub seq_len: usize,
    /// 1 = a class index per sequence; > 1 = that many 0/1 task flags.
    pub label_width: usize,
    /// Name of each class index (or task).
    pub class_names: Vec<String>,
    /// The records, in file order.
    pub records: SequenceSplit,
}

impl LabelledSequences {
    /// Number of classes (or tasks).
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Sequences per class index (`label_width == 1`), or positives per
    /// task (multi-task).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.class_names.len()];
        if self.label_width == 1 {
            for &l in &self.records.labels {
                if let Some(c) = counts.get_mut(l as usize) {
                    *c += 1;
                }
            }
        } else {
            for row in self.records.labels.chunks(self.label_width.max(1)) {
                for (c, &flag) in counts.iter_mut().zip(row) {
                    *c += flag as usize;
                }
            }
        }
        counts
    }

    /// Splits the records by `split` (indices into `records`, each used at
    /// most once). Says what is wrong if an index is out of range or
    /// repeated.
    pub fn into_dataset(self, split: &SplitIndices) -> Result<SequenceDataset, String> {
        let mut seen = vec![false; self.records.n];
        for (name, indices) in split.named() {
            for &i in indices {
                match seen.get_mut(i) {
                    None => return Err(format!("{name} index {i} is out of range ({} records)", self.records.n)),
                    Some(true) => return Err(format!("record {i} is assigned to more than one split")),
                    Some(s) => *s = true,
                }
            }
        }
        let (l, w) = (self.seq_len, self.label_width);
        let ds = SequenceDataset {
            seq_len: l,
            label_width: w,
            n_classes: self.class_names.len(),
            train: self.records.select(&split.train, l, w),
            val: self.records.select(&split.val, l, w),
            test: self.records.select(&split.test, l, w),
            class_names: self.class_names,
        };
        ds.check_consistent()?;
        Ok(ds)
    }
}

/// `seq` brought to exactly `len` bases around its centre: a longer
/// sequence loses `(n - len) / 2` bases on the left and the rest on the
/// right; a shorter one gets `N` padding, `(len - n) / 2` on the left and
/// the rest on the right. So the centre base (motif, variant, summit) stays
/// at the centre, within half a base.
pub fn pad_or_crop(seq: &[u8], len: usize) -> Vec<u8> {
    let n = seq.len();
    if n >= len {
        let left = (n - len) / 2;
        seq[left..left + len].to_vec()
    } else {
        let left = (len - n) / 2;
        let mut out = vec![b'N'; len];
        out[left..left + n].copy_from_slice(seq);
        out
    }
}

/// Maps string labels to class indices. With `given`, classes are those
/// names in that order and a label outside them is an error (the index of
/// the first such record is returned). Without, the classes are the
/// distinct labels sorted: numerically when all are integers (`"2"` before
/// `"10"`), else alphabetically, so that the same file always gives the
/// same indices.
pub(crate) fn class_indices<S: AsRef<str>>(
    labels: &[S],
    given: Option<&[String]>,
) -> Result<(Vec<String>, Vec<u32>), usize> {
    let names: Vec<String> = match given {
        Some(names) => names.to_vec(),
        None => {
            let distinct: BTreeSet<&str> = labels.iter().map(|l| l.as_ref()).collect();
            let mut names: Vec<String> = distinct.into_iter().map(str::to_string).collect();
            if names.iter().all(|n| n.parse::<i64>().is_ok()) {
                names.sort_by_key(|n| n.parse::<i64>().unwrap_or_default());
            }
            names
        }
    };
    let lookup: BTreeMap<&str, u32> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i as u32)).collect();
    let mut indices = Vec::with_capacity(labels.len());
    for (i, l) in labels.iter().enumerate() {
        match lookup.get(l.as_ref()) {
            Some(&c) => indices.push(c),
            None => return Err(i),
        }
    }
    Ok((names, indices))
}

/// Holds out whole chromosomes: records on a chromosome in `test` go to
/// test, in `val` to val, all others to train. For data with coordinates
/// this is the honest split: neighbouring windows share sequence and
/// signal, so a random split leaks test data into training.
///
/// `chroms[i]` is the chromosome of record `i`. Errors if a chromosome is
/// named in both `val` and `test`, or if a held-out chromosome has no
/// records (a typo such as `chr1` for `1`).
pub fn chromosome_split<S: AsRef<str>>(chroms: &[S], val: &[&str], test: &[&str]) -> Result<SplitIndices, String> {
    if let Some(both) = val.iter().find(|c| test.contains(c)) {
        return Err(format!("chromosome `{both}` is held out for both validation and test"));
    }
    let present: BTreeSet<&str> = chroms.iter().map(|c| c.as_ref()).collect();
    for name in val.iter().chain(test) {
        if !present.contains(name) {
            let known: Vec<&str> = present.iter().take(12).copied().collect();
            return Err(format!(
                "chromosome `{name}` is held out but no record lies on it (the data has {}{})",
                known.join(", "),
                if present.len() > known.len() { ", ..." } else { "" }
            ));
        }
    }
    let mut split = SplitIndices::default();
    for (i, c) in chroms.iter().enumerate() {
        let c = c.as_ref();
        if test.contains(&c) {
            split.test.push(i);
        } else if val.contains(&c) {
            split.val.push(i);
        } else {
            split.train.push(i);
        }
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(labels: &[u32]) -> LabelledSequences {
        let mut records = SequenceSplit::default();
        for (i, &l) in labels.iter().enumerate() {
            records.push(format!("s{i}"), b"ACGT", &[l]);
        }
        LabelledSequences { seq_len: 4, label_width: 1, class_names: vec!["a".into(), "b".into(), "c".into()], records }
    }

    #[test]
    fn into_dataset_selects_rows_and_checks_indices() {
        let p = pool(&[0, 1, 2, 0, 1]);
        let split = SplitIndices { train: vec![0, 2], val: vec![4], test: vec![1, 3] };
        let ds = p.clone().into_dataset(&split).unwrap();
        assert_eq!(ds.train.ids, ["s0", "s2"]);
        assert_eq!(ds.train.labels, [0, 2]);
        assert_eq!(ds.test.sequence(1, 4), b"ACGT");
        assert_eq!((ds.n_classes, ds.val.n), (3, 1));
        assert_eq!(p.class_counts(), [2, 2, 1]);
        let bad = SplitIndices { train: vec![0, 9], ..Default::default() };
        assert!(p.clone().into_dataset(&bad).unwrap_err().contains("out of range"));
        let twice = SplitIndices { train: vec![0], test: vec![0], ..Default::default() };
        assert!(p.into_dataset(&twice).unwrap_err().contains("more than one"));
    }

    #[test]
    fn consistency_check_names_the_problem() {
        let mut ds = pool(&[0, 1]).into_dataset(&SplitIndices { train: vec![0, 1], ..Default::default() }).unwrap();
        assert!(ds.check_consistent().is_ok());
        ds.train.sequences[5] = b'a';
        let e = ds.check_consistent().unwrap_err();
        assert!(e.contains("`s1`") && e.contains("`a`") && e.contains("position 2"), "{e}");
        ds.train.sequences[5] = b'C';
        ds.train.labels[1] = 7;
        assert!(ds.check_consistent().unwrap_err().contains("label 7"));
    }

    #[test]
    fn pad_or_crop_keeps_the_centre() {
        assert_eq!(pad_or_crop(b"AACCGGT", 3), b"CCG");
        assert_eq!(pad_or_crop(b"AACCGG", 3), b"ACC");
        assert_eq!(pad_or_crop(b"ACG", 6), b"NACGNN");
        assert_eq!(pad_or_crop(b"ACG", 3), b"ACG");
        assert_eq!(pad_or_crop(b"", 2), b"NN");
    }

    #[test]
    fn class_indices_sort_numerically_or_alphabetically_or_follow_the_given_order() {
        let (names, idx) = class_indices(&["n", "ei", "ie", "n"], None).unwrap();
        assert_eq!((names, idx), (vec!["ei".into(), "ie".into(), "n".into()], vec![2, 0, 1, 2]));
        let (names, idx) = class_indices(&["10", "2", "2"], None).unwrap();
        assert_eq!((names, idx), (vec!["2".into(), "10".into()], vec![1, 0, 0]));
        let given = vec!["neg".to_string(), "pos".to_string()];
        let (_, idx) = class_indices(&["pos", "neg"], Some(&given)).unwrap();
        assert_eq!(idx, [1, 0]);
        assert_eq!(class_indices(&["pos", "maybe"], Some(&given)), Err(1));
    }

    #[test]
    fn chromosome_split_holds_out_whole_chromosomes() {
        let chroms = ["chr1", "chr2", "chr1", "chr3", "chr2"];
        let s = chromosome_split(&chroms, &["chr2"], &["chr3"]).unwrap();
        assert_eq!(s.train, [0, 2]);
        assert_eq!(s.val, [1, 4]);
        assert_eq!(s.test, [3]);
        let e = chromosome_split(&chroms, &[], &["1"]).unwrap_err();
        assert!(e.contains("`1`") && e.contains("chr1, chr2, chr3"), "{e}");
        assert!(chromosome_split(&chroms, &["chr2"], &["chr2"]).is_err());
    }
}
