//! Run directories written by hand, one per task and fit method, in the
//! shape `medref train` leaves them (no burn, no training), shared by the
//! task tests and the browser test. `recorded: false` writes a run from
//! before the task and fit method were recorded: the same files without
//! the `task` and `fit` keys.

// Each test file uses its own part of this module.
#![allow(dead_code)]

pub use medref_core::task::{FitMethod, TaskKind};
use std::fs;
use std::path::{Path, PathBuf};

/// The runs every task test renders: each task once, survival fitted
/// directly (Cox), the others by the loop, plus a direct logistic regression.
pub const RUNS: [(TaskKind, FitMethod); 7] = [
    (TaskKind::Binary, FitMethod::Loop),
    (TaskKind::Binary, FitMethod::Direct),
    (TaskKind::Multiclass, FitMethod::Loop),
    (TaskKind::Multilabel, FitMethod::Loop),
    (TaskKind::Regression, FitMethod::Loop),
    (TaskKind::Survival, FitMethod::Direct),
    (TaskKind::SequenceLabelling, FitMethod::Loop),
];

/// Test and validation rows (or frames) of every run.
const SPLITS: [(&str, usize); 2] = [("val", 40), ("test", 60)];

pub fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

pub fn manifest(name: &str, dataset_path: &str) -> String {
    format!(
        r#"{{
  "medref_version": "0.1.0",
  "config_name": "{name}",
  "seed": 7,
  "git_commit": "0123456789abcdef0123456789abcdef01234567",
  "git_dirty": false,
  "crate_versions": {{"medref": "0.1.0"}},
  "device": "cpu",
  "backend": "flex (rayon, simd)",
  "threads": 2,
  "dataset_path": "{dataset_path}",
  "dataset_sha256": "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
  "command": ["medref", "train", "configs/x.toml"],
  "started": "2026-11-27T01:06:38Z",
  "finished": "2026-11-27T01:06:46Z",
  "duration_seconds": 8.66,
  "status": "finished"
}}"#
    )
}

/// What differs between the tasks' files.
struct Shape {
    domain: &'static str,
    data_format: &'static str,
    kind: &'static str,
    monitor: &'static str,
    class_names: &'static [&'static str],
    label_width: usize,
    n_outputs: usize,
    val: &'static str,
    test: &'static str,
}

fn shape(task: TaskKind, fit: FitMethod) -> Shape {
    let direct = fit == FitMethod::Direct;
    match task {
        TaskKind::Binary => Shape {
            domain: "clinical",
            data_format: "table",
            kind: if direct { "linear" } else { "mlp" },
            monitor: "auroc",
            class_names: &["no", "yes"],
            label_width: 1,
            n_outputs: 2,
            val: r#"{"n": 40, "n_positive": 14, "auroc": 0.88, "auprc": 0.8, "brier": 0.15, "ece": 0.04, "accuracy": 0.85}"#,
            test: r#"{"n": 60, "n_positive": 20, "auroc": 0.85, "auroc_ci_low": 0.78, "auroc_ci_high": 0.91, "auroc_ci_resamples": 200,
                     "auprc": 0.74, "brier": 0.17, "ece": 0.08, "accuracy": 0.8, "sensitivity": 0.7, "specificity": 0.85}"#,
        },
        TaskKind::Multiclass => Shape {
            domain: "eldercare",
            data_format: "sensor_csv",
            kind: "signal_cnn",
            monitor: "accuracy",
            class_names: &["sitting", "walking", "lying"],
            label_width: 1,
            n_outputs: 3,
            val: r#"{"n": 40, "accuracy": 0.7, "f1_macro": 0.6, "auroc": 0.8}"#,
            test: r#"{"n": 60, "accuracy": 0.72, "accuracy_ci_low": 0.6, "accuracy_ci_high": 0.82, "balanced_accuracy": 0.7,
                     "auroc": 0.81, "f1_macro": 0.61}"#,
        },
        TaskKind::Multilabel => Shape {
            domain: "imaging",
            data_format: "medmnist_npz",
            kind: "resnet",
            monitor: "auroc",
            class_names: &["effusion", "nodule", "mass", "oedema"],
            label_width: 4,
            n_outputs: 4,
            val: r#"{"n": 40, "auroc": 0.77, "auprc": 0.4}"#,
            test: r#"{"n": 60, "auroc": 0.75, "auroc_ci_low": 0.68, "auroc_ci_high": 0.82, "auprc": 0.38}"#,
        },
        TaskKind::Regression => Shape {
            domain: "drug",
            data_format: "molecules",
            kind: if direct { "linear" } else { "mlp" },
            monitor: "rmse",
            class_names: &[],
            label_width: 1,
            n_outputs: 1,
            val: r#"{"n": 40, "rmse": 0.71, "r2": 0.62, "mae": 0.52}"#,
            test: r#"{"n": 60, "rmse": 0.75, "r2": 0.58, "r2_ci_low": 0.47, "r2_ci_high": 0.69, "mae": 0.55}"#,
        },
        TaskKind::Survival => Shape {
            domain: "clinical",
            data_format: "table",
            kind: if direct { "cox" } else { "mlp" },
            monitor: "loss",
            class_names: &[],
            label_width: 1,
            n_outputs: 1,
            val: r#"{"n": 40, "n_events": 18, "c_index": 0.7, "loss": 3.1}"#,
            test: r#"{"n": 60, "n_events": 27, "c_index": 0.72, "c_index_ci_low": 0.64, "c_index_ci_high": 0.8, "c_index_ci_resamples": 200, "loss": 3.3}"#,
        },
        TaskKind::SequenceLabelling => Shape {
            domain: "surgery",
            data_format: "jigsaws",
            kind: "tcn",
            monitor: "accuracy",
            class_names: &["reach", "grasp", "pull", "release"],
            label_width: 1,
            n_outputs: 4,
            val: r#"{"n": 40, "frame_accuracy": 0.66, "accuracy": 0.66, "f1_macro": 0.6, "edit": 0.55}"#,
            test: r#"{"n": 60, "frame_accuracy": 0.68, "frame_accuracy_ci_low": 0.6, "frame_accuracy_ci_high": 0.75, "accuracy": 0.68,
                     "f1_macro": 0.62, "edit": 0.57, "f1_at_10": 0.7, "f1_at_25": 0.65, "f1_at_50": 0.52}"#,
        },
        TaskKind::Segmentation => unreachable!("not in TASKS: segmentation runs are tested through the CLI"),
    }
}

