//! One boosting tree grown leaf by leaf on histograms of gradients.
//!
//! Each node keeps, per feature and bin, the sums of the rows' gradients
//! and hessians and their count. The best split of a feature is one scan of
//! its bins (twice when the node has missing values: once sending them
//! left, once right), so a node costs a pass over its rows to build the
//! histogram and a pass over the bins to search it. Only the smaller child
//! of a split is histogrammed; the larger one is the parent's histogram
//! minus the smaller's (the subtraction trick). The leaf whose best split
//! gains most is split next, until `max_leaf_nodes` leaves.
//!
//! The gain of splitting a node with gradient sum G and hessian sum H into
//! (GL, HL) and (GR, HR) is GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ), the drop
//! in the second-order approximation of the loss; a leaf predicts
//! −G/(H+λ) times the learning rate.

use crate::binning::{BinMapper, Binned};
use crate::tree::{Node, Tree};
use rayon::prelude::*;

/// One histogram cell.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cell {
    pub g: f64,
    pub h: f64,
    pub n: u32,
}

/// Where each feature's cells start in a node's flat histogram: its
/// non-missing bins, then its missing bin.
#[derive(Debug, Clone)]
pub struct Layout {
    pub offsets: Vec<usize>,
    pub n_bins: Vec<usize>,
    pub total: usize,
}

impl Layout {
    pub fn new(mapper: &BinMapper) -> Self {
        let n_bins: Vec<usize> = (0..mapper.edges.len()).map(|f| mapper.n_bins(f)).collect();
        let mut offsets = Vec::with_capacity(n_bins.len());
        let mut total = 0;
        for &b in &n_bins {
            offsets.push(total);
            total += b + 1;
        }
        Self { offsets, n_bins, total }
    }

    /// Feature `f`'s cells; the last is the missing bin.
    fn slots<'a>(&self, hist: &'a [Cell], f: usize) -> &'a [Cell] {
        &hist[self.offsets[f]..self.offsets[f] + self.n_bins[f] + 1]
    }
}

/// What limits a tree.
#[derive(Debug, Clone, Copy)]
pub struct GrowParams {
    pub max_leaf_nodes: Option<usize>,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    pub l2: f64,
    pub learning_rate: f64,
    /// Least hessian sum a child may have (scikit-learn's 1e-3).
    pub min_hessian: f64,
}

#[derive(Debug, Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    /// Non-missing bins `<= bin` go left; -1: none do (only missing ones).
    bin: isize,
    missing_left: bool,
}

struct Open {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    hist: Vec<Cell>,
    g: f64,
    h: f64,
    split: Option<Split>,
}

/// A grown tree, the leaves' row ranges in `rows` with their values (to
/// update the training predictions without walking the tree), and the gain
/// each feature's splits brought.
pub struct GrownTree {
    pub tree: Tree,
    pub leaves: Vec<(usize, usize, f64)>,
    pub gain: Vec<f64>,
}

/// Context of one tree's growth.
pub struct Grower<'a> {
    pub binned: &'a Binned,
    pub mapper: &'a BinMapper,
    pub layout: &'a Layout,
    pub params: GrowParams,
}

