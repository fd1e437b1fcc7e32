//! One CART tree grown on exact thresholds, the tree of a random forest:
//! at each node, among `max_features` features drawn at random, the split
//! (a threshold halfway between two neighbouring values) that most lowers
//! the weighted Gini impurity (classes) or squared error (numbers).
//!
//! Rows carry weights (their bootstrap counts), so a bootstrap sample needs
//! no copy of the data; `min_samples_leaf` counts distinct rows, as in
//! scikit-learn. Growth is depth first; every choice is made in a fixed
//! order, so a tree depends on its generator alone.

use crate::rng::TreeRng;
use crate::tree::{Node, Tree};
use crate::{Features, Target};

/// Features column by column, `[n_features, n_rows]`: a node reads one
/// feature of many rows at a time, which a row-major table would scatter
/// over memory (a fingerprint row is 8 KB).
#[derive(Debug, Clone)]
pub struct Columns {
    values: Vec<f32>,
    n_rows: usize,
    pub n_features: usize,
}

impl Columns {
    pub fn new(x: Features) -> Self {
        let mut values = vec![0f32; x.x.len()];
        for (i, row) in x.x.chunks(x.n_features.max(1)).enumerate() {
            for (f, &v) in row.iter().enumerate() {
                values[f * x.n_rows + i] = v;
            }
        }
        Self { values, n_rows: x.n_rows, n_features: x.n_features }
    }

