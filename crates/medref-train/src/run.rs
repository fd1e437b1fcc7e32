//! A run from config to run directory, and the commands that reopen one
//! (`eval`, `predict`), generic over the data format and its baseline.
//!
//! The order of a training run: read the data (so bad input leaves no
//! directory behind), prepare the directory and its manifest, write the
//! domain's data files, fit with checkpoints, score val and test with the
//! best epoch, write the common files, the domain's model files, then the
//! explanation, report and model card.

use crate::baseline::{Baseline, DataFormat, DataShape, DirectFit, ModelMeta, Prediction, RunInfo, Trained};
use crate::checkpoint::{save_weights, Checkpoints};
use crate::device::{open_device, DeviceChoice};
use crate::evaluate::{argmax_rows, monitor_value, predict_scores, score_loss, split_metrics, Metrics};
use crate::examples::{Examples, Network, Targets};
use crate::fit::{fit, EpochRecord, Fitted, Progress};
use crate::history::history_csv;
use crate::pytorch_weights::write_safetensors;
use crate::run_dir::{
    check_resumable, crate_versions, csv_field, dataset_digest, predictions_csv, prepare_run_dir, rayon_threads,
    write_json,
};
use crate::TrainError;
use burn::prelude::*;
use medref_core::config::{Config, DataFormats, Monitor, TrainConfig};
use medref_core::fsutil::write_atomic;
use medref_core::manifest::{git_state, now_rfc3339, RunManifest};
use medref_core::task::{FitMethod, MetricsFile, TaskKind};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `medref train` was asked to do.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// The loaded config, with `--set` overrides applied.
    pub config: Config,
    pub device: DeviceChoice,
    /// The run directory; `runs/<name>-<timestamp>` when absent.
    pub out: Option<PathBuf>,
    /// Allow replacing an existing, non-empty run directory.
    pub force: bool,
    /// The command line, recorded in the manifest.
    pub command: Vec<String>,
    /// Continue the interrupted run in `out` from its last committed epoch
    /// (`config` must be the run's own `config.toml`).
    pub resume: bool,
}

/// What a finished run reports back.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub dir: PathBuf,
    pub metrics: Metrics,
    pub best_epoch: usize,
    pub epochs_run: usize,
    pub stopped_early: bool,
    pub seconds: f64,
    pub train_samples_per_second: f64,
    /// What the model predicts, as written into `metrics.json`.
    pub task: TaskKind,
    /// Direct fits have no epochs and no throughput worth reporting.
    pub fit: FitMethod,
}

fn bad_run(dir: &Path, message: String) -> TrainError {
    TrainError::RunDir { path: dir.to_path_buf(), message }
}

/// Reads `dir`'s `config.toml` (its `[data]` parsed by `formats`) and
/// `model.json`.
pub fn open_run(dir: &Path, formats: &dyn DataFormats) -> Result<RunInfo, TrainError> {
    crate::run_dir::check_finished(dir)?;
    let config = Config::load(&dir.join("config.toml"), &[], formats)?;
    let meta_path = dir.join("model.json");
    let text = std::fs::read_to_string(&meta_path)
        .map_err(|e| bad_run(dir, format!("not a finished medref run (model.json: {e})")))?;
    let meta: ModelMeta = serde_json::from_str(&text).map_err(|e| bad_run(&meta_path, format!("unreadable: {e}")))?;
    if meta.model != config.model.kind() {
        return Err(bad_run(&meta_path, "does not match the run's config.toml".into()));
    }
    Ok(RunInfo { dir: dir.to_path_buf(), config, meta })
}

/// The weight files a finished run's manifest vouches for.
const WEIGHT_FILES: [&str; 2] = ["model.bpk", "model.safetensors"];

/// Refuses a weight file that differs from the digest the run's manifest
/// recorded (runs made before digests were recorded are not checked).
fn verify_weights(dir: &Path) -> Result<(), TrainError> {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else { return Ok(()) };
    let Ok(manifest) = serde_json::from_str::<RunManifest>(&text) else { return Ok(()) };
    crate::checkpoint::check_sha256(dir, &manifest.weights_sha256).map_err(|m| match m.unreadable {
        Some(source) => TrainError::Io { path: m.path, source },
        None => {
            let message = "differs from the SHA-256 in manifest.json (changed since the run wrote it)".to_string();
            TrainError::RunDir { path: m.path, message }
        }
    })
}

