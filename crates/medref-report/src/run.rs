//! Reading a run directory into memory, once, for every writer.
//!
//! `config.toml`, `manifest.json` and `metrics.json` are required: without
//! them there is nothing to report. Everything else is optional and its
//! section or plot is left out when absent; a file that is present but
//! unreadable is an error naming it, since a silently missing plot would
//! hide a broken run.

use crate::error::ReportError;
use medref_core::manifest::RunManifest;
use medref_core::metrics::CalibrationBin;
use medref_core::task::{run_fit_method, run_task, FitMethod, MetricsFile, Splits, TaskKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `metrics.json`'s splits: split -> metric -> value (the recorded task,
/// where there is one, is [`Run::task`]).
pub(crate) type Metrics = Splits;

/// `history.csv`, one entry per epoch.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    pub epochs: Vec<f64>,
    pub train_loss: Vec<f64>,
    pub val_loss: Vec<f64>,
    /// The monitored validation metric (`val_<monitor>` column), if other than the loss.
    pub monitor: Option<(String, Vec<f64>)>,
}

/// The predictions of one split: row-major `[n, label_width]` labels and
/// `[n, n_scores]` scores.
#[derive(Debug, Clone, Default)]
pub(crate) struct SplitPredictions {
    pub n: usize,
    pub labels: Vec<f64>,
    pub scores: Vec<f64>,
}

/// `predictions.csv`, grouped by split. Only aggregates of it are ever shown.
#[derive(Debug, Clone)]
pub(crate) struct Predictions {
    pub label_width: usize,
    pub n_scores: usize,
    pub splits: BTreeMap<String, SplitPredictions>,
}

/// `subgroups.json`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Subgroups {
    /// Subgroup value -> metric -> value, on the test split.
    #[serde(default)]
    pub test: BTreeMap<String, BTreeMap<String, f64>>,
    /// Test rows without a subgroup value.
    #[serde(default)]
    pub missing: u64,
}

/// One row of `feature_importance.csv`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Importance {
    pub feature: String,
    pub baseline: f64,
    pub mean_drop: f64,
    pub std_drop: f64,
}

/// An explanation picture found in the run directory.
#[derive(Debug, Clone)]
pub(crate) struct Explanation {
    pub file: String,
    /// The SVG, ready to inline, or why it was left out.
    pub svg: Result<String, String>,
}

/// Everything a report needs from one run directory.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub dir: PathBuf,
    pub config: toml::Table,
    pub manifest: RunManifest,
    pub metrics: Metrics,
    /// What the run predicts: recorded by the run, or guessed once for a
    /// run made before it was recorded. Every section reads it from here.
    pub task: TaskKind,
    /// Whether the loop trained the model epoch by epoch or a convex
    /// problem was solved directly; a direct fit has no learning curve.
    pub fit: FitMethod,
    pub model: serde_json::Map<String, serde_json::Value>,
    pub history: Option<History>,
    pub predictions: Option<Predictions>,
    pub calibration: Option<BTreeMap<String, Vec<CalibrationBin>>>,
    pub subgroups: Option<Subgroups>,
    pub importance: Option<Vec<Importance>>,
    pub data_report: Option<serde_json::Map<String, serde_json::Value>>,
    /// `survival.json` of a survival model: prognosis metrics and the test
    /// set's Kaplan-Meier curves by predicted-risk tertile.
    pub survival: Option<serde_json::Map<String, serde_json::Value>>,
    /// `convex_fit.json` of a model solved directly (linear, Cox).
    pub convex_fit: Option<serde_json::Map<String, serde_json::Value>>,
    pub explanations: Vec<Explanation>,
    /// A real-world-data study's attrition and characterisation tables.
    pub study: Option<crate::study::Study>,
    /// `per_image_metrics.csv` of a segmentation run.
    pub per_image: Option<Vec<crate::segmentation::ImageRow>>,
    /// A published bundle's own files (`medref publish`); `None` for a run.
    pub published: Option<crate::published_bundle::Published>,
}

/// Explanation SVGs larger than this are linked by name instead of inlined.
const MAX_INLINE_SVG_BYTES: usize = 4 << 20;

fn read_text(path: &Path) -> Result<Option<String>, ReportError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReportError::Read { path: path.to_path_buf(), source: e }),
    }
}

fn required(path: &Path) -> Result<String, ReportError> {
    read_text(path)?.ok_or_else(|| ReportError::Missing { path: path.to_path_buf() })
}

