//! The aggregates a published bundle carries in place of its row-level
//! files, as the report reads them back.

use serde::{Deserialize, Serialize};

/// The name of the file in a bundle.
pub const CURVES_FILE: &str = "curves.json";

/// One curve: `[x, y]` points in drawing order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Curve {
    pub label: String,
    pub points: Vec<[f64; 2]>,
    /// Fraction positive (the no-skill line of a precision-recall curve).
    #[serde(default)]
    pub prevalence: Option<f64>,
}

/// Counts of (true, predicted) on the test split; `None` cells are suppressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Confusion {
    /// How a prediction was called (threshold or most probable class).
    pub rule: String,
    pub classes: Vec<String>,
    pub cells: Vec<Vec<Option<u64>>>,
    /// Cells set to `null` because they held fewer than k patients, or
    /// would have let one be worked out from its row.
    pub suppressed_cells: usize,
}

/// One bin of a regression's test split, sorted by the true value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ScatterBin {
    pub n: usize,
    pub true_mean: f64,
    pub predicted_mean: f64,
}

/// The aggregates that stand in for `predictions.csv` in a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Curves {
    pub k: usize,
    pub split: String,
    /// Test samples the aggregates summarise.
    pub n: usize,
    #[serde(default)]
    pub roc: Vec<Curve>,
    #[serde(default)]
    pub pr: Vec<Curve>,
    #[serde(default)]
    pub confusion: Option<Confusion>,
    #[serde(default)]
    pub scatter: Vec<ScatterBin>,
}

/// What `subgroups.json` says about the groups taken out, never their names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SubgroupSuppression {
    pub k: usize,
    /// Groups with fewer than k test patients.
    pub below_k: usize,
    /// Further groups taken out so the first cannot be worked out.
    pub complementary: usize,
    /// Whether the count of rows without a subgroup value (under k) was taken out.
    pub missing_suppressed: bool,
}
