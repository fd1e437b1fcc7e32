//! `leakage.json`: whether the same record sits in two splits, and whether
//! the test split is large enough to judge the model on. Every domain
//! writes it, with the record fingerprint its examples define.

use crate::examples::Examples;
use serde::Serialize;
use std::collections::BTreeMap;

/// `leakage.json`: exact duplicates across splits and whether the test
/// split is large enough for its headline interval to mean much.
#[derive(Debug, Serialize)]
pub struct LeakageReport {
    /// Test examples whose content also appears in training.
    pub test_in_train: usize,
    /// Validation examples whose content also appears in training.
    pub val_in_train: usize,
    /// Test examples whose content also appears in validation.
    pub test_in_val: usize,
    /// Whether the examples of this domain have a content fingerprint.
    pub checked: bool,
    /// Width of the test metric's 95% interval (AUROC, else RMSE), if known.
    pub test_ci_width: Option<f64>,
    /// Plain-language warnings (duplicates found, interval too wide).
    pub warnings: Vec<String>,
}

/// Compares the content fingerprints of the three splits (pixels for
/// images, bases for DNA, feature values for tables and molecules, samples
/// for signals). A duplicate in both training and test data scores the
/// model on a record it memorised.
pub fn leakage_report<E: Examples>(
    train: &E,
    val: &E,
    test: &E,
    test_metrics: Option<&BTreeMap<String, f64>>,
) -> LeakageReport {
    use std::collections::HashSet;
    let keys = |e: &E| -> Option<HashSet<u64>> { (0..e.len()).map(|i| e.record_key(i)).collect() };
    let count_in =
        |e: &E, set: &HashSet<u64>| (0..e.len()).filter(|&i| e.record_key(i).is_some_and(|k| set.contains(&k))).count();
    let (train_keys, val_keys) = (keys(train), keys(val));
    let checked = train_keys.is_some() && val_keys.is_some();
    let (test_in_train, val_in_train, test_in_val) = match (&train_keys, &val_keys) {
        (Some(t), Some(v)) => (count_in(test, t), count_in(val, t), count_in(test, v)),
        _ => (0, 0, 0),
    };
    let test_ci_width = test_metrics.and_then(|m| {
        ["auroc", "rmse"].iter().find_map(|k| Some(m.get(&format!("{k}_ci_high"))? - m.get(&format!("{k}_ci_low"))?))
    });
    let mut warnings = Vec::new();
    for (n, what) in [
        (test_in_train, "test examples are exact copies of training examples"),
        (val_in_train, "validation examples are exact copies of training examples"),
        (test_in_val, "test examples are exact copies of validation examples"),
    ] {
        if n > 0 {
            warnings.push(format!("{n} {what}; their scores measure memory, not generalisation"));
        }
    }
    if let Some(w) = test_ci_width.filter(|&w| w > 0.2) {
        warnings.push(format!("the test split is small: the 95% interval of the headline metric is {w:.2} wide"));
    }
    LeakageReport { test_in_train, val_in_train, test_in_val, checked, test_ci_width, warnings }
}