fn json<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, ReportError> {
    serde_json::from_str(text).map_err(|e| ReportError::parse(path, format!("not the JSON a run writes: {e}")))
}

fn optional_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, ReportError> {
    read_text(path)?.map(|t| json(path, &t)).transpose()
}

impl Run {
    /// Reads `dir`; see the module comment for what must be there.
    pub(crate) fn load(dir: &Path) -> Result<Run, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::Missing { path: dir.to_path_buf() });
        }
        let config_path = dir.join("config.toml");
        let config: toml::Table = required(&config_path)?
            .parse()
            .map_err(|e| ReportError::parse(&config_path, format!("not valid TOML: {e}")))?;
        let manifest_path = dir.join("manifest.json");
        let mut manifest: RunManifest = json(&manifest_path, &required(&manifest_path)?)?;
        // A `running` manifest whose process is gone is shown as the
        // interrupted run it is.
        manifest.status = manifest.status_now(dir);
        let metrics_path = dir.join("metrics.json");
        if !metrics_path.exists() && manifest.status != "finished" {
            let next = if manifest.status.starts_with("running") {
                "wait for it to finish".to_string()
            } else {
                format!("continue it with: medref train --resume {}", dir.display())
            };
            let message = format!("absent: the run is {}; a report needs a finished run ({next})", manifest.status);
            return Err(ReportError::parse(&metrics_path, message));
        }
        let metrics: MetricsFile = json(&metrics_path, &required(&metrics_path)?)?;
        let model: serde_json::Map<String, serde_json::Value> =
            optional_json(&dir.join("model.json"))?.unwrap_or_default();
        let history_path = dir.join("history.csv");
        let history = read_text(&history_path)?.map(|t| parse_history(&history_path, &t)).transpose()?;
        let predictions_path = dir.join("predictions.csv");
        let predictions =
            read_text(&predictions_path)?.map(|t| parse_predictions(&predictions_path, &t)).transpose()?;
        let importance_path = dir.join("feature_importance.csv");
        let importance = read_text(&importance_path)?.map(|t| parse_importance(&importance_path, &t)).transpose()?;
        let convex_fit: Option<serde_json::Map<String, serde_json::Value>> =
            optional_json(&dir.join("convex_fit.json"))?;
        let task = run_task(&metrics, &task_facts(&model, predictions.as_ref()));
        let fit = run_fit_method(&serde_json::Value::Object(model.clone()), convex_fit.is_some());
        Ok(Run {
            dir: dir.to_path_buf(),
            config,
            manifest,
            metrics: metrics.splits,
            task,
            fit,
            model,
            history,
            predictions,
            calibration: optional_json(&dir.join("calibration.json"))?,
            subgroups: optional_json(&dir.join("subgroups.json"))?,
            importance,
            data_report: optional_json(&dir.join("data_report.json"))?,
            survival: optional_json(&dir.join("survival.json"))?,
            convex_fit,
            explanations: find_explanations(dir)?,
            study: crate::study::Study::load(dir)?,
            per_image: {
                let path = dir.join("per_image_metrics.csv");
                read_text(&path)?.map(|t| crate::segmentation::parse(&path, &t)).transpose()?
            },
            published: crate::published_bundle::load(dir)?,
        })
    }

    fn config_str(&self, section: Option<&str>, key: &str) -> Option<&str> {
        let table = match section {
            Some(s) => self.config.get(s)?.as_table()?,
            None => &self.config,
        };
        table.get(key)?.as_str()
    }

    /// The config's `name`, or the manifest's record of it.
    pub(crate) fn name(&self) -> &str {
        self.config_str(None, "name").unwrap_or(&self.manifest.config_name)
    }

    pub(crate) fn domain(&self) -> &str {
        self.config_str(None, "domain").unwrap_or("unknown")
    }

    pub(crate) fn description(&self) -> &str {
        self.config_str(None, "description").unwrap_or("")
    }

    /// `[model].kind` (e.g. `linear`, `resnet`).
    pub(crate) fn model_kind(&self) -> &str {
        self.config_str(Some("model"), "kind")
            .or_else(|| self.model.get("model").and_then(|v| v.as_str()))
            .unwrap_or("unknown")
    }

    /// `[data].format`.
    pub(crate) fn data_format(&self) -> Option<&str> {
        self.config_str(Some("data"), "format")
    }

    /// `[train].monitor`.
    pub(crate) fn monitor(&self) -> Option<&str> {
        self.config_str(Some("train"), "monitor")
    }

    /// The epoch whose weights were kept (1-based, as in `history.csv`).
    pub(crate) fn best_epoch(&self) -> Option<u64> {
        self.model.get("best_epoch").and_then(|v| v.as_u64())
    }

    /// The binary decision threshold the metrics were computed at.
    pub(crate) fn threshold(&self) -> f64 {
        self.config
            .get("eval")
            .and_then(|e| e.get("threshold"))
            .and_then(|t| t.as_float().or_else(|| t.as_integer().map(|i| i as f64)))
            .unwrap_or(0.5)
    }

    /// Class (or label) names in output order; numbers where the data names none.
    pub(crate) fn class_names(&self, k: usize) -> Vec<String> {
        let named: Vec<String> = self
            .model
            .get("class_names")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
            .unwrap_or_default();
        if named.len() == k {
            named
        } else {
            (0..k).map(|i| i.to_string()).collect()
        }
    }

    pub(crate) fn split_metrics(&self, split: &str) -> Option<&BTreeMap<String, f64>> {
        self.metrics.get(split)
    }

    /// What the run predicts (see the field).
    pub(crate) fn task(&self) -> TaskKind {
        self.task
    }

    /// Whether the model was solved directly (no epochs, no monitor).
    pub(crate) fn is_direct_fit(&self) -> bool {
        self.fit == FitMethod::Direct
    }

    /// Classes (or labels) per output: 2 for binary, the score columns of
    /// `predictions.csv` (else `model.json`'s count) for multi-class and
    /// per-frame classes, the label columns for multi-label; 0 for a
    /// number or a risk.
    pub(crate) fn n_classes(&self) -> usize {
        let field = |k: &str| self.model.get(k).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
        let p = self.predictions.as_ref();
        match self.task {
            TaskKind::Binary => 2,
            TaskKind::Multiclass | TaskKind::SequenceLabelling => p.map_or_else(|| field("n_outputs"), |p| p.n_scores),
            TaskKind::Multilabel => p.map_or_else(|| field("label_width"), |p| p.label_width),
            TaskKind::Regression | TaskKind::Survival => 0,
            TaskKind::Segmentation => field("n_outputs"),
        }
    }

    /// The task in a reader's words, with the class count where known
    /// (`3-class classification`).
    pub(crate) fn task_text(&self) -> String {
        let k = self.n_classes();
        match self.task {
            TaskKind::Multiclass if k > 2 => format!("{k}-class classification"),
            TaskKind::Multilabel if k > 0 => format!("multi-label classification ({k} labels)"),
            TaskKind::SequenceLabelling if k > 0 => {
                format!("sequence labelling (one of {k} classes per frame)")
            }
            task => task.describe().to_string(),
        }
    }

    /// Labels and positive-class scores of a binary task's split; `None`
    /// where the predictions do not have one label and two scores a row.
    pub(crate) fn binary_scores(&self, split: &str) -> Option<(Vec<bool>, Vec<f64>)> {
        let p = self.predictions.as_ref()?;
        let s = p.splits.get(split)?;
        if self.task != TaskKind::Binary || s.n == 0 || p.label_width != 1 || p.n_scores < 2 {
            return None;
        }
        let labels = s.labels.iter().map(|&l| l == 1.0).collect();
        let scores = s.scores.chunks(p.n_scores).map(|r| r[1]).collect();
        Some((labels, scores))
    }

    /// Directory name, to tell apart runs of the same config.
    pub(crate) fn dir_name(&self) -> String {
        self.dir
            .canonicalize()
            .unwrap_or_else(|_| self.dir.clone())
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.dir.display().to_string())
    }
}

