//! `model_card.md`: what the model is for, what it must not be used for,
//! the data it saw and how well it did, in the sections of Mitchell et
//! al.'s "Model Cards for Model Reporting", written from the run's files.

use crate::error::ReportError;
use crate::html::{shell_line, split_sizes, subgroup_columns, SMALL_GROUP};
use crate::provenance;
use crate::run::Run;
use crate::text::{escape_md, fmt_metric, fmt_num, metric_label, metric_rows, resamples, with_ci};
use medref_core::fsutil::write_atomic;
use medref_core::task::TaskKind;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The model card of one run directory, as Markdown.
pub fn render_model_card(run_dir: &Path) -> Result<String, ReportError> {
    Ok(card(&Run::load(run_dir)?))
}

/// Writes `model_card.md` into the run directory (atomically) and returns its path.
pub fn write_model_card(run_dir: &Path) -> Result<PathBuf, ReportError> {
    let text = render_model_card(run_dir)?;
    let path = run_dir.join("model_card.md");
    write_atomic(&path, text.as_bytes()).map_err(|source| ReportError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// The sentence every card carries, whatever the description says.
const NOT_A_DEVICE: &str = "This model is a teaching baseline from medref: it exists to show how a model for this task is \
trained, evaluated and documented reproducibly. It is not a medical device, has not been clinically validated, and must \
not be used to diagnose, treat, triage or monitor any person.";

/// Misuse particular to a domain.
fn domain_misuse(domain: &str) -> Option<&'static str> {
    Some(match domain {
        "imaging" => {
            "Reading real scans: the model saw small, downsampled images from one source; other scanners, \
                      resolutions, protocols or preprocessing change its behaviour in ways these metrics do not show."
        }
        "genomics" => {
            "Interpreting the sequence or variants of an individual (clinical genetics): a score learnt from \
                       a benchmark set is not evidence about one person's variant."
        }
        "clinical" => {
            "Predicting the outcome of an individual patient or allocating care: the table is small, from \
                       one source and period, and may not reflect current practice or another population."
        }
        "drug" => {
            "Choosing compounds for synthesis, dosing or safety decisions: predictions for molecules unlike \
                   the training set are unreliable."
        }
        "eldercare" => {
            "Monitoring real people (activity, falls) without consent, privacy safeguards and prospective \
                        validation on the people and sensors concerned."
        }
        "surgery" => "Guiding, assessing or certifying real surgery or surgeons.",
        _ => return None,
    })
}

/// The metric a reader looks at first for the task.
fn headline_key(run: &Run) -> Option<&'static str> {
    let test = run.split_metrics("test")?;
    let candidates: &[&'static str] = match run.task() {
        TaskKind::Regression => &["r2", "rmse", "mae"],
        TaskKind::Survival => &["c_index"],
        TaskKind::SequenceLabelling => &["frame_accuracy", "edit", "accuracy"],
        TaskKind::Segmentation => &["dice", "iou", "hd95"],
        TaskKind::Binary | TaskKind::Multiclass | TaskKind::Multilabel => &["auroc", "balanced_accuracy", "accuracy"],
    };
    candidates.iter().copied().find(|k| test.contains_key(*k))
}

fn card(run: &Run) -> String {
    let m = &run.manifest;
    let mut s = String::new();
    let _ = writeln!(s, "# Model card: {}\n", escape_md(run.name()));
    if !run.description().is_empty() {
        let _ = writeln!(s, "{}\n", escape_md(run.description()));
    }
    if let Some(p) = &run.published {
        s.push_str(&crate::published_bundle::banner_markdown(p));
    }
    let commit = match (&m.git_commit, m.git_dirty) {
        (Some(c), Some(true)) => format!("`{c}` (with uncommitted changes)"),
        (Some(c), _) => format!("`{c}`"),
        (None, _) => "not recorded".into(),
    };
    s.push_str("## Model details\n\n| | |\n|---|---|\n");
    let fit = if run.is_direct_fit() {
        ("Fit", crate::fit::direct_fit_line(run.model_kind()).to_string())
    } else {
        ("Best epoch", run.best_epoch().map_or("unknown".into(), |e| e.to_string()))
    };
    let details = [
        ("Model", format!("`{}`", escape_md(run.model_kind()))),
        ("Task", escape_md(&run.task_text())),
        ("Domain", escape_md(run.domain())),
        ("Trained with", format!("medref {}, commit {commit}, seed {}", escape_md(&m.medref_version), m.seed)),
        fit,
        ("Run status", escape_md(&m.status)),
        ("Command", format!("`{}`", shell_line(&m.command).replace('`', "'").replace('|', "\\|"))),
    ];
    for (k, v) in details {
        let _ = writeln!(s, "| {k} | {v} |");
    }

    s.push_str("\n## Intended use\n\n");
    if run.description().is_empty() {
        s.push_str("The config gives no description of the task.\n\n");
    } else {
        let _ = writeln!(s, "Task, as the config describes it: {}\n", escape_md(run.description()));
    }
    let _ = writeln!(s, "Domain: {}. {NOT_A_DEVICE}\n", escape_md(run.domain()));
    s.push_str(
        "Intended users: trainees and researchers learning to build and evaluate models for healthcare, who can \
                rerun the command above and compare their numbers.\n",
    );

    s.push_str("\n## Out-of-scope uses and misuse\n\n");
    s.push_str("- Any decision about the diagnosis, treatment or care of a real person.\n");
    s.push_str(
        "- Use on data from another population, site, device, assay or period without new validation: \
                performance under such dataset shift is unknown.\n",
    );
    s.push_str("- Reading its scores as a calibrated individual risk (see the calibration limitation below).\n");
    s.push_str("- Quoting its metrics as evidence of clinical benefit: they measure agreement with the data set's labels only.\n");
    if let Some(line) = domain_misuse(run.domain()) {
        let _ = writeln!(s, "- {line}");
    }

    s.push_str(&data_section(run));
    s.push_str(&metrics_section(run));
    s.push_str(&subgroup_section(run));
    s.push_str(&limitations(run));
    s
}

