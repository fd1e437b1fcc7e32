//! One CART tree grown on exact thresholds, the tree of a random forest:
//! at each node, among `max_features` features drawn at random, the split
//! (a threshold halfway between two neighbouring values) that most lowers
//! the weighted Gini impurity (classes) or squared error (numbers).
//!
//! Rows carry weights (their bootstrap counts), so a bootstrap sample needs
//! no copy of the data; `min_samples_leaf` counts distinct rows, as in
//! scikit-learn. Growth is depth first; every choice is made in a fixed
//! order, so a tree depends on its generator alone.
//!
//! A feature is known to be constant in a node without reading its rows
//! when an ancestor found it constant (dense features) or when none of the
//! node's rows has a non-zero entry of it (sparse features,
//! [`crate::columns`]): most fingerprint bits, deep in a tree. Such a
//! feature still counts as drawn, as in scikit-learn, whose
//! `max_features` counts every feature visited.

use crate::columns::{Columns, NodeEntries};
use crate::rng::TreeRng;
use crate::split::{sort_by_value, sort_pairs, Best, ClassStep, Sweep};
use crate::tree::{Node, Tree};
use crate::Target;

/// What limits a tree's growth.
#[derive(Debug, Clone, Copy)]
pub struct CartParams {
    /// Nodes at this depth (root: 0) become leaves; `None`: no limit.
    pub max_depth: Option<usize>,
    /// Distinct rows each child must keep.
    pub min_samples_leaf: usize,
    /// Distinct rows a node needs to be split.
    pub min_samples_split: usize,
    /// Features to try per node (already resolved to a count, >= 1).
    pub max_features: usize,
}

/// A grown tree and the weighted impurity decrease it owes each feature
/// (the raw material of MDI importance).
#[derive(Debug, Clone)]
pub struct GrownCart {
    pub tree: Tree,
    pub impurity_decrease: Vec<f64>,
}

/// Weighted sufficient statistics of a set of rows.
#[derive(Debug, Clone)]
enum Stats {
    /// Weight per class.
    Classes(Vec<f64>),
    /// Weight, weighted sum, weighted sum of squares.
    Values { w: f64, s: f64, s2: f64 },
}

impl Stats {
    fn empty(target: &Target) -> Self {
        match target {
            Target::Classes { n_classes, .. } => Stats::Classes(vec![0.0; *n_classes]),
            Target::Values(_) => Stats::Values { w: 0.0, s: 0.0, s2: 0.0 },
        }
    }

    fn add(&mut self, target: &Target, row: usize, weight: f64, sign: f64) {
        match (self, target) {
            (Stats::Classes(c), Target::Classes { labels, .. }) => c[labels[row]] += sign * weight,
            (Stats::Values { w, s, s2 }, Target::Values(y)) => {
                let v = y[row];
                *w += sign * weight;
                *s += sign * weight * v;
                *s2 += sign * weight * v * v;
            }
            _ => unreachable!("statistics built for this target"),
        }
    }

    fn weight(&self) -> f64 {
        match self {
            Stats::Classes(c) => c.iter().sum(),
            Stats::Values { w, .. } => *w,
        }
    }

    /// Gini impurity or variance (the node's mean squared error).
    fn impurity(&self) -> f64 {
        let w = self.weight();
        if w <= 0.0 {
            return 0.0;
        }
        match self {
            Stats::Classes(c) => 1.0 - c.iter().map(|v| (v / w) * (v / w)).sum::<f64>(),
            Stats::Values { s, s2, .. } => (s2 / w - (s / w) * (s / w)).max(0.0),
        }
    }

    /// The leaf's prediction: class fractions or the mean.
    fn value(&self) -> Vec<f64> {
        let w = self.weight().max(f64::MIN_POSITIVE);
        match self {
            Stats::Classes(c) => c.iter().map(|v| v / w).collect(),
            Stats::Values { s, .. } => vec![s / w],
        }
    }
}

