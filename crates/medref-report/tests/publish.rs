//! `publish` and `check_bundle` on run directories written here by hand,
//! one per domain in the shape its tiny config leaves (no burn, no
//! training), with planted hazards: record ids, a subgroup of two, an
//! explanation that redraws a test image pixel by pixel or spells out a
//! test sequence, absolute local paths.

use medref_report::{check_bundle, publish, write_report, ExplainPolicy, PublishError, PublishPolicy, PublishReport};
use std::fs;
use std::path::{Path, PathBuf};

/// A folder name on the training machine that names a person.
const PRIVATE_DIR: &str = "/home/dr_jones/study_smith_2024";
/// The prefix of every record id.
const SECRET_ID: &str = "PATIENT-SECRET";
/// The name of the planted subgroup of two patients.
const RARE_GROUP: &str = "Ward7Rare";

#[derive(Clone, Copy, PartialEq)]
enum Task {
    Binary,
    MultiClass(usize),
    Regression,
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A grey-scale test image redrawn as 16x16 `<rect>` cells, as occlusion
/// saliency writes it.
fn pixel_explanation() -> String {
    let mut s = String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"200\"><text x=\"4\" y=\"18\">Occlusion saliency, test image 3, class 1</text>\n");
    for y in 0..16 {
        for x in 0..16 {
            let g = (x * 13 + y * 7) % 250;
            s.push_str(&format!("<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\" fill=\"rgb({g},{g},{g})\"/>"));
        }
    }
    s.push_str("</svg>\n");
    s
}

/// A test sequence written base by base, as in-silico mutagenesis does.
fn sequence_explanation() -> String {
    let mut s = String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"80\">");
    for (i, c) in "ACGTTGCAACGGTACCTTAGGCATCGATCGAT".chars().enumerate() {
        s.push_str(&format!("<text x=\"{}\" y=\"70\">{c}</text>", i * 10));
    }
    s.push_str("<rect x=\"0\" y=\"0\" width=\"5\" height=\"5\" fill=\"rgb(200,30,30)\"/></svg>\n");
    s
}

