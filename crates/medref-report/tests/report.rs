//! Reports, comparisons and model cards of run directories written here by
//! hand, for a binary classifier and a regressor (no burn, no training).

use medref_report::{
    render_comparison, render_model_card, render_report, write_comparison, write_model_card, write_report, ReportError,
};
use std::fs;
use std::path::{Path, PathBuf};

/// A description that would run a script if it were not escaped.
const HOSTILE: &str = "Outcome risk <script>alert(\"x\")</script> & <b>bold</b> claims";

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

fn manifest(name: &str, dataset_path: &str) -> String {
    format!(
        r#"{{
  "medref_version": "0.1.0",
  "config_name": "{name}",
  "seed": 7,
  "git_commit": "0123456789abcdef0123456789abcdef01234567",
  "git_dirty": false,
  "crate_versions": {{"burn": "0.22.1", "medref": "0.1.0", "rustc": "rustc 1.95.0"}},
  "device": "cpu",
  "backend": "flex (rayon, simd)",
  "threads": 2,
  "dataset_path": "{dataset_path}",
  "dataset_sha256": "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
  "command": ["medref", "train", "configs/x.toml", "--out", "runs/a b"],
  "started": "2026-11-27T01:06:38Z",
  "finished": "2026-11-27T01:06:46Z",
  "duration_seconds": 8.66,
  "status": "finished"
}}"#
    )
}

fn history(monitor: &str) -> String {
    let mut s = format!("epoch,train_loss,val_loss,val_{monitor},lr,seconds\n");
    for e in 1..=6 {
        let e = e as f64;
        s.push_str(&format!("{e},{:.4},{:.4},{:.4},1.0e-3,0.5\n", 0.7 / e, 0.6 / e + 0.02 * e, 0.6 + 0.05 * e));
    }
    s
}

