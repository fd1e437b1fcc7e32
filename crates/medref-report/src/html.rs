//! `report.html`: one self-contained page per run (inline CSS and SVG, no
//! script, font or picture fetched from anywhere), so it can be mailed,
//! archived with the run, or opened on a machine without network.

use crate::error::ReportError;
use crate::fit::{direct_fit_line, direct_fit_section, hazard_ratio_section};
use crate::plots::{self, Figure};
use crate::provenance;
use crate::run::{Run, Subgroups};
use crate::text::{code_cell, escape, fmt_metric, key_value_table, metric_label, metric_rows, resamples, with_ci};
use medref_core::fsutil::write_atomic;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The page of one run directory, as a string.
///
/// Needs `config.toml`, `manifest.json` and `metrics.json`; every other
/// file only adds its section or plot. Errors name the missing or
/// unreadable file.
pub fn render_report(run_dir: &Path) -> Result<String, ReportError> {
    Ok(report_page(&Run::load(run_dir)?))
}

/// Writes `report.html` into the run directory (atomically) and returns its path.
pub fn write_report(run_dir: &Path) -> Result<PathBuf, ReportError> {
    let html = render_report(run_dir)?;
    let path = run_dir.join("report.html");
    write_atomic(&path, html.as_bytes()).map_err(|source| ReportError::Write { path: path.clone(), source })?;
    Ok(path)
}

