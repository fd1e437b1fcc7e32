//! What a run predicts and how its model was fitted: facts the run writes
//! once (into `model.json` and `metrics.json`) so that the CLI, sweep
//! collection, the report and the model card read them instead of each
//! guessing them back from metric names.

use crate::targets::Targets;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The prediction task of a run, as `metrics.json` and `model.json` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Two classes; the positive class is class 1.
    Binary,
    /// One class out of three or more.
    Multiclass,
    /// Several independent 0/1 labels per example.
    Multilabel,
    /// A number per example, in its own units.
    Regression,
    /// Time to an event with censoring; the model scores a risk.
    Survival,
    /// A class per frame of each sequence (surgical phases, gestures).
    SequenceLabelling,
    /// A class per pixel of each image (vessels, polyps), judged per image.
    Segmentation,
}

impl TaskKind {
    /// The task the loop's targets pose.
    pub fn of_targets(targets: &Targets) -> TaskKind {
        match targets {
            Targets::Classes { n_classes, .. } if *n_classes <= 2 => TaskKind::Binary,
            Targets::Classes { .. } => TaskKind::Multiclass,
            Targets::MultiLabel { .. } => TaskKind::Multilabel,
            Targets::Regression { .. } => TaskKind::Regression,
            Targets::Survival { .. } => TaskKind::Survival,
            Targets::Frames { .. } => TaskKind::SequenceLabelling,
            Targets::Masks(_) => TaskKind::Segmentation,
        }
    }

    /// The name written in the run's files (`"sequence_labelling"`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Binary => "binary",
            TaskKind::Multiclass => "multiclass",
            TaskKind::Multilabel => "multilabel",
            TaskKind::Regression => "regression",
            TaskKind::Survival => "survival",
            TaskKind::SequenceLabelling => "sequence_labelling",
            TaskKind::Segmentation => "segmentation",
        }
    }

    /// Words for a reader: `"binary classification"`.
    pub fn describe(self) -> &'static str {
        match self {
            TaskKind::Binary => "binary classification",
            TaskKind::Multiclass => "multi-class classification",
            TaskKind::Multilabel => "multi-label classification",
            TaskKind::Regression => "regression",
            TaskKind::Survival => "survival (time to event)",
            TaskKind::SequenceLabelling => "sequence labelling (a class per frame)",
            TaskKind::Segmentation => "segmentation (a class per pixel)",
        }
    }

    /// The test metrics a reader looks at first for this task, most
    /// important first (summary lines, sweep tables, model cards).
    pub fn headline_metrics(self) -> &'static [&'static str] {
        match self {
            TaskKind::Binary => &["auroc", "accuracy", "balanced_accuracy"],
            TaskKind::Multiclass => &["accuracy", "f1_macro", "auroc"],
            TaskKind::Multilabel => &["auroc", "accuracy"],
            TaskKind::Regression => &["rmse", "mae", "r2", "spearman"],
            TaskKind::Survival => &["c_index"],
            TaskKind::SequenceLabelling => &["frame_accuracy", "edit", "f1_at_50"],
            TaskKind::Segmentation => &["dice", "iou", "hd95"],
        }
    }

    /// Whether each output is a class probability (ROC, calibration and a
    /// confusion matrix mean something).
    pub fn is_classification(self) -> bool {
        matches!(self, TaskKind::Binary | TaskKind::Multiclass | TaskKind::Multilabel | TaskKind::SequenceLabelling)
    }

    /// The task of a run directory written before the task was recorded,
    /// guessed from its metric names and `model.json`'s output counts. The
    /// one place that guesses: every reader goes through [`run_task`].
    pub fn guess_for_old_run(splits: &Splits, label_width: usize, n_outputs: usize) -> TaskKind {
        let has = |key: &str| splits.values().any(|m| m.contains_key(key));
        if has("hd95") {
            TaskKind::Segmentation
        } else if has("frame_accuracy") {
            TaskKind::SequenceLabelling
        } else if has("c_index") {
            TaskKind::Survival
        } else if has("rmse") || has("r2") || has("mae") {
            TaskKind::Regression
        } else if label_width > 1 {
            TaskKind::Multilabel
        } else if n_outputs > 2 || has("f1_macro") {
            TaskKind::Multiclass
        } else {
            TaskKind::Binary
        }
    }
}

impl std::fmt::Display for TaskKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the model's weights were found: by the training loop, epoch by
/// epoch, or as the solution of a convex problem in one deterministic fit
/// (no epochs, no learning curve, no throughput worth reporting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitMethod {
    #[default]
    Loop,
    Direct,
}

/// Split name -> metric name -> value.
pub type Splits = BTreeMap<String, BTreeMap<String, f64>>;