/// `predictions.csv` of the task: labels and scores of every val and test
/// row, with some signal so every curve has two classes to separate.
fn predictions(task: TaskKind, k: usize) -> String {
    let mut s = String::from("id,split");
    match task {
        TaskKind::Multilabel => (0..k).for_each(|j| s.push_str(&format!(",label_{j}"))),
        TaskKind::Survival => s.push_str(",label,time"),
        _ => s.push_str(",label"),
    }
    (0..k.max(1)).for_each(|j| s.push_str(&format!(",score_{j}")));
    s.push('\n');
    for (split, n) in SPLITS {
        for i in 0..n {
            let wobble = ((i * 7) % 10) as f64 / 10.0;
            let (labels, scores): (Vec<String>, Vec<f64>) = match task {
                TaskKind::Binary => {
                    let l = usize::from(i % 3 == 0);
                    let p = 0.1 + 0.4 * l as f64 + 0.45 * wobble;
                    (vec![l.to_string()], vec![1.0 - p, p])
                }
                TaskKind::Multiclass | TaskKind::SequenceLabelling => {
                    let l = i % k;
                    let guess = if i % 5 == 0 { (l + 1) % k } else { l };
                    let scores = (0..k).map(|j| if j == guess { 0.6 } else { 0.4 / (k - 1) as f64 }).collect();
                    (vec![l.to_string()], scores)
                }
                TaskKind::Multilabel => {
                    let labels: Vec<usize> = (0..k).map(|j| usize::from((i + j) % 3 == 0)).collect();
                    let scores = labels.iter().map(|&l| 0.2 + 0.4 * l as f64 + 0.3 * wobble).collect();
                    (labels.iter().map(|l| l.to_string()).collect(), scores)
                }
                TaskKind::Regression => {
                    let truth = -6.0 + 0.1 * i as f64;
                    (vec![format!("{truth:.3}")], vec![truth + 0.3 * (wobble - 0.5)])
                }
                TaskKind::Survival => {
                    let event = usize::from(i % 2 == 0);
                    let time = 50.0 + 10.0 * i as f64;
                    (vec![event.to_string(), format!("{time}")], vec![1.5 - 0.02 * i as f64 + wobble])
                }
                TaskKind::Segmentation => unreachable!("not in TASKS"),
            };
            let scores: Vec<String> = scores.iter().map(|v| format!("{v:.6}")).collect();
            let id = if task == TaskKind::SequenceLabelling { format!("seq{}:{i}", i / 20) } else { format!("row{i}") };
            s.push_str(&format!("{id},{split},{},{}\n", labels.join(","), scores.join(",")));
        }
    }
    s
}

