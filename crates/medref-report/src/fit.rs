//! How the model was fitted, for the report and the model card. A model
//! solved directly as a convex problem (logistic or ridge regression, Cox
//! proportional hazards) has no epochs: its one-row `history.csv` is no
//! learning curve, nothing was monitored and no epoch was chosen, so the
//! pages say how it was solved instead, from `convex_fit.json`.

use crate::run::Run;
use crate::text::{code_cell, escape, fmt_num, key_value_table};
use std::fmt::Write as _;

/// The run summary's and the model card's one-line account of a direct fit.
pub(crate) const DIRECT_FIT: &str = "fitted directly: one deterministic solve of a convex problem, no epochs";

/// The same account for a tree ensemble, which is grown, not solved.
pub(crate) const TREES_FIT: &str = "fitted directly: trees grown greedily in one deterministic fit, no epochs";

/// Model kinds whose direct fit grows trees (`medref-trees`).
pub(crate) fn grows_trees(kind: &str) -> bool {
    matches!(kind, "random_forest" | "gradient_boosting")
}

/// The one-line account of a direct fit of this model kind.
pub(crate) fn direct_fit_line(kind: &str) -> &'static str {
    if grows_trees(kind) {
        TREES_FIT
    } else {
        DIRECT_FIT
    }
}

/// A scalar of `convex_fit.json` as printed: whole numbers as such, other
/// numbers to about four digits, flags as yes or no.
fn scalar(value: &serde_json::Value) -> Option<String> {
    Some(match value {
        serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => fmt_num(n.as_f64()?),
        },
        serde_json::Value::String(s) => s.clone(),
        _ => return None,
    })
}

/// The report's section on a direct fit: what was solved and the solver's
/// own record (iterations, convergence, penalty); empty for a loop run.
pub(crate) fn direct_fit_section(run: &Run) -> String {
    if !run.is_direct_fit() {
        return String::new();
    }
    let mut s = String::from("<section id=\"fit\" data-fit=\"direct\">\n<h2>Fit</h2>\n");
    if grows_trees(run.model_kind()) {
        let _ = writeln!(
            s,
            "<p>The model ({}) was fitted directly: its trees were grown greedily, split by split, in one \
             deterministic fit (the same trees for the same seed on any number of threads). There are no epochs, so \
             there is no learning curve to show; the trees are in <code>trees.json</code> and the model's own \
             importance in <code>model_importance.csv</code>.</p>",
            code_cell(run.model_kind())
        );
    } else {
        let _ = writeln!(
            s,
            "<p>The model ({}) was fitted directly, as the solution of a convex problem found in one deterministic fit: \
             there are no epochs, so there is no learning curve, no monitored validation metric and no training \
             throughput to show, and rerunning the command gives the same weights.</p>",
            code_cell(run.model_kind())
        );
    }
    let Some(fit) = &run.convex_fit else {
        s.push_str(
            "<p class=\"note\">convex_fit.json, the solver's record, is not in this directory.</p>\n</section>\n",
        );
        return s;
    };
    let rows: Vec<(&str, String)> = fit
        .iter()
        .filter(|(k, _)| k.as_str() != "note")
        .filter_map(|(k, v)| Some((k.as_str(), escape(&scalar(v)?))))
        .collect();
    if !rows.is_empty() {
        s.push_str("<p class=\"note\">From convex_fit.json:</p>\n");
        s.push_str(&key_value_table(&rows));
    }
    if let Some(note) = fit.get("note").and_then(|v| v.as_str()) {
        let _ = writeln!(s, "<p class=\"note\">{}</p>", escape(note));
    }
    s.push_str("</section>\n");
    s
}

/// A Cox model's hazard ratios with their 95% intervals, one row per
/// covariate, from `convex_fit.json`.
pub(crate) fn hazard_ratio_section(run: &Run) -> String {
    let Some(rows) = run.convex_fit.as_ref().and_then(|f| f.get("coefficients")).and_then(|c| c.as_array()) else {
        return String::new();
    };
    if run.model_kind() != "cox" {
        return String::new();
    }
    let mut s = String::from("<section id=\"hazard-ratios\">\n<h2>Hazard ratios (Cox model)</h2>\n");
    s.push_str(
        "<p>Per training standard deviation of each standardised covariate, or against the first category of a \
         categorical one; an association in these data under proportional hazards, not the effect of changing it.</p>\n",
    );
    s.push_str("<table data-table=\"hazard-ratios\">\n<thead><tr><th scope=\"col\">Covariate</th><th scope=\"col\">Hazard ratio</th><th scope=\"col\">95% CI</th><th scope=\"col\">p</th></tr></thead>\n<tbody>\n");
    for r in rows {
        let num = |k: &str| r.get(k).and_then(|v| v.as_f64());
        let ci = r
            .get("hazard_ratio_ci95")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect::<Vec<_>>())
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(r.get("feature").and_then(|v| v.as_str()).unwrap_or("")),
            num("hazard_ratio").map_or("–".into(), |v| format!("{v:.3}")),
            if ci.len() == 2 { format!("{:.3}–{:.3}", ci[0], ci[1]) } else { "–".into() },
            num("p_value").map_or("–".into(), |v| format!("{v:.3}")),
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
    s
}