/// A finished run of `domain` with the files its tiny config writes.
fn run_dir(root: &Path, domain: &str, task: Task) -> PathBuf {
    let dir = root.join(format!("run-{domain}"));
    let data = format!("{PRIVATE_DIR}/{domain}_data.csv");
    let (format, kind, monitor) = match domain {
        "imaging" => ("medmnist_npz", "resnet", "auroc"),
        "genomics" => ("sequence_csv", "dna_cnn", "auroc"),
        "clinical" => ("table", "linear", "auroc"),
        "drug" => ("molecules", "mlp", "rmse"),
        "eldercare" => ("sensor_csv", "signal_cnn", "accuracy"),
        _ => ("jigsaws", "tcn", "accuracy"),
    };
    let subgroup = if domain == "clinical" { "subgroup = \"ward\"\n" } else { "" };
    write(
        &dir,
        "config.toml",
        &format!(
            "name = \"{domain}-tiny\"\ndomain = \"{domain}\"\ndescription = \"Tiny {domain} baseline.\"\nseed = 7\n\n\
             [data]\nformat = \"{format}\"\npath = \"{data}\"\n{subgroup}\n[model]\nkind = \"{kind}\"\n\n\
             [train]\nmonitor = \"{monitor}\"\n\n[eval]\nthreshold = 0.5\n"
        ),
    );
    write(
        &dir,
        "manifest.json",
        &format!(
            r#"{{"medref_version": "0.1.0", "config_name": "{domain}-tiny", "seed": 7, "git_commit": null, "git_dirty": null,
  "crate_versions": {{"medref": "0.1.0"}}, "device": "cpu", "backend": "flex", "threads": 2,
  "dataset_path": "{data}", "dataset_sha256": "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
  "command": ["medref", "train", "configs/{domain}/tiny.toml", "--out", "{PRIVATE_DIR}/runs/{domain}"],
  "started": "2026-11-27T01:06:38Z", "finished": "2026-11-27T01:06:46Z", "duration_seconds": 8.7, "status": "finished"}}"#
        ),
    );
    let mut history = format!("epoch,train_loss,val_loss,val_{monitor},lr,seconds\n");
    for e in 1..=4 {
        history.push_str(&format!(
            "{e},{:.3},{:.3},{:.3},0.001,0.5\n",
            0.7 / e as f64,
            0.6 / e as f64,
            0.6 + 0.05 * e as f64
        ));
    }
    write(&dir, "history.csv", &history);
    let n_test = 60;
    let mut p = String::from("id,split,label");
    let n_scores = match task {
        Task::Binary => 2,
        Task::MultiClass(k) => k,
        Task::Regression => 1,
    };
    for j in 0..n_scores {
        p.push_str(&format!(",score_{j}"));
    }
    p.push('\n');
    for (split, n) in [("val", 40), ("test", n_test)] {
        for i in 0..n {
            let (label, scores): (String, Vec<f64>) = match task {
                Task::Binary => {
                    let l = usize::from(i % 3 == 0);
                    let s1 = if l == 1 { 0.35 + 0.06 * (i % 10) as f64 } else { 0.05 + 0.06 * ((i * 3) % 10) as f64 };
                    (l.to_string(), vec![1.0 - s1, s1])
                }
                Task::MultiClass(k) => {
                    // Class k-1 is rare and always mistaken for class 0: small cells.
                    let l = if i % 20 == 0 { k - 1 } else { i % (k - 1) };
                    let guess = if l == k - 1 {
                        0
                    } else if i % 7 == 0 {
                        (l + 1) % (k - 1)
                    } else {
                        l
                    };
                    let s: Vec<f64> = (0..k).map(|j| if j == guess { 0.7 } else { 0.3 / (k - 1) as f64 }).collect();
                    (l.to_string(), s)
                }
                Task::Regression => {
                    let t = -6.0 + 0.1 * i as f64;
                    (format!("{t:.3}"), vec![t + 0.2 * ((i % 5) as f64 - 2.0)])
                }
            };
            let cells: Vec<String> = scores.iter().map(|s| format!("{s:.4}")).collect();
            p.push_str(&format!("{SECRET_ID}-{i:03},{split},{label},{}\n", cells.join(",")));
        }
    }
    write(&dir, "predictions.csv", &p);
    let metrics = match task {
        Task::Regression => {
            r#"{"val": {"n": 40, "rmse": 0.3, "r2": 0.9}, "test": {"n": 60, "rmse": 0.31, "rmse_ci_low": 0.25, "rmse_ci_high": 0.37, "r2": 0.88, "r2_ci_low": 0.8, "r2_ci_high": 0.93, "mae": 0.25}}"#
        }
        Task::MultiClass(_) => {
            r#"{"val": {"n": 40, "accuracy": 0.7, "f1_macro": 0.6}, "test": {"n": 60, "accuracy": 0.72, "accuracy_ci_low": 0.6, "accuracy_ci_high": 0.82, "auroc": 0.8, "f1_macro": 0.61}}"#
        }
        Task::Binary => {
            r#"{"val": {"n": 40, "n_positive": 14, "auroc": 0.88, "auprc": 0.8}, "test": {"n": 60, "n_positive": 20, "auroc": 0.85, "auroc_ci_low": 0.78, "auroc_ci_high": 0.91, "auprc": 0.74, "sensitivity": 0.7, "specificity": 0.85}}"#
        }
    };
    write(&dir, "metrics.json", metrics);
    let n_outputs = n_scores;
    let names = match task {
        Task::MultiClass(k) => format!("[{}]", (0..k).map(|j| format!("\"class{j}\"")).collect::<Vec<_>>().join(", ")),
        Task::Binary => "[\"no\", \"yes\"]".into(),
        Task::Regression => "[]".into(),
    };
    write(
        &dir,
        "model.json",
        &format!(
            r#"{{"model": "{kind}", "input_shape": [6], "label_width": 1, "n_outputs": {n_outputs}, "class_names": {names}, "best_epoch": 3}}"#
        ),
    );
    fs::write(dir.join("model.bpk"), [0u8, 1, 2, 3, 255, 0, 7]).unwrap();
    write(&dir, "checkpoints/state.json", "{\"epoch\": 4}");
    write(
        &dir,
        "leakage.json",
        r#"{"test_in_train": 0, "val_in_train": 0, "test_in_val": 0, "checked": true, "test_ci_width": 0.13, "warnings": []}"#,
    );
    if task == Task::Binary {
        write(
            &dir,
            "calibration.json",
            r#"{"test": [{"lower": 0.0, "upper": 0.3, "count": 30, "mean_score": 0.2, "fraction_positive": 0.1},
                         {"lower": 0.3, "upper": 0.9, "count": 27, "mean_score": 0.6, "fraction_positive": 0.55},
                         {"lower": 0.9, "upper": 1.0, "count": 3, "mean_score": 0.95, "fraction_positive": 1.0}]}"#,
        );
    }
    match domain {
        "imaging" => write(&dir, "plots/explain.svg", &pixel_explanation()),
        "genomics" => {
            write(&dir, "plots/explain.svg", &sequence_explanation());
            write(&dir, "plots/ism.tsv", "position\tbase\tA\tC\tG\tT\n1\tA\t0\t0.1\t0.2\t0.3\n");
        }
        "clinical" => {
            write(
                &dir,
                "subgroups.json",
                &format!(
                    r#"{{"test": {{"General": {{"n": 40, "n_positive": 14, "auroc": 0.86}}, "Surgical": {{"n": 18, "n_positive": 5, "auroc": 0.8}},
                        "{RARE_GROUP}": {{"n": 2, "n_positive": 1, "sensitivity": 1.0}}}}, "missing": 0}}"#
                ),
            );
            write(
                &dir,
                "preprocess.json",
                r#"{"preprocessor": {"inputs": [{"Numeric": {"name": "lactate", "median": 1.2, "mean": 1.4, "std": 0.5, "standardise": true, "indicator": false}},
                   {"Categorical": {"name": "site", "categories": ["StElsewhereHospital", "Mercy"]}}]}, "task": "Binary", "class_names": ["no", "yes"], "target_mean": 0.0, "target_std": 1.0}"#,
            );
            write(
                &dir,
                "feature_importance.csv",
                "feature,baseline,mean_drop,std_drop\nlactate,0.85,0.12,0.02\nsite,0.85,0.01,0.01\n",
            );
            write(&dir, "data_report.json", r#"{"rows_read": 120, "train_rows": 20, "val_rows": 40, "test_rows": 60}"#);
            write(&dir, "plots/explain.svg", &pixel_explanation());
        }
        "eldercare" | "surgery" => {
            write(
                &dir,
                "splits.json",
                &format!(
                    r#"{{"by": "subject", "train": ["{SECRET_ID}-S1", "{SECRET_ID}-S2"], "val": ["{SECRET_ID}-S3"], "test": ["{SECRET_ID}-S4"]}}"#
                ),
            );
            write(&dir, "scaler.json", r#"{"mean": [0.1, 0.2], "std": [1.0, 1.1]}"#);
        }
        _ => {}
    }
    write(&dir, "notes.txt", "scratch notes of the trainee");
    write_report(&dir).unwrap();
    dir
}