/// `history.csv`: six epochs for the loop, the one row a direct fit writes.
fn history(monitor: &str, fit: FitMethod) -> String {
    // A run that monitors the loss has no column beyond val_loss.
    let extra = if monitor == "loss" { String::new() } else { format!(",val_{monitor}") };
    let mut s = format!("epoch,train_loss,val_loss{extra},lr,seconds\n");
    let epochs = if fit == FitMethod::Direct { 1 } else { 6 };
    for e in 1..=epochs {
        let e = e as f64;
        let value = if extra.is_empty() { String::new() } else { format!(",{:.4}", 0.6 + 0.05 * e) };
        s.push_str(&format!("{e},{:.4},{:.4}{value},1.0e-3,0.5\n", 0.7 / e, 0.6 / e + 0.02 * e));
    }
    s
}

/// `convex_fit.json` of a direct fit: a Cox model's hazard ratios, or a
/// logistic or ridge regression's solver record.
fn convex_fit(task: TaskKind) -> &'static str {
    if task == TaskKind::Survival {
        r#"{"solver": "newton on the partial likelihood, step halving", "model": "cox proportional hazards", "ties": "breslow",
            "penalizer": 0.0, "iterations": 6, "converged": true, "log_likelihood": -210.5, "n_train": 140, "horizon": 1000.0,
            "note": "covariates are the preprocessed features (standardised on the training rows)",
            "coefficients": [
              {"feature": "age", "coefficient": 0.31, "standard_error": 0.1, "hazard_ratio": 1.36, "hazard_ratio_ci95": [1.12, 1.66], "p_value": 0.002},
              {"feature": "x3", "coefficient": 0.02, "standard_error": 0.1, "hazard_ratio": 1.02, "hazard_ratio_ci95": [0.84, 1.24], "p_value": 0.84}]}"#
    } else {
        r#"{"solver": "newton (IRLS), Cholesky steps with step halving", "family": "logistic", "c": 1.0, "l2": 1.0,
            "class_weights": "none", "tol": 1e-6, "gradient_max_abs": 3.1e-9, "iterations": 7, "converged": true,
            "objective_per_row": 0.41, "n_train": 140, "n_features": 6, "intercept": -0.2, "coefficients": [0.5, -0.1, 0.3, 0.0, 0.2, 0.1]}"#
    }
}

/// `survival.json`: Kaplan-Meier curves of the test set by risk tertile
/// and three example patients' predicted curves.
const SURVIVAL_JSON: &str = r#"{"horizon": 1000.0, "uno_c_index": 0.7,
  "kaplan_meier_by_risk_tertile": [
    {"group": "low risk", "n": 20, "times": [100, 300, 600], "survival": [0.95, 0.85, 0.7], "at_risk": [20, 15, 8]},
    {"group": "middle", "n": 20, "times": [80, 250, 500], "survival": [0.9, 0.7, 0.5], "at_risk": [20, 14, 7]},
    {"group": "high risk", "n": 20, "times": [50, 150, 400], "survival": [0.8, 0.5, 0.25], "at_risk": [20, 12, 5]}],
  "example_patients": [
    {"label": "10th percentile of risk", "times": [100, 500, 900], "survival": [0.97, 0.85, 0.72]},
    {"label": "median risk", "times": [100, 500, 900], "survival": [0.93, 0.7, 0.5]},
    {"label": "90th percentile of risk", "times": [100, 500, 900], "survival": [0.85, 0.45, 0.2]}]}"#;