/// `metrics.json`: the task, then one map of metrics per split. Runs made
/// before the task was recorded have only the splits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskKind>,
    #[serde(flatten)]
    pub splits: Splits,
}

/// The task of a run from its `metrics.json` and `model.json` (as JSON
/// values, `Null` when absent): the recorded task where either file has
/// one, else [`TaskKind::guess_for_old_run`].
pub fn run_task(metrics: &MetricsFile, model: &serde_json::Value) -> TaskKind {
    if let Some(task) = metrics.task {
        return task;
    }
    if let Some(task) = model.get("task").and_then(|t| serde_json::from_value(t.clone()).ok()) {
        return task;
    }
    let count = |k: &str| model.get(k).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
    TaskKind::guess_for_old_run(&metrics.splits, count("label_width"), count("n_outputs"))
}

/// How a run's model was fitted, from `model.json`; runs that predate the
/// record were fitted directly exactly when they wrote `convex_fit.json`.
pub fn run_fit_method(model: &serde_json::Value, has_convex_fit_json: bool) -> FitMethod {
    match model.get("fit").and_then(|t| serde_json::from_value(t.clone()).ok()) {
        Some(fit) => fit,
        None if has_convex_fit_json => FitMethod::Direct,
        None => FitMethod::Loop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn splits(keys: &[&str]) -> Splits {
        let m: BTreeMap<String, f64> = keys.iter().map(|k| (k.to_string(), 0.5)).collect();
        [("test".to_string(), m)].into_iter().collect()
    }

    #[test]
    fn old_runs_are_guessed_from_their_metric_names() {
        let cases: [(&[&str], usize, usize, TaskKind); 7] = [
            (&["auroc", "accuracy"], 1, 2, TaskKind::Binary),
            (&["auroc", "f1_macro"], 1, 3, TaskKind::Multiclass),
            (&["accuracy"], 1, 5, TaskKind::Multiclass),
            (&["auroc"], 4, 4, TaskKind::Multilabel),
            (&["rmse", "r2"], 1, 1, TaskKind::Regression),
            (&["c_index", "rmse"], 1, 1, TaskKind::Survival),
            (&["frame_accuracy", "edit"], 1, 7, TaskKind::SequenceLabelling),
        ];
        for (keys, width, outputs, want) in cases {
            assert_eq!(TaskKind::guess_for_old_run(&splits(keys), width, outputs), want, "{keys:?}");
        }
    }

    #[test]
    fn a_recorded_task_wins_over_the_guess() {
        // Metric names of a regression, but the run says survival.
        let file = MetricsFile { task: Some(TaskKind::Survival), splits: splits(&["rmse"]) };
        assert_eq!(run_task(&file, &serde_json::Value::Null), TaskKind::Survival);
        let old = MetricsFile { task: None, splits: splits(&["rmse"]) };
        assert_eq!(run_task(&old, &json!({"task": "survival"})), TaskKind::Survival);
        assert_eq!(run_task(&old, &serde_json::Value::Null), TaskKind::Regression);
    }

    #[test]
    fn metrics_file_writes_the_task_first_and_reads_old_files() {
        let file = MetricsFile { task: Some(TaskKind::SequenceLabelling), splits: splits(&["edit"]) };
        let text = serde_json::to_string(&file).unwrap();
        assert_eq!(text, r#"{"task":"sequence_labelling","test":{"edit":0.5}}"#);
        let back: MetricsFile = serde_json::from_str(&text).unwrap();
        assert_eq!(back, file);
        let old: MetricsFile = serde_json::from_str(r#"{"test":{"auroc":0.9},"val":{"auroc":0.8}}"#).unwrap();
        assert_eq!(old.task, None);
        assert_eq!(old.splits.len(), 2);
    }

    #[test]
    fn targets_name_their_task() {
        let classes = |k| Targets::Classes { labels: vec![0, 1], n_classes: k };
        assert_eq!(TaskKind::of_targets(&classes(2)), TaskKind::Binary);
        assert_eq!(TaskKind::of_targets(&classes(3)), TaskKind::Multiclass);
        let frames = Targets::Frames { labels: vec![0, 1], offsets: vec![0, 2], n_classes: 2 };
        assert_eq!(TaskKind::of_targets(&frames), TaskKind::SequenceLabelling);
        let surv = Targets::Survival { time: vec![1.0], event: vec![true] };
        assert_eq!(TaskKind::of_targets(&surv), TaskKind::Survival);
    }

    #[test]
    fn fit_method_falls_back_to_the_convex_fit_file() {
        assert_eq!(run_fit_method(&json!({"fit": "direct"}), false), FitMethod::Direct);
        assert_eq!(run_fit_method(&json!({}), true), FitMethod::Direct);
        assert_eq!(run_fit_method(&json!({}), false), FitMethod::Loop);
    }
}