const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1060px;padding:24px;color:#1a1a1a;line-height:1.45}
h1{margin:0 0 4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f4f6f8;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.plots{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
figure{margin:0;border:1px solid #e3e3e3;padding:8px;max-width:100%;overflow-x:auto}
figcaption{font-size:13px;color:#444;max-width:520px}figure svg{max-width:100%;height:auto}figure.wide svg{max-width:none}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.note{color:#555;font-size:13px}.lead{font-size:15px}
.warn{background:#fff4e5;border-left:4px solid #E69F00;padding:6px 10px;margin:8px 0}
footer{margin-top:40px;font-size:12px;color:#666}
";

/// The `<html>` shell around a body.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}\
         <footer>Written by medref-report {} from the files of the run directory. medref models are teaching \
         baselines, not medical devices.</footer>\n</body>\n</html>\n",
        escape(title),
        env!("CARGO_PKG_VERSION"),
    )
}

/// Metrics as rows and one column per `(heading, metrics)`, each value with
/// its interval. `attrs` go on the `<table>`, `th_class` on each column heading.
pub(crate) fn metrics_table(
    columns: &[(String, Option<&BTreeMap<String, f64>>)],
    attrs: &str,
    th_class: &str,
) -> String {
    let rows = metric_rows(columns.iter().filter_map(|(_, m)| *m));
    let mut s = format!("<table {attrs}>\n<thead><tr><th scope=\"col\">Metric</th>");
    for (heading, _) in columns {
        let _ = write!(s, "<th scope=\"col\" class=\"{th_class}\">{heading}</th>");
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for key in &rows {
        let _ = write!(s, "<tr><th scope=\"row\" title=\"{}\">{}</th>", escape(key), escape(&metric_label(key)));
        for (_, m) in columns {
            let cell = m.and_then(|m| with_ci(m, key)).unwrap_or_else(|| "–".into());
            let _ = write!(s, "<td class=\"num\">{}</td>", escape(&cell));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

/// The sentence under a metrics table saying what the brackets are.
pub(crate) fn interval_note<'a>(maps: impl IntoIterator<Item = &'a BTreeMap<String, f64>>) -> String {
    let n = maps.into_iter().filter_map(resamples).max();
    let source =
        n.map_or("bootstrap resamples of the split".to_string(), |n| format!("{n} bootstrap resamples of the split"));
    format!(
        "<p class=\"note\">Brackets: 95% confidence interval from {}. Metrics without brackets have no \
         interval computed. Thresholded metrics (sensitivity, specificity, F1, accuracy) use the configured \
         threshold unless named otherwise.</p>\n",
        escape(&source)
    )
}

/// Figures in a flowing row.
pub(crate) fn figures_html(figures: &[Figure]) -> String {
    let mut s = String::from("<div class=\"plots\">\n");
    for f in figures {
        let _ = write!(s, "<figure>\n{}<figcaption>{}</figcaption>\n</figure>\n", f.svg, escape(&f.caption));
    }
    s.push_str("</div>\n");
    s
}

/// Seconds as `8.7 s`, `3 min 12 s` or `2 h 05 min`.
pub(crate) fn fmt_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "unknown".into();
    }
    let whole = seconds.round() as u64;
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else if whole < 3600 {
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else {
        format!("{} h {:02} min", whole / 3600, (whole % 3600) / 60)
    }
}

/// A command line with arguments that contain spaces or quotes quoted.
pub(crate) fn shell_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The kept epoch against the epochs run, for a loop-trained model.
fn best_epoch_text(run: &Run) -> String {
    let epochs_run = run.history.as_ref().map(|h| h.epochs.len());
    match (run.best_epoch(), epochs_run) {
        (Some(b), Some(n)) => format!("{b} of {n} run"),
        (Some(b), None) => b.to_string(),
        (None, Some(n)) => format!("unknown ({n} epochs run)"),
        (None, None) => "unknown".into(),
    }
}

fn summary_section(run: &Run) -> String {
    let m = &run.manifest;
    let mut task_text = run.task_text();
    let k = run.n_classes();
    let names = run.class_names(k);
    if (1..=12).contains(&k) && names.iter().enumerate().any(|(i, n)| *n != i.to_string()) {
        task_text.push_str(&format!(": {}", names.join(", ")));
    }
    let task_cell = format!("<span data-task=\"{}\">{}</span>", run.task().as_str(), escape(&task_text));
    let mut device = format!("{} — {}", m.device, m.backend);
    if m.threads > 0 {
        device.push_str(&format!(", {} threads", m.threads));
    }
    let mut rows = vec![
        ("Name", escape(run.name())),
        ("Domain", escape(run.domain())),
        ("Task", task_cell),
        ("Model", code_cell(run.model_kind())),
        ("Data format", run.data_format().map(code_cell).unwrap_or_else(|| "unknown".into())),
    ];
    if run.is_direct_fit() {
        rows.push(("Fit", format!("<span data-fit=\"direct\">{}</span>", escape(direct_fit_line(run.model_kind())))));
    } else {
        rows.push(("Best epoch", escape(&best_epoch_text(run))));
        rows.push(("Monitored", run.monitor().map(code_cell).unwrap_or_else(|| "unknown".into())));
    }
    rows.extend([
        ("Status", escape(&m.status)),
        ("Device", escape(&device)),
        ("Duration", escape(&m.duration_seconds.map_or("unknown".into(), fmt_duration))),
        ("Started", escape(&m.started)),
        ("Finished", escape(m.finished.as_deref().unwrap_or("not recorded"))),
        ("Seed", m.seed.to_string()),
    ]);
    let mut s = String::from("<section id=\"summary\">\n<h2>Run summary</h2>\n");
    s.push_str(&key_value_table(&rows));
    s.push_str("</section>\n");
    s
}

fn metrics_section(run: &Run) -> String {
    let mut s = String::from("<section id=\"metrics\">\n<h2>Headline metrics</h2>\n");
    if run.metrics.is_empty() {
        s.push_str("<p class=\"note\">metrics.json holds no split.</p>\n</section>\n");
        return s;
    }
    let columns =
        vec![("Validation".to_string(), run.split_metrics("val")), ("Test".to_string(), run.split_metrics("test"))];
    s.push_str(&metrics_table(&columns, "data-table=\"metrics\"", "split"));
    s.push_str(&interval_note(run.metrics.values()));
    let others: Vec<&String> = run.metrics.keys().filter(|k| *k != "val" && *k != "test").collect();
    if !others.is_empty() {
        let columns: Vec<_> = others.iter().map(|k| (escape(k), run.metrics.get(*k))).collect();
        s.push_str("<p>Other splits recorded in metrics.json:</p>\n");
        s.push_str(&metrics_table(&columns, "data-table=\"metrics-other\"", "split"));
    }
    s.push_str("</section>\n");
    s
}

fn plots_section(run: &Run) -> String {
    let mut s = String::from("<section id=\"plots\">\n<h2>Plots</h2>\n");
    let mut figures = plots::figures(run);
    if let Some(p) = &run.published {
        figures.extend(crate::plots::published_figures(run, p));
    }
    if figures.is_empty() {
        s.push_str(
            "<p class=\"note\">No plot could be drawn: history.csv and predictions.csv are missing or empty.</p>\n",
        );
    } else {
        s.push_str(&figures_html(&figures));
    }
    if !run.explanations.is_empty() {
        s.push_str("<h3>Explanations</h3>\n<div class=\"plots\">\n");
        for e in &run.explanations {
            match &e.svg {
                Ok(svg) => {
                    let _ = write!(
                        s,
                        "<figure class=\"wide\">\n{svg}\n<figcaption>{}: what the model made of one test example \
                         (saliency, or a mask's outlines; from the run directory).</figcaption>\n</figure>\n",
                        escape(&e.file)
                    );
                }
                Err(why) => {
                    let _ = writeln!(s, "<p class=\"note\">{} left out: {}.</p>", escape(&e.file), escape(why));
                }
            }
        }
        s.push_str("</div>\n");
    }
    s.push_str("</section>\n");
    s
}

/// Metrics shown per subgroup, in this order, where any group has them.
const SUBGROUP_KEYS: &[&str] = &[
    "n",
    "n_positive",
    "auroc",
    "auprc",
    "sensitivity",
    "specificity",
    "accuracy",
    "f1_macro",
    "brier",
    "ece",
    "rmse",
    "mae",
    "r2",
];

/// Subgroups smaller than this get a warning mark: their intervals are wide.
pub(crate) const SMALL_GROUP: f64 = 30.0;

pub(crate) fn subgroup_columns(groups: &Subgroups) -> Vec<&'static str> {
    SUBGROUP_KEYS.iter().copied().filter(|k| groups.test.values().any(|m| m.contains_key(*k))).collect()
}

fn subgroups_section(run: &Run) -> String {
    let Some(groups) = &run.subgroups else {
        return String::new();
    };
    let mut s = String::from("<section id=\"subgroups\">\n<h2>Subgroups (test)</h2>\n");
    let subgroup_column = run
        .config
        .get("data")
        .and_then(|d| d.get("subgroup"))
        .and_then(|v| v.as_str())
        .map(|c| format!(" by <code>{}</code>", escape(c)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "<p>Test metrics per subgroup{subgroup_column}: a model that works on average can still fail one group of patients.</p>"
    );
    let keys = subgroup_columns(groups);
    s.push_str("<table data-table=\"subgroups\">\n<thead><tr><th scope=\"col\">Subgroup</th>");
    for k in &keys {
        let _ = write!(s, "<th scope=\"col\">{}</th>", escape(&metric_label(k)));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    let mut small = false;
    for (name, m) in &groups.test {
        let is_small = m.get("n").is_some_and(|n| *n < SMALL_GROUP);
        small |= is_small;
        let mark = if is_small { " *" } else { "" };
        let _ = write!(s, "<tr><th scope=\"row\">{}{mark}</th>", escape(name));
        for k in &keys {
            let cell = with_ci(m, k).unwrap_or_else(|| "–".into());
            let _ = write!(s, "<td class=\"num\">{}</td>", escape(&cell));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    if let Some(p) = &run.published {
        s.push_str(&crate::published_bundle::subgroup_note(p));
    }
    if small {
        let _ = writeln!(
            s,
            "<p class=\"note\">* fewer than {SMALL_GROUP} test samples: treat its numbers as very uncertain.</p>"
        );
    }
    if groups.missing > 0 {
        let _ = writeln!(
            s,
            "<p class=\"note\">{} test rows had no subgroup value and are in no row above.</p>",
            groups.missing
        );
    }
    s.push_str("</section>\n");
    s
}

/// Rows per split: `data_report.json`'s counts where written, else the
/// rows of `predictions.csv`.
pub(crate) fn split_sizes(run: &Run) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(report) = &run.data_report {
        for split in ["train", "val", "test"] {
            if let Some(n) = report.get(&format!("{split}_rows")).and_then(|v| v.as_u64()) {
                out.push((split.to_string(), n.to_string()));
            }
        }
    }
    if out.is_empty() {
        if let Some(p) = &run.predictions {
            let known = ["train", "val", "test"];
            let ordered = known.iter().filter_map(|k| p.splits.get_key_value(*k));
            let others = p.splits.iter().filter(|(k, _)| !known.contains(&k.as_str()));
            for (split, s) in ordered.chain(others) {
                out.push((split.clone(), s.n.to_string()));
            }
        }
    }
    out
}

fn data_section(run: &Run) -> String {
    let m = &run.manifest;
    let mut rows = vec![("Data set", code_cell(&m.dataset_path)), ("SHA-256", code_cell(&m.dataset_sha256))];
    match provenance::lookup(&m.dataset_path, &run.dir) {
        Some(p) => {
            rows.push(("What it is", escape(&p.what)));
            rows.push(("Source", escape(&p.source)));
            rows.push(("Licence", escape(&p.licence)));
        }
        None => rows.push(("Licence", "see the data's provenance".into())),
    }
    let sizes = split_sizes(run);
    if !sizes.is_empty() {
        let text = sizes.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
        rows.push(("Rows per split", escape(&text)));
    }
    let mut s = String::from("<section id=\"data\">\n<h2>Data</h2>\n");
    s.push_str(&key_value_table(&rows));
    if let Some(report) = &run.data_report {
        s.push_str("<h3>Data report</h3>\n<p class=\"note\">Counts written by the reader (data_report.json).</p>\n");
        let rows: Vec<(&str, String)> = report
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    serde_json::Value::Number(n) => n.as_f64().map_or(n.to_string(), |f| fmt_metric("n_rows", f)),
                    serde_json::Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                (k.as_str(), escape(&value))
            })
            .collect();
        s.push_str(&key_value_table(&rows));
    }
    s.push_str("</section>\n");
    s
}

fn manifest_section(run: &Run) -> String {
    let m = &run.manifest;
    let commit = match (&m.git_commit, m.git_dirty) {
        (Some(c), Some(true)) => format!("{} (with uncommitted changes)", code_cell(c)),
        (Some(c), _) => code_cell(c),
        (None, _) => "not a git checkout".into(),
    };
    let versions = m
        .crate_versions
        .iter()
        .map(|(k, v)| format!("{} {}", escape(k), code_cell(v)))
        .collect::<Vec<_>>()
        .join("<br>");
    let rows = [
        ("medref version", code_cell(&m.medref_version)),
        ("Git commit", commit),
        ("Crate versions", versions),
        ("Config name", escape(&m.config_name)),
        ("Seed", m.seed.to_string()),
        ("Command", format!("<pre>{}</pre>", escape(&shell_line(&m.command)))),
    ];
    let mut s = String::from("<section id=\"manifest\">\n<h2>Manifest</h2>\n");
    s.push_str(&key_value_table(&rows));
    if let Ok(text) = toml::to_string(&run.config) {
        let _ =
            writeln!(s, "<details><summary>Resolved config.toml</summary>\n<pre>{}</pre>\n</details>", escape(&text));
    }
    s.push_str("</section>\n");
    s
}

fn report_page(run: &Run) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<header>\n<h1>{}</h1>", escape(run.name()));
    if !run.description().is_empty() {
        let _ = writeln!(body, "<p class=\"lead\">{}</p>", escape(run.description()));
    }
    // A bundle's folder is wherever a course unpacked it; its path says nothing.
    let place = match &run.published {
        Some(_) => "Published bundle".to_string(),
        None => format!("Run directory {}", code_cell(&run.dir.display().to_string())),
    };
    let _ = writeln!(
        body,
        "<p class=\"note\">{place} · {} · {}</p>\n</header>",
        escape(run.domain()),
        code_cell(run.model_kind())
    );
    if run.manifest.status != "finished" {
        let _ = writeln!(
            body,
            "<p class=\"warn\">This run's status is “{}”: its numbers may be incomplete.</p>",
            escape(&run.manifest.status)
        );
    }
    if let Some(p) = &run.published {
        body.push_str(&crate::published_bundle::banner_html(p));
    }
    body.push_str(&summary_section(run));
    body.push_str(&metrics_section(run));
    body.push_str(&direct_fit_section(run));
    body.push_str(&plots_section(run));
    if let Some(rows) = &run.per_image {
        body.push_str(&crate::segmentation::section(rows));
    }
    body.push_str(&hazard_ratio_section(run));
    body.push_str(&subgroups_section(run));
    body.push_str(&crate::study::study_section(run.study.as_ref()));
    body.push_str(&data_section(run));
    body.push_str(&manifest_section(run));
    page(&format!("medref report: {}", run.name()), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_duration(8.66), "8.7 s");
        assert_eq!(fmt_duration(192.0), "3 min 12 s");
        assert_eq!(fmt_duration(7500.0), "2 h 05 min");
    }

    #[test]
    fn command_lines_quote_spaces() {
        let args = ["medref", "train", "my config.toml", "--set", "train.lr=0.1"].map(String::from);
        assert_eq!(shell_line(&args), "medref train 'my config.toml' --set train.lr=0.1");
    }
}