const DOMAINS: [(&str, Task); 6] = [
    ("imaging", Task::Binary),
    ("genomics", Task::Binary),
    ("clinical", Task::Binary),
    ("drug", Task::Regression),
    ("eldercare", Task::MultiClass(3)),
    ("surgery", Task::MultiClass(4)),
];

/// Every text file of a folder, with its path relative to it.
fn texts(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(t) = fs::read_to_string(&p) {
                out.push((p.strip_prefix(dir).unwrap().display().to_string(), t));
            }
        }
    }
    out
}

fn plot_names(html: &str) -> Vec<String> {
    html.split("data-plot=\"").skip(1).map(|s| s[..s.find('"').unwrap()].to_string()).collect()
}

/// Every `<svg data-plot=...>` has drawn marks, as the browser test demands.
fn assert_figures_drawn(html: &str) {
    for part in html.split("<svg").skip(1) {
        let svg = &part[..part.find("</svg>").expect("closed svg")];
        assert!(svg.contains("<path") || svg.contains("<rect") || svg.contains("<circle"), "empty figure: {svg}");
    }
}

fn read_report(bundle: &Path) -> PublishReport {
    serde_json::from_str(&fs::read_to_string(bundle.join("publish_report.json")).unwrap()).unwrap()
}

#[test]
fn every_domain_publishes_a_bundle_that_passes_its_check() {
    let tmp = tempfile::tempdir().unwrap();
    for (domain, task) in DOMAINS {
        let run = run_dir(tmp.path(), domain, task);
        let out = tmp.path().join(format!("bundle-{domain}"));
        let report = publish(&run, &out, &PublishPolicy::default()).unwrap();
        assert_eq!(check_bundle(&out, 10).unwrap(), vec![], "{domain}");
        assert_eq!(read_report(&out), report);
        for (file, text) in texts(&out) {
            assert!(!text.contains(SECRET_ID), "{domain}: a record id in {file}");
            assert!(!text.contains("dr_jones") && !text.contains("study_smith"), "{domain}: a local path in {file}");
        }
        for gone in ["predictions.csv", "notes.txt", "checkpoints/state.json", "plots/explain.svg", "plots/ism.tsv"] {
            assert!(!out.join(gone).exists(), "{domain}: {gone} published");
        }
        assert!(report.removed.iter().any(|e| e.file == "predictions.csv"));
        assert!(report.removed.iter().any(|e| e.file == "notes.txt"));
        assert!(out.join("model.bpk").is_file() && out.join("model_card.md").is_file());
        let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
        assert!(manifest.contains(&format!("\"{domain}_data.csv\"")), "file name kept: {manifest}");
        assert!(manifest.contains("ab12cd34ef56"), "data hash kept");

        let html = fs::read_to_string(out.join("report.html")).unwrap();
        assert!(html.contains("Published bundle") && html.contains("<code>predictions.csv</code>"), "{domain}: banner");
        let names = plot_names(&html);
        let expected: &[&str] = match task {
            Task::Binary => &["loss", "metric", "roc", "pr", "confusion"],
            Task::MultiClass(_) => &["loss", "roc", "pr", "confusion"],
            Task::Regression => &["loss", "scatter"],
        };
        for plot in expected {
            assert!(names.iter().any(|n| n == plot), "{domain}: `{plot}` missing from {names:?}");
        }
        assert!(!names.iter().any(|n| n == "explanation"), "{domain}: an explanation is still inlined");
        assert_figures_drawn(&html);
        let card = fs::read_to_string(out.join("model_card.md")).unwrap();
        assert!(card.contains("Published bundle"));
    }
}

