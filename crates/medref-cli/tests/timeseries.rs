//! End-to-end tests of the eldercare and surgery domains: the tiny configs
//! learn their planted structure, BasicMotions reaches its published
//! accuracy with the split recorded, and broken signals exit 2 naming the
//! file and line.

mod common;

use common::{assert_bad_trainings, json, medref};
use std::path::Path;

fn train(config: &str, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["train", config, "--out", dir.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let o = medref(&args);
    assert!(o.status.success(), "{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    json(&dir.join("metrics.json"))
}


#[test]
fn eldercare_tiny_tells_activities_apart_on_unseen_residents() {
    let tmp = tempfile::tempdir().unwrap();
    let m = train("configs/eldercare/tiny.toml", &tmp.path().join("run"), &[]);
    let f1 = m["test"]["f1_macro"].as_f64().unwrap();
    assert!(f1 >= 0.9, "test macro-F1 {f1}");
    assert!(m["test"]["recall_class_0"].as_f64().is_some());
    let splits = json(&tmp.path().join("run/splits.json"));
    assert_eq!(splits["by"], "subjects");
    assert_eq!(splits["test"], serde_json::json!(["S06"]));
    let train: Vec<&str> = splits["train"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(!train.contains(&"S06") && !train.contains(&"S05"), "{train:?}");
}

#[test]
fn eldercare_fall_detector_reports_sensitivity_at_a_false_alarm_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let m = train("configs/eldercare/tiny-falls.toml", &tmp.path().join("run"), &[]);
    let test = &m["test"];
    assert!(test["auroc"].as_f64().unwrap() >= 0.9, "{test}");
    assert_eq!(test["alarm_budget_per_hour"].as_f64(), Some(1.0));
    assert!(test["sensitivity_at_alarm_threshold"].as_f64().is_some(), "{test}");
    assert!(test["false_alarms_per_hour"].as_f64().is_some(), "{test}");
}

#[test]
fn surgery_tiny_labels_gestures_frame_by_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let m = train("configs/surgery/tiny.toml", &run, &[]);
    let acc = m["test"]["frame_accuracy"].as_f64().unwrap();
    let edit = m["test"]["edit"].as_f64().unwrap();
    assert!(acc >= 0.85, "frame accuracy {acc}");
    assert!(edit >= 70.0, "edit score {edit}");
    for k in ["f1_at_10", "f1_at_25", "f1_at_50"] {
        assert!(m["test"][k].as_f64().is_some(), "{k}");
    }
    // One prediction row per frame, named trial:frame.
    let preds = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
    assert!(preds.lines().nth(1).unwrap().contains(":"), "{}", preds.lines().nth(1).unwrap());
    assert_eq!(json(&run.join("splits.json"))["test"], serde_json::json!(["E"]));
}

#[test]
fn basicmotions_reaches_published_accuracy_with_the_split_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let m = train("configs/eldercare/basicmotions.toml", &run, &[]);
    let acc = m["test"]["accuracy"].as_f64().unwrap();
    assert!(acc >= 0.95, "test accuracy {acc}");
    let splits = json(&run.join("splits.json"));
    assert_eq!(splits["test"].as_array().unwrap().len(), 40);
    assert_eq!(splits["train"].as_array().unwrap().len() + splits["val"].as_array().unwrap().len(), 40);
}

#[test]
fn broken_signals_exit_2_naming_file_and_line() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "configs/eldercare/basicmotions.toml",
            &["--set", "data.path=datasets/broken/ragged.ts"],
            &["ragged.ts", "line 12", "ragged"],
        ),
        (
            "configs/eldercare/tiny.toml",
            &["--set", "data.path=datasets/broken/sensor_missing_value.csv"],
            &["sensor_missing_value.csv", "line 5", "ay"],
        ),
        (
            "configs/surgery/tiny.toml",
            &["--set", "data.path=datasets/broken/jigsaws_past_end"],
            &["Suturing_B001.txt", "line 2", "segment ends at frame 14", "has 10 frames"],
        ),
        (
            "configs/eldercare/tiny.toml",
            &["--set", "data.window=100000"],
            &["eldercare_sensors.csv", "subject `S01`", "the window is 100000"],
        ),
    ];
    assert_bad_trainings(cases);
}
