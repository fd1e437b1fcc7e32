//! A fitted tree and a fitted ensemble as plain data: what both learners
//! produce, what prediction walks, and what the JSON export writes (see
//! `export` for the format). Keeping one representation for the forest and
//! the boosting means one predictor, one file format and one numpy reader.

use crate::Features;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One node: a split (`feature`, `threshold`, where missing values go, the
/// two children's indices) or a leaf (`value`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    /// Rows with `x[feature] <= threshold` go to `left`, larger values to
    /// `right`, missing values (NaN) to `left` when `missing_left`.
    Split { feature: usize, threshold: f64, missing_left: bool, left: usize, right: usize },
    /// What the tree adds to the outputs from `output` on.
    Leaf { value: Vec<f64> },
}

/// A binary tree stored as a node list; node 0 is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// The first output this tree's leaves add to (the class of a
    /// boosting tree; 0 for a forest, whose leaves hold every class).
    pub output: usize,
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The leaf a row (`[n_features]`) falls into.
    pub fn leaf(&self, row: &[f32]) -> &[f64] {
        let mut i = 0;
        loop {
            match &self.nodes[i] {
                Node::Leaf { value } => return value,
                Node::Split { feature, threshold, missing_left, left, right } => {
                    let x = row[*feature];
                    i = if x.is_nan() {
                        if *missing_left {
                            *left
                        } else {
                            *right
                        }
                    } else if f64::from(x) <= *threshold {
                        *left
                    } else {
                        *right
                    };
                }
            }
        }
    }

    /// Leaves in the tree.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| matches!(n, Node::Leaf { .. })).count()
    }

    /// Depth of the deepest leaf (a stump has depth 1).
    pub fn depth(&self) -> usize {
        fn walk(nodes: &[Node], i: usize) -> usize {
            match &nodes[i] {
                Node::Leaf { .. } => 0,
                Node::Split { left, right, .. } => 1 + walk(nodes, *left).max(walk(nodes, *right)),
            }
        }
        walk(&self.nodes, 0)
    }
}

/// How raw outputs become predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// The outputs are the prediction (regression values, or a forest's
    /// averaged class probabilities).
    Identity,
    /// One output, the log-odds of class 1.
    Sigmoid,
    /// One output per class, softmax over them.
    Softmax,
}

/// A fitted ensemble: `raw = baseline + (sum over trees of leaf values,
/// divided by the number of trees when `average`)`, then `link`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    pub n_features: usize,
    /// Raw outputs per row (classes for a forest or multi-class boosting, 1
    /// for binary boosting and regression).
    pub n_outputs: usize,
    pub baseline: Vec<f64>,
    pub average: bool,
    pub link: Link,
    pub trees: Vec<Tree>,
}

impl Ensemble {
    /// Raw outputs `[n_rows, n_outputs]`, row-major. Each row sums its trees
    /// in tree order, so the result does not depend on the thread count.
    pub fn raw(&self, x: Features) -> Vec<f64> {
        let k = self.n_outputs;
        let mut out = vec![0.0; x.n_rows * k];
        out.par_chunks_mut(k).enumerate().for_each(|(r, o)| {
            let row = x.row(r);
            for tree in &self.trees {
                for (j, v) in tree.leaf(row).iter().enumerate() {
                    o[tree.output + j] += v;
                }
            }
            let scale = if self.average && !self.trees.is_empty() { self.trees.len() as f64 } else { 1.0 };
            for (o, b) in o.iter_mut().zip(&self.baseline) {
                *o = *o / scale + b;
            }
        });
        out
    }

    /// Predictions `[n_rows, n_columns]`: class probabilities (two columns
    /// for a binary model) or one value per row for regression.
    pub fn predict(&self, x: Features) -> Vec<f64> {
        let raw = self.raw(x);
        match self.link {
            Link::Identity => raw,
            Link::Sigmoid => raw
                .iter()
                .flat_map(|&z| {
                    let p = sigmoid(z);
                    [1.0 - p, p]
                })
                .collect(),
            Link::Softmax => {
                let mut p = raw;
                p.chunks_mut(self.n_outputs).for_each(softmax_in_place);
                p
            }
        }
    }
}

pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

pub(crate) fn softmax_in_place(z: &mut [f64]) {
    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    z.iter_mut().for_each(|v| {
        *v = (*v - m).exp();
        s += *v;
    });
    z.iter_mut().for_each(|v| *v /= s);
}