#[test]
fn a_subgroup_of_two_and_a_real_image_are_gone_from_bundle_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path(), "clinical", Task::Binary);
    let raw = fs::read_to_string(run.join("report.html")).unwrap();
    assert!(raw.contains(RARE_GROUP) && raw.contains("rgb(13,13,13)"), "the fixture plants both in the run's report");
    let out = tmp.path().join("bundle");
    let report = publish(&run, &out, &PublishPolicy::default()).unwrap();
    for (file, text) in texts(&out) {
        assert!(!text.contains(RARE_GROUP), "the small group is named in {file}");
        assert!(!text.contains("rgb(13,13,13)"), "a pixel of the test image is in {file}");
        assert!(!text.contains("StElsewhere"), "a site category is in {file}");
    }
    let subgroups = fs::read_to_string(out.join("subgroups.json")).unwrap();
    assert!(subgroups.contains("\"suppressed\"") && subgroups.contains("\"below_k\": 1"), "{subgroups}");
    // The group of 18 goes too: with it shown, 60 - 40 - 18 would give the group of two back.
    assert!(!subgroups.contains("Surgical") && subgroups.contains("General"));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("data-suppressed=\"subgroups\""));
    assert!(report.removed.iter().any(|e| e.file == "plots/explain.svg" && e.reason.contains("real record")));
    assert!(report.changed.iter().any(|e| e.file == "subgroups.json"));
    assert!(report.changed.iter().any(|e| e.file == "calibration.json"), "the bin of 3 is merged");
    for plot in ["loss", "roc", "pr", "calibration", "confusion", "importance"] {
        assert!(html.contains(&format!("data-plot=\"{plot}\"")), "`{plot}` missing from the bundle's report");
    }
    assert_eq!(check_bundle(&out, 10).unwrap(), vec![]);
}