fn data_section(run: &Run) -> String {
    let m = &run.manifest;
    let mut s = String::from("\n## Data\n\n");
    let _ = writeln!(s, "- Data set: `{}`", escape_md(&m.dataset_path));
    let _ = writeln!(s, "- SHA-256: `{}`", escape_md(&m.dataset_sha256));
    if let Some(format) = run.data_format() {
        let _ = writeln!(s, "- Format: `{}`", escape_md(format));
    }
    match provenance::lookup(&m.dataset_path, &run.dir) {
        Some(p) => {
            let _ = writeln!(s, "- What it is: {}", escape_md(&p.what));
            let _ = writeln!(s, "- Source: {}", escape_md(&p.source));
            let _ = writeln!(
                s,
                "- Licence: {} (from `{}`)",
                escape_md(&p.licence),
                escape_md(&p.table.display().to_string())
            );
        }
        None => s.push_str("- Licence: see the data's provenance.\n"),
    }
    if let Some(words) = crate::study::cohort_in_words(&run.config) {
        s.push_str(&words);
    }
    if let Some(words) = run.study.as_ref().and_then(|study| study.cdm_in_words()) {
        s.push_str(&words);
    }
    if let Some(sv) = run.config.get("data").and_then(|d| d.get("survival")).and_then(|v| v.as_table()) {
        let text = |k: &str| sv.get(k).map(|v| v.to_string().trim_matches('"').to_string()).unwrap_or_default();
        if run.task() == TaskKind::Survival {
            let _ = writeln!(
                s,
                "- Outcome: the time (column `{}`) to the event (column `{}` = 1), censored follow-up kept. The model \
                 scores a risk that ranks patients by how soon the event comes; the C-index measures that ranking.",
                escape_md(&text("time")),
                escape_md(&text("event"))
            );
        } else {
            let _ = writeln!(
                s,
                "- Outcome: the event (column `{}` = 1) within {} time units (column `{}`). The positive class is `event`, \
                 so sensitivity, specificity, PPV and the threshold speak of the event a clinician screens for; \
                 patients censored before the horizon have no known outcome there and are left out (see `data_report.json`).",
                escape_md(&text("event")),
                escape_md(&text("horizon")),
                escape_md(&text("time"))
            );
        }
    }

    s.push_str("\n## Split\n\n");
    let sizes = split_sizes(run);
    if sizes.is_empty() {
        s.push_str("Split sizes were not recorded (no data_report.json or predictions.csv).\n");
    } else {
        let from = if run.data_report.as_ref().is_some_and(|r| r.contains_key("train_rows")) {
            "data_report.json"
        } else {
            "predictions.csv (the training split is not listed there)"
        };
        // A survival split's events play the part of a binary split's positives.
        let (heading, key) = match run.task() {
            TaskKind::Survival => ("events", "n_events"),
            _ => ("positives", "n_positive"),
        };
        let _ = writeln!(s, "Rows per split, from {from}:\n\n| split | rows | {heading} |\n|---|---|---|");
        for (split, n) in &sizes {
            let positives =
                run.split_metrics(split).and_then(|m| m.get(key)).map_or("–".into(), |p| fmt_metric(key, *p));
            let _ = writeln!(s, "| {} | {n} | {positives} |", escape_md(split));
        }
    }
    let data = run.config.get("data").and_then(|d| d.as_table());
    if let Some(group) = data.and_then(|d| d.get("group")).and_then(|g| g.as_str()) {
        let _ = writeln!(
            s,
            "\nRows sharing a `{}` are kept in one split, so no patient is in both training and test.",
            escape_md(group)
        );
    }
    if let Some(report) = &run.data_report {
        let extra: Vec<String> = report
            .iter()
            .filter(|(k, _)| !k.ends_with("_rows"))
            .map(|(k, v)| format!("{} {}", escape_md(k), escape_md(&v.to_string())))
            .collect();
        if !extra.is_empty() {
            let _ = writeln!(s, "\nReader counts: {}.", extra.join(", "));
        }
    }
    s
}

