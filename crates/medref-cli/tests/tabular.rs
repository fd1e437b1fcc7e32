//! End-to-end tests of the clinical and drug domains: the tiny configs learn
//! their planted signal, `predict` reproduces evaluation's scores from the
//! saved preprocessing, and bad tables and molecules exit 2 with a message
//! naming the file and the place.

mod common;

use common::{assert_bad_trainings, json, medref};
use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

fn ok(o: &Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "stdout: {out}\nstderr: {}", String::from_utf8_lossy(&o.stderr));
    out
}

/// `id -> score_<col>` of the test rows in a run's predictions.csv.
fn test_scores(dir: &Path, col: usize) -> HashMap<String, f64> {
    let text = std::fs::read_to_string(dir.join("predictions.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == format!("score_{col}")).unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == "test")
        .map(|f| (f[0].to_string(), f[at].parse().unwrap()))
        .collect()
}

/// `id -> score_<col>` of `medref predict`'s CSV output.
fn predicted_scores(csv: &str, col: usize) -> HashMap<String, f64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == format!("score_{col}")).unwrap();
    lines.map(|l| l.split(',').collect::<Vec<_>>()).map(|f| (f[0].to_string(), f[at].parse().unwrap())).collect()
}

fn assert_same_scores(evaluated: &HashMap<String, f64>, predicted: &HashMap<String, f64>) {
    assert!(!evaluated.is_empty());
    for (id, score) in evaluated {
        let p = predicted.get(id).unwrap_or_else(|| panic!("{id} not predicted"));
        assert!((p - score).abs() <= 2e-6, "{id}: evaluation {score}, predict {p}");
    }
}

#[test]
fn clinical_tiny_learns_the_planted_risk_and_predict_matches_evaluation() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    ok(&medref(&["train", "configs/clinical/tiny.toml", "--out", run.to_str().unwrap(), "--quiet"]));
    let m = json(&run.join("metrics.json"));
    let auroc = m["test"]["auroc"].as_f64().unwrap();
    assert!(auroc >= 0.90, "test AUROC {auroc}");
    assert!(m["test"]["auroc_ci_low"].as_f64().unwrap() < auroc);
    assert!(m["test"]["brier"].as_f64().unwrap() < 0.2);
    let t = m["test"]["val_youden_threshold"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&t));

    // The fitted preprocessing, calibration bins, subgroups and importance.
    let recipe = json(&run.join("preprocess.json"));
    let names: Vec<&str> =
        recipe["preprocessor"]["inputs"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"lactate") && names.contains(&"sex") && !names.contains(&"patient_id"), "{names:?}");
    let bmi = recipe["preprocessor"]["inputs"].as_array().unwrap().iter().find(|i| i["name"] == "bmi").unwrap();
    assert_eq!(bmi["indicator"], true, "bmi has gaps, so it gets a missing indicator");
    assert!(json(&run.join("calibration.json"))["test"].as_array().unwrap().len() >= 2);
    let sub = json(&run.join("subgroups.json"));
    assert!(sub["test"]["F"]["n"].as_f64().unwrap() > 10.0 && sub["test"]["M"]["n"].as_f64().unwrap() > 10.0);
    let importance = std::fs::read_to_string(run.join("feature_importance.csv")).unwrap();
    let order: Vec<&str> = importance.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let rank = |f: &str| order.iter().position(|x| *x == f).unwrap();
    assert!(rank("lactate") < rank("noise") && rank("age") < rank("crp"), "{order:?}");
    let report = json(&run.join("data_report.json"));
    assert_eq!(
        report["train_rows"].as_u64().unwrap()
            + report["val_rows"].as_u64().unwrap()
            + report["test_rows"].as_u64().unwrap(),
        report["rows_read"].as_u64().unwrap()
    );

    // predict on the whole file applies the saved transform: the test rows
    // get exactly the scores evaluation wrote.
    let out = ok(&medref(&["predict", run.to_str().unwrap(), "datasets/clinical/tiny/visits.csv"]));
    assert_same_scores(&test_scores(&run, 1), &predicted_scores(&out, 1));

    // Same seed, same numbers.
    let again = tmp.path().join("again");
    ok(&medref(&["train", "configs/clinical/tiny.toml", "--out", again.to_str().unwrap(), "--quiet"]));
    assert_eq!(
        std::fs::read_to_string(run.join("metrics.json")).unwrap(),
        std::fs::read_to_string(again.join("metrics.json")).unwrap()
    );
}

#[test]
fn drug_tiny_learns_the_additive_property_and_predict_matches_evaluation() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    ok(&medref(&["train", "configs/drug/tiny.toml", "--out", run.to_str().unwrap(), "--quiet"]));
    let m = json(&run.join("metrics.json"));
    let r2 = m["test"]["r2"].as_f64().unwrap();
    assert!(r2 >= 0.8, "test R^2 {r2}");
    for key in ["rmse", "mae", "pearson", "spearman", "rmse_ci_low", "rmse_ci_high"] {
        assert!(m["test"][key].as_f64().is_some(), "{key} missing");
    }
    let out = ok(&medref(&["predict", run.to_str().unwrap(), "datasets/drug/tiny/molecules.csv"]));
    assert_same_scores(&test_scores(&run, 0), &predicted_scores(&out, 0));
}

