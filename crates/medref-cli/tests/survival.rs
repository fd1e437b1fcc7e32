//! Survival as users meet it: a Cox model on a table with censored
//! follow-up, checked against the hazard planted in the generated data.

mod common;

use common::{json, medref, repo};
use std::collections::{BTreeMap, BTreeSet};

/// Harrell's C by its definition: over pairs where the shorter time ended
/// in an event, the share where that patient has the higher risk (ties in
/// risk count a half).
fn harrell(time: &[f64], event: &[bool], risk: &[f64]) -> f64 {
    let (mut concordant, mut comparable) = (0.0, 0.0);
    for i in 0..time.len() {
        for j in 0..time.len() {
            if event[i] && time[i] < time[j] {
                comparable += 1.0;
                if risk[i] > risk[j] {
                    concordant += 1.0;
                } else if risk[i] == risk[j] {
                    concordant += 0.5;
                }
            }
        }
    }
    concordant / comparable
}

#[test]
fn cox_on_the_tiny_survival_set_recovers_the_planted_hazard() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = medref(&["train", "configs/clinical/tiny-survival.toml", "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The data: id,age,x1,x2,x3,time,event.
    let text = std::fs::read_to_string(repo().join("datasets/tiny/survival.csv")).unwrap();
    let rows: BTreeMap<String, Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1..].iter().map(|v| v.parse().unwrap()).collect())
        })
        .collect();
    let censored = rows.values().filter(|r| r[5] == 0.0).count();

    // Every censored patient is used.
    let report = json(&out.join("data_report.json"));
    assert_eq!(report["censored_kept"].as_u64().unwrap() as usize, censored, "{report}");
    let used: u64 = ["train_rows", "val_rows", "test_rows"].iter().map(|k| report[*k].as_u64().unwrap()).sum();
    assert_eq!(used as usize, rows.len(), "{report}");

    // Test C-index within 0.02 of the planted hazard's own on the same patients.
    let preds = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    let (mut time, mut event, mut planted) = (Vec::new(), Vec::new(), Vec::new());
    let mut held = BTreeSet::new();
    for line in preds.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        held.insert(f[0].to_string());
        if f[1] != "test" {
            continue;
        }
        let r = &rows[f[0]];
        time.push(r[4]);
        event.push(r[5] == 1.0);
        planted.push(0.03 * r[0] + 0.5 * r[1] - 0.4 * r[2]);
    }
    let ours = json(&out.join("metrics.json"))["test"]["c_index"].as_f64().unwrap();
    let truth = harrell(&time, &event, &planted);
    assert!((ours - truth).abs() <= 0.02, "test C-index {ours:.4}, planted hazard's {truth:.4}");

    // Coefficients within 0.1 of the planted ones, in the data's units: the
    // model sees features standardised on the training rows (population sd).
    let fit = json(&out.join("convex_fit.json"));
    let train: Vec<&Vec<f64>> = rows.iter().filter(|(id, _)| !held.contains(*id)).map(|(_, r)| r).collect();
    for (j, (name, planted)) in [("age", 0.03), ("x1", 0.5), ("x2", -0.4), ("x3", 0.0)].iter().enumerate() {
        let v: Vec<f64> = train.iter().map(|r| r[j]).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        let c = fit["coefficients"].as_array().unwrap().iter().find(|c| c["feature"] == *name).unwrap();
        let raw = c["coefficient"].as_f64().unwrap() / sd;
        assert!((raw - planted).abs() <= 0.1, "{name}: {raw:.3} per unit, planted {planted}");
    }

    // The prognosis metrics and the curves the report draws.
    let s = json(&out.join("survival.json"));
    for k in ["uno_c_index", "time_dependent_auroc", "integrated_brier_score"] {
        assert!(s[k].as_f64().is_some_and(f64::is_finite), "{k}: {s}");
    }
    assert_eq!(s["kaplan_meier_by_risk_tertile"].as_array().unwrap().len(), 3);

    // predict writes a risk and the probability of being event-free at the
    // horizon per new patient; a higher risk never has a higher survival.
    let p = medref(&["predict", out.to_str().unwrap(), "datasets/tiny/survival.csv"]);
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let table = String::from_utf8_lossy(&p.stdout).into_owned();
    let mut lines = table.lines();
    assert_eq!(lines.next().unwrap(), "id,score_0,predicted,survival_at_1000");
    let mut pairs: Vec<(f64, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect();
    assert_eq!(pairs.len(), rows.len());
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(pairs.windows(2).all(|w| w[1].1 <= w[0].1 + 1e-9) && pairs.iter().all(|p| (0.0..=1.0).contains(&p.1)));
}

#[test]
fn survival_tasks_refuse_models_that_cannot_fit_them() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = medref(&[
        "train",
        "configs/clinical/tiny-survival.toml",
        "--set",
        "model.kind=linear",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("kind = \"cox\""));
}

/// The same data with a neural Cox model (DeepSurv) through the one loop:
/// it learns the planted hazard too, and reports its C-index with an
/// interval beside the Cox model's.
#[test]
fn deepsurv_learns_the_planted_hazard_through_the_loop() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = medref(&[
        "train",
        "configs/clinical/tiny-survival.toml",
        "--set",
        "model.kind=mlp",
        "--set",
        "train.epochs=60",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let test = &json(&out.join("metrics.json"))["test"];
    let c = test["c_index"].as_f64().unwrap();
    assert!(c >= 0.70, "DeepSurv test C-index {c}");
    assert!(test["c_index_ci_low"].as_f64().unwrap() < c && c < test["c_index_ci_high"].as_f64().unwrap());
    assert!(json(&out.join("survival.json"))["uno_c_index"].as_f64().is_some());
}