fn metrics_section(run: &Run) -> String {
    let mut s = String::from("\n## Metrics\n\n");
    let (val, test) = (run.split_metrics("val"), run.split_metrics("test"));
    let rows = metric_rows([val, test].into_iter().flatten());
    if rows.is_empty() {
        s.push_str("metrics.json holds no validation or test metrics.\n");
        return s;
    }
    s.push_str("| metric | validation | test |\n|---|---|---|\n");
    for key in rows {
        let cell = |m: Option<&std::collections::BTreeMap<String, f64>>| {
            m.and_then(|m| with_ci(m, &key)).unwrap_or_else(|| "–".into())
        };
        let _ = writeln!(s, "| {} | {} | {} |", escape_md(&metric_label(&key)), cell(val), cell(test));
    }
    let n = run.metrics.values().filter_map(resamples).max();
    let operating_point = test.is_some_and(|t| t.contains_key("val_youden_threshold"));
    // A direct fit chose no epoch on the validation split.
    let chosen = match (run.is_direct_fit(), operating_point) {
        (false, true) => {
            "The validation split chose the epoch and the operating point, so its numbers are optimistic; "
        }
        (false, false) => "The validation split chose the epoch, so its numbers are optimistic; ",
        (true, true) => "The validation split chose the operating point, so its numbers are optimistic; ",
        (true, false) => "The model was fitted directly on the training split; ",
    };
    let _ = writeln!(
        s,
        "\nBrackets: 95% confidence interval{}. {chosen}the test split is the estimate to quote.",
        n.map_or(String::new(), |n| format!(" from {n} bootstrap resamples")),
    );
    s
}

fn subgroup_section(run: &Run) -> String {
    let Some(groups) = &run.subgroups else {
        return String::new();
    };
    let mut s = String::from("\n## Subgroup results (test)\n\n");
    let keys = subgroup_columns(groups);
    s.push_str("| subgroup |");
    for k in &keys {
        let _ = write!(s, " {} |", escape_md(&metric_label(k)));
    }
    s.push_str("\n|---|");
    s.push_str(&"---|".repeat(keys.len()));
    s.push('\n');
    for (name, m) in &groups.test {
        let _ = write!(s, "| {} |", escape_md(name));
        for k in &keys {
            let _ = write!(s, " {} |", with_ci(m, k).unwrap_or_else(|| "–".into()));
        }
        s.push('\n');
    }
    if groups.missing > 0 {
        let _ = writeln!(s, "\n{} test rows had no subgroup value.", groups.missing);
    }
    s
}

/// What a reader of a tree ensemble's numbers should know (issue 31).
const TREES_CAVEAT: &str = "A random forest averages many decision trees, each grown on a bootstrap resample of the \
training rows and choosing each split among a random subset of the features; gradient boosting adds small trees one \
after another, each correcting the errors the ensemble still makes. Neither outputs a calibrated probability by \
construction: a forest's score is the share of trees' leaves voting for a class, pulled away from 0 and 1 by the \
averaging, and boosting's can be over-confident once it fits the training rows closely. Read the calibration curve \
before treating a score as a risk, and recalibrate on held-out data (Platt scaling or isotonic regression) if a \
probability is to be reported to a patient. The model's own importance (`model_importance.csv`: impurity decrease or \
split gain) says how much the trees used a feature on the training rows and favours features with many distinct \
values; the permutation importance on the test split says what the model loses without it.";

