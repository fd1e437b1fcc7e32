//! The sweep at the heart of a CART split search: a node's rows, ordered
//! by one feature, move from the right child to the left one group of
//! equal values at a time, and every boundary between two values is a
//! candidate threshold scored by how much it lowers the impurity.
//!
//! A step moves one row (a dense feature) or a block of rows that share a
//! value (the rows a sparse feature leaves at zero), so both layouts of
//! [`crate::columns`] share one sweep. `min_samples_leaf` counts distinct
//! rows, as in scikit-learn; weights are bootstrap counts.

/// The best split found so far: `proxy` is the part of the children's
/// weighted impurity that depends on the split (larger is better).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Best {
    pub proxy: f64,
    pub feature: usize,
    pub threshold: f64,
}

/// What the sweep needs beside the steps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sweep {
    /// Distinct rows in the node.
    pub n: usize,
    pub min_samples_leaf: usize,
    pub feature: usize,
}

impl Sweep {
    /// Scores the boundary after a step (`n_left` rows on the left) and
    /// keeps it when it beats `best`; ties keep the earlier candidate.
    fn consider(&self, best: &mut Option<Best>, n_left: usize, proxy: impl FnOnce() -> f64, a: f32, b: f32) {
        if a == b || n_left < self.min_samples_leaf || self.n - n_left < self.min_samples_leaf {
            return;
        }
        let proxy = proxy();
        if best.as_ref().is_none_or(|bst| proxy > bst.proxy) {
            *best = Some(Best { proxy, feature: self.feature, threshold: between(a, b) });
        }
    }

    /// Squared error. Steps are (value, rows, weight, weighted sum of the
    /// target) in increasing value; `node` is the node's (weight, sum).
    pub(crate) fn values(
        &self,
        steps: impl Iterator<Item = (f32, usize, f64, f64)>,
        node: (f64, f64),
        best: &mut Option<Best>,
    ) {
        let mut steps = steps.peekable();
        let (mut lw, mut ls, (mut rw, mut rs)) = (0.0, 0.0, node);
        let mut n_left = 0;
        while let Some((a, rows, w, ws)) = steps.next() {
            lw += w;
            ls += ws;
            rw -= w;
            rs -= ws;
            n_left += rows;
            let Some(&(b, ..)) = steps.peek() else { break };
            self.consider(best, n_left, || proxy_of(lw, ls) + proxy_of(rw, rs), a, b);
        }
    }

    /// Gini impurity. Steps are (value, rows, what they add to the class
    /// weights) in increasing value; `node` is the node's class weights.
    pub(crate) fn classes<'a>(
        &self,
        steps: impl Iterator<Item = (f32, usize, ClassStep<'a>)>,
        node: &[f64],
        best: &mut Option<Best>,
    ) {
        let mut steps = steps.peekable();
        let mut left = vec![0.0; node.len()];
        let mut right = node.to_vec();
        let mut n_left = 0;
        while let Some((a, rows, step)) = steps.next() {
            match step {
                ClassStep::Row(class, w) => {
                    left[class] += w;
                    right[class] -= w;
                }
                ClassStep::Block(c) => {
                    left.iter_mut().zip(&mut right).zip(c).for_each(|((l, r), c)| {
                        *l += c;
                        *r -= c;
                    });
                }
            }
            n_left += rows;
            let Some(&(b, ..)) = steps.peek() else { break };
            self.consider(best, n_left, || class_proxy(&left) + class_proxy(&right), a, b);
        }
    }
}

/// What a step of a classification sweep moves to the left.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ClassStep<'a> {
    /// One row: its class and weight.
    Row(usize, f64),
    /// A block of rows: their weight per class.
    Block(&'a [f64]),
}

/// `sum(c^2) / sum(c)` of class weights: `-weight * Gini` up to a term
/// that does not depend on the split.
pub(crate) fn class_proxy(c: &[f64]) -> f64 {
    let w: f64 = c.iter().sum();
    if w <= 0.0 {
        0.0
    } else {
        c.iter().map(|v| v * v).sum::<f64>() / w
    }
}

/// `s^2 / w`: `-weight * variance` up to a term that does not depend on
/// the split.
pub(crate) fn proxy_of(w: f64, s: f64) -> f64 {
    if w <= 0.0 {
        0.0
    } else {
        s * s / w
    }
}

/// The threshold halfway between neighbouring values `a < b`, kept below `b`.
pub(crate) fn between(a: f32, b: f32) -> f64 {
    let (a, b) = (f64::from(a), f64::from(b));
    let t = a + (b - a) / 2.0;
    if t >= b {
        a
    } else {
        t
    }
}

