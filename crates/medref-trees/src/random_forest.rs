//! Random forests: many CART trees, each grown on a bootstrap sample of the
//! rows with a random subset of features tried at every node, averaged.
//! Bagging lowers the variance of deep trees; the feature subsets make the
//! trees less alike, so the average gains more. Parameters, defaults and
//! meanings follow scikit-learn's `RandomForestClassifier` and
//! `RandomForestRegressor`.
//!
//! Missing values are refused: medref's tables are imputed before a model
//! sees them, and the boosting handles missing values natively for data
//! that keep them.

use crate::cart::{grow_cart, CartParams, GrownCart};
use crate::columns::Columns;
use crate::importance::mean_decrease_in_impurity;
use crate::rng::TreeRng;
use crate::tree::{Ensemble, Link};
use crate::{Features, Target, TreeError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Features tried at each node, as scikit-learn's `max_features`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum MaxFeatures {
    /// `sqrt(n_features)`, rounded down (at least 1): the classification default.
    Sqrt,
    /// `log2(n_features)`, rounded down (at least 1).
    Log2,
    /// This many features (at most all of them).
    Count(usize),
    /// This fraction of the features, rounded down (at least 1); 1.0, every
    /// feature, is the regression default.
    Fraction(f64),
}

impl MaxFeatures {
    /// The count for `n_features` features.
    pub fn resolve(self, n_features: usize) -> usize {
        let n = n_features as f64;
        let k = match self {
            MaxFeatures::Sqrt => n.sqrt().floor() as usize,
            MaxFeatures::Log2 => n.log2().floor() as usize,
            MaxFeatures::Count(k) => k,
            MaxFeatures::Fraction(f) => (f * n).floor() as usize,
        };
        k.clamp(1, n_features.max(1))
    }
}

/// A forest's settings; `Default` is scikit-learn's.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestParams {
    pub n_trees: usize,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    pub min_samples_split: usize,
    /// `None`: `Sqrt` for classes, `Fraction(1.0)` for numbers.
    pub max_features: Option<MaxFeatures>,
    /// Each tree sees a bootstrap sample (else every row once).
    pub bootstrap: bool,
    /// Score each row with the trees that did not see it.
    pub oob_score: bool,
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        Self {
            n_trees: 100,
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
            max_features: None,
            bootstrap: true,
            oob_score: true,
            seed: 0,
        }
    }
}

/// What the fit reports beside the trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestReport {
    pub n_trees: usize,
    /// Features tried per node.
    pub max_features: usize,
    /// Out-of-bag accuracy (classes) or R² (numbers); `None` without
    /// bootstrap or when asked not to.
    pub oob_score: Option<f64>,
    pub oob_metric: String,
    /// Rows that were out of bag for at least one tree.
    pub oob_rows: usize,
    pub mean_depth: f64,
    pub mean_leaves: f64,
    /// MDI, summing to one.
    pub feature_importance: Vec<f64>,
}

/// A fitted forest.
#[derive(Debug, Clone)]
pub struct RandomForest {
    pub ensemble: Ensemble,
    pub report: ForestReport,
}

fn check(params: &ForestParams) -> Result<(), TreeError> {
    let bad = |key, message: &str| Err(TreeError::Param { key, message: message.into() });
    if params.n_trees == 0 {
        return bad("n_trees", "must be at least 1");
    }
    if params.min_samples_leaf == 0 {
        return bad("min_samples_leaf", "must be at least 1");
    }
    if let Some(MaxFeatures::Fraction(f)) = params.max_features {
        if !(f > 0.0 && f <= 1.0) {
            return bad("max_features", "a fraction must be in (0, 1]");
        }
    }
    if params.max_features == Some(MaxFeatures::Count(0)) {
        return bad("max_features", "must be at least 1");
    }
    Ok(())
}

