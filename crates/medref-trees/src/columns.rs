//! The forest's copy of the features, laid out for split search.
//!
//! A node of a CART tree asks, for each feature it tries, how its rows are
//! ordered by that feature. Two layouts answer that cheaply:
//!
//! * **Dense columns** `[n_features, n_rows]`: a node reads one feature of
//!   many rows at a time, which a row-major table would scatter over
//!   memory (a fingerprint row is 8 KB).
//! * **Sparse rows** for the features that are zero in most rows (Morgan
//!   bits and counts, one-hot columns): each row lists its non-zero
//!   entries of those features. A node gathers the entries of its own rows
//!   feature by feature ([`NodeEntries`]), which costs the node's non-zero
//!   entries (a molecule sets about 50 of 2,048 bits) instead of its rows
//!   times every feature. A feature with no entry in the node is constant
//!   there and is not even looked at; the rows it does not list share the
//!   value zero and move through a split search as one block.

use crate::Features;

/// A feature is stored sparse when at most this share of rows is non-zero.
const SPARSE_SHARE: f64 = 0.25;

/// The features of a forest's training rows in both layouts.
#[derive(Debug, Clone)]
pub struct Columns {
    /// `[n_features, n_rows]`, every feature (the partition of a node's rows
    /// reads its split feature here).
    values: Vec<f32>,
    n_rows: usize,
    pub n_features: usize,
    /// Whether feature `f` is mostly zero and listed in `entries`.
    sparse: Vec<bool>,
    /// Features stored dense, ascending: every node considers them.
    dense: Vec<u32>,
    /// Row `r`'s non-zero entries of sparse features are
    /// `entries[row_start[r]..row_start[r + 1]]`, as (feature, value).
    row_start: Vec<usize>,
    entries: Vec<(u32, f32)>,
}

impl Columns {
    pub fn new(x: Features) -> Self {
        let (n, p) = (x.n_rows, x.n_features);
        let mut values = vec![0f32; x.x.len()];
        let mut non_zero = vec![0usize; p];
        for (i, row) in x.x.chunks(p.max(1)).enumerate() {
            for (f, &v) in row.iter().enumerate() {
                values[f * n + i] = v;
                non_zero[f] += usize::from(v != 0.0);
            }
        }
        let sparse: Vec<bool> = non_zero.iter().map(|&c| (c as f64) <= SPARSE_SHARE * n as f64).collect();
        let dense = (0..p as u32).filter(|&f| !sparse[f as usize]).collect();
        let mut row_start = Vec::with_capacity(n + 1);
        let mut entries = Vec::new();
        row_start.push(0);
        for row in x.x.chunks(p.max(1)).take(n) {
            for (f, &v) in row.iter().enumerate() {
                if sparse[f] && v != 0.0 {
                    entries.push((f as u32, v));
                }
            }
            row_start.push(entries.len());
        }
        Self { values, n_rows: n, n_features: p, sparse, dense, row_start, entries }
    }

    /// Feature `f` of row `i`.
    pub(crate) fn get(&self, i: usize, f: usize) -> f32 {
        self.values[f * self.n_rows + i]
    }

    pub(crate) fn is_sparse(&self, f: usize) -> bool {
        self.sparse[f]
    }

    /// The dense features, ascending.
    pub(crate) fn dense(&self) -> &[u32] {
        &self.dense
    }

    fn row_entries(&self, r: usize) -> &[(u32, f32)] {
        &self.entries[self.row_start[r]..self.row_start[r + 1]]
    }
}

/// A node's non-zero entries of the sparse features, grouped by feature:
/// scratch space that one tree reuses for every node.
#[derive(Debug, Default)]
pub(crate) struct NodeEntries {
    /// Entries per feature in the node (0 for features not touched).
    count: Vec<u32>,
    /// Where feature `f`'s entries start in `items`.
    start: Vec<u32>,
    /// Sparse features with at least one entry in the node, in the order
    /// the node's rows first name them.
    touched: Vec<u32>,
    /// (value, position of the row in the node) per entry, feature by
    /// feature, positions ascending within a feature.
    items: Vec<(f32, u32)>,
}

impl NodeEntries {
    pub(crate) fn new(n_features: usize) -> Self {
        Self { count: vec![0; n_features], start: vec![0; n_features], ..Self::default() }
    }

    /// Groups the entries of the rows in `part` (row, weight) by feature:
    /// two passes over the entries, a counting sort by feature.
    pub(crate) fn gather(&mut self, x: &Columns, part: &[(usize, f64)]) {
        for &f in &self.touched {
            self.count[f as usize] = 0;
        }
        self.touched.clear();
        for &(r, _) in part {
            for &(f, _) in x.row_entries(r) {
                let c = &mut self.count[f as usize];
                if *c == 0 {
                    self.touched.push(f);
                }
                *c += 1;
            }
        }
        let mut offset = 0u32;
        for &f in &self.touched {
            self.start[f as usize] = offset;
            offset += self.count[f as usize];
        }
        self.items.clear();
        self.items.resize(offset as usize, (0.0, 0));
        // `start` advances as entries are placed, then is wound back.
        for (k, &(r, _)) in part.iter().enumerate() {
            for &(f, v) in x.row_entries(r) {
                let at = &mut self.start[f as usize];
                self.items[*at as usize] = (v, k as u32);
                *at += 1;
            }
        }
        for &f in &self.touched {
            self.start[f as usize] -= self.count[f as usize];
        }
    }

    /// Sparse features with an entry in the node.
    pub(crate) fn touched(&self) -> &[u32] {
        &self.touched
    }

    /// Feature `f`'s entries in the node: (value, position), positions
    /// ascending; empty when the feature is zero in every row of the node.
    pub(crate) fn of(&self, f: usize) -> &[(f32, u32)] {
        let c = self.count[f] as usize;
        if c == 0 {
            return &[];
        }
        let s = self.start[f] as usize;
        &self.items[s..s + c]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four rows, three features: feature 0 is dense (3 of 4 non-zero),
    /// features 1 and 2 sparse; a node of rows 3, 1 (in that order) sees
    /// feature 1's entry of row 1 only and nothing of feature 2.
    #[test]
    fn a_node_gathers_its_rows_entries_by_feature() {
        #[rustfmt::skip]
        let x = [
            1.0, 0.0, 0.0,
            2.0, 5.0, 0.0,
            0.0, 0.0, 7.0,
            3.0, 0.0, 0.0,
        ];
        let columns = Columns::new(Features::new(&x, 4, 3).unwrap());
        assert_eq!(columns.dense(), &[0]);
        assert!(columns.is_sparse(1) && columns.is_sparse(2));
        assert_eq!(columns.get(2, 2), 7.0);
        let mut node = NodeEntries::new(3);
        node.gather(&columns, &[(3, 1.0), (1, 2.0)]);
        assert_eq!(node.touched(), &[1]);
        assert_eq!(node.of(1), &[(5.0, 1)]);
        assert!(node.of(2).is_empty());
        // A second node forgets the first one's counts.
        node.gather(&columns, &[(2, 1.0), (0, 1.0), (1, 1.0)]);
        assert_eq!(node.touched(), &[2, 1]);
        assert_eq!(node.of(2), &[(7.0, 0)]);
        assert_eq!(node.of(1), &[(5.0, 2)]);
    }
}