/// Loads the run's best weights into baseline `B`'s network on `device`.
pub fn reopen<B: Baseline>(info: RunInfo, device: DeviceChoice) -> Result<Trained<B::Model>, TrainError> {
    verify_weights(&info.dir)?;
    let device = open_device(device)?.device;
    let fresh = B::build(&info.config, &info.meta, &device)?;
    let model = B::load_fitted(&info, fresh)?.valid();
    Ok(Trained { info, model, device, fit_state: None })
}

/// The config's `[data]` section as format `F`'s own type. The registry
/// hands a format only configs of its own name, so a mismatch is a bug
/// named here rather than a panic.
fn section_of<F: DataFormat>(config: &Config) -> Result<&F::Section, TrainError> {
    config.data.get::<F::Section>().ok_or_else(|| {
        TrainError::Mismatch(format!(
            "[data].format = \"{}\" was given to the `{}` reader",
            config.data.format(),
            F::FORMAT
        ))
    })
}

/// Reads data through format `F`, refusing a single-class label set.
fn load<F: DataFormat>(
    config: &Config,
    path: Option<&Path>,
) -> Result<(<F::Baseline as Baseline>::Data, DataShape), TrainError> {
    let data = F::load(config, section_of::<F>(config)?, path)?;
    let shape = F::Baseline::shape(&data);
    if shape.label_width == 1 && shape.n_classes.is_some_and(|k| k < 2) {
        return Err(TrainError::Mismatch(format!(
            "{}: only one class in the labels; a classifier needs at least two",
            path.unwrap_or(config.data.path()).display()
        )));
    }
    Ok((data, shape))
}

/// What `medref data validate` reports: the data read exactly as `train`
/// would read it (same checks, same messages), before any training.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSummary {
    pub format: &'static str,
    pub shape: DataShape,
    /// Examples in train, val and test.
    pub split_sizes: [usize; 3],
}

/// Reads a config's data (or `path` instead of its main file) through
/// format `F` and its baseline's splits, as training would.
pub fn inspect<F: DataFormat>(config: &Config, path: Option<&Path>) -> Result<DataSummary, TrainError> {
    let (data, shape) = load::<F>(config, path)?;
    let split_sizes = require_examples::<F::Baseline>(config, &data, path)?;
    Ok(DataSummary { format: F::FORMAT, shape, split_sizes })
}

/// Examples in train, val and test; an empty split is refused before any
/// run directory is made (a run that cannot evaluate its test split is an
/// error, not a success). `train` and `data validate` share it, so both
/// say the same thing.
fn require_examples<B: Baseline>(
    config: &Config,
    data: &B::Data,
    path: Option<&Path>,
) -> Result<[usize; 3], TrainError> {
    let [train, val, test] = B::splits(config, data);
    let sizes = [train.len(), val.len(), test.len()];
    if let Some(i) = sizes.iter().position(|&n| n == 0) {
        let (split, consequence) =
            [("train", "be trained"), ("val", "select its best epoch"), ("test", "be evaluated")][i];
        return Err(TrainError::Mismatch(format!(
            "{}: the {split} split is empty, so the run cannot {consequence}; give more data, a test file, or larger fractions",
            path.unwrap_or(config.data.path()).display()
        )));
    }
    Ok(sizes)
}

