//! Tree ensembles for tables and molecular fingerprints: the baseline every
//! reviewer of a tabular or fingerprint model asks for.
//!
//! * [`RandomForest`]: bagged CART trees (Gini or squared error), class
//!   probabilities as the mean of the leaves' class fractions, out-of-bag
//!   score and impurity (MDI) importance, as scikit-learn's
//!   `RandomForestClassifier`/`Regressor` define them.
//! * [`GradientBoosting`]: histogram gradient boosting as scikit-learn's
//!   `HistGradientBoosting*` and LightGBM grow it: features binned into at
//!   most 255 quantile bins plus a bin for missing values whose direction
//!   each split learns, leaf-wise growth by gain, the histogram subtraction
//!   trick, log-loss (binary, softmax) or squared error, early stopping on a
//!   validation set, gain importance.
//!
//! Both are deterministic for a seed whatever the number of rayon threads:
//! every tree draws from its own generator (seed and tree index), and every
//! floating-point sum runs in a fixed order. Both produce an [`Ensemble`],
//! one plain representation that predicts, saves as documented JSON
//! ([`export`]) and is read by `scripts/trees_predict.py` with numpy alone.
//!
//! Why our own code: the pure-Rust crates we compared (smartcore 0.7,
//! linfa-trees 0.8, forust-ml 0.8, perpetual 3.0-rc, gbdt 0.1) each lack part
//! of what medref needs. smartcore and linfa-trees grow exact CART trees
//! only (no histogram boosting, no missing values, single-threaded
//! forests); forust-ml (histogram boosting with missing values) is
//! superseded by perpetual, whose self-tuning booster has no learning rate
//! or leaf count to teach with and was a release candidate; gbdt is
//! unmaintained. Writing the two learners here keeps scikit-learn's knobs
//! and meanings, determinism across thread counts, and a small dependency
//! tree (rayon, serde, thiserror).

pub mod binning;
pub mod cart;
pub mod columns;
pub mod export;
pub mod gradient_boosting;
pub mod grower;
pub mod importance;
pub mod random_forest;
pub mod rng;
mod split;
pub mod tree;

pub use export::{EnsembleFile, FORMAT};
pub use gradient_boosting::{BoostingParams, BoostingReport, GradientBoosting};
pub use random_forest::{ForestParams, ForestReport, MaxFeatures, RandomForest};
pub use tree::{Ensemble, Link, Node, Tree};

/// Features of `n_rows` rows, row-major `[n_rows, n_features]`, as medref's
/// tables hold them; NaN marks a missing value.
#[derive(Debug, Clone, Copy)]
pub struct Features<'a> {
    pub x: &'a [f32],
    pub n_rows: usize,
    pub n_features: usize,
}

impl<'a> Features<'a> {
    /// Checks that `x` holds `n_rows * n_features` values.
    pub fn new(x: &'a [f32], n_rows: usize, n_features: usize) -> Result<Self, TreeError> {
        if x.len() != n_rows * n_features {
            return Err(TreeError::Shape(format!(
                "{} feature values for {n_rows} rows of {n_features} features",
                x.len()
            )));
        }
        Ok(Self { x, n_rows, n_features })
    }

    /// Row `i`: `[n_features]`.
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.x[i * self.n_features..(i + 1) * self.n_features]
    }

    pub(crate) fn get(&self, i: usize, j: usize) -> f32 {
        self.x[i * self.n_features + j]
    }

    fn has_missing(&self) -> bool {
        self.x.iter().any(|v| v.is_nan())
    }
}

/// What a model learns to predict, one entry per row.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Class indices in `0..n_classes`.
    Classes { labels: &'a [usize], n_classes: usize },
    /// Numbers (regression).
    Values(&'a [f64]),
}

impl Target<'_> {
    pub fn len(&self) -> usize {
        match self {
            Target::Classes { labels, .. } => labels.len(),
            Target::Values(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self, x: &Features) -> Result<(), TreeError> {
        if self.len() != x.n_rows {
            return Err(TreeError::Shape(format!("{} targets for {} rows", self.len(), x.n_rows)));
        }
        if x.n_rows == 0 || x.n_features == 0 {
            return Err(TreeError::Shape("no rows or no features to fit".into()));
        }
        match self {
            Target::Classes { labels, n_classes } => {
                if *n_classes < 2 {
                    return Err(TreeError::Shape(format!("{n_classes} class; a classifier needs at least two")));
                }
                if let Some((i, l)) = labels.iter().enumerate().find(|(_, &l)| l >= *n_classes) {
                    return Err(TreeError::Shape(format!("row {i}: class {l} is not below n_classes = {n_classes}")));
                }
            }
            Target::Values(v) => {
                if let Some(i) = v.iter().position(|v| !v.is_finite()) {
                    return Err(TreeError::Shape(format!("row {i}: the target is not a finite number")));
                }
            }
        }
        Ok(())
    }
}

/// Why a fit or a saved model was refused.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("shapes do not match: {0}")]
    Shape(String),
    #[error("invalid parameter `{key}`: {message}")]
    Param { key: &'static str, message: String },
    #[error("{0}")]
    Missing(String),
    #[error("not a medref tree ensemble: {0}")]
    Format(String),
}