impl Grower<'_> {
    /// Grows a tree on gradients `g` and hessians `h` (`[n_rows]`); `rows`
    /// (all row indices, any order) is reordered so each leaf's rows are
    /// contiguous.
    pub fn grow(&self, g: &[f64], h: &[f64], rows: &mut [u32], output: usize) -> GrownTree {
        let p = &self.params;
        let mut nodes = vec![Node::Leaf { value: Vec::new() }];
        let mut gain = vec![0.0; self.binned.n_features];
        let hist = self.histogram(g, h, rows);
        let (gs, hs) = rows.iter().fold((0.0, 0.0), |(a, b), &r| (a + g[r as usize], b + h[r as usize]));
        let mut open = vec![self.open(0, 0, rows.len(), 0, hist, gs, hs)];
        let mut closed: Vec<Open> = Vec::new();
        let mut scratch: Vec<u32> = Vec::with_capacity(rows.len());
        let max_leaves = p.max_leaf_nodes.unwrap_or(usize::MAX);
        while open.len() + closed.len() < max_leaves {
            // The open leaf with the largest gain (first on ties).
            let mut pick: Option<usize> = None;
            for (i, o) in open.iter().enumerate() {
                if let Some(s) = o.split {
                    if pick.is_none_or(|j| s.gain > open[j].split.map_or(f64::NEG_INFINITY, |t| t.gain)) {
                        pick = Some(i);
                    }
                }
            }
            let Some(i) = pick else { break };
            let parent = open.remove(i);
            let split = parent.split.expect("picked for its split");
            gain[split.feature] += split.gain;
            // Stable partition of the parent's rows.
            let col = self.binned.column(split.feature);
            scratch.clear();
            let mut n_left = 0;
            for k in parent.start..parent.end {
                let r = rows[k];
                if goes_left(col[r as usize], split) {
                    rows[parent.start + n_left] = r;
                    n_left += 1;
                } else {
                    scratch.push(r);
                }
            }
            rows[parent.start + n_left..parent.end].copy_from_slice(&scratch);
            let mid = parent.start + n_left;
            let (left_rows, right_rows) = (&rows[parent.start..mid], &rows[mid..parent.end]);
            let small_is_left = left_rows.len() <= right_rows.len();
            let small = self.histogram(g, h, if small_is_left { left_rows } else { right_rows });
            let mut large = parent.hist;
            large.iter_mut().zip(&small).for_each(|(l, s)| {
                l.g -= s.g;
                l.h -= s.h;
                l.n -= s.n;
            });
            let (lh, rh) = if small_is_left { (small, large) } else { (large, small) };
            let (lg, lhs) = left_rows.iter().fold((0.0, 0.0), |(a, b), &r| (a + g[r as usize], b + h[r as usize]));
            let (rg, rhs) = (parent.g - lg, parent.h - lhs);
            let (li, ri) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::Leaf { value: Vec::new() });
            nodes.push(Node::Leaf { value: Vec::new() });
            let f = split.feature;
            let edges = &self.mapper.edges[f];
            let threshold = if split.bin < 0 {
                f64::MIN
            } else if (split.bin as usize) < edges.len() {
                edges[split.bin as usize]
            } else {
                f64::MAX
            };
            nodes[parent.node] =
                Node::Split { feature: f, threshold, missing_left: split.missing_left, left: li, right: ri };
            let d = parent.depth + 1;
            open.push(self.open(li, parent.start, mid, d, lh, lg, lhs));
            open.push(self.open(ri, mid, parent.end, d, rh, rg, rhs));
            // Leaves that cannot split free their histograms early.
            let (keep, done): (Vec<Open>, Vec<Open>) = open.into_iter().partition(|o| o.split.is_some());
            open = keep;
            closed.extend(done.into_iter().map(|mut o| {
                o.hist = Vec::new();
                o
            }));
        }
        let mut leaves = Vec::with_capacity(open.len() + closed.len());
        for o in open.into_iter().chain(closed) {
            let value = -p.learning_rate * o.g / (o.h + p.l2);
            let value = if value.is_finite() { value } else { 0.0 };
            nodes[o.node] = Node::Leaf { value: vec![value] };
            leaves.push((o.start, o.end, value));
        }
        leaves.sort_by_key(|l| l.0);
        GrownTree { tree: Tree { output, nodes }, leaves, gain }
    }

    #[allow(clippy::too_many_arguments)]
    fn open(&self, node: usize, start: usize, end: usize, depth: usize, hist: Vec<Cell>, g: f64, h: f64) -> Open {
        let p = &self.params;
        let n = end - start;
        let splittable = p.max_depth.is_none_or(|d| depth < d) && n >= 2 * p.min_samples_leaf.max(1);
        let split = if splittable { self.best_split(&hist, g, h, n) } else { None };
        Open { node, start, end, depth, hist, g, h, split }
    }

    /// The node's histogram over `rows`, one feature per task; each
    /// feature's cells are summed in row order, so the result does not
    /// depend on the thread count.
    fn histogram(&self, g: &[f64], h: &[f64], rows: &[u32]) -> Vec<Cell> {
        let mut hist = vec![Cell::default(); self.layout.total];
        let gh: Vec<(f64, f64)> = rows.iter().map(|&r| (g[r as usize], h[r as usize])).collect();
        let mut parts: Vec<(usize, &mut [Cell])> = Vec::with_capacity(self.layout.n_bins.len());
        let mut rest: &mut [Cell] = &mut hist;
        for (f, &b) in self.layout.n_bins.iter().enumerate() {
            let (head, tail) = rest.split_at_mut(b + 1);
            parts.push((f, head));
            rest = tail;
        }
        let missing = crate::binning::MISSING_BIN;
        let fill = |(f, cells): (usize, &mut [Cell])| {
            let col = self.binned.column(f);
            let last = cells.len() - 1;
            for (&r, &(gv, hv)) in rows.iter().zip(&gh) {
                let b = col[r as usize];
                let c = &mut cells[if b == missing { last } else { b as usize }];
                c.g += gv;
                c.h += hv;
                c.n += 1;
            }
        };
        // Small nodes are not worth the threads.
        if rows.len() * parts.len() < 1 << 15 {
            parts.into_iter().for_each(fill);
        } else {
            parts.into_par_iter().with_min_len(8).for_each(fill);
        }
        hist
    }

    /// The best split over all features (first feature on ties).
    fn best_split(&self, hist: &[Cell], g: f64, h: f64, n: usize) -> Option<Split> {
        let search = |f: usize| self.best_split_of(f, self.layout.slots(hist, f), g, h, n);
        let per_feature: Vec<Option<Split>> = if n * self.layout.n_bins.len() < 1 << 15 {
            (0..self.layout.n_bins.len()).map(search).collect()
        } else {
            (0..self.layout.n_bins.len()).into_par_iter().with_min_len(8).map(search).collect()
        };
        let mut best: Option<Split> = None;
        for s in per_feature.into_iter().flatten() {
            if best.is_none_or(|b| s.gain > b.gain) {
                best = Some(s);
            }
        }
        best
    }

    fn best_split_of(&self, f: usize, cells: &[Cell], g: f64, h: f64, n: usize) -> Option<Split> {
        let p = &self.params;
        let nb = cells.len() - 1;
        let missing = cells[nb];
        let parent = g * g / (h + p.l2);
        let mut best: Option<Split> = None;
        let mut consider = |gl: f64, hl: f64, nl: usize, bin: isize, missing_left: bool| {
            let nr = n - nl;
            let (gr, hr) = (g - gl, h - hl);
            if nl < p.min_samples_leaf || nr < p.min_samples_leaf || hl < p.min_hessian || hr < p.min_hessian {
                return;
            }
            let gain = gl * gl / (hl + p.l2) + gr * gr / (hr + p.l2) - parent;
            if gain > 1e-12 && best.is_none_or(|b| gain > b.gain) {
                // Without missing values here, new ones follow the larger child.
                let missing_left = if missing.n == 0 { nl >= nr } else { missing_left };
                best = Some(Split { gain, feature: f, bin, missing_left });
            }
        };
        // Missing values to the right.
        let (mut gl, mut hl, mut nl) = (0.0, 0.0, 0usize);
        for (b, c) in cells[..nb].iter().enumerate() {
            gl += c.g;
            hl += c.h;
            nl += c.n as usize;
            consider(gl, hl, nl, b as isize, false);
        }
        // Missing values to the left, from "only the missing ones" on.
        if missing.n > 0 {
            let (mut gl, mut hl, mut nl) = (missing.g, missing.h, missing.n as usize);
            consider(gl, hl, nl, -1, true);
            for (b, c) in cells[..nb.saturating_sub(1)].iter().enumerate() {
                gl += c.g;
                hl += c.h;
                nl += c.n as usize;
                consider(gl, hl, nl, b as isize, true);
            }
        }
        best
    }
}

fn goes_left(bin: u8, split: Split) -> bool {
    if bin == crate::binning::MISSING_BIN {
        split.missing_left
    } else {
        (bin as isize) <= split.bin
    }
}