/// Scratch space one tree reuses at every node.
struct Search {
    entries: NodeEntries,
    /// Features that can vary in the node, when every one is tried.
    candidates: Vec<u32>,
    /// Every feature, in the order of the draws so far (a draw of
    /// `max_features` shuffles the front of it).
    features: Vec<u32>,
    /// Flags of the node's dense features no ancestor found constant.
    live: Vec<bool>,
    /// Dense features found constant in this node, and the flags for them.
    found_constant: Vec<u32>,
    constant: Vec<bool>,
    /// (value, position) in increasing value.
    sorted: Vec<(f32, usize)>,
    counts: Vec<usize>,
    /// Per position in the node, (weight, weight * value) for numbers.
    weighted: Vec<(f64, f64)>,
    /// Class weights of the rows a sparse feature leaves at zero.
    block: Vec<f64>,
}

/// Grows one tree on `samples` (row, weight > 0) of `x`.
pub fn grow_cart(
    x: &Columns,
    target: &Target,
    samples: &[(usize, f64)],
    params: CartParams,
    rng: &mut TreeRng,
) -> GrownCart {
    let mut rows: Vec<(usize, f64)> = samples.to_vec();
    let mut nodes = vec![Node::Leaf { value: Vec::new() }];
    let mut decrease = vec![0.0; x.n_features];
    let mut search = Search {
        entries: NodeEntries::new(x.n_features),
        candidates: Vec::new(),
        features: (0..x.n_features as u32).collect(),
        live: vec![false; x.n_features],
        found_constant: Vec::new(),
        constant: vec![false; x.n_features],
        sorted: Vec::with_capacity(rows.len()),
        counts: Vec::new(),
        weighted: Vec::with_capacity(rows.len()),
        block: Vec::new(),
    };
    let mut scratch: Vec<(usize, f64)> = Vec::with_capacity(rows.len());
    // (node, start, end, depth, dense features no ancestor found constant:
    // constant in a node, they stay so below it)
    let mut stack = vec![(0usize, 0usize, rows.len(), 0usize, x.dense().to_vec())];
    while let Some((node, start, end, depth, dense_live)) = stack.pop() {
        let part = &rows[start..end];
        let mut stats = Stats::empty(target);
        part.iter().for_each(|&(r, w)| stats.add(target, r, w, 1.0));
        let impurity = stats.impurity();
        let n = end - start;
        let can_split = params.max_depth.is_none_or(|d| depth < d)
            && n >= params.min_samples_split.max(2)
            && n >= 2 * params.min_samples_leaf
            && impurity > 1e-12;
        let best =
            if can_split { best_split(x, target, part, &stats, params, &dense_live, &mut search, rng) } else { None };
        let Some(best) = best else {
            nodes[node] = Node::Leaf { value: stats.value() };
            continue;
        };
        // Stable partition: left rows first, both sides in their old order.
        scratch.clear();
        let mut left_stats = Stats::empty(target);
        let mut n_left = 0;
        for k in start..end {
            let (r, w) = rows[k];
            if f64::from(x.get(r, best.feature)) <= best.threshold {
                rows[start + n_left] = (r, w);
                n_left += 1;
                left_stats.add(target, r, w, 1.0);
            } else {
                scratch.push((r, w));
            }
        }
        rows[start + n_left..end].copy_from_slice(&scratch);
        let mut right_stats = stats.clone();
        for &(r, w) in &rows[start..start + n_left] {
            right_stats.add(target, r, w, -1.0);
        }
        decrease[best.feature] += stats.weight() * impurity
            - left_stats.weight() * left_stats.impurity()
            - right_stats.weight() * right_stats.impurity();
        let (left, right) = (nodes.len(), nodes.len() + 1);
        nodes.push(Node::Leaf { value: Vec::new() });
        nodes.push(Node::Leaf { value: Vec::new() });
        nodes[node] =
            Node::Split { feature: best.feature, threshold: best.threshold, missing_left: false, left, right };
        let live: Vec<u32> = dense_live.into_iter().filter(|&f| !search.constant[f as usize]).collect();
        for f in search.found_constant.drain(..) {
            search.constant[f as usize] = false;
        }
        // Right pushed first so the left subtree is grown first.
        stack.push((right, start + n_left, end, depth + 1, live.clone()));
        stack.push((left, start, start + n_left, depth + 1, live));
    }
    GrownCart { tree: Tree { output: 0, nodes }, impurity_decrease: decrease }
}