/// Trains a config end to end with format `F` and writes its run directory.
pub fn train<F: DataFormat>(req: &TrainRequest, progress: &mut dyn Progress) -> Result<TrainOutcome, TrainError> {
    let started = Instant::now();
    let config = &req.config;
    let opened = open_device(req.device)?;
    let (data, shape) = load::<F>(config, None)?;
    require_examples::<F::Baseline>(config, &data, None)?;
    let dir = req.out.clone().unwrap_or_else(|| {
        let stamp = now_rfc3339().replace([':', '-'], "");
        PathBuf::from("runs").join(format!("{}-{stamp}", config.name))
    });
    if !req.resume {
        crate::run_dir::check_replaceable(&dir, req.force)?;
    }
    let _lock = crate::run_dir::lock_run_dir(&dir)?;
    if req.resume {
        if let Some(note) = check_resumable(&dir, &config.data)? {
            progress.note(&note);
        }
    } else {
        prepare_run_dir(&dir, req.force)?;
    }

    let (working_directory_commit, working_directory_dirty) = git_state(Path::new("."));
    let built_from = env!("MEDREF_GIT_COMMIT");
    let mut manifest = RunManifest {
        medref_version: env!("CARGO_PKG_VERSION").into(),
        config_name: config.name.clone(),
        seed: config.seed,
        git_commit: (!built_from.is_empty()).then(|| built_from.to_string()),
        git_dirty: env!("MEDREF_GIT_DIRTY").parse().ok(),
        working_directory_commit,
        working_directory_dirty,
        crate_versions: crate_versions(),
        device: req.device.as_str().into(),
        backend: opened.backend.clone(),
        threads: rayon_threads(),
        dataset_path: config.data.path().display().to_string(),
        dataset_sha256: dataset_digest(&config.data)?,
        command: req.command.clone(),
        started: now_rfc3339(),
        finished: None,
        duration_seconds: None,
        status: "running".into(),
        weights_sha256: Default::default(),
    };
    write_atomic(&dir.join("config.toml"), config.to_toml().as_bytes())
        .map_err(TrainError::io(dir.join("config.toml")))?;
    write_json(&dir.join("manifest.json"), &manifest)?;

    let result =
        fit_and_write::<F::Baseline>(config, &data, shape, &opened.device, &dir, progress).map_err(|e| match e {
            TrainError::Interrupted { signal, epochs, .. } => {
                TrainError::Interrupted { signal, epochs, dir: dir.clone() }
            }
            other => other,
        });
    manifest.finished = Some(now_rfc3339());
    manifest.duration_seconds = Some(started.elapsed().as_secs_f64());
    manifest.status = match &result {
        Ok(_) => "finished".into(),
        Err(TrainError::Interrupted { epochs, .. }) => format!("interrupted after epoch {epochs}"),
        Err(e) => format!("failed: {e}"),
    };
    if result.is_ok() {
        for name in WEIGHT_FILES.iter().chain(F::Baseline::MODEL_FILES) {
            let path = dir.join(name);
            let digest = medref_core::fsutil::sha256_path(&path).map_err(TrainError::io(&path))?;
            manifest.weights_sha256.insert(name.to_string(), digest);
        }
    }
    write_json(&dir.join("manifest.json"), &manifest)?;
    let (trained, summary) = result?;
    // The report and model card read only the files written above, so a
    // run is complete (and re-reportable with `medref report`) even if
    // drawing fails.
    if let Some(svg) = F::Baseline::explanation(&trained, &data)? {
        let plots = dir.join("plots");
        std::fs::create_dir_all(&plots).map_err(TrainError::io(&plots))?;
        let path = plots.join("explain.svg");
        write_atomic(&path, svg.as_bytes()).map_err(TrainError::io(path))?;
    }
    let report_error = |e: medref_report::ReportError| TrainError::RunDir {
        path: dir.clone(),
        message: format!("writing the report: {e}"),
    };
    medref_report::write_report(&dir).map_err(report_error)?;
    medref_report::write_model_card(&dir).map_err(report_error)?;
    Ok(TrainOutcome { dir, seconds: started.elapsed().as_secs_f64(), ..summary })
}

