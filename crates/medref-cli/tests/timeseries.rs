//! End-to-end tests of the eldercare and surgery domains: the tiny configs
//! learn their planted structure, BasicMotions reaches its published
//! accuracy with the split recorded, and broken signals exit 2 naming the
//! file and line.

mod common;

use common::{assert_bad_trainings, json, medref, scores_by_id, train_metrics};

/// `predict` reads the training format itself: every window of a long
/// sensor CSV gets a row named subject/recording/first sample, and the
/// held-out resident's windows score as the run scored them.
#[test]
fn predict_scores_every_window_of_a_sensor_csv_as_the_run_did() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    train_metrics("configs/eldercare/tiny.toml", &run, &[]);
    let o = medref(&["predict", run.to_str().unwrap(), "datasets/eldercare/tiny/eldercare_sensors.csv"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let header = out.lines().next().unwrap();
    assert!(header.starts_with("id,score_0,") && header.ends_with(",predicted"), "{header}");
    let predicted = scores_by_id(&out);
    let recorded = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
    let test: Vec<(String, Vec<f64>)> =
        scores_by_id(&recorded).into_iter().filter(|(id, _)| id.starts_with("S06/")).collect();
    assert!(!test.is_empty());
    assert!(predicted.len() > test.len(), "every resident's windows are scored, not only the test split's");
    for (id, scores) in &test {
        let p = predicted.get(id).unwrap_or_else(|| panic!("window {id} not scored by predict"));
        for (a, b) in p.iter().zip(scores) {
            assert!((a - b).abs() < 1e-4, "{id}: predict {p:?}, run {scores:?}");
        }
    }
    let classes = ["rest", "walk", "run", "fall"];
    let last = out.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    assert!(classes.contains(&last), "predicted class {last}");
}

#[test]
fn eldercare_tiny_tells_activities_apart_on_unseen_residents() {
    let tmp = tempfile::tempdir().unwrap();
    let m = train_metrics("configs/eldercare/tiny.toml", &tmp.path().join("run"), &[]);
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
    let m = train_metrics("configs/eldercare/tiny-falls.toml", &tmp.path().join("run"), &[]);
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
    let m = train_metrics("configs/surgery/tiny.toml", &run, &[]);
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
    // `predict` labels a kinematics file frame by frame, named as the run
    // names frames, with a gesture per frame.
    let o = medref(&["predict", run.to_str().unwrap(), "datasets/surgery/tiny/kinematics/Suturing_E001.txt"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let frames = std::fs::read_to_string(common::repo().join("datasets/surgery/tiny/kinematics/Suturing_E001.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(out.lines().count(), frames + 1, "one row per kinematics frame");
    assert!(out.lines().nth(1).unwrap().starts_with("Suturing_E001:1,"), "{}", out.lines().nth(1).unwrap());
    let recorded = scores_by_id(&preds);
    let predicted = scores_by_id(&out);
    assert!(recorded.keys().filter(|k| k.starts_with("Suturing_E001:")).all(|k| predicted.contains_key(k)));
    let gesture = out.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    assert!(gesture.starts_with('G'), "a gesture name per frame, got {gesture}");
}

#[test]
fn basicmotions_reaches_published_accuracy_with_the_split_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let m = train_metrics("configs/eldercare/basicmotions.toml", &run, &[]);
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
            &["--set", "data.path=datasets/broken/sensor_missing_value.csv", "--set", "data.missing=refuse"],
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