/// `model.json` as [`run_task`] reads it, with the output counts taken
/// from `predictions.csv` where `model.json` lacks them, so a run made
/// before either fact was recorded is still guessed from its columns.
fn task_facts(
    model: &serde_json::Map<String, serde_json::Value>,
    predictions: Option<&Predictions>,
) -> serde_json::Value {
    let mut facts = model.clone();
    if let Some(p) = predictions {
        for (key, n) in [("label_width", p.label_width), ("n_outputs", p.n_scores)] {
            if !facts.get(key).is_some_and(|v| v.is_u64()) {
                facts.insert(key.into(), n.into());
            }
        }
    }
    serde_json::Value::Object(facts)
}

/// A CSV cell as a number; empty or unparsable cells are NaN (drawn as gaps).
fn number(cell: &str) -> f64 {
    cell.trim().parse().unwrap_or(f64::NAN)
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes())
}

fn csv_error(path: &Path, e: csv::Error) -> ReportError {
    let at = e.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    ReportError::parse(path, format!("{at}{e}"))
}

fn parse_history(path: &Path, text: &str) -> Result<History, ReportError> {
    let mut reader = csv_reader(text);
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(epoch), Some(train), Some(val)) = (col("epoch"), col("train_loss"), col("val_loss")) else {
        return Err(ReportError::parse(path, "expected a header with the columns epoch, train_loss and val_loss"));
    };
    let monitor =
        headers.iter().position(|h| h.starts_with("val_") && h != "val_loss").map(|i| (i, headers[i].to_string()));
    let mut h = History::default();
    let mut monitor_values = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| csv_error(path, e))?;
        let get = |i: usize| r.get(i).map_or(f64::NAN, number);
        h.epochs.push(get(epoch));
        h.train_loss.push(get(train));
        h.val_loss.push(get(val));
        if let Some((i, _)) = &monitor {
            monitor_values.push(get(*i));
        }
    }
    h.monitor = monitor.map(|(_, name)| (name, monitor_values));
    Ok(h)
}