/// Fits baseline `B` on `data`, scores val and test with the best model,
/// and writes weights, predictions, history, metrics and the domain's files.
fn fit_and_write<B: Baseline>(
    config: &Config,
    data: &B::Data,
    shape: DataShape,
    device: &Device,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<(Trained<B::Model>, TrainOutcome), TrainError> {
    device.seed(config.seed);
    let ad = device.clone().autodiff();
    // Initial weights come from the CPU backend's random stream on every
    // device and are then moved, so one seed gives the same starting
    // network on the CPU and on a GPU (the GPU's own stream differs).
    let init = Device::flex().autodiff();
    init.seed(config.seed);
    let [train, val, test] = B::splits(config, data);
    let task = TaskKind::of_targets(train.targets());
    let mut meta = ModelMeta {
        model: config.model.kind().into(),
        input_shape: shape.input_shape,
        label_width: shape.label_width,
        n_outputs: train.targets().n_outputs(),
        class_names: shape.class_names,
        best_epoch: 0,
        task: Some(task),
        fit: None,
        pytorch: None,
    };
    let model = B::build(config, &meta, &init)?.fork(&ad);
    B::write_data_extras(dir, data)?;

    let eval_device = device.clone().without_autodiff();
    let mut fit_state = None;
    let direct = B::fit_directly(config, data, model.clone());
    let fit_method = if direct.is_some() { FitMethod::Direct } else { FitMethod::Loop };
    meta.fit = Some(fit_method);
    let fitted = match direct {
        Some(direct) => {
            let mut direct = direct?;
            fit_state = direct.state.take();
            write_json(&dir.join("convex_fit.json"), &direct.report)?;
            fitted_directly(direct, &val, &config.train, &eval_device, train.len())?
        }
        None => {
            // A fresh run starts in an empty directory, so a committed
            // state here means `--resume`.
            let ck_dir = dir.join("checkpoints");
            let mut checkpoints = if ck_dir.join("state.json").is_file() {
                Checkpoints::open_for_resume(&ck_dir)?
            } else {
                Checkpoints::create(&ck_dir)?
            };
            fit(model, &train, &val, &config.train, config.seed, &ad, Some(&mut checkpoints), progress)?
        }
    };
    let best = fitted.best.valid();
    let batch = config.train.batch_size.max(256);
    let val_scores = predict_scores(&best, &val, &eval_device, batch)?;
    let test_scores = predict_scores(&best, &test, &eval_device, batch)?;
    let mut metrics = Metrics::new();
    metrics.insert("val".into(), split_metrics(val.targets(), &val_scores, &config.eval, config.seed));
    metrics.insert("test".into(), split_metrics(test.targets(), &test_scores, &config.eval, config.seed));
    crate::operating_point::add_val_threshold_metrics(
        &mut metrics,
        val.targets(),
        &val_scores,
        test.targets(),
        &test_scores,
    );
    if let (Some(val_hours), Some(test_hours)) = (val.recording_hours(), test.recording_hours()) {
        crate::operating_point::add_false_alarm_metrics(
            &mut metrics,
            (val.targets(), &val_scores, val_hours),
            (test.targets(), &test_scores, test_hours),
            config.eval.false_alarms_per_hour,
        );
    }
    let binary_splits =
        [("val", val.targets(), val_scores.as_slice()), ("test", test.targets(), test_scores.as_slice())];
    if let Some(curves) = crate::operating_point::calibration_json(&binary_splits, config.eval.ece_bins) {
        write_json(&dir.join("calibration.json"), &curves)?;
    }
    let leakage = crate::leakage::leakage_report(&train, &val, &test, metrics.get("test"));
    write_json(&dir.join("leakage.json"), &leakage)?;
    if let Some(groups) = crate::operating_point::subgroup_metrics(&test, &test_scores, &config.eval, config.seed) {
        write_json(&dir.join("subgroups.json"), &groups)?;
    }

    save_weights(&fitted.best, &dir.join("model.bpk"))?;
    meta.best_epoch = fitted.best_epoch;
    let architecture = serde_json::to_value(&config.model).expect("a config section serialises to JSON");
    meta.pytorch = Some(write_safetensors(&best, architecture, &dir.join("model.safetensors"))?);
    write_json(&dir.join("model.json"), &meta)?;
    // Pixels are scored per image: a row per pixel would be millions of
    // rows no reader wants, so segmentation writes the per-image table.
    let (file, csv) = match (val.targets(), test.targets()) {
        (Targets::Masks(v), Targets::Masks(t)) => (
            "per_image_metrics.csv",
            crate::mask_metrics::per_image_csv(&[
                ("val", &val.row_ids(), v, &val_scores),
                ("test", &test.row_ids(), t, &test_scores),
            ]),
        ),
        _ => (
            "predictions.csv",
            predictions_csv(&[
                ("val", &val.row_ids(), val.targets(), &val_scores),
                ("test", &test.row_ids(), test.targets(), &test_scores),
            ]),
        ),
    };
    write_atomic(&dir.join(file), csv.as_bytes()).map_err(TrainError::io(dir.join(file)))?;
    let hist = history_csv(&fitted.history, config.train.monitor.as_str());
    write_atomic(&dir.join("history.csv"), hist.as_bytes()).map_err(TrainError::io(dir.join("history.csv")))?;
    write_json(&dir.join("metrics.json"), &MetricsFile { task: Some(task), splits: metrics.clone() })?;
    let summary = TrainOutcome {
        dir: dir.to_path_buf(),
        metrics,
        best_epoch: fitted.best_epoch,
        epochs_run: fitted.history.len(),
        stopped_early: fitted.stopped_early,
        seconds: 0.0,
        train_samples_per_second: fitted.train_samples_per_second,
        task,
        fit: fit_method,
    };
    let info = RunInfo { dir: dir.to_path_buf(), config: config.clone(), meta };
    let trained = Trained { info, model: best, device: eval_device, fit_state };
    B::write_model_extras(&trained, data)?;
    Ok((trained, summary))
}

/// A directly fitted model as the loop's result: one "epoch" whose training
/// loss is the objective, scored on validation like any epoch.
fn fitted_directly<M, E>(
    direct: DirectFit<M>,
    val: &E,
    train: &TrainConfig,
    eval_device: &Device,
    n_train: usize,
) -> Result<Fitted<M>, TrainError>
where
    M: Network<Input = E::Input>,
    E: Examples,
{
    let started = Instant::now();
    let scores = predict_scores(&direct.model.valid(), val, eval_device, train.batch_size.max(256))?;
    let val_loss = score_loss(val.targets(), &scores);
    let val_metric = match train.monitor {
        Monitor::Loss => val_loss,
        m => monitor_value(val.targets(), &scores, m),
    };
    let record = EpochRecord {
        epoch: 1,
        lr: 0.0,
        train_loss: direct.objective,
        val_loss,
        val_metric,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok(Fitted {
        best: direct.model,
        best_epoch: 1,
        history: vec![record],
        stopped_early: false,
        train_samples_per_second: n_train as f64 / started.elapsed().as_secs_f64().max(1e-9),
    })
}

/// Re-evaluates a run on its config's data, or on `data` (same format).
pub fn eval<F: DataFormat>(info: &RunInfo, device: DeviceChoice, data: Option<&Path>) -> Result<Metrics, TrainError> {
    let path = data.unwrap_or(info.config.data.path());
    let (ds, shape) = load::<F>(&info.config, data)?;
    if (&shape.input_shape, shape.label_width) != (&info.meta.input_shape, info.meta.label_width) {
        return Err(TrainError::Mismatch(format!(
            "{}: examples are {:?} with label width {}, but the model in {} was trained on {:?} with label width {}",
            path.display(),
            shape.input_shape,
            shape.label_width,
            info.dir.display(),
            info.meta.input_shape,
            info.meta.label_width
        )));
    }
    let run = reopen::<F::Baseline>(info.clone(), device)?;
    let [_, val, test] = F::Baseline::splits(&info.config, &ds);
    let mut metrics = Metrics::new();
    for (name, ex) in [("val", &val), ("test", &test)] {
        let scores = predict_scores(&run.model, ex, &run.device, 256)?;
        metrics.insert(name.to_string(), split_metrics(ex.targets(), &scores, &info.config.eval, info.config.seed));
    }
    Ok(metrics)
}

/// Scores new inputs for `medref predict`, read by the format (or its
/// baseline). Returns CSV text `id,score_0,...,predicted`: the predicted
/// class name, the labels at or above 0.5 for multi-label models, or the
/// value for regression.
/// A baseline whose predictions are files (a mask) returns the file instead.
pub fn predict<F: DataFormat>(info: &RunInfo, device: DeviceChoice, input: &Path) -> Result<Prediction, TrainError> {
    let ds = F::read_new(info, section_of::<F>(&info.config)?, input)?;
    let run = reopen::<F::Baseline>(info.clone(), device)?;
    let [_, _, new] = F::Baseline::splits(&info.config, &ds);
    let scores = predict_scores(&run.model, &new, &run.device, 256)?;
    if let Some(bytes) = F::Baseline::prediction_file(&run, &ds, &scores)? {
        return Ok(Prediction::File(bytes));
    }
    let extra = F::Baseline::prediction_columns(&run, &scores)?;
    Ok(Prediction::Table(prediction_table(&info.meta, new.targets(), &new.row_ids(), &scores, &extra)))
}

fn prediction_table(
    meta: &ModelMeta,
    targets: &Targets,
    ids: &[String],
    scores: &[f64],
    extra: &[(String, Vec<f64>)],
) -> String {
    let k = meta.n_outputs;
    let mut s = String::from("id");
    (0..k).for_each(|j| s.push_str(&format!(",score_{j}")));
    s.push_str(",predicted");
    extra.iter().for_each(|(name, _)| s.push_str(&format!(",{}", csv_field(name))));
    s.push('\n');
    for (i, id) in ids.iter().enumerate() {
        let row = &scores[i * k..(i + 1) * k];
        s.push_str(&csv_field(id));
        row.iter().for_each(|v| s.push_str(&format!(",{v:.6}")));
        let predicted = if matches!(targets, Targets::Regression { .. } | Targets::Survival { .. }) {
            format!("{:.6}", row[0])
        } else if meta.label_width > 1 {
            row.iter().enumerate().filter(|(_, &v)| v >= 0.5).map(|(j, _)| j.to_string()).collect::<Vec<_>>().join(";")
        } else {
            let best = argmax_rows(row, k)[0];
            meta.class_names.get(best).cloned().unwrap_or_else(|| best.to_string())
        };
        s.push_str(&format!(",{}", csv_field(&predicted)));
        extra.iter().for_each(|(_, values)| s.push_str(&format!(",{:.6}", values[i])));
        s.push('\n');
    }
    s
}

/// Scores of `examples` from any [`Network`], for domain code that scores
/// variants of one record (occlusion, mutagenesis, variant effects).
pub fn score_examples<M, E>(run: &Trained<M>, examples: &E) -> Result<Vec<f64>, TrainError>
where
    M: Network<Input = E::Input>,
    E: Examples,
{
    predict_scores(&run.model, examples, &run.device, 256)
}

#[cfg(test)]
mod tests {
    use super::*;
    use medref_models::Mlp;

    /// Two points on either side of zero, one feature each.
    struct Pair(Targets);

    impl Examples for Pair {
        type Input = Tensor<2>;
        fn len(&self) -> usize {
            self.0.len()
        }
        fn targets(&self) -> &Targets {
            &self.0
        }
        fn batch(&self, indices: &[usize], device: &Device, _: Option<&mut medref_core::seed::Rng>) -> Tensor<2> {
            let x: Vec<f32> = indices.iter().map(|&i| if i == 0 { -1.0 } else { 1.0 }).collect();
            crate::tensor::to_tensor(ndarray::Array2::from_shape_vec((indices.len(), 1), x).unwrap(), device)
        }
    }

    /// A direct fit is one "epoch": its objective as the training loss,
    /// scored on validation like any epoch, and it is the best model.
    #[test]
    fn a_direct_fit_is_one_scored_epoch() {
        let device = Device::flex();
        let model = Mlp::new(&[], 0.0, 1, 2, &device).with_linear_coefficients(&[-3.0, 3.0], &[0.0, 0.0]).unwrap();
        let direct = DirectFit { model, objective: 0.25, report: serde_json::Value::Null, state: None };
        let val = Pair(Targets::Classes { labels: vec![0, 1], n_classes: 2 });
        let train = TrainConfig { monitor: Monitor::Auroc, ..TrainConfig::default() };
        let fitted = fitted_directly(direct, &val, &train, &device, 10).unwrap();
        assert_eq!((fitted.best_epoch, fitted.history.len(), fitted.stopped_early), (1, 1, false));
        let epoch = &fitted.history[0];
        assert_eq!((epoch.epoch, epoch.train_loss, epoch.lr), (1, 0.25, 0.0));
        assert_eq!(epoch.val_metric, 1.0, "both validation points ranked right");
        // Softmax of logits -3 and 3: each point gets probability 1/(1+e^-6) on its class.
        let p = 1.0 / (1.0 + (-6.0f64).exp());
        assert!((epoch.val_loss + p.ln()).abs() < 1e-6, "val loss {}", epoch.val_loss);
    }
}