/// A finished run of `task` fitted by `fit` in `root`; `recorded` says
/// whether its metrics.json and model.json carry the task and fit method.
pub fn task_run(root: &Path, task: TaskKind, fit: FitMethod, recorded: bool) -> PathBuf {
    let fit_name = if fit == FitMethod::Direct { "direct" } else { "loop" };
    let dir = root.join(format!("{}-{fit_name}-{}", task.as_str(), if recorded { "recorded" } else { "old" }));
    fs::create_dir_all(&dir).unwrap();
    let s = shape(task, fit);
    let name = format!("{}-{}", task.as_str().replace('_', "-"), s.kind);
    let dataset = format!("/nonexistent/{}.csv", s.domain);
    let survival = if task == TaskKind::Survival {
        "task = \"survival\"\n\n[data.survival]\ntime = \"time\"\nevent = \"event\"\nhorizon = 1000\n"
    } else {
        ""
    };
    write(
        &dir,
        "config.toml",
        &format!(
            "name = \"{name}\"\ndomain = \"{}\"\ndescription = \"A hand-made {} run.\"\nseed = 7\n\n\
             [data]\nformat = \"{}\"\npath = \"{dataset}\"\n{survival}\n[model]\nkind = \"{}\"\n\n\
             [train]\nmonitor = \"{}\"\n\n[eval]\nthreshold = 0.5\nbootstrap = 200\n",
            s.domain,
            task.as_str(),
            s.data_format,
            s.kind,
            s.monitor
        ),
    );
    write(&dir, "manifest.json", &manifest(&name, &dataset));
    let task_key = if recorded { format!("\"task\": \"{}\",\n", task.as_str()) } else { String::new() };
    write(&dir, "metrics.json", &format!("{{{task_key}\"val\": {},\n\"test\": {}}}\n", s.val, s.test));
    write(&dir, "history.csv", &history(s.monitor, fit));
    let k = match task {
        TaskKind::Regression | TaskKind::Survival => 1,
        TaskKind::Binary => 2,
        _ => s.n_outputs,
    };
    write(&dir, "predictions.csv", &predictions(task, k));
    let names: Vec<String> = s.class_names.iter().map(|n| format!("\"{n}\"")).collect();
    let facts =
        if recorded { format!(", \"task\": \"{}\", \"fit\": \"{fit_name}\"", task.as_str()) } else { String::new() };
    write(
        &dir,
        "model.json",
        &format!(
            r#"{{"model": "{}", "input_shape": [6], "label_width": {}, "n_outputs": {}, "class_names": [{}], "best_epoch": {}{facts}}}"#,
            s.kind,
            s.label_width,
            s.n_outputs,
            names.join(", "),
            if fit == FitMethod::Direct { 1 } else { 4 }
        ),
    );
    if fit == FitMethod::Direct {
        write(&dir, "convex_fit.json", convex_fit(task));
    }
    let importance_metric = match task {
        TaskKind::Binary => Some(0.85),
        TaskKind::Regression => Some(0.58),
        TaskKind::Survival => Some(0.72),
        _ => None,
    };
    if let Some(baseline) = importance_metric {
        write(
            &dir,
            "feature_importance.csv",
            &format!("feature,baseline,mean_drop,std_drop\nage,{baseline},0.08,0.01\nlactate,{baseline},0.03,0.01\nnoise,{baseline},-0.002,0.003\n"),
        );
    }
    match task {
        TaskKind::Binary => write(
            &dir,
            "calibration.json",
            r#"{"test": [{"lower": 0.0, "upper": 0.5, "count": 35, "mean_score": 0.27, "fraction_positive": 0.17},
                         {"lower": 0.5, "upper": 1.0, "count": 25, "mean_score": 0.71, "fraction_positive": 0.56}]}"#,
        ),
        TaskKind::Survival => write(&dir, "survival.json", SURVIVAL_JSON),
        _ => {}
    }
    dir
}

/// The `data-plot` names of a page, in order.
pub fn plot_names(html: &str) -> Vec<String> {
    html.split("data-plot=\"").skip(1).filter_map(|s| Some(s[..s.find('"')?].to_string())).collect()
}

/// The `data-task` the run summary shows.
pub fn shown_task(html: &str) -> Option<String> {
    let at = html.find("data-task=\"")? + "data-task=\"".len();
    Some(html[at..at + html[at..].find('"')?].to_string())
}

/// The plots a report of `task` fitted by `fit` must draw and must not.
pub fn expected_plots(task: TaskKind, fit: FitMethod) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut drawn: Vec<&str> = match task {
        TaskKind::Binary => vec!["roc", "pr", "calibration", "confusion", "importance"],
        TaskKind::Multiclass | TaskKind::SequenceLabelling => vec!["roc", "confusion"],
        TaskKind::Multilabel => vec!["roc"],
        TaskKind::Regression => vec!["scatter", "importance"],
        TaskKind::Survival => vec!["kaplan_meier", "predicted_survival", "importance"],
        TaskKind::Segmentation => unreachable!("not in TASKS"),
    };
    let curves = ["loss", "metric"];
    if fit == FitMethod::Loop {
        drawn.extend(curves);
    }
    let absent =
        ["loss", "metric", "roc", "pr", "calibration", "confusion", "scatter", "kaplan_meier", "predicted_survival"]
            .into_iter()
            .filter(|p| !drawn.contains(p))
            .collect();
    (drawn, absent)
}
