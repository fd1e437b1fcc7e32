//! Escaping and number formatting shared by the HTML, SVG and Markdown
//! writers, so a metric reads the same in every output.

use std::collections::BTreeMap;

/// Escapes text for HTML and SVG, in element content and in quoted
/// attribute values alike.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown table cell or line: HTML-significant
/// characters (Markdown renderers pass HTML through) and the pipe.
pub(crate) fn escape_md(s: &str) -> String {
    escape(s).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A number with about four significant digits; `n/a` when not finite.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e6).contains(&a) {
        format!("{v:.3e}")
    } else if a >= 1000.0 {
        format!("{v:.1}")
    } else if a >= 100.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// Keys that count samples or resamples, printed as whole numbers.
fn is_count(key: &str) -> bool {
    matches!(key, "n" | "n_positive" | "missing")
        || key.ends_with("_resamples")
        || key.ends_with("_rows")
        || key.starts_with("n_")
}

/// A metric value as printed: whole numbers for counts.
pub(crate) fn fmt_metric(key: &str, v: f64) -> String {
    if is_count(key) && v.is_finite() && v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        fmt_num(v)
    }
}

/// `value [low, high]` when the map holds `<key>_ci_low` and `<key>_ci_high`.
pub(crate) fn with_ci(map: &BTreeMap<String, f64>, key: &str) -> Option<String> {
    let v = *map.get(key)?;
    let mut s = fmt_metric(key, v);
    if let (Some(lo), Some(hi)) = (map.get(&format!("{key}_ci_low")), map.get(&format!("{key}_ci_high"))) {
        s.push_str(&format!(" [{}, {}]", fmt_num(*lo), fmt_num(*hi)));
    }
    Some(s)
}

/// Metrics in the order a reader looks for them; anything else follows
/// alphabetically.
const PREFERRED: &[&str] = &[
    "n",
    "n_positive",
    "n_events",
    "c_index",
    "frame_accuracy",
    "edit",
    "f1_at_10",
    "f1_at_25",
    "f1_at_50",
    "auroc",
    "auprc",
    "accuracy",
    "balanced_accuracy",
    "sensitivity",
    "specificity",
    "f1",
    "f1_macro",
    "brier",
    "ece",
    "loss",
    "val_youden_threshold",
    "sensitivity_at_val_threshold",
    "specificity_at_val_threshold",
    "accuracy_at_val_threshold",
    "rmse",
    "mae",
    "r2",
    "pearson",
    "spearman",
];

/// Whether a key is part of another metric's interval, shown beside it.
fn is_interval_part(key: &str) -> bool {
    key.ends_with("_ci_low") || key.ends_with("_ci_high") || key.ends_with("_ci_resamples")
}

/// The metrics to show as table rows, from the union of the maps' keys:
/// interval bounds are folded into their metric.
pub(crate) fn metric_rows<'a>(maps: impl IntoIterator<Item = &'a BTreeMap<String, f64>>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for map in maps {
        for k in map.keys() {
            if !is_interval_part(k) && !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let rank = |k: &str| PREFERRED.iter().position(|p| *p == k).unwrap_or(PREFERRED.len());
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    keys
}

/// The bootstrap resamples behind the intervals, if the map records them.
pub(crate) fn resamples(map: &BTreeMap<String, f64>) -> Option<u64> {
    map.iter().find(|(k, _)| k.ends_with("_ci_resamples")).map(|(_, v)| *v as u64)
}

/// A metric's name as a reader knows it.
pub(crate) fn metric_label(key: &str) -> String {
    let known = match key {
        "n" => "Samples",
        "n_positive" => "Positives",
        "n_events" => "Events",
        "c_index" => "C-index (Harrell)",
        "frame_accuracy" => "Frame accuracy",
        "edit" => "Edit score",
        "dice" => "Dice",
        "iou" => "IoU (Jaccard)",
        "hd95" => "HD95 (pixels)",
        "mean_surface_distance" => "Mean surface distance (pixels)",
        "pixel_accuracy" => "Pixel accuracy",
        "f1_at_10" => "F1@10",
        "f1_at_25" => "F1@25",
        "f1_at_50" => "F1@50",
        "auroc" => "AUROC",
        "auprc" => "AUPRC (average precision)",
        "accuracy" => "Accuracy",
        "balanced_accuracy" => "Balanced accuracy",
        "sensitivity" => "Sensitivity (recall)",
        "specificity" => "Specificity",
        "f1" => "F1",
        "f1_macro" => "F1 (macro)",
        "brier" => "Brier score",
        "ece" => "Expected calibration error",
        "loss" => "Loss",
        "val_youden_threshold" => "Threshold (Youden's J on validation)",
        "sensitivity_at_val_threshold" => "Sensitivity at that threshold",
        "specificity_at_val_threshold" => "Specificity at that threshold",
        "accuracy_at_val_threshold" => "Accuracy at that threshold",
        "rmse" => "RMSE",
        "mae" => "MAE",
        "r2" => "R²",
        "pearson" => "Pearson r",
        "spearman" => "Spearman ρ",
        _ => "",
    };
    if known.is_empty() {
        key.replace('_', " ")
    } else {
        known.into()
    }
}

/// A two-column HTML table of (label, already-escaped HTML value), for the
/// report's sections (the run, a direct fit) and the comparison alike.
pub(crate) fn key_value_table(rows: &[(&str, String)]) -> String {
    use std::fmt::Write as _;
    let mut s = String::from("<table class=\"kv\">\n");
    for (k, v) in rows {
        let _ = writeln!(s, "<tr><th scope=\"row\">{}</th><td>{v}</td></tr>", escape(k));
    }
    s.push_str("</table>\n");
    s
}

/// Text as escaped inline HTML code.
pub(crate) fn code_cell(s: &str) -> String {
    format!("<code>{}</code>", escape(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(escape_md("a|b<c>"), "a\\|b&lt;c&gt;");
    }

    #[test]
    fn formats_numbers_and_counts() {
        assert_eq!(fmt_num(0.98642), "0.986");
        assert_eq!(fmt_num(123.456), "123.46");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(f64::NAN), "n/a");
        assert_eq!(fmt_metric("n", 100.0), "100");
        assert_eq!(fmt_metric("auroc", 1.0), "1.000");
    }

    #[test]
    fn folds_intervals_into_their_metric() {
        let map: BTreeMap<String, f64> = [("auroc", 0.9), ("auroc_ci_low", 0.8), ("auroc_ci_high", 0.95), ("n", 50.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(metric_rows([&map]), vec!["n", "auroc"]);
        assert_eq!(with_ci(&map, "auroc").unwrap(), "0.900 [0.800, 0.950]");
    }
}
