//! End-to-end tests of signals as they come (issue 30): series of unequal
//! length trained on padded, masked batches or fixed to one length, `?`
//! values filled by the configured policy, and a sensor CSV with a short
//! dropout and a long gap. `data_report.json` records what was done.

mod common;

use common::{assert_bad_trainings, json, medref, repo, scores_by_id, train_metrics};

const UNEQUAL: &str = "configs/eldercare/tiny-unequal.toml";

/// Cases of 20-90 steps, a third with runs of `?`: the padded, masked CNN
/// learns the planted rhythms (0.933 test accuracy measured with seed 0),
/// and `predict` scores the test file as the run scored it.
#[test]
fn unequal_lengths_with_missing_values_learn_their_rhythms() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let m = train_metrics(UNEQUAL, &run, &[]);
    let acc = m["test"]["accuracy"].as_f64().unwrap();
    assert!(acc >= 0.85, "test accuracy {acc}");
    let report = json(&run.join("data_report.json"));
    assert_eq!(report["lengths"], "padded per batch to the longest member and masked", "{report}");
    assert_eq!(report["missing"], "interpolate");
    assert!(report["train_filled_values"].as_u64().unwrap() > 0, "{report}");
    assert!(report["test_filled_values"].as_u64().unwrap() > 0, "{report}");
    assert!(report["train_length_min"].as_u64().unwrap() < report["train_length_max"].as_u64().unwrap());
    assert_eq!(json(&run.join("model.json"))["input_shape"], serde_json::json!([2, 0]), "any length");

    let o = medref(&["predict", run.to_str().unwrap(), "datasets/eldercare/tiny/Unequal_TEST.ts"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let predicted = scores_by_id(&String::from_utf8(o.stdout).unwrap());
    let recorded = scores_by_id(&std::fs::read_to_string(run.join("predictions.csv")).unwrap());
    let test: Vec<_> = recorded.iter().filter(|(id, _)| id.starts_with("Unequal_TEST_")).collect();
    assert_eq!(test.len(), 30);
    for (id, scores) in test {
        let p = &predicted[id];
        for (a, b) in p.iter().zip(scores) {
            assert!((a - b).abs() < 1e-4, "{id}: predict {p:?}, run {scores:?}");
        }
    }
}

/// The other policies run end to end and say what they did.
#[test]
fn fixed_lengths_and_masks_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str, serde_json::Value)] = &[
        (&["--set", "data.resample=50"], "resampled to 50 steps (linear)", serde_json::json!([2, 50])),
        (
            &["--set", "data.max_length=40", "--set", "data.truncate=centre"],
            "cut to the middle 40 steps; shorter series padded per batch and masked",
            serde_json::json!([2, 0]),
        ),
        (
            &["--set", "data.missing=mask"],
            "padded per batch to the longest member and masked",
            serde_json::json!([4, 0]),
        ),
    ];
    for (i, (extra, lengths, shape)) in cases.iter().enumerate() {
        let run = tmp.path().join(format!("run{i}"));
        let m = train_metrics(UNEQUAL, &run, &[&["--set", "train.epochs=3"], *extra].concat());
        assert!(m["test"]["accuracy"].as_f64().is_some());
        let report = json(&run.join("data_report.json"));
        assert_eq!(report["lengths"], *lengths, "{report}");
        assert_eq!(json(&run.join("model.json"))["input_shape"], *shape);
        if extra.contains(&"data.max_length=40") {
            assert!(report["train_series_resized"].as_u64().unwrap() > 0, "{report}");
            assert_eq!(report["train_length_max"], 40);
        }
    }
}

/// `missing = "refuse"` stops at the first case with a `?`, naming the
/// file, line and series; a setting that contradicts another is refused.
#[test]
fn refused_missing_values_name_file_line_and_series() {
    assert_bad_trainings(&[
        (
            UNEQUAL,
            &["--set", "data.missing=refuse"],
            &["Unequal_TRAIN.ts", "line 12", "series `Unequal_TRAIN_3`", "refuse"],
        ),
        (UNEQUAL, &["--set", "data.resample=50", "--set", "data.max_length=40"], &["resample or max_length"]),
        (UNEQUAL, &["--set", "data.missing=guess"], &["missing"]),
    ]);
}

/// The tiny residents' CSV with a 0.4 s dropout (resident S01), a 30 s
/// gap (S03) and, if asked, three empty cells (S02); with the line of the
/// first sample after the dropout.
fn gappy_csv(empty_cells: bool) -> (String, usize) {
    let text = std::fs::read_to_string(repo().join("datasets/eldercare/tiny/eldercare_sensors.csv")).unwrap();
    let mut out = String::new();
    let mut first_after_dropout = None;
    for (i, line) in text.lines().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let time: f64 = cells[0].parse().unwrap_or(-1.0);
        let subject = cells.get(4).copied().unwrap_or("");
        if (subject == "S01" && (10.0..10.39).contains(&time)) || (subject == "S03" && (40.0..70.0).contains(&time)) {
            continue;
        }
        if subject == "S01" && time > 10.39 && first_after_dropout.is_none() {
            first_after_dropout = Some(out.lines().count() + 1);
        }
        if empty_cells && subject == "S02" && i % 997 == 0 {
            out.push_str(&format!("{},{},,{},{},{}\n", cells[0], cells[1], cells[3], cells[4], cells[5]));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    (out, first_after_dropout.unwrap())
}

/// Short gaps and empty cells are filled, windows across the long gap are
/// dropped and counted, and the activities are still told apart on the
/// unseen resident; under `missing = "refuse"` the dropout stops training
/// at its line.
#[test]
fn a_sensor_csv_with_a_dropout_and_a_gap() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("gappy.csv");
    std::fs::write(&csv, gappy_csv(true).0).unwrap();
    let data = format!("data.path={}", csv.display());
    let gaps = ["--set", &data, "--set", "data.sampling_hz=25", "--set", "data.max_gap_seconds=1.0"];
    let run = tmp.path().join("run");
    let m = train_metrics("configs/eldercare/tiny.toml", &run, &gaps);
    let f1 = m["test"]["f1_macro"].as_f64().unwrap();
    assert!(f1 >= 0.9, "test macro-F1 {f1}");
    let report = json(&run.join("data_report.json"));
    assert_eq!(report["gap_samples_inserted"], 10, "{report}");
    assert_eq!(report["recordings_shorter_than_a_window"], 0, "{report}");
    assert!(report["train_windows_dropped_at_gaps"].as_u64().unwrap() >= 1, "{report}");
    let per_subject = json(&run.join("gaps.json"));
    assert!(per_subject["windows_dropped_at_gaps"]["S03"].as_u64().unwrap() >= 1, "{per_subject}");
    assert!(per_subject["windows_dropped_at_gaps"].get("S01").is_none(), "{per_subject}");
    assert!(report["train_filled_values"].as_u64().unwrap() >= 10, "{report}");

    let (text, line) = gappy_csv(false);
    std::fs::write(&csv, text).unwrap();
    let line = format!("line {line}");
    let refuse = [&gaps[..], &["--set", "data.missing=refuse"]].concat();
    assert_bad_trainings(&[("configs/eldercare/tiny.toml", &refuse, &["gappy.csv", &line, "10 missing samples"])]);
}