/// A finished binary run; with `provenance`, the data file sits in a
/// `datasets/` folder whose PROVENANCE.md lists it.
fn binary_run(root: &Path, dir_name: &str, provenance: bool) -> PathBuf {
    let dir = root.join(dir_name);
    fs::create_dir_all(&dir).unwrap();
    let dataset = if provenance {
        let datasets = root.join("repo").join("datasets");
        fs::create_dir_all(datasets.join("demo")).unwrap();
        fs::write(
            datasets.join("PROVENANCE.md"),
            "| file | domain | what it is | rows | from | licence |\n|---|---|---|---|---|---|\n\
             | demo/visits.csv | clinical | synthetic visits | 100 | generated | CC0-1.0 demo licence |\n",
        )
        .unwrap();
        datasets.join("demo").join("visits.csv").display().to_string()
    } else {
        "/nonexistent/private/visits.csv".to_string()
    };
    write(
        &dir,
        "config.toml",
        &format!(
            "name = \"clinical-demo\"\ndomain = \"clinical\"\ndescription = {HOSTILE:?}\nseed = 7\n\n\
             [data]\nformat = \"table\"\npath = \"{dataset}\"\nsubgroup = \"sex\"\ngroup = \"patient_id\"\n\n\
             [model]\nkind = \"linear\"\n\n[train]\nmonitor = \"auroc\"\n\n[eval]\nthreshold = 0.5\nbootstrap = 200\n"
        ),
    );
    write(&dir, "manifest.json", &manifest("clinical-demo", &dataset));
    write(
        &dir,
        "metrics.json",
        r#"{
  "val": {"n": 40, "n_positive": 14, "auroc": 0.88, "auroc_ci_low": 0.77, "auroc_ci_high": 0.96, "auroc_ci_resamples": 200,
          "auprc": 0.8, "brier": 0.15, "ece": 0.04, "accuracy": 0.85, "sensitivity": 0.79, "specificity": 0.88, "loss": 0.41},
  "test": {"n": 60, "n_positive": 20, "auroc": 0.85, "auroc_ci_low": 0.78, "auroc_ci_high": 0.91, "auroc_ci_resamples": 200,
           "auprc": 0.74, "auprc_ci_low": 0.6, "auprc_ci_high": 0.86, "brier": 0.17, "ece": 0.08, "accuracy": 0.8,
           "balanced_accuracy": 0.78, "sensitivity": 0.7, "specificity": 0.85, "f1": 0.7, "loss": 0.45,
           "val_youden_threshold": 0.42, "sensitivity_at_val_threshold": 0.75}
}"#,
    );
    write(&dir, "history.csv", &history("auroc"));
    let mut p = String::from("id,split,label,score_0,score_1\n");
    for (split, n) in [("val", 40), ("test", 60)] {
        for i in 0..n {
            let label = usize::from(i % 3 == 0);
            let s1 = if label == 1 {
                0.35 + 0.6 * ((i * 7) % 10) as f64 / 10.0
            } else {
                0.05 + 0.6 * ((i * 3) % 10) as f64 / 10.0
            };
            p.push_str(&format!("PATIENT-SECRET-{i:03},{split},{label},{:.6},{s1:.6}\n", 1.0 - s1));
        }
    }
    write(&dir, "predictions.csv", &p);
    write(
        &dir,
        "calibration.json",
        r#"{"val": [{"lower": 0.0, "upper": 0.5, "count": 25, "mean_score": 0.25, "fraction_positive": 0.2},
                   {"lower": 0.5, "upper": 1.0, "count": 15, "mean_score": 0.7, "fraction_positive": 0.6}],
           "test": [{"lower": 0.0, "upper": 0.5, "count": 35, "mean_score": 0.27, "fraction_positive": 0.17},
                    {"lower": 0.5, "upper": 1.0, "count": 25, "mean_score": 0.71, "fraction_positive": 0.56}]}"#,
    );
    write(
        &dir,
        "subgroups.json",
        r#"{"test": {"F": {"n": 34, "n_positive": 12, "auroc": 0.9, "auroc_ci_low": 0.8, "auroc_ci_high": 0.97},
                     "M<script>": {"n": 24, "n_positive": 8, "auroc": 0.78}}, "missing": 2}"#,
    );
    write(
        &dir,
        "feature_importance.csv",
        "feature,baseline,mean_drop,std_drop\nlactate,0.85,0.12,0.02\nage,0.85,0.07,0.01\n\"site, coded\",0.85,0.01,0.01\nnoise,0.85,-0.004,0.003\n",
    );
    write(
        &dir,
        "model.json",
        r#"{"model": "linear", "input_shape": [6], "label_width": 1, "n_outputs": 2, "class_names": ["no", "yes"], "best_epoch": 4}"#,
    );
    write(&dir, "data_report.json", r#"{"rows_read": 120, "train_rows": 20, "val_rows": 40, "test_rows": 60}"#);
    write(
        &dir,
        "explain_saliency.svg",
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"10\"><rect x=\"0\" y=\"0\" width=\"10\" height=\"10\" fill=\"red\"/></svg>\n",
    );
    write(&dir, "explain_hostile.svg", "<svg><script>alert(1)</script><rect width=\"1\" height=\"1\"/></svg>");
    dir
}

/// A finished regression run without the optional files.
fn regression_run(root: &Path) -> PathBuf {
    let dir = root.join("regression");
    fs::create_dir_all(&dir).unwrap();
    write(
        &dir,
        "config.toml",
        "name = \"drug-demo\"\ndomain = \"drug\"\ndescription = \"Solubility (logS) from fingerprints.\"\nseed = 1\n\n\
         [data]\nformat = \"molecules\"\npath = \"/nonexistent/molecules.csv\"\n\n[model]\nkind = \"mlp\"\n\n[train]\nmonitor = \"rmse\"\n",
    );
    write(&dir, "manifest.json", &manifest("drug-demo", "/nonexistent/molecules.csv"));
    write(
        &dir,
        "metrics.json",
        r#"{"val": {"n": 30, "rmse": 0.71, "rmse_ci_low": 0.6, "rmse_ci_high": 0.83, "r2": 0.62, "r2_ci_low": 0.5, "r2_ci_high": 0.71, "mae": 0.52},
            "test": {"n": 50, "rmse": 0.75, "rmse_ci_low": 0.64, "rmse_ci_high": 0.88, "r2": 0.58, "r2_ci_low": 0.47, "r2_ci_high": 0.69, "mae": 0.55}}"#,
    );
    write(&dir, "history.csv", &history("rmse"));
    let mut p = String::from("id,split,label,score_0\n");
    for (split, n) in [("val", 30), ("test", 50)] {
        for i in 0..n {
            let truth = -6.0 + 0.1 * i as f64;
            let predicted = truth + 0.3 * (((i * 5) % 7) as f64 - 3.0) / 3.0;
            p.push_str(&format!("mol{i},{split},{truth:.4},{predicted:.6}\n"));
        }
    }
    write(&dir, "predictions.csv", &p);
    write(
        &dir,
        "model.json",
        r#"{"model": "mlp", "input_shape": [2048], "label_width": 1, "n_outputs": 1, "class_names": [], "best_epoch": 5}"#,
    );
    dir
}