#[test]
fn a_raw_run_fails_the_check_naming_each_file_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path(), "clinical", Task::Binary);
    let findings = check_bundle(&run, 10).unwrap();
    let has = |file: &str, words: &str| findings.iter().any(|f| f.file == file && f.reason.contains(words));
    assert!(has("predictions.csv", "row-level"), "{findings:#?}");
    assert!(has("subgroups.json", "fewer than k = 10"), "{findings:#?}");
    assert!(has("calibration.json", "1 calibration bin"), "{findings:#?}");
    assert!(has("plots/explain.svg", "real record"), "{findings:#?}");
    assert!(has("plots/explain.svg", "pixel by pixel"), "{findings:#?}");
    assert!(has("report.html", "pixel by pixel"), "{findings:#?}");
    assert!(has("manifest.json", "absolute local path"), "{findings:#?}");
    assert!(has("config.toml", "absolute local path"), "{findings:#?}");
    for f in &findings {
        let line = f.to_string();
        assert!(line.starts_with(&f.file), "{line}");
        assert!(
            !line.contains(SECRET_ID) && !line.contains(RARE_GROUP) && !line.contains("dr_jones"),
            "a value leaks: {line}"
        );
    }
    let genomics = run_dir(tmp.path(), "genomics", Task::Binary);
    let findings = check_bundle(&genomics, 10).unwrap();
    assert!(
        findings.iter().any(|f| f.file == "plots/explain.svg" && f.reason.contains("DNA sequence")),
        "{findings:#?}"
    );
    let eldercare = run_dir(tmp.path(), "eldercare", Task::MultiClass(3));
    let findings = check_bundle(&eldercare, 10).unwrap();
    assert!(findings.iter().any(|f| f.file == "splits.json" && f.reason.contains("subject ids")), "{findings:#?}");
}

#[test]
fn small_confusion_cells_are_suppressed_and_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path(), "surgery", Task::MultiClass(4));
    let out = tmp.path().join("bundle");
    publish(&run, &out, &PublishPolicy::default()).unwrap();
    let curves: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("curves.json")).unwrap()).unwrap();
    let cells = curves["confusion"]["cells"].as_array().unwrap();
    let values: Vec<&serde_json::Value> = cells.iter().flat_map(|r| r.as_array().unwrap()).collect();
    assert!(values.iter().any(|v| v.is_null()), "a cell below k is suppressed");
    assert!(values.iter().all(|v| v.is_null() || v.as_u64().is_some_and(|n| n == 0 || n >= 10)));
    assert!(curves["confusion"]["suppressed_cells"].as_u64().unwrap() > 0);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("data-suppressed=\"true\"") && html.contains("&lt;10"));
    // A stricter k on the same bundle finds what was fine for k = 10.
    assert!(!check_bundle(&out, 30).unwrap().is_empty());
}