/// Fills `sorted` with (value, position) of `values` in increasing order,
/// ties by position. Small whole numbers (fingerprint counts, one-hot
/// columns) are placed by counting, in one pass; others are sorted.
pub(crate) fn sort_by_value(
    values: impl Iterator<Item = f32>,
    sorted: &mut Vec<(f32, usize)>,
    counts: &mut Vec<usize>,
) {
    const SMALL: f32 = 64.0;
    sorted.clear();
    let mut small = true;
    for (k, v) in values.enumerate() {
        // `as` saturates and drops the fraction: only whole 0..=64 pass.
        small &= (0.0..=SMALL).contains(&v) && f32::from(v as u8) == v;
        sorted.push((v, k));
    }
    if !small {
        sort_pairs(sorted);
        return;
    }
    // A stable counting sort: positions stay in order within a value.
    counts.clear();
    counts.resize(SMALL as usize + 2, 0);
    sorted.iter().for_each(|&(v, _)| counts[v as usize + 1] += 1);
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    let unsorted = std::mem::take(sorted);
    sorted.resize(unsorted.len(), (0.0, 0));
    for (v, k) in unsorted {
        let at = &mut counts[v as usize];
        // -0.0 and 0.0 share a slot; positions keep them apart as before.
        sorted[*at] = (v, k);
        *at += 1;
    }
}

/// Sorts (value, position) pairs by value, ties by position, comparing one
/// integer per pair.
pub(crate) fn sort_pairs(pairs: &mut [(f32, usize)]) {
    pairs.sort_unstable_by_key(|&(v, k)| (u64::from(ordered_bits(v)) << 32) | k as u64);
}

/// An f32's bits as an unsigned integer in `f32::total_cmp`'s order.
fn ordered_bits(v: f32) -> u32 {
    let bits = v.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_bits_sort_as_total_cmp() {
        let mut v = [3.5f32, -0.0, 0.0, -2.0, 1e-30, -1e30, f32::INFINITY, 7.0];
        let mut by_bits = v;
        v.sort_by(f32::total_cmp);
        by_bits.sort_by_key(|&x| ordered_bits(x));
        assert_eq!(v.map(f32::to_bits), by_bits.map(f32::to_bits));
    }

    /// Counting and comparison sorts give the same order, ties by position.
    #[test]
    fn small_whole_numbers_sort_as_any_numbers() {
        let values = [3.0f32, 0.0, 1.0, 3.0, 0.0, 64.0, 1.0, 0.0];
        let (mut counted, mut counts) = (Vec::new(), Vec::new());
        sort_by_value(values.iter().copied(), &mut counted, &mut counts);
        let mut compared: Vec<(f32, usize)> = values.iter().copied().zip(0..).collect();
        compared.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(counted, compared);
    }

    /// A block of three rows at one value scores as the three rows one by
    /// one would: y = 0 0 0 at x = 0 and y = 3 at x = 1 split at 0.5 with
    /// proxy 0 + 9, in both forms; the rows of a block are never split.
    #[test]
    fn a_block_sweeps_as_its_rows() {
        let sweep = Sweep { n: 4, min_samples_leaf: 1, feature: 2 };
        let (mut by_rows, mut by_block) = (None, None);
        let rows = [(0.0, 1, 1.0, 0.0), (0.0, 1, 1.0, 0.0), (0.0, 1, 1.0, 0.0), (1.0, 1, 1.0, 3.0)];
        sweep.values(rows.into_iter(), (4.0, 3.0), &mut by_rows);
        sweep.values([(0.0, 3, 3.0, 0.0), (1.0, 1, 1.0, 3.0)].into_iter(), (4.0, 3.0), &mut by_block);
        for best in [by_rows, by_block] {
            let best = best.unwrap();
            assert_eq!((best.feature, best.threshold, best.proxy), (2, 0.5, 9.0));
        }
        // min_samples_leaf = 2 forbids a right child of one row: no split.
        let strict = Sweep { min_samples_leaf: 2, ..sweep };
        let mut none = None;
        strict.values([(0.0, 3, 3.0, 0.0), (1.0, 1, 1.0, 3.0)].into_iter(), (4.0, 3.0), &mut none);
        assert!(none.is_none());
    }

    /// Classes: a block of two class-0 rows then one class-1 row, split
    /// between them: both children pure, proxy 2 + 1.
    #[test]
    fn class_blocks_score_gini() {
        let sweep = Sweep { n: 3, min_samples_leaf: 1, feature: 0 };
        let mut best = None;
        let block = [2.0, 0.0];
        let steps = [(0.0f32, 2, ClassStep::Block(&block)), (4.0, 1, ClassStep::Row(1, 1.0))];
        sweep.classes(steps.into_iter(), &[2.0, 1.0], &mut best);
        let best = best.unwrap();
        assert_eq!((best.threshold, best.proxy), (2.0, 3.0));
    }
}
