//! `[model]` sections of the tree ensembles (`medref-trees`): their keys,
//! defaults and meanings are scikit-learn's, so a trainee can carry a
//! setting from one to the other.

use super::data::invalid;
use super::model::ModelSection;
use serde::{Deserialize, Serialize};

/// `max_features` as scikit-learn writes it: an integer (a count), a
/// float (a fraction of the features) or `"sqrt"` / `"log2"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaxFeaturesSetting {
    Count(usize),
    Fraction(f64),
    Rule(String),
}

/// A random forest: bagged CART trees, each node trying a random subset of
/// the features (`kind = "random_forest"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomForestConfig {
    /// Trees in the forest (scikit-learn's `n_estimators`, default 100).
    #[serde(default = "default_n_trees")]
    pub n_trees: usize,
    /// Deepest level a tree may reach (root: 0); absent: grow until leaves
    /// are pure or too small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<usize>,
    /// Rows every leaf keeps (default 1).
    #[serde(default = "default_one")]
    pub min_samples_leaf: usize,
    /// Rows a node needs to be split (default 2).
    #[serde(default = "default_two")]
    pub min_samples_split: usize,
    /// Features tried per node; absent: `"sqrt"` for classes, `1.0` (all)
    /// for numbers, as scikit-learn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_features: Option<MaxFeaturesSetting>,
    /// Each tree sees a bootstrap sample of the training rows (default true).
    #[serde(default = "default_true")]
    pub bootstrap: bool,
    /// Report the out-of-bag accuracy or R² in the fit report (default true).
    #[serde(default = "default_true")]
    pub oob_score: bool,
}

impl Default for RandomForestConfig {
    fn default() -> Self {
        Self {
            n_trees: default_n_trees(),
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
            max_features: None,
            bootstrap: true,
            oob_score: true,
        }
    }
}

/// Histogram gradient boosting as scikit-learn's `HistGradientBoosting*`
/// (`kind = "gradient_boosting"`); missing values are routed natively.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradientBoostingConfig {
    /// Shrinkage of every tree's contribution (default 0.1).
    #[serde(default = "default_learning_rate")]
    pub learning_rate: f64,
    /// Boosting iterations at most (default 100; one tree per class each).
    #[serde(default = "default_max_iter")]
    pub max_iter: usize,
    /// Leaves per tree at most (default 31).
    #[serde(default = "default_max_leaf_nodes")]
    pub max_leaf_nodes: usize,
    /// Deepest level a tree may reach; absent: no limit but the leaves'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<usize>,
    /// Rows every leaf keeps (default 20).
    #[serde(default = "default_gb_min_samples_leaf")]
    pub min_samples_leaf: usize,
    /// L2 penalty on leaf values (default 0).
    #[serde(default)]
    pub l2_regularization: f64,
    /// Bins per feature for non-missing values, 2 to 255 (default 255).
    #[serde(default = "default_max_bins")]
    pub max_bins: usize,
    /// Stop when the validation split's loss has not improved by `tol` in
    /// `n_iter_no_change` iterations (default true).
    #[serde(default = "default_true")]
    pub early_stopping: bool,
    #[serde(default = "default_n_iter_no_change")]
    pub n_iter_no_change: usize,
    #[serde(default = "default_tree_tol")]
    pub tol: f64,
}

impl Default for GradientBoostingConfig {
    fn default() -> Self {
        Self {
            learning_rate: default_learning_rate(),
            max_iter: default_max_iter(),
            max_leaf_nodes: default_max_leaf_nodes(),
            max_depth: None,
            min_samples_leaf: default_gb_min_samples_leaf(),
            l2_regularization: 0.0,
            max_bins: default_max_bins(),
            early_stopping: true,
            n_iter_no_change: default_n_iter_no_change(),
            tol: default_tree_tol(),
        }
    }
}

fn default_n_trees() -> usize {
    100
}
fn default_one() -> usize {
    1
}
fn default_two() -> usize {
    2
}
fn default_true() -> bool {
    true
}
fn default_learning_rate() -> f64 {
    0.1
}
fn default_max_iter() -> usize {
    100
}
fn default_max_leaf_nodes() -> usize {
    31
}
fn default_gb_min_samples_leaf() -> usize {
    20
}
fn default_max_bins() -> usize {
    255
}
fn default_n_iter_no_change() -> usize {
    10
}
fn default_tree_tol() -> f64 {
    1e-7
}

impl ModelSection for RandomForestConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if self.n_trees == 0 {
            return invalid("[model].n_trees", "must be at least 1");
        }
        if self.max_depth == Some(0) {
            return invalid("[model].max_depth", "must be at least 1 (leave it out for no limit)");
        }
        if self.min_samples_leaf == 0 {
            return invalid("[model].min_samples_leaf", "must be at least 1");
        }
        if self.min_samples_split < 2 {
            return invalid("[model].min_samples_split", "must be at least 2");
        }
        match &self.max_features {
            Some(MaxFeaturesSetting::Count(0)) => invalid("[model].max_features", "a count must be at least 1"),
            Some(MaxFeaturesSetting::Fraction(f)) if !(*f > 0.0 && *f <= 1.0) => {
                invalid("[model].max_features", "a fraction must be above 0 and at most 1.0")
            }
            Some(MaxFeaturesSetting::Rule(r)) if !matches!(r.as_str(), "sqrt" | "log2") => invalid(
                "[model].max_features",
                "must be an integer (a count), a float (a fraction), \"sqrt\" or \"log2\"",
            ),
            _ => Ok(()),
        }
    }
}

impl ModelSection for GradientBoostingConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return invalid("[model].learning_rate", "must be a positive number");
        }
        if self.max_iter == 0 {
            return invalid("[model].max_iter", "must be at least 1");
        }
        if self.max_leaf_nodes < 2 {
            return invalid("[model].max_leaf_nodes", "must be at least 2");
        }
        if self.max_depth == Some(0) {
            return invalid("[model].max_depth", "must be at least 1 (leave it out for no limit)");
        }
        if self.min_samples_leaf == 0 {
            return invalid("[model].min_samples_leaf", "must be at least 1");
        }
        if !(self.l2_regularization.is_finite() && self.l2_regularization >= 0.0) {
            return invalid("[model].l2_regularization", "must be zero or positive");
        }
        if !(2..=255).contains(&self.max_bins) {
            return invalid("[model].max_bins", "must be between 2 and 255");
        }
        if self.n_iter_no_change == 0 {
            return invalid("[model].n_iter_no_change", "must be at least 1");
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return invalid("[model].tol", "must be zero or positive");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_features_reads_as_scikit_learn_writes_it() {
        let parse = |s: &str| toml::from_str::<RandomForestConfig>(s).unwrap().max_features;
        assert_eq!(parse("max_features = 3"), Some(MaxFeaturesSetting::Count(3)));
        assert_eq!(parse("max_features = 0.5"), Some(MaxFeaturesSetting::Fraction(0.5)));
        assert_eq!(parse("max_features = 1.0"), Some(MaxFeaturesSetting::Fraction(1.0)));
        assert_eq!(parse("max_features = \"log2\""), Some(MaxFeaturesSetting::Rule("log2".into())));
        assert_eq!(parse(""), None);
        let bad =
            RandomForestConfig { max_features: Some(MaxFeaturesSetting::Rule("half".into())), ..Default::default() };
        assert_eq!(bad.validate().unwrap_err().0, "[model].max_features");
    }
}