#[test]
fn kept_predictions_carry_salted_ids_and_need_a_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path(), "clinical", Task::Binary);
    let out = tmp.path().join("no-secret");
    let policy = PublishPolicy { keep_predictions: true, ..PublishPolicy::default() };
    let err = publish(&run, &out, &policy).unwrap_err();
    assert!(matches!(err, PublishError::NoSecret { .. }), "{err}");
    assert!(err.to_string().contains("predictions.csv") && err.to_string().contains("MEDREF_DEID_SECRET"));
    assert!(!out.exists(), "nothing is written on error");
    assert!(fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .all(|e| !e.file_name().to_string_lossy().contains("publishing")));

    let out = tmp.path().join("with-secret");
    let policy =
        PublishPolicy { keep_predictions: true, secret: Some("course-secret".into()), ..PublishPolicy::default() };
    let report = publish(&run, &out, &policy).unwrap();
    let kept = fs::read_to_string(out.join("predictions.csv")).unwrap();
    assert!(!kept.contains(SECRET_ID) && kept.lines().count() == 101);
    assert!(report.changed.iter().any(|e| e.file == "predictions.csv"));
    assert_eq!(check_bundle(&out, 10).unwrap(), vec![]);
}

#[test]
fn publishing_refuses_a_used_folder_and_leaves_nothing_on_error() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path(), "drug", Task::Regression);
    let out = tmp.path().join("taken");
    write(&out, "old.txt", "x");
    let err = publish(&run, &out, &PublishPolicy::default()).unwrap_err();
    assert!(matches!(err, PublishError::OutExists { .. }) && err.to_string().contains("taken"), "{err}");
    assert_eq!(fs::read_dir(&out).unwrap().count(), 1);

    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    publish(&run, &empty, &PublishPolicy::default()).unwrap();
    assert!(empty.join("report.html").is_file());

    write(&run, "calibration.json", "{not json");
    let out = tmp.path().join("broken");
    let err = publish(&run, &out, &PublishPolicy::default()).unwrap_err();
    assert!(err.to_string().contains("calibration.json"), "{err}");
    assert!(!out.exists());
    assert!(fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .all(|e| !e.file_name().to_string_lossy().contains("publishing")));
}

#[test]
fn a_zip_bundle_is_checked_like_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path(), "imaging", Task::Binary);
    let out = tmp.path().join("bundle.zip");
    publish(&run, &out, &PublishPolicy::default()).unwrap();
    let bytes = fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip archive");
    assert_eq!(check_bundle(&out, 10).unwrap(), vec![]);
    assert!(publish(&run, &out, &PublishPolicy::default()).is_err(), "an existing archive is not replaced");
}

#[test]
fn synthetic_explanations_are_kept_and_tampering_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path(), "imaging", Task::Binary);
    let generated = tmp.path().join("generated.svg");
    fs::write(&generated, pixel_explanation().replace("test image 3", "generated image")).unwrap();
    let out = tmp.path().join("bundle");
    let policy = PublishPolicy { explain: ExplainPolicy::Synthetic(vec![generated]), ..PublishPolicy::default() };
    let report = publish(&run, &out, &policy).unwrap();
    assert_eq!(report.synthetic_explanations.len(), 1);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("generated image") && plot_names(&html).iter().any(|n| n == "explanation"));
    assert_eq!(check_bundle(&out, 10).unwrap(), vec![]);
    // A real image copied over the generated one no longer matches its hash.
    fs::write(out.join("plots/explain_synthetic_1.svg"), pixel_explanation()).unwrap();
    let findings = check_bundle(&out, 10).unwrap();
    assert!(findings.iter().any(|f| f.file == "plots/explain_synthetic_1.svg"), "{findings:#?}");
}