    fn get(&self, i: usize, f: usize) -> f32 {
        self.values[f * self.n_rows + i]
    }
}

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

    /// The part of `-weight * impurity` that depends on the split: summed
    /// over both children, larger is better.
    fn proxy(&self) -> f64 {
        let w = self.weight();
        if w <= 0.0 {
            return 0.0;
        }
        match self {
            Stats::Classes(c) => c.iter().map(|v| v * v).sum::<f64>() / w,
            Stats::Values { s, .. } => s * s / w,
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

struct Best {
    proxy: f64,
    feature: usize,
    threshold: f64,
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
    let mut features: Vec<usize> = (0..x.n_features).collect();
    let mut sorted: Vec<(f32, usize)> = Vec::with_capacity(rows.len());
    let mut counts: Vec<usize> = Vec::new();
    let mut scratch: Vec<(usize, f64)> = Vec::with_capacity(rows.len());
    // (node, start, end, depth, features known to be constant in the
    // node's rows: found constant in an ancestor, they stay so below it)
    let mut stack = vec![(0usize, 0usize, rows.len(), 0usize, vec![false; x.n_features])];
    while let Some((node, start, end, depth, mut constant)) = stack.pop() {
        let part = &rows[start..end];
        let mut stats = Stats::empty(target);
        part.iter().for_each(|&(r, w)| stats.add(target, r, w, 1.0));
        let impurity = stats.impurity();
        let n = end - start;
        let can_split = params.max_depth.is_none_or(|d| depth < d)
            && n >= params.min_samples_split.max(2)
            && n >= 2 * params.min_samples_leaf
            && impurity > 1e-12;
        let best = if can_split {
            best_split(x, target, part, &stats, params, (&mut features, &mut constant), (&mut sorted, &mut counts), rng)
        } else {
            None
        };
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
        // Right pushed first so the left subtree is grown first.
        stack.push((right, start + n_left, end, depth + 1, constant.clone()));
        stack.push((left, start, start + n_left, depth + 1, constant));
    }
    GrownCart { tree: Tree { output: 0, nodes }, impurity_decrease: decrease }
}

/// The best split of the node's rows over up to `max_features` features
/// drawn without replacement; constant features do not count towards the
/// limit (as in scikit-learn).
#[allow(clippy::too_many_arguments)]
fn best_split(
    x: &Columns,
    target: &Target,
    part: &[(usize, f64)],
    node: &Stats,
    params: CartParams,
    (features, constant): (&mut [usize], &mut [bool]),
    (sorted, counts): (&mut Vec<(f32, usize)>, &mut Vec<usize>),
    rng: &mut TreeRng,
) -> Option<Best> {
    let mut best: Option<Best> = None;
    let mut tried = 0;
    // Per row of the node, (weight, weight * value) for a regression tree.
    let weighted_values: Option<Vec<(f64, f64)>> = match target {
        Target::Values(y) => Some(part.iter().map(|&(r, w)| (w, w * y[r])).collect()),
        Target::Classes { .. } => None,
    };
    let p = features.len();
    for drawn in 0..p {
        if tried >= params.max_features {
            break;
        }
        let j = drawn + rng.below(p - drawn);
        features.swap(drawn, j);
        let f = features[drawn];
        if constant[f] {
            continue;
        }
        // Constant here (most fingerprint bits deep in a tree): no sort.
        let first = x.get(part[0].0, f);
        if part.iter().all(|&(r, _)| x.get(r, f) == first) {
            constant[f] = true;
            continue;
        }
        sort_by_value(part.iter().map(|&(r, _)| x.get(r, f)), sorted, counts);
        tried += 1;
        let n = sorted.len();
        if let (Some(wy), Stats::Values { w: node_w, s: node_s, .. }) = (&weighted_values, node) {
            // Squared error with the sums in locals: the same operations in
            // the same order as `Stats`, so the same trees, faster.
            let (mut lw, mut ls, mut rw, mut rs) = (0.0, 0.0, *node_w, *node_s);
            for i in 0..n - 1 {
                let (w, ws) = wy[sorted[i].1];
                lw += w;
                ls += ws;
                rw -= w;
                rs -= ws;
                let (a, b) = (sorted[i].0, sorted[i + 1].0);
                if a == b || i + 1 < params.min_samples_leaf || n - i - 1 < params.min_samples_leaf {
                    continue;
                }
                let proxy = proxy_of(lw, ls) + proxy_of(rw, rs);
                if best.as_ref().is_none_or(|bst| proxy > bst.proxy) {
                    best = Some(Best { proxy, feature: f, threshold: between(a, b) });
                }
            }
            continue;
        }
        let mut left = Stats::empty(target);
        let mut right = node.clone();
        for i in 0..n - 1 {
            let (r, w) = part[sorted[i].1];
            left.add(target, r, w, 1.0);
            right.add(target, r, w, -1.0);
            let (a, b) = (sorted[i].0, sorted[i + 1].0);
            if a == b || i + 1 < params.min_samples_leaf || n - i - 1 < params.min_samples_leaf {
                continue;
            }
            let proxy = left.proxy() + right.proxy();
            if best.as_ref().is_none_or(|bst| proxy > bst.proxy) {
                best = Some(Best { proxy, feature: f, threshold: between(a, b) });
            }
        }
    }
    best
}

/// Fills `sorted` with (value, position) of `values` in increasing order,
/// ties by position. Small whole numbers (fingerprint counts, one-hot
/// columns) are placed by counting, in one pass; others are sorted.
fn sort_by_value(values: impl Iterator<Item = f32>, sorted: &mut Vec<(f32, usize)>, counts: &mut Vec<usize>) {
    const SMALL: f32 = 64.0;
    sorted.clear();
    let mut small = true;
    for (k, v) in values.enumerate() {
        // `as` saturates and drops the fraction: only whole 0..=64 pass.
        small &= (0.0..=SMALL).contains(&v) && f32::from(v as u8) == v;
        sorted.push((v, k));
    }
    if !small {
        sorted.sort_unstable_by_key(|&(v, k)| (u64::from(ordered_bits(v)) << 32) | k as u64);
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

/// An f32's bits as an unsigned integer in `f32::total_cmp`'s order, so a
/// sort compares one integer per pair.
fn ordered_bits(v: f32) -> u32 {
    let bits = v.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// `Stats::proxy` of a weight and weighted sum.
fn proxy_of(w: f64, s: f64) -> f64 {
    if w <= 0.0 {
        0.0
    } else {
        s * s / w
    }
}

/// The threshold halfway between neighbouring values `a < b`, kept below `b`.
fn between(a: f32, b: f32) -> f64 {
    let (a, b) = (f64::from(a), f64::from(b));
    let t = a + (b - a) / 2.0;
    if t >= b {
        a
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Weights act as repeated rows: weight 3 on the class-1 point moves
    /// the leaf fractions accordingly; a regression leaf is the weighted mean.
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
