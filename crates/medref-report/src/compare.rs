//! Several runs side by side, for `medref report RUN_DIR...`: one column
//! per run in every table, ROC curves overlaid, regression scatter plots
//! next to each other, and the loss curves of the runs the loop trained
//! (a direct fit has none).

use crate::error::ReportError;
use crate::html::{figures_html, interval_note, metrics_table, page, shell_line};
use crate::plots::{self, run_labels};
use crate::run::Run;
use crate::text::{code_cell, escape};
use medref_core::fsutil::write_atomic;
use medref_core::task::TaskKind;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A page comparing the runs in `run_dirs`, in the order given.
///
/// The first table (`data-table="comparison"`) holds the test metrics with
/// one column per run. Errors name the first run file that is missing or
/// unreadable; no run directory at all is [`ReportError::NoRuns`].
pub fn render_comparison(run_dirs: &[PathBuf]) -> Result<String, ReportError> {
    if run_dirs.is_empty() {
        return Err(ReportError::NoRuns);
    }
    let runs = run_dirs.iter().map(|d| Run::load(d)).collect::<Result<Vec<_>, _>>()?;
    Ok(comparison_page(&runs))
}

/// Writes the comparison page to `out` (atomically).
pub fn write_comparison(run_dirs: &[PathBuf], out: &Path) -> Result<(), ReportError> {
    let html = render_comparison(run_dirs)?;
    write_atomic(out, html.as_bytes()).map_err(|source| ReportError::Write { path: out.to_path_buf(), source })
}

fn comparison_page(runs: &[Run]) -> String {
    let labels = run_labels(runs);
    let headings: Vec<String> = labels.iter().map(|l| escape(l)).collect();
    let mut body = String::new();
    let _ = writeln!(body, "<header>\n<h1>Comparison of {} runs</h1>\n</header>", runs.len());

    body.push_str("<section id=\"metrics\">\n<h2>Test metrics</h2>\n");
    let test: Vec<_> = headings.iter().cloned().zip(runs.iter().map(|r| r.split_metrics("test"))).collect();
    body.push_str(&metrics_table(&test, "data-table=\"comparison\"", "run"));
    body.push_str(&interval_note(runs.iter().flat_map(|r| r.metrics.values())));
    let shas: Vec<&str> = runs.iter().map(|r| r.manifest.dataset_sha256.as_str()).collect();
    if shas.windows(2).any(|w| w[0] != w[1]) {
        body.push_str(
            "<p class=\"warn\">These runs read different data (their SHA-256 differ), so their test metrics are not \
             measured on the same samples.</p>\n",
        );
    } else if runs.len() > 1 {
        body.push_str(
            "<p class=\"note\">All runs read the same data bytes. Differences inside the intervals are not evidence \
             that one model is better.</p>\n",
        );
    }
    body.push_str("<h2>Validation metrics</h2>\n");
    let val: Vec<_> = headings.iter().cloned().zip(runs.iter().map(|r| r.split_metrics("val"))).collect();
    body.push_str(&metrics_table(&val, "data-table=\"comparison-val\"", "run"));
    body.push_str("</section>\n");

    body.push_str("<section id=\"plots\">\n<h2>Plots</h2>\n");
    let mut figures = Vec::new();
    figures.extend(plots::roc_overlay(runs));
    figures.extend(runs.iter().filter(|r| r.task() == TaskKind::Regression).filter_map(plots::scatter_plot));
    figures.extend(plots::loss_overlay(runs));
    if figures.is_empty() {
        body.push_str("<p class=\"note\">No plot applies to these runs.</p>\n");
    } else {
        body.push_str(&figures_html(&figures));
    }
    body.push_str("</section>\n");

    body.push_str(
        "<section id=\"runs\">\n<h2>Runs</h2>\n<table data-table=\"runs\">\n<thead><tr><th scope=\"col\"></th>",
    );
    for h in &headings {
        let _ = write!(body, "<th scope=\"col\">{h}</th>");
    }
    body.push_str("</tr></thead>\n<tbody>\n");
    type Cell = fn(&Run) -> String;
    let rows: [(&str, Cell); 11] = [
        ("Directory", |r| code_cell(&r.dir.display().to_string())),
        ("Domain", |r| escape(r.domain())),
        ("Model", |r| code_cell(r.model_kind())),
        ("Task", |r| format!("<span data-task=\"{}\">{}</span>", r.task().as_str(), escape(&r.task_text()))),
        ("Best epoch", |r| {
            if r.is_direct_fit() {
                escape(crate::fit::direct_fit_line(r.model_kind()))
            } else {
                r.best_epoch().map_or("unknown".into(), |e| e.to_string())
            }
        }),
        ("Status", |r| escape(&r.manifest.status)),
        ("Device", |r| escape(&format!("{} — {}", r.manifest.device, r.manifest.backend))),
        ("Seed", |r| r.manifest.seed.to_string()),
        ("Data SHA-256", |r| code_cell(&r.manifest.dataset_sha256)),
        ("Git commit", |r| {
            let dirty = if r.manifest.git_dirty == Some(true) { " (dirty)" } else { "" };
            format!("{}{dirty}", code_cell(r.manifest.git_commit.as_deref().unwrap_or("unknown")))
        }),
        ("Command", |r| code_cell(&shell_line(&r.manifest.command))),
    ];
    for (name, cell) in rows {
        let _ = write!(body, "<tr><th scope=\"row\">{name}</th>");
        for r in runs {
            let _ = write!(body, "<td>{}</td>", cell(r));
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</tbody>\n</table>\n</section>\n");
    page(&format!("medref comparison of {} runs", runs.len()), &body)
}