/// The best split of the node's rows over `max_features` features drawn
/// without replacement, with scikit-learn's meaning: every drawn feature
/// counts, constant in the node or not, but the search goes on until at
/// least one drawn feature varies. When every feature is to be tried
/// (regression's default) only those that can vary are visited, in a
/// random order (on equal scores the first one visited wins).
#[allow(clippy::too_many_arguments)]
fn best_split(
    x: &Columns,
    target: &Target,
    part: &[(usize, f64)],
    node: &Stats,
    params: CartParams,
    dense_live: &[u32],
    search: &mut Search,
    rng: &mut TreeRng,
) -> Option<Best> {
    search.entries.gather(x, part);
    search.weighted.clear();
    if let Target::Values(y) = target {
        search.weighted.extend(part.iter().map(|&(r, w)| (w, w * y[r])));
    }
    let mut best: Option<Best> = None;
    let p = x.n_features;
    if params.max_features >= p {
        let mut candidates = std::mem::take(&mut search.candidates);
        candidates.clear();
        candidates.extend_from_slice(dense_live);
        candidates.extend_from_slice(search.entries.touched());
        let m = candidates.len();
        for drawn in 0..m {
            let j = drawn + rng.below(m - drawn);
            candidates.swap(drawn, j);
            try_feature(x, target, part, node, params, candidates[drawn] as usize, search, &mut best);
        }
        search.candidates = candidates;
        return best;
    }
    dense_live.iter().for_each(|&f| search.live[f as usize] = true);
    let (mut visited, mut varied) = (0, 0);
    for drawn in 0..p {
        if visited >= params.max_features && varied > 0 {
            break;
        }
        let j = drawn + rng.below(p - drawn);
        search.features.swap(drawn, j);
        let f = search.features[drawn] as usize;
        visited += 1;
        // A dense feature an ancestor found constant is not read again.
        if x.is_sparse(f) || search.live[f] {
            varied += usize::from(try_feature(x, target, part, node, params, f, search, &mut best));
        }
    }
    dense_live.iter().for_each(|&f| search.live[f as usize] = false);
    best
}