impl RandomForest {
    /// Fits a forest; trees are grown in parallel and each draws from the
    /// generator of its index, so the forest is the same on any thread count.
    pub fn fit(x: Features, target: Target, params: &ForestParams) -> Result<Self, TreeError> {
        check(params)?;
        target.check(&x)?;
        if x.has_missing() {
            return Err(TreeError::Missing(
                "the random forest does not take missing values (NaN); impute them, or use gradient boosting, which routes them natively".into(),
            ));
        }
        let classes = match target {
            Target::Classes { n_classes, .. } => Some(n_classes),
            Target::Values(_) => None,
        };
        let default = if classes.is_some() { MaxFeatures::Sqrt } else { MaxFeatures::Fraction(1.0) };
        let max_features = params.max_features.unwrap_or(default).resolve(x.n_features);
        let cart = CartParams {
            max_depth: params.max_depth,
            min_samples_leaf: params.min_samples_leaf,
            min_samples_split: params.min_samples_split,
            max_features,
        };
        let n = x.n_rows;
        let columns = Columns::new(x);
        let grown: Vec<(GrownCart, Vec<u32>)> = (0..params.n_trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = TreeRng::for_tree(params.seed, t as u64);
                let mut counts = vec![0u32; n];
                if params.bootstrap {
                    (0..n).for_each(|_| counts[rng.below(n)] += 1);
                } else {
                    counts.iter_mut().for_each(|c| *c = 1);
                }
                let samples: Vec<(usize, f64)> =
                    counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| (i, f64::from(c))).collect();
                (grow_cart(&columns, &target, &samples, cart, &mut rng), counts)
            })
            .collect();
        let oob = (params.bootstrap && params.oob_score).then(|| oob_score(x, &target, &grown));
        let trees: Vec<_> = grown.iter().map(|(g, _)| g.tree.clone()).collect();
        let per_tree: Vec<Vec<f64>> = grown.iter().map(|(g, _)| g.impurity_decrease.clone()).collect();
        let k = classes.unwrap_or(1);
        let report = ForestReport {
            n_trees: trees.len(),
            max_features,
            oob_score: oob.map(|o| o.0),
            oob_metric: if classes.is_some() { "accuracy" } else { "r2" }.into(),
            oob_rows: oob.map_or(0, |o| o.1),
            mean_depth: trees.iter().map(|t| t.depth() as f64).sum::<f64>() / trees.len() as f64,
            mean_leaves: trees.iter().map(|t| t.n_leaves() as f64).sum::<f64>() / trees.len() as f64,
            feature_importance: mean_decrease_in_impurity(&per_tree, x.n_features),
        };
        let ensemble = Ensemble {
            n_features: x.n_features,
            n_outputs: k,
            baseline: vec![0.0; k],
            average: true,
            link: Link::Identity,
            trees,
        };
        Ok(Self { ensemble, report })
    }
}

/// Out-of-bag accuracy or R² and the rows it covers: each row is scored by
/// the mean of the trees whose bootstrap left it out (summed in tree order).
fn oob_score(x: Features, target: &Target, grown: &[(GrownCart, Vec<u32>)]) -> (f64, usize) {
    let scored: Vec<Option<Vec<f64>>> = (0..x.n_rows)
        .into_par_iter()
        .map(|i| {
            let row = x.row(i);
            let mut sum: Option<Vec<f64>> = None;
            for (g, counts) in grown {
                if counts[i] == 0 {
                    let v = g.tree.leaf(row);
                    let s = sum.get_or_insert_with(|| vec![0.0; v.len()]);
                    s.iter_mut().zip(v).for_each(|(s, v)| *s += v);
                }
            }
            sum
        })
        .collect();
    let covered = scored.iter().filter(|s| s.is_some()).count();
    if covered == 0 {
        return (f64::NAN, 0);
    }
    let score = match target {
        Target::Classes { labels, .. } => {
            let right = scored
                .iter()
                .zip(labels.iter())
                .filter_map(|(s, &l)| s.as_ref().map(|s| argmax(s) == l))
                .filter(|&ok| ok)
                .count();
            right as f64 / covered as f64
        }
        Target::Values(y) => {
            // Predictions are sums over a varying number of trees; count them.
            let pairs: Vec<(f64, f64)> = (0..x.n_rows)
                .filter_map(|i| {
                    scored[i].as_ref().map(|s| {
                        let n = grown.iter().filter(|(_, c)| c[i] == 0).count() as f64;
                        (y[i], s[0] / n)
                    })
                })
                .collect();
            let mean = pairs.iter().map(|p| p.0).sum::<f64>() / pairs.len() as f64;
            let ss_res: f64 = pairs.iter().map(|(y, p)| (y - p) * (y - p)).sum();
            let ss_tot: f64 = pairs.iter().map(|(y, _)| (y - mean) * (y - mean)).sum();
            1.0 - ss_res / ss_tot.max(f64::MIN_POSITIVE)
        }
    };
    (score, covered)
}

pub(crate) fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
