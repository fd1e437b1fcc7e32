//! Small-cell suppression of the run's group tables: `subgroups.json`
//! (metrics per subgroup of the test split) and `calibration.json` (bins
//! of predicted probability).
//!
//! A subgroup of two patients with its sensitivity says what the model
//! predicted for two people someone may recognise (the only two patients
//! of a site). Groups under k are taken out, and, when what was taken out
//! adds up to fewer than k, the next smallest groups too, since the test
//! total minus the groups shown would otherwise give the small group back.

use crate::published_bundle::SubgroupSuppression;
use medref_core::metrics::CalibrationBin;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Suppresses `subgroups.json` in place. Returns what was taken out, or
/// `None` when every group already has k patients.
pub(crate) fn suppress_subgroups(doc: &mut Value, k: usize) -> Option<SubgroupSuppression> {
    let obj = doc.as_object_mut()?;
    let mut groups: Vec<(String, Map<String, Value>)> = obj
        .get("test")
        .and_then(|t| t.as_object())
        .map(|t| t.iter().map(|(name, m)| (name.clone(), m.as_object().cloned().unwrap_or_default())).collect())
        .unwrap_or_default();
    // A group without a size cannot be shown to be large enough.
    let size = |m: &Map<String, Value>| m.get("n").and_then(Value::as_f64).unwrap_or(0.0);
    groups.sort_by(|a, b| size(&a.1).total_cmp(&size(&b.1)).then(a.0.cmp(&b.0)));
    let below_k = groups.iter().filter(|(_, m)| size(m) < k as f64).count();
    let missing = obj.get("missing").and_then(Value::as_u64).unwrap_or(0);
    let missing_suppressed = missing > 0 && (missing as usize) < k;
    if below_k == 0 && !missing_suppressed {
        return None;
    }
    let mut taken: f64 = groups[..below_k].iter().map(|(_, m)| size(m)).sum();
    if missing_suppressed {
        taken += missing as f64;
    }
    let mut cut = below_k;
    while taken > 0.0 && taken < k as f64 && cut < groups.len() {
        taken += size(&groups[cut].1);
        cut += 1;
    }
    let kept: BTreeMap<String, Value> = groups.drain(cut..).map(|(name, m)| (name, Value::Object(m))).collect();
    obj.insert("test".into(), serde_json::to_value(kept).unwrap_or_default());
    if missing_suppressed {
        obj.remove("missing");
    }
    let record = SubgroupSuppression { k, below_k, complementary: cut - below_k, missing_suppressed };
    obj.insert("suppressed".into(), serde_json::to_value(&record).unwrap_or_default());
    Some(record)
}

/// Merges neighbouring calibration bins until each holds at least k
/// samples (counts and weighted means, so the diagram stays honest);
/// a split with fewer than k samples in all loses its bins. Returns how
/// many bins were merged away.
pub(crate) fn merge_calibration(splits: &mut BTreeMap<String, Vec<CalibrationBin>>, k: usize) -> usize {
    let mut merged_away = 0;
    for bins in splits.values_mut() {
        let before = bins.len();
        let mut out: Vec<CalibrationBin> = Vec::new();
        let mut open: Option<CalibrationBin> = None;
        for b in bins.iter() {
            let next = match open.take() {
                Some(a) => join(&a, b),
                None => *b,
            };
            if next.count as usize >= k {
                out.push(next);
            } else {
                open = Some(next);
            }
        }
        if let Some(rest) = open {
            // A tail under k joins the last full bin; alone, it is dropped.
            if let Some(last) = out.pop() {
                out.push(join(&last, &rest));
            }
        }
        merged_away += before - out.len();
        *bins = out;
    }
    merged_away
}

fn join(a: &CalibrationBin, b: &CalibrationBin) -> CalibrationBin {
    let count = a.count + b.count;
    let weighted = |x: f64, y: f64| {
        if count == 0 {
            0.0
        } else {
            (x * a.count as f64 + y * b.count as f64) / count as f64
        }
    };
    CalibrationBin {
        lower: a.lower.min(b.lower),
        upper: a.upper.max(b.upper),
        count,
        mean_score: weighted(a.mean_score, b.mean_score),
        fraction_positive: weighted(a.fraction_positive, b.fraction_positive),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_of_two_goes_with_a_partner() {
        let mut doc: Value =
            serde_json::from_str(r#"{"test": {"A": {"n": 40}, "B": {"n": 2}, "C": {"n": 25}}, "missing": 0}"#).unwrap();
        let s = suppress_subgroups(&mut doc, 10).unwrap();
        assert_eq!((s.below_k, s.complementary), (1, 1));
        let names: Vec<&String> = doc["test"].as_object().unwrap().keys().collect();
        assert_eq!(names, ["A"]);
        assert!(!doc.to_string().contains("\"B\""));
    }

    #[test]
    fn calibration_bins_merge_to_k_with_weighted_means() {
        let bin = |lower: f64, count: u64, mean: f64, pos: f64| CalibrationBin {
            lower,
            upper: lower + 0.1,
            count,
            mean_score: mean,
            fraction_positive: pos,
        };
        let mut splits = BTreeMap::new();
        splits
            .insert("test".to_string(), vec![bin(0.0, 12, 0.05, 0.0), bin(0.1, 3, 0.15, 1.0), bin(0.2, 1, 0.25, 1.0)]);
        assert_eq!(merge_calibration(&mut splits, 10), 2);
        let bins = &splits["test"];
        assert_eq!(bins.len(), 1);
        assert_eq!(bins[0].count, 16);
        assert!((bins[0].fraction_positive - 0.25).abs() < 1e-12);
    }
}