/// Every `<svg ...>...</svg>` block of a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

fn plot_names(html: &str) -> Vec<String> {
    svgs(html)
        .iter()
        .filter_map(|s| {
            let at = s.find("data-plot=\"")? + "data-plot=\"".len();
            Some(s[at..at + s[at..].find('"')?].to_string())
        })
        .collect()
}

fn assert_plots_have_marks(html: &str) {
    for svg in svgs(html) {
        assert!(svg.contains("<path") || svg.contains("<rect"), "plot without marks: {svg}");
        if !svg.contains("data-plot=\"explanation\"") {
            assert!(svg.contains("<title>") && svg.contains("<text"), "plot without title or labels");
        }
    }
}

#[test]
fn binary_report_draws_every_classification_plot() {
    let tmp = tempfile::tempdir().unwrap();
    let html = render_report(&binary_run(tmp.path(), "binary", true)).unwrap();
    let names = plot_names(&html);
    for expected in ["loss", "metric", "roc", "pr", "calibration", "confusion", "importance", "explanation"] {
        assert!(names.iter().any(|n| n == expected), "missing {expected} in {names:?}");
    }
    assert!(!names.iter().any(|n| n == "scatter"));
    assert_plots_have_marks(&html);
    assert!(html.contains("AUROC 0.850 (95% CI 0.780–0.910)"), "ROC title carries AUROC and CI");
    assert!(html.contains("0.850 [0.780, 0.910]"), "metrics table carries the CI");
    assert!(html.contains("id=\"subgroups\"") && html.contains("M&lt;script&gt;"));
    assert!(html.contains("CC0-1.0 demo licence"));
    assert!(html.contains("explain_hostile.svg left out"));
    // Only aggregates of the predictions: no sample identifier is printed.
    assert!(!html.contains("PATIENT-SECRET"));
}

#[test]
fn regression_report_draws_a_scatter_and_no_roc() {
    let tmp = tempfile::tempdir().unwrap();
    let html = render_report(&regression_run(tmp.path())).unwrap();
    let names = plot_names(&html);
    for expected in ["loss", "metric", "scatter"] {
        assert!(names.iter().any(|n| n == expected), "missing {expected} in {names:?}");
    }
    for absent in ["roc", "pr", "confusion", "calibration"] {
        assert!(!names.iter().any(|n| n == absent), "{absent} drawn for regression");
    }
    assert_plots_have_marks(&html);
    assert!(html.contains("0.580 [0.470, 0.690]"));
}

#[test]
fn text_from_the_run_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let html = render_report(&binary_run(tmp.path(), "binary", false)).unwrap();
    assert!(!html.contains("<script"), "a script element reached the page");
    assert!(!html.contains("<b>bold"));
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    let card = render_model_card(&tmp.path().join("binary")).unwrap();
    assert!(!card.contains("<script"));
}

#[test]
fn pages_refer_to_nothing_outside_themselves() {
    let tmp = tempfile::tempdir().unwrap();
    let a = binary_run(tmp.path(), "binary", true);
    let b = regression_run(tmp.path());
    let pages = [render_report(&a).unwrap(), render_report(&b).unwrap(), render_comparison(&[a, b]).unwrap()];
    for html in pages {
        let lower = html.to_ascii_lowercase();
        for external in [
            "src=\"http",
            "src='http",
            "href=\"http",
            "href='http",
            "url(http",
            "@import",
            "<link",
            "<script",
            "<iframe",
        ] {
            assert!(!lower.contains(external), "page refers to an external resource: {external}");
        }
        assert!(lower.contains("<style>"), "styles are inline");
    }
}