/// Each bad table or molecule file: exit 2, a message naming the file and
/// the place, never a panic, and no run directory left behind.
#[test]
fn bad_tables_and_molecules_exit_2_with_file_and_place() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "configs/clinical/tiny.toml",
            &["--set", "data.label=diagnosis"],
            &["visits.csv", "column \"diagnosis\": not found"],
        ),
        (
            "configs/clinical/tiny.toml",
            &["--set", "data.path=datasets/broken/table_non_numeric.csv", "--set", "data.group=patient_id"],
            &["table_non_numeric.csv", "line 23", "column \"lactate\"", "not a number"],
        ),
        (
            "configs/clinical/tiny.toml",
            &["--set", "data.path=datasets/broken/table_all_missing.csv"],
            &["table_all_missing.csv", "column \"crp\"", "no values in the training rows"],
        ),
        (
            "configs/clinical/tiny.toml",
            &["--set", "data.path=datasets/broken/table_patient_two_splits.csv", "--set", "data.split_column=split"],
            &["table_patient_two_splits.csv", "more than one split", "data row 1 (train)", "data row 28 (test)"],
        ),
        (
            "configs/drug/tiny.toml",
            &["--set", "data.path=datasets/broken/invalid_smiles.csv"],
            &["invalid_smiles.csv", "line 4", "invalid SMILES"],
        ),
        (
            "configs/drug/solubility.toml",
            &["--set", "data.path=datasets/broken/truncated.sdf"],
            &["truncated.sdf", "record 3"],
        ),
    ];
    assert_bad_trainings(cases);
}

/// Every run writes `leakage.json`; a file listing each molecule twice puts
/// copies in both training and test, and the check counts them, also when
/// the copy is written as another SMILES of the same compound (molecules
/// are compared by canonical form).
#[test]
fn duplicated_records_across_splits_are_counted_in_leakage_json() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    ok(&medref(&["train", "configs/drug/tiny.toml", "--out", clean.to_str().unwrap(), "--quiet"]));
    let report = json(&clean.join("leakage.json"));
    assert_eq!(report["checked"], true);
    assert_eq!(report["test_in_train"], 0, "{report}");

    let text = std::fs::read_to_string(common::repo().join("datasets/drug/tiny/molecules.csv")).unwrap();
    let mut lines = text.lines();
    let mut doubled = format!("{}\n", lines.next().unwrap());
    for l in lines {
        doubled.push_str(&format!("{l}\n"));
        // The copy spells its carbon-carbon single bonds out: `CC` -> `C-C`.
        doubled.push_str(&format!("{}\n", l.replacen(',', "b,", 1).replace("CC", "C-C")));
    }
    let csv = tmp.path().join("doubled.csv");
    std::fs::write(&csv, doubled).unwrap();
    let leaky = tmp.path().join("leaky");
    let set = format!("data.path={}", csv.display());
    ok(&medref(&["train", "configs/drug/tiny.toml", "--out", leaky.to_str().unwrap(), "--quiet", "--set", &set]));
    let report = json(&leaky.join("leakage.json"));
    let n = report["test_in_train"].as_u64().unwrap();
    assert!(n >= 20, "{report}");
    assert!(report["warnings"][0].as_str().unwrap().contains("exact copies of training examples"), "{report}");
}

/// The same visits written as ARFF (nominal sex, site and outcome, `?` for
/// a missing BMI) train to exactly the metrics of the CSV.
#[test]
fn arff_input_trains_like_the_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::repo().join("datasets/clinical/tiny/visits.csv")).unwrap();
    let mut arff = String::from(
        "% the tiny visits in ARFF\n@relation visits\n@attribute patient_id string\n@attribute age numeric\n\
         @attribute sex {F,M}\n@attribute bmi numeric\n@attribute crp numeric\n@attribute lactate numeric\n\
         @attribute site {A,B,C}\n@attribute noise numeric\n@attribute outcome {0,1}\n@data\n",
    );
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').map(|c| if c.is_empty() { "?" } else { c }).collect();
        arff.push_str(&cells.join(","));
        arff.push('\n');
    }
    let path = tmp.path().join("visits.arff");
    std::fs::write(&path, arff).unwrap();
    let (csv_run, arff_run) = (tmp.path().join("csv"), tmp.path().join("arff"));
    ok(&medref(&["train", "configs/clinical/tiny.toml", "--out", csv_run.to_str().unwrap(), "--quiet"]));
    let set = format!("data.path={}", path.display());
    ok(&medref(&[
        "train",
        "configs/clinical/tiny.toml",
        "--out",
        arff_run.to_str().unwrap(),
        "--quiet",
        "--set",
        &set,
    ]));
    assert_eq!(json(&csv_run.join("metrics.json")), json(&arff_run.join("metrics.json")));
}
