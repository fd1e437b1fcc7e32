//! Permutation feature importance: how much the test metric drops when one
//! source column's values are shuffled across patients.
//!
//! It asks the trained model directly, needs no access to its internals,
//! and works the same for a logistic regression and an MLP. A one-hot block
//! (or a whole fingerprint) is shuffled as one, so a categorical column is
//! judged as the single variable a clinician recorded.

use super::TabularExamples;
use burn::prelude::*;
use medref_core::config::Monitor;
use medref_core::seed::Rng;
use medref_tabular::{TabularDataset, TabularSplit};
use medref_train::evaluate::{monitor_value, predict_scores};
use medref_train::{Network, Targets, TrainError};
use std::ops::Range;

/// One source column's importance.
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    pub feature: String,
    /// Metric with the column intact.
    pub baseline: f64,
    /// Mean drop of the metric over the shuffles (positive: the model uses it).
    pub mean_drop: f64,
    /// Standard deviation of the drop over the shuffles.
    pub std_drop: f64,
}

/// AUROC for classifiers, R^2 for regression: both "higher is better", so
/// a drop means the feature mattered.
fn metric(targets: &Targets, scores: &[f64]) -> f64 {
    match targets {
        Targets::Regression { .. } => monitor_value(targets, scores, Monitor::R2),
        _ => monitor_value(targets, scores, Monitor::Auroc),
    }
}

/// Shuffles each group of feature columns `repeats` times (seeded) and
/// records the drop of the test metric; sorted by mean drop, largest first.
pub fn permutation_importance<M: Network<Input = Tensor<2>>>(
    model: &M,
    test: &TabularExamples,
    groups: &[(String, Range<usize>)],
    n_features: usize,
    repeats: usize,
    seed: u64,
    device: &Device,
) -> Result<Vec<Importance>, TrainError> {
    let split = test.split();
    let n = split.targets.len();
    if n < 2 {
        return Ok(Vec::new());
    }
    let baseline = metric(&split.targets, &predict_scores(model, test, device, 512)?);
    let mut out = Vec::with_capacity(groups.len());
    for (g, (name, range)) in groups.iter().enumerate() {
        let mut drops = Vec::with_capacity(repeats);
        for r in 0..repeats {
            let mut order: Vec<usize> = (0..n).collect();
            Rng::derive(seed, &format!("importance-{g}-{r}")).shuffle(&mut order);
            let mut x = split.x.clone();
            for (row, &from) in order.iter().enumerate() {
                x[row * n_features + range.start..row * n_features + range.end]
                    .copy_from_slice(&split.x[from * n_features + range.start..from * n_features + range.end]);
            }
            let shuffled = TabularSplit { x, ..split.clone() };
            let ds = TabularDataset::single(shuffled.clone(), n_features);
            let ex = TabularExamples::new(&ds, &shuffled);
            drops.push(baseline - metric(&split.targets, &predict_scores(model, &ex, device, 512)?));
        }
        let mean = drops.iter().sum::<f64>() / drops.len().max(1) as f64;
        let var = drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / drops.len().max(1) as f64;
        out.push(Importance { feature: name.clone(), baseline, mean_drop: mean, std_drop: var.sqrt() });
    }
    out.sort_by(|a, b| b.mean_drop.total_cmp(&a.mean_drop));
    Ok(out)
}

/// `feature_importance.csv`.
pub fn importance_csv(rows: &[Importance]) -> String {
    let mut s = String::from("feature,baseline,mean_drop,std_drop\n");
    for r in rows {
        let name = if r.feature.contains([',', '"']) {
            format!("\"{}\"", r.feature.replace('"', "\"\""))
        } else {
            r.feature.clone()
        };
        s.push_str(&format!("{name},{:.6},{:.6},{:.6}\n", r.baseline, r.mean_drop, r.std_drop));
    }
    s
}