#[test]
fn missing_metrics_json_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = regression_run(tmp.path());
    fs::remove_file(dir.join("metrics.json")).unwrap();
    let err = render_report(&dir).unwrap_err();
    assert!(matches!(&err, ReportError::Missing { path } if path.ends_with("metrics.json")), "{err:?}");
    assert!(err.to_string().contains("metrics.json"));
    assert!(render_model_card(&dir).unwrap_err().to_string().contains("metrics.json"));
    let other = binary_run(tmp.path(), "binary", false);
    assert!(render_comparison(&[other, dir]).unwrap_err().to_string().contains("metrics.json"));
}

#[test]
fn unreadable_predictions_name_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = regression_run(tmp.path());
    write(&dir, "predictions.csv", "id,split,label,score_0\nm1,test,1.0\n");
    let err = render_report(&dir).unwrap_err().to_string();
    assert!(err.contains("predictions.csv") && err.contains("line 2"), "{err}");
}

#[test]
fn comparison_has_one_column_per_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = vec![
        binary_run(tmp.path(), "first", false),
        binary_run(tmp.path(), "second", false),
        regression_run(tmp.path()),
    ];
    let html = render_comparison(&dirs).unwrap();
    let start = html.find("data-table=\"comparison\"").expect("comparison table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let header = &table[..table.find("</thead>").unwrap()];
    assert_eq!(header.matches("class=\"run\"").count(), 3);
    // Two runs of one config are told apart by their directories.
    assert!(header.contains("clinical-demo (first)") && header.contains("clinical-demo (second)"));
    let names = plot_names(&html);
    assert_eq!(names.iter().filter(|n| *n == "roc").count(), 1, "binary ROC curves share one chart");
    assert_eq!(names.iter().filter(|n| *n == "scatter").count(), 1);
    assert_plots_have_marks(&html);
    assert!(matches!(render_comparison(&[]), Err(ReportError::NoRuns)));
}

#[test]
fn model_card_states_metrics_with_intervals_and_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let card = render_model_card(&binary_run(tmp.path(), "binary", true)).unwrap();
    for section in [
        "## Intended use",
        "## Out-of-scope uses and misuse",
        "## Data",
        "## Split",
        "## Metrics",
        "## Subgroup results",
        "## Known limitations",
    ] {
        assert!(card.contains(section), "missing {section}");
    }
    assert!(card.contains("| AUROC | 0.880 [0.770, 0.960] | 0.850 [0.780, 0.910] |"), "{card}");
    assert!(card.contains("not a medical device"));
    assert!(card.contains("CC0-1.0 demo licence"));
    assert!(card.contains("| test | 60 | 20 |"));
    assert!(card.contains("Expected calibration error on test is 0.080"));
    assert!(card.contains("width 0.130"));

    let card = render_model_card(&regression_run(tmp.path())).unwrap();
    assert!(card.contains("| R² | 0.620 [0.500, 0.710] | 0.580 [0.470, 0.690] |"), "{card}");
    assert!(card.contains("Licence: see the data's provenance"));
}

#[test]
fn writers_put_files_in_the_run_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = binary_run(tmp.path(), "binary", false);
    let report = write_report(&dir).unwrap();
    assert_eq!(report, dir.join("report.html"));
    assert_eq!(fs::read_to_string(&report).unwrap(), render_report(&dir).unwrap());
    let card = write_model_card(&dir).unwrap();
    assert_eq!(fs::read_to_string(card).unwrap(), render_model_card(&dir).unwrap());
    let out = tmp.path().join("compare.html");
    write_comparison(&[dir.clone(), regression_run(tmp.path())], &out).unwrap();
    assert!(fs::read_to_string(out).unwrap().contains("data-table=\"comparison\""));
    // Nothing but the written files was added: no temporary file left behind.
    assert!(fs::read_dir(&dir).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().ends_with(".tmp")));
}