fn parse_predictions(path: &Path, text: &str) -> Result<Predictions, ReportError> {
    let mut reader = csv_reader(text);
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let split_col = headers
        .iter()
        .position(|h| h == "split")
        .ok_or_else(|| ReportError::parse(path, "expected a `split` column (id,split,label,score_0,...)"))?;
    let numbered = |prefix: &str| -> Vec<usize> {
        let mut cols = Vec::new();
        while let Some(i) = headers.iter().position(|h| h == format!("{prefix}_{}", cols.len())) {
            cols.push(i);
        }
        cols
    };
    let label_cols = match headers.iter().position(|h| h == "label") {
        Some(i) => vec![i],
        None => numbered("label"),
    };
    let score_cols = numbered("score");
    if label_cols.is_empty() || score_cols.is_empty() {
        return Err(ReportError::parse(path, "expected `label` (or `label_0`, ...) and `score_0`, ... columns"));
    }
    let mut splits: BTreeMap<String, SplitPredictions> = BTreeMap::new();
    for record in reader.records() {
        let r = record.map_err(|e| csv_error(path, e))?;
        let split = splits.entry(r.get(split_col).unwrap_or("").to_string()).or_default();
        split.n += 1;
        split.labels.extend(label_cols.iter().map(|&i| r.get(i).map_or(f64::NAN, number)));
        split.scores.extend(score_cols.iter().map(|&i| r.get(i).map_or(f64::NAN, number)));
    }
    Ok(Predictions { label_width: label_cols.len(), n_scores: score_cols.len(), splits })
}

fn parse_importance(path: &Path, text: &str) -> Result<Vec<Importance>, ReportError> {
    csv_reader(text).deserialize().collect::<Result<Vec<Importance>, _>>().map_err(|e| csv_error(path, e))
}

/// `explain*.svg` and `ism.svg`, in the run directory or its `plots/`.
fn find_explanations(dir: &Path) -> Result<Vec<Explanation>, ReportError> {
    let mut found = Vec::new();
    for folder in [dir.to_path_buf(), dir.join("plots")] {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let lower = name.to_ascii_lowercase();
            if path.is_file() && lower.ends_with(".svg") && (lower.starts_with("explain") || lower == "ism.svg") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|path| {
            let file = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let svg = if size as usize > MAX_INLINE_SVG_BYTES {
                Err(format!("{size} bytes, too large to inline; open the file itself"))
            } else {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| ReportError::Read { path: path.clone(), source: e })?;
                crate::sanitise::sanitise_svg(&text).map_err(String::from)
            };
            Ok(Explanation { file, svg })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_group_by_split_and_find_columns() {
        let text = "id,split,label_0,label_1,score_0,score_1\na,val,1,0,0.9,0.1\nb,test,0,1,0.2,0.7\n";
        let p = parse_predictions(Path::new("p.csv"), text).unwrap();
        assert_eq!((p.label_width, p.n_scores), (2, 2));
        assert_eq!(p.splits["test"].labels, vec![0.0, 1.0]);
        assert_eq!(p.splits["val"].scores, vec![0.9, 0.1]);
    }
}