fn limitations(run: &Run) -> String {
    let mut items: Vec<String> = Vec::new();
    if run.model_kind() == "cox" {
        items.push(
            "A hazard ratio (in `convex_fit.json`) compares the hazard of two patients who differ by one training \
             standard deviation of a standardised covariate (or who are in a category rather than the reference \
             category), all else equal, assuming the ratio is constant over follow-up (proportional hazards). It is an \
             association in these data, not the effect of changing that covariate in a patient, and it says nothing about \
             absolute risk on its own: that needs the baseline hazard, which is estimated from this study's patients."
                .to_string(),
        );
    }
    if crate::fit::grows_trees(run.model_kind()) {
        items.push(TREES_CAVEAT.to_string());
    }
    if run.manifest.status != "finished" {
        items.push(format!(
            "The run did not finish (status: {}); its files may be incomplete.",
            escape_md(&run.manifest.status)
        ));
    }
    items.push(
        "Trained once, with one seed, on a small teaching data set: retraining with another seed or split moves \
         every number, and the metrics' intervals cover the sampling of the test set only, not that variation."
            .into(),
    );
    let test = run.split_metrics("test");
    let n = test.and_then(|t| t.get("n")).copied();
    if let (Some(key), Some(t)) = (headline_key(run), test) {
        let label = metric_label(key);
        match (t.get(&format!("{key}_ci_low")), t.get(&format!("{key}_ci_high"))) {
            (Some(lo), Some(hi)) => {
                let width = hi - lo;
                let size = n.map_or(String::new(), |n| format!("The test set has {} samples: ", fmt_metric("n", n)));
                let judgement = if width > 0.1 || n.is_some_and(|n| n < 200.0) {
                    " This is a small test set: differences between models smaller than this width are not evidence."
                } else {
                    ""
                };
                items.push(format!(
                    "{size}the 95% CI of test {label} runs from {} to {} (width {}).{judgement}",
                    fmt_num(*lo),
                    fmt_num(*hi),
                    fmt_num(width)
                ));
            }
            _ => items.push(format!(
                "No confidence interval was computed for test {label} ([eval].bootstrap = 0 or too few samples), so its \
                 uncertainty is unknown."
            )),
        }
    }
    if let Some(ece) = test.and_then(|t| t.get("ece")) {
        let advice = if *ece > 0.05 {
            "the scores are not well calibrated: do not read them as probabilities without recalibration"
        } else {
            "small on this test set; check it again on any new population"
        };
        items.push(format!("Expected calibration error on test is {}; {advice}.", fmt_num(*ece)));
    }
    if run.task() == TaskKind::Survival {
        items.push(
            "The C-index measures only how well the risk score orders patients by time to the event; it says nothing \
             about whether any predicted probability of the event is right, and censored patients enter it only until \
             their follow-up ends."
                .into(),
        );
    }
    if run.task() == TaskKind::Binary {
        if let (Some(t), Some(n), Some(pos)) = (test, n, test.and_then(|t| t.get("n_positive"))) {
            let share = pos / n;
            if !(0.2..=0.8).contains(&share) {
                items.push(format!(
                    "Classes are imbalanced ({} positives of {} test samples, {:.0} %): accuracy mostly reflects the \
                     majority class; read AUPRC, sensitivity and specificity.",
                    fmt_metric("n", *pos),
                    fmt_metric("n", n),
                    share * 100.0
                ));
            }
            if let (Some(se), Some(sp)) = (t.get("sensitivity"), t.get("specificity")) {
                items.push(format!(
                    "Sensitivity {} and specificity {} hold at threshold {} only; another setting needs its own \
                     operating point, chosen on validation data from that setting.",
                    fmt_num(*se),
                    fmt_num(*sp),
                    fmt_num(run.threshold())
                ));
            }
        }
    }
    match &run.subgroups {
        Some(groups) => {
            let small: Vec<&str> = groups
                .test
                .iter()
                .filter(|(_, m)| m.get("n").is_some_and(|n| *n < SMALL_GROUP))
                .map(|(g, _)| g.as_str())
                .collect();
            if !small.is_empty() {
                items.push(format!(
                    "Subgroups with fewer than {SMALL_GROUP} test samples ({}) have very uncertain metrics.",
                    escape_md(&small.join(", "))
                ));
            }
            if let Some(key) = headline_key(run) {
                let values: Vec<(&str, f64)> =
                    groups.test.iter().filter_map(|(g, m)| m.get(key).map(|v| (g.as_str(), *v))).collect();
                let lo = values.iter().min_by(|a, b| a.1.total_cmp(&b.1));
                let hi = values.iter().max_by(|a, b| a.1.total_cmp(&b.1));
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    if hi.1 - lo.1 > 0.05 {
                        items.push(format!(
                            "Test {} differs between subgroups by {} ({}: {}, {}: {}); check whether the intervals overlap \
                             before drawing conclusions.",
                            metric_label(key),
                            fmt_num(hi.1 - lo.1),
                            escape_md(hi.0),
                            fmt_num(hi.1),
                            escape_md(lo.0),
                            fmt_num(lo.1)
                        ));
                    }
                }
            }
        }
        None => items.push(
            "No subgroup analysis was run (the config names no subgroup column), so how the model does for groups of \
             patients (sex, age, site) is unknown."
                .into(),
        ),
    }
    items.push(
        "Labels come from the data set as published; any error or bias in them is learnt and measured as if it were truth."
            .into(),
    );
    let mut s = String::from("\n## Known limitations\n\n");
    for item in items {
        let _ = writeln!(s, "- {item}");
    }
    s
}