/// Sweeps feature `f` over the node's rows into `best`; false (and no
/// sweep) when the feature is constant in the node.
#[allow(clippy::too_many_arguments)]
fn try_feature(
    x: &Columns,
    target: &Target,
    part: &[(usize, f64)],
    node: &Stats,
    params: CartParams,
    f: usize,
    search: &mut Search,
    best: &mut Option<Best>,
) -> bool {
    let Search { entries, found_constant, constant, sorted, counts, weighted, block, .. } = search;
    let n = part.len();
    let sweep = Sweep { n, min_samples_leaf: params.min_samples_leaf, feature: f };
    if !x.is_sparse(f) {
        let first = x.get(part[0].0, f);
        if part.iter().all(|&(r, _)| x.get(r, f) == first) {
            constant[f] = true;
            found_constant.push(f as u32);
            return false;
        }
        sort_by_value(part.iter().map(|&(r, _)| x.get(r, f)), sorted, counts);
        match (target, node) {
            (Target::Values(_), Stats::Values { w, s, .. }) => {
                let steps = sorted.iter().map(|&(v, k)| (v, 1, weighted[k].0, weighted[k].1));
                sweep.values(steps, (*w, *s), best);
            }
            (Target::Classes { labels, .. }, Stats::Classes(c)) => {
                let steps = sorted.iter().map(|&(v, k)| (v, 1, ClassStep::Row(labels[part[k].0], part[k].1)));
                sweep.classes(steps, c, best);
            }
            _ => unreachable!("statistics built for this target"),
        }
        return true;
    }
    // The node's non-zero entries; every other row is zero.
    let e = entries.of(f);
    let one_value = e.iter().all(|&(v, _)| e.first().is_some_and(|first| v == first.0));
    if e.is_empty() || (e.len() == n && one_value) {
        return false;
    }
    sorted.clear();
    sorted.extend(e.iter().map(|&(v, k)| (v, k as usize)));
    // Most bits of a node are set once (count 1): already in order.
    if !one_value {
        sort_pairs(sorted);
    }
    let (negative, positive) = sorted.split_at(sorted.partition_point(|&(v, _)| v < 0.0));
    let zeros = n - e.len();
    match (target, node) {
        (Target::Values(_), Stats::Values { w, s, .. }) => {
            let (mut zw, mut zs) = (*w, *s);
            sorted.iter().for_each(|&(_, k)| {
                zw -= weighted[k].0;
                zs -= weighted[k].1;
            });
            let row = |&(v, k): &(f32, usize)| (v, 1, weighted[k].0, weighted[k].1);
            let zero = (zeros > 0).then_some((0.0, zeros, zw, zs));
            let steps = negative.iter().map(row).chain(zero).chain(positive.iter().map(row));
            sweep.values(steps, (*w, *s), best);
        }
        (Target::Classes { labels, .. }, Stats::Classes(c)) => {
            block.clear();
            block.extend_from_slice(c);
            sorted.iter().for_each(|&(_, k)| block[labels[part[k].0]] -= part[k].1);
            let row = |&(v, k): &(f32, usize)| (v, 1, ClassStep::Row(labels[part[k].0], part[k].1));
            let zero = (zeros > 0).then_some((0.0, zeros, ClassStep::Block(block)));
            let steps = negative.iter().map(row).chain(zero).chain(positive.iter().map(row));
            sweep.classes(steps, c, best);
        }
        _ => unreachable!("statistics built for this target"),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Features;

    /// Six points on one feature, classes 0 0 0 1 1 0 at x = 1..6: the
    /// best Gini split is x <= 3.5 (left pure, right 2/3 class 1), and a
    /// depth-1 tree's leaves are those class fractions.
    #[test]
    fn a_stump_splits_where_gini_falls_most() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let labels = [0, 0, 0, 1, 1, 0];
        let target = Target::Classes { labels: &labels, n_classes: 2 };
        let samples: Vec<(usize, f64)> = (0..6).map(|i| (i, 1.0)).collect();
        let params = CartParams { max_depth: Some(1), min_samples_leaf: 1, min_samples_split: 2, max_features: 1 };
        let grown = grow_cart(
            &Columns::new(Features::new(&x, 6, 1).unwrap()),
            &target,
            &samples,
            params,
            &mut TreeRng::for_tree(0, 0),
        );
        let Node::Split { feature, threshold, left, right, .. } = grown.tree.nodes[0] else { panic!("no split") };
        assert_eq!((feature, threshold), (0, 3.5));
        assert_eq!(grown.tree.nodes[left], Node::Leaf { value: vec![1.0, 0.0] });
        assert_eq!(grown.tree.nodes[right], Node::Leaf { value: vec![1.0 / 3.0, 2.0 / 3.0] });
        // Root Gini 1 - (4/6)^2 - (2/6)^2 = 4/9; right Gini 4/9; decrease
        // 6 * 4/9 - 0 - 3 * 4/9 = 4/3.
        assert!((grown.impurity_decrease[0] - 4.0 / 3.0).abs() < 1e-12);
    }

    /// Weights act as repeated rows: a regression leaf is the weighted mean.
    #[test]
    fn weights_count_as_repeats() {
        let x = [0.0, 1.0, 2.0];
        let values = [1.0, 2.0, 4.0];
        let target = Target::Values(&values);
        let samples = vec![(0, 1.0), (1, 1.0), (2, 2.0)];
        let params = CartParams { max_depth: Some(0), min_samples_leaf: 1, min_samples_split: 2, max_features: 1 };
        let grown = grow_cart(
            &Columns::new(Features::new(&x, 3, 1).unwrap()),
            &target,
            &samples,
            params,
            &mut TreeRng::for_tree(0, 0),
        );
        assert_eq!(grown.tree.nodes, vec![Node::Leaf { value: vec![(1.0 + 2.0 + 8.0) / 4.0] }]);
    }
}
