//! A run from config to run directory, and the commands that reopen one
//! (`eval`, `predict`).
//!
//! Layout of a run directory:
//! `config.toml` (resolved), `manifest.json`, `metrics.json`,
//! `predictions.csv`, `history.csv`, `model.bpk` + `model.json` (weights and
//! what is needed to rebuild the network), `checkpoints/`.

use crate::checkpoint::{load_weights, save_weights, Checkpoints};
use crate::device::{open_device, DeviceChoice};
use crate::evaluate::{predict_scores, split_metrics};
use crate::examples::{Examples, Targets};
use crate::fit::{fit, EpochRecord, Progress};
use crate::examples::Network;
use crate::genomics::{load_sequences, SequenceExamples};
use crate::imaging::ImageExamples;
use crate::tabular::{load_table, TabularDataset, TabularExamples, TabularRecipe, TabularSplit};
use crate::timeseries::{FrameExamples, FrameSet, SeriesExamples, SeriesSet};
use crate::TrainError;
use burn::prelude::*;
use medref_core::config::{Config, DataConfig, ModelConfig};
use medref_core::fsutil::{sha256_path, write_atomic};
use medref_core::manifest::{git_state, now_rfc3339, RunManifest};
use medref_core::seed::Rng;
use medref_data::genomics::sequence::{pad_or_crop, SequenceDataset, SequenceSplit};
use medref_data::{ImageDataset, ImageSplit};
use medref_models::{DnaCnn, Mlp, ResNet, SignalCnn, Tcn};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `metrics.json`: split name -> metric name -> value.
pub type Metrics = BTreeMap<String, BTreeMap<String, f64>>;

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
}

/// `model.json`: what `eval` and `predict` need to rebuild the network.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelMeta {
    pub model: String,
    /// One example's input shape: `[channels, height, width]` for images,
    /// `[seq_len]` for DNA.
    pub input_shape: Vec<usize>,
    /// 1: class index; > 1: multi-label with that many labels.
    pub label_width: usize,
    pub n_outputs: usize,
    /// Class (or label) names in output order, where the data names them.
    pub class_names: Vec<String>,
    pub best_epoch: usize,
}

/// A dataset of any domain, as its reader yields it.
pub enum Loaded {
    Images(ImageDataset),
    Sequences(SequenceDataset),
    /// Clinical tables and molecules, as preprocessed features.
    Table(Box<TabularDataset>),
    /// Sensor windows or series with a class each.
    Series(Box<SeriesSet>),
    /// Sequences with a class per frame.
    Frames(Box<FrameSet>),
}

/// Reads the data a config names (or `path` instead of its path).
pub fn load_data(config: &Config, path: Option<&Path>) -> Result<Loaded, TrainError> {
    let (label_width, n_classes, data) = match &config.data {
        DataConfig::MedmnistNpz(_) | DataConfig::ImageFolder(_) => {
            let ds = load_images(config, path)?;
            (ds.label_width, ds.n_classes, Loaded::Images(ds))
        }
        DataConfig::SequenceCsv(_) | DataConfig::BedRegions(_) => {
            let ds = load_sequences(&config.data, path, config.seed)?;
            (ds.label_width, ds.n_classes, Loaded::Sequences(ds))
        }
        // Class counts are checked while the outcome is read.
        DataConfig::Table(d) => return Ok(Loaded::Table(Box::new(load_table(d, config.seed, path)?))),
        DataConfig::Molecules(d) => {
            return Ok(Loaded::Table(Box::new(crate::molecules::load_molecules(d, config.seed, path)?)))
        }
        DataConfig::Ts(d) => {
            let set = crate::timeseries::load_ts(d, config.seed, path)?;
            (1, set.class_names.len(), Loaded::Series(Box::new(set)))
        }
        DataConfig::SensorCsv(d) => {
            let set = crate::timeseries::load_sensor_csv(d, config.seed, path)?;
            (1, set.class_names.len(), Loaded::Series(Box::new(set)))
        }
        DataConfig::Jigsaws(d) => {
            let set = crate::timeseries::load_jigsaws(d, config.seed, path)?;
            (1, set.class_names.len(), Loaded::Frames(Box::new(set)))
        }
    };
    if label_width == 1 && n_classes < 2 {
        return Err(TrainError::Mismatch(format!(
            "{}: only one class in the labels; a classifier needs at least two",
            path.unwrap_or(config.data.path()).display()
        )));
    }
    Ok(data)
}

/// The dataset behind a config, with `path` replacing the config's path.
pub fn load_images(config: &Config, path: Option<&Path>) -> Result<ImageDataset, TrainError> {
    match &config.data {
        DataConfig::MedmnistNpz(d) => Ok(medref_data::npz::read_medmnist(path.unwrap_or(&d.path))?),
        DataConfig::ImageFolder(d) => read_image_folder_splits(path.unwrap_or(&d.path), d.size, d.grayscale),
        other => Err(TrainError::Mismatch(format!("{}: not an image data set", other.path().display()))),
    }
}

fn read_image_folder_splits(root: &Path, size: Option<u32>, grayscale: bool) -> Result<ImageDataset, TrainError> {
    let size = size.map(|s| (s, s));
    let mut parts = Vec::new();
    for split in ["train", "val", "test"] {
        parts.push(medref_data::image_folder::read_class_folders(root.join(split), size, grayscale)?);
    }
    let names = &parts[0].class_names;
    for p in &parts[1..] {
        if &p.class_names != names || (p.height, p.width) != (parts[0].height, parts[0].width) {
            return Err(TrainError::Mismatch(format!(
                "{}: train, val and test must have the same class folders and image size \
                 (train has {:?} at {}x{})",
                root.display(),
                names,
                parts[0].height,
                parts[0].width
            )));
        }
    }
    let to_split = |p: &medref_data::image_folder::ClassFolders| ImageSplit {
        images: p.images.clone(),
        labels: p.labels.clone(),
        n: p.labels.len(),
    };
    Ok(ImageDataset {
        channels: parts[0].channels,
        height: parts[0].height,
        width: parts[0].width,
        label_width: 1,
        n_classes: names.len(),
        train: to_split(&parts[0]),
        val: to_split(&parts[1]),
        test: to_split(&parts[2]),
    })
}

/// The training rows: all, or a seeded subset of `max_train` rows.
fn training_rows(config: &Config, n: usize) -> Vec<usize> {
    let limit = match &config.data {
        DataConfig::MedmnistNpz(d) => d.max_train,
        _ => None,
    };
    let mut rows: Vec<usize> = (0..n).collect();
    if let Some(k) = limit.filter(|&k| k < n) {
        Rng::derive(config.seed, "max_train").shuffle(&mut rows);
        rows.truncate(k);
        rows.sort_unstable();
    }
    rows
}

/// A run can be resumed when it has a committed checkpoint, has not
/// finished, and its data are still the data it started with.
fn check_resumable(dir: &Path, data: &DataConfig) -> Result<(), TrainError> {
    let refuse = |message: String| TrainError::RunDir { path: dir.to_path_buf(), message };
    let text = std::fs::read_to_string(dir.join("manifest.json"))
        .map_err(|_| refuse("is not a medref run directory (no manifest.json); nothing to resume".into()))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| refuse(format!("manifest.json is not valid JSON: {e}")))?;
    if manifest["status"] == "finished" {
        return Err(refuse("has already finished; nothing to resume".into()));
    }
    if !dir.join("checkpoints/state.json").is_file() {
        return Err(refuse(
            "has no committed checkpoint (checkpoints/state.json): it stopped before its first epoch ended; train it again".into(),
        ));
    }
    let digest = dataset_digest(data)?;
    if manifest["dataset_sha256"].as_str() != Some(digest.as_str()) {
        return Err(refuse(format!(
            "was trained on other data: {} has changed since the run started (SHA-256 differs)",
            data.path().display()
        )));
    }
    Ok(())
}

/// Prepares the run directory: refuses to touch another run's files
/// unless `force`, in which case the old run is removed first.
fn prepare_run_dir(dir: &Path, force: bool) -> Result<(), TrainError> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir).map_err(TrainError::io(dir))?.next().is_some();
        if non_empty && !force {
            return Err(TrainError::RunDir {
                path: dir.to_path_buf(),
                message: "already exists and is not empty; choose another --out or pass --force to replace it".into(),
            });
        }
        if non_empty {
            // --force replaces a run, never an arbitrary folder (`--out .`).
            if !dir.join("manifest.json").is_file() {
                return Err(TrainError::RunDir {
                    path: dir.to_path_buf(),
                    message: "is not a medref run directory (no manifest.json); --force only replaces runs, \
                              choose an empty or new --out"
                        .into(),
                });
            }
            std::fs::remove_dir_all(dir).map_err(TrainError::io(dir))?;
        }
    }
    std::fs::create_dir_all(dir).map_err(TrainError::io(dir))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), TrainError> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("plain data serialises to JSON");
    bytes.push(b'\n');
    write_atomic(path, &bytes).map_err(TrainError::io(path))
}

fn history_csv(history: &[EpochRecord], monitor: &str) -> String {
    let mut s = format!("epoch,train_loss,val_loss,val_{monitor},lr,seconds\n");
    for r in history {
        s.push_str(&format!(
            "{},{:.6},{:.6},{:.6},{:.6e},{:.3}\n",
            r.epoch, r.train_loss, r.val_loss, r.val_metric, r.lr, r.seconds
        ));
    }
    s
}

/// `id,split,label,score_0,...` for each split; multi-label rows carry
/// `label_j` and `score_j` columns per label.
pub fn predictions_csv(splits: &[(&str, &[String], &Targets, &[f64])]) -> String {
    let Some((_, _, first, _)) = splits.first() else {
        return String::new();
    };
    let k = first.n_outputs();
    let mut s = String::from("id,split");
    match first {
        Targets::Classes { .. } | Targets::Regression { .. } | Targets::Frames { .. } => s.push_str(",label"),
        Targets::MultiLabel { .. } => (0..k).for_each(|j| s.push_str(&format!(",label_{j}"))),
    }
    (0..k).for_each(|j| s.push_str(&format!(",score_{j}")));
    s.push('\n');
    for (name, rows, targets, scores) in splits {
        for (i, row) in rows.iter().enumerate() {
            s.push_str(&format!("{},{name}", csv_field(row)));
            match targets {
                Targets::Classes { labels, .. } => s.push_str(&format!(",{}", labels[i])),
                Targets::Regression { values, .. } => s.push_str(&format!(",{}", values[i])),
                Targets::Frames { labels, .. } => s.push_str(&format!(",{}", labels[i])),
                Targets::MultiLabel { labels, .. } => {
                    (0..k).for_each(|j| s.push_str(&format!(",{}", labels[i * k + j])))
                }
            }
            for j in 0..k {
                s.push_str(&format!(",{:.6}", scores[i * k + j]));
            }
            s.push('\n');
        }
    }
    s
}

/// Trains a config end to end and writes its run directory.
pub fn train(req: &TrainRequest, progress: &mut dyn Progress) -> Result<TrainOutcome, TrainError> {
    let started = Instant::now();
    let config = &req.config;
    let opened = open_device(req.device)?;
    let data = load_data(config, None)?;
    let dir = req.out.clone().unwrap_or_else(|| {
        let stamp = now_rfc3339().replace([':', '-'], "");
        PathBuf::from("runs").join(format!("{}-{stamp}", config.name))
    });
    if req.resume {
        check_resumable(&dir, &config.data)?;
    } else {
        prepare_run_dir(&dir, req.force)?;
    }

    let (git_commit, git_dirty) = git_state(Path::new("."));
    let mut manifest = RunManifest {
        medref_version: env!("CARGO_PKG_VERSION").into(),
        config_name: config.name.clone(),
        seed: config.seed,
        git_commit,
        git_dirty,
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
    };
    write_atomic(&dir.join("config.toml"), config.to_toml().as_bytes()).map_err(TrainError::io(dir.join("config.toml")))?;
    write_json(&dir.join("manifest.json"), &manifest)?;

    let result = train_in_dir(config, &data, &opened.device, &dir, progress);
    manifest.finished = Some(now_rfc3339());
    manifest.duration_seconds = Some(started.elapsed().as_secs_f64());
    manifest.status = match &result {
        Ok(_) => "finished".into(),
        Err(e) => format!("failed: {e}"),
    };
    write_json(&dir.join("manifest.json"), &manifest)?;
    let (metrics, fitted_epochs, best_epoch, stopped_early, sps) = result?;
    // The report and model card read only the files written above, so a
    // run is complete (and re-reportable with `medref report`) even if
    // drawing fails.
    write_explanation(&dir, req.device, &data)?;
    let report_error = |e: medref_report::ReportError| TrainError::RunDir { path: dir.clone(), message: format!("writing the report: {e}") };
    medref_report::write_report(&dir).map_err(report_error)?;
    medref_report::write_model_card(&dir).map_err(report_error)?;
    Ok(TrainOutcome {
        dir,
        metrics,
        best_epoch,
        epochs_run: fitted_epochs,
        stopped_early,
        seconds: started.elapsed().as_secs_f64(),
        train_samples_per_second: sps,
    })
}

type InDir = (Metrics, usize, usize, bool, f64);

fn train_in_dir(
    config: &Config,
    data: &Loaded,
    device: &Device,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<InDir, TrainError> {
    device.seed(config.seed);
    let ad = device.clone().autodiff();
    // Initial weights come from the CPU backend's random stream on every
    // device and are then moved, so one seed gives the same starting
    // network on the CPU and on a GPU (the GPU's own stream differs).
    let init = Device::flex().autodiff();
    init.seed(config.seed);
    match (data, &config.model) {
        (Loaded::Images(ds), ModelConfig::Resnet(m)) => {
            let rows = training_rows(config, ds.train.n);
            let train = ImageExamples::new(ds, &ds.train, Some(rows), config.train.augment.clone());
            let val = ImageExamples::new(ds, &ds.val, None, Default::default());
            let test = ImageExamples::new(ds, &ds.test, None, Default::default());
            let n_outputs = train.targets().n_outputs();
            let meta = ModelMeta {
                model: "resnet".into(),
                input_shape: vec![ds.channels, ds.height, ds.width],
                label_width: ds.label_width,
                n_outputs,
                class_names: Vec::new(),
                best_epoch: 0,
            };
            let model = ResNet::new(m, ds.channels, n_outputs, &init).fork(&ad);
            fit_and_write(config, model, [&train, &val, &test], meta, device, dir, progress).map(|(r, _)| r)
        }
        (Loaded::Sequences(ds), ModelConfig::DnaCnn(m)) => {
            let train = SequenceExamples::new(ds, &ds.train, config.train.augment.reverse_complement);
            let val = SequenceExamples::new(ds, &ds.val, false);
            let test = SequenceExamples::new(ds, &ds.test, false);
            let n_outputs = train.targets().n_outputs();
            let meta = ModelMeta {
                model: "dna_cnn".into(),
                input_shape: vec![ds.seq_len],
                label_width: ds.label_width,
                n_outputs,
                class_names: ds.class_names.clone(),
                best_epoch: 0,
            };
            let model = DnaCnn::new(m, ds.seq_len, n_outputs, &init).fork(&ad);
            fit_and_write(config, model, [&train, &val, &test], meta, device, dir, progress).map(|(r, _)| r)
        }
        (Loaded::Table(ds), ModelConfig::Linear(_) | ModelConfig::Mlp(_)) => {
            let ds = ds.as_ref();
            let train = TabularExamples::new(ds, &ds.train);
            let val = TabularExamples::new(ds, &ds.val);
            let test = TabularExamples::new(ds, &ds.test);
            let n_outputs = train.targets().n_outputs();
            let meta = ModelMeta {
                model: model_kind(&config.model).into(),
                input_shape: vec![ds.n_features],
                label_width: 1,
                n_outputs,
                class_names: ds.recipe.class_names.clone(),
                best_epoch: 0,
            };
            let model = Mlp::from_config(&config.model, ds.n_features, n_outputs, &init).expect("matched linear or mlp").fork(&ad);
            write_json(&dir.join("preprocess.json"), &ds.recipe)?;
            write_json(&dir.join("data_report.json"), &ds.report)?;
            let (result, best) = fit_and_write(config, model, [&train, &val, &test], meta, device, dir, progress)?;
            let importance = crate::importance::permutation_importance(
                &best,
                &test,
                &ds.feature_groups,
                ds.n_features,
                5,
                config.seed,
                &device.clone().without_autodiff(),
            )?;
            let csv = crate::importance::importance_csv(&importance);
            write_atomic(&dir.join("feature_importance.csv"), csv.as_bytes())
                .map_err(TrainError::io(dir.join("feature_importance.csv")))?;
            Ok(result)
        }
        (Loaded::Series(set), ModelConfig::SignalCnn(m)) => {
            let hours = set.hours.map(|h| h.map(Some)).unwrap_or([None; 3]);
            let train = SeriesExamples::new(set, &set.train, hours[0]);
            let val = SeriesExamples::new(set, &set.val, hours[1]);
            let test = SeriesExamples::new(set, &set.test, hours[2]);
            let n_outputs = train.targets().n_outputs();
            let meta = ModelMeta {
                model: "signal_cnn".into(),
                input_shape: vec![set.channels, set.len],
                label_width: 1,
                n_outputs,
                class_names: set.class_names.clone(),
                best_epoch: 0,
            };
            write_json(&dir.join("splits.json"), &crate::timeseries::split_report(&set.split, set.hours))?;
            if let Some(scaler) = &set.scaler {
                write_json(&dir.join("scaler.json"), scaler)?;
            }
            let model = SignalCnn::new(m, set.channels, n_outputs, &init).fork(&ad);
            fit_and_write(config, model, [&train, &val, &test], meta, device, dir, progress).map(|(r, _)| r)
        }
        (Loaded::Frames(set), ModelConfig::Tcn(m)) => {
            let train = FrameExamples::new(set, &set.train);
            let val = FrameExamples::new(set, &set.val);
            let test = FrameExamples::new(set, &set.test);
            let n_outputs = train.targets().n_outputs();
            let meta = ModelMeta {
                model: "tcn".into(),
                input_shape: vec![set.channels],
                label_width: 1,
                n_outputs,
                class_names: set.class_names.clone(),
                best_epoch: 0,
            };
            write_json(&dir.join("splits.json"), &crate::timeseries::split_report(&set.split, None))?;
            if let Some(scaler) = &set.scaler {
                write_json(&dir.join("scaler.json"), scaler)?;
            }
            let model = Tcn::new(m, set.channels, n_outputs, &init).fork(&ad);
            fit_and_write(config, model, [&train, &val, &test], meta, device, dir, progress).map(|(r, _)| r)
        }
        _ => Err(mismatch(config)),
    }
}

fn model_kind(model: &ModelConfig) -> &'static str {
    match model {
        ModelConfig::Resnet(_) => "resnet",
        ModelConfig::DnaCnn(_) => "dna_cnn",
        ModelConfig::Linear(_) => "linear",
        ModelConfig::Mlp(_) => "mlp",
        ModelConfig::SignalCnn(_) => "signal_cnn",
        ModelConfig::Tcn(_) => "tcn",
    }
}

fn mismatch(config: &Config) -> TrainError {
    let data = match &config.data {
        DataConfig::MedmnistNpz(_) => "medmnist_npz",
        DataConfig::ImageFolder(_) => "image_folder",
        DataConfig::SequenceCsv(_) => "sequence_csv",
        DataConfig::BedRegions(_) => "bed_regions",
        DataConfig::Table(_) => "table",
        DataConfig::Molecules(_) => "molecules",
        DataConfig::Ts(_) => "ts",
        DataConfig::SensorCsv(_) => "sensor_csv",
        DataConfig::Jigsaws(_) => "jigsaws",
    };
    let model = model_kind(&config.model);
    TrainError::Mismatch(format!(
        "[model].kind = \"{model}\" cannot read [data].format = \"{data}\" (images need `resnet`, DNA sequences `dna_cnn`, tables and molecules `linear` or `mlp`)"
    ))
}

/// The domain-free part of a run: fit, score val and test with the best
/// model, and write weights, predictions, history and metrics.
fn fit_and_write<M, E>(
    config: &Config,
    model: M,
    [train, val, test]: [&E; 3],
    mut meta: ModelMeta,
    device: &Device,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<(InDir, M), TrainError>
where
    M: Network<Input = E::Input>,
    E: Examples,
{
    let ad = device.clone().autodiff();
    // A fresh run starts in an empty directory, so a committed state here
    // means `--resume`.
    let ck_dir = dir.join("checkpoints");
    let mut checkpoints = if ck_dir.join("state.json").is_file() {
        Checkpoints::open_for_resume(&ck_dir)?
    } else {
        Checkpoints::create(&ck_dir)?
    };
    let fitted = fit(model, train, val, &config.train, config.seed, &ad, Some(&mut checkpoints), progress)?;
    let best = fitted.best.valid();
    let eval_device = device.clone().without_autodiff();
    let batch = config.train.batch_size.max(256);
    let val_scores = predict_scores(&best, val, &eval_device, batch)?;
    let test_scores = predict_scores(&best, test, &eval_device, batch)?;
    let mut metrics = Metrics::new();
    metrics.insert("val".into(), split_metrics(val.targets(), &val_scores, &config.eval, config.seed));
    metrics.insert("test".into(), split_metrics(test.targets(), &test_scores, &config.eval, config.seed));
    crate::clinical::add_val_threshold_metrics(&mut metrics, val.targets(), &val_scores, test.targets(), &test_scores);
    if let (Some(val_hours), Some(test_hours)) = (val.recording_hours(), test.recording_hours()) {
        crate::clinical::add_false_alarm_metrics(
            &mut metrics,
            (val.targets(), &val_scores, val_hours),
            (test.targets(), &test_scores, test_hours),
            config.eval.false_alarms_per_hour,
        );
    }
    if let Some(curves) = crate::clinical::calibration_json(&[("val", val.targets(), &val_scores), ("test", test.targets(), &test_scores)], config.eval.ece_bins) {
        write_json(&dir.join("calibration.json"), &curves)?;
    }
    let leakage = crate::clinical::leakage_report(train, val, test, metrics.get("test"));
    write_json(&dir.join("leakage.json"), &leakage)?;
    if let Some(groups) = crate::clinical::subgroup_metrics(test, &test_scores, &config.eval, config.seed) {
        write_json(&dir.join("subgroups.json"), &groups)?;
    }

    save_weights(&fitted.best, &dir.join("model.bpk"))?;
    meta.best_epoch = fitted.best_epoch;
    write_json(&dir.join("model.json"), &meta)?;
    let ids = |e: &E| e.row_ids();
    let csv = predictions_csv(&[
        ("val", &ids(val), val.targets(), &val_scores),
        ("test", &ids(test), test.targets(), &test_scores),
    ]);
    write_atomic(&dir.join("predictions.csv"), csv.as_bytes()).map_err(TrainError::io(dir.join("predictions.csv")))?;
    let hist = history_csv(&fitted.history, config.train.monitor.as_str());
    write_atomic(&dir.join("history.csv"), hist.as_bytes()).map_err(TrainError::io(dir.join("history.csv")))?;
    write_json(&dir.join("metrics.json"), &metrics)?;
    Ok(((metrics, fitted.history.len(), fitted.best_epoch, fitted.stopped_early, fitted.train_samples_per_second), best))
}

fn dataset_digest(data: &DataConfig) -> Result<String, TrainError> {
    let inputs = data.inputs();
    let digests = inputs
        .iter()
        .map(|p| sha256_path(p).map_err(TrainError::io(*p)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match digests.as_slice() {
        [one] => one.clone(),
        many => medref_core::fsutil::sha256_bytes(many.join("\n").as_bytes()),
    })
}

/// The domain's explanation picture for one test example, in `plots/`
/// (the report inlines it): occlusion saliency for images, in-silico
/// mutagenesis for DNA. The example is the first test positive (class 1),
/// else the first test example.
fn write_explanation(dir: &Path, device: DeviceChoice, data: &Loaded) -> Result<(), TrainError> {
    let svg = match data {
        Loaded::Images(ds) if ds.test.n > 0 => {
            let run = load_run(dir, device)?;
            let len = ds.channels * ds.height * ds.width;
            let i = (0..ds.test.n).find(|&i| ds.label_width == 1 && ds.test.labels[i] == 1).unwrap_or(0);
            let class = if ds.label_width == 1 { ds.test.labels[i] as usize } else { 0 };
            let o = crate::explain::occlusion_saliency(&run, ds.test.image(i, len), class)?;
            o.to_svg(&format!("Occlusion saliency, test image {i}, class {class}"))
        }
        Loaded::Sequences(ds) if ds.test.n > 0 => {
            let run = load_run(dir, device)?;
            let i = (0..ds.test.n).find(|&i| ds.label_width == 1 && ds.test.label(i, 1)[0] == 1).unwrap_or(0);
            let class = if ds.label_width == 1 { ds.test.label(i, 1)[0] as usize } else { 0 };
            let ism = crate::explain::saturation_mutagenesis(&run, ds.test.sequence(i, ds.seq_len), class)?;
            ism.to_svg(&format!("In-silico mutagenesis of test sequence {}, class {class}", ds.test.ids[i]))
        }
        _ => return Ok(()),
    };
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(TrainError::io(&plots))?;
    let path = plots.join("explain.svg");
    write_atomic(&path, svg.as_bytes()).map_err(TrainError::io(path))
}

/// Versions of the crates whose code produced the numbers.
pub fn crate_versions() -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    v.insert("medref".into(), env!("CARGO_PKG_VERSION").into());
    v.insert("burn".into(), env!("MEDREF_BURN_VERSION").into());
    v.insert("rustc".into(), env!("MEDREF_RUSTC_VERSION").into());
    v
}

fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A trained network of any kind, ready for inference.
pub enum AnyModel {
    Resnet(ResNet),
    DnaCnn(DnaCnn),
    /// A linear model or MLP on table features, with its fitted preprocessing.
    Tabular(Mlp, Box<TabularRecipe>),
    SignalCnn(SignalCnn),
    Tcn(Tcn),
}

/// A trained run reopened from its directory.
pub struct LoadedRun {
    pub dir: PathBuf,
    pub config: Config,
    pub meta: ModelMeta,
    pub model: AnyModel,
    pub device: Device,
}

fn bad_run(dir: &Path, message: String) -> TrainError {
    TrainError::RunDir { path: dir.to_path_buf(), message }
}

/// Reopens `dir` (config, model.json, model.bpk) on `device` for inference.
pub fn load_run(dir: &Path, device: DeviceChoice) -> Result<LoadedRun, TrainError> {
    let config = Config::load(&dir.join("config.toml"), &[])?;
    let meta_path = dir.join("model.json");
    let text = std::fs::read_to_string(&meta_path)
        .map_err(|e| bad_run(dir, format!("not a finished medref run (model.json: {e})")))?;
    let meta: ModelMeta =
        serde_json::from_str(&text).map_err(|e| bad_run(&meta_path, format!("unreadable: {e}")))?;
    let device = open_device(device)?.device;
    let weights = dir.join("model.bpk");
    let model = match (&config.model, meta.input_shape.as_slice()) {
        (ModelConfig::Resnet(m), [c, _, _]) => {
            AnyModel::Resnet(load_weights(ResNet::new(m, *c, meta.n_outputs, &device), &weights)?.valid())
        }
        (ModelConfig::DnaCnn(m), [len]) => {
            AnyModel::DnaCnn(load_weights(DnaCnn::new(m, *len, meta.n_outputs, &device), &weights)?.valid())
        }
        (ModelConfig::Linear(_) | ModelConfig::Mlp(_), [n]) => {
            let recipe_path = dir.join("preprocess.json");
            let text = std::fs::read_to_string(&recipe_path)
                .map_err(|e| bad_run(dir, format!("not a finished medref run (preprocess.json: {e})")))?;
            let recipe: TabularRecipe =
                serde_json::from_str(&text).map_err(|e| bad_run(&recipe_path, format!("unreadable: {e}")))?;
            let mlp = Mlp::from_config(&config.model, *n, meta.n_outputs, &device).expect("matched linear or mlp");
            AnyModel::Tabular(load_weights(mlp, &weights)?.valid(), Box::new(recipe))
        }
        (ModelConfig::SignalCnn(m), [c, _]) => {
            AnyModel::SignalCnn(load_weights(SignalCnn::new(m, *c, meta.n_outputs, &device), &weights)?.valid())
        }
        (ModelConfig::Tcn(m), [c]) => AnyModel::Tcn(load_weights(Tcn::new(m, *c, meta.n_outputs, &device), &weights)?.valid()),
        _ => return Err(bad_run(&meta_path, "does not match the run's config.toml".into())),
    };
    Ok(LoadedRun { dir: dir.to_path_buf(), config, meta, model, device })
}

fn score<M: Network, E: Examples<Input = M::Input>>(
    run: &LoadedRun,
    model: &M,
    splits: &[(&str, &E)],
) -> Result<Metrics, TrainError> {
    let mut metrics = Metrics::new();
    for (name, ex) in splits {
        let scores = predict_scores(model, *ex, &run.device, 256)?;
        metrics.insert(name.to_string(), split_metrics(ex.targets(), &scores, &run.config.eval, run.config.seed));
    }
    Ok(metrics)
}

/// Re-evaluates a run on its config's data, or on `data` (same format).
pub fn eval(run: &LoadedRun, data: Option<&Path>) -> Result<Metrics, TrainError> {
    let path = data.unwrap_or(run.config.data.path());
    let shape_error = |found: String| {
        TrainError::Mismatch(format!(
            "{}: examples are {found}, but the model in {} was trained on {:?} with label width {}",
            path.display(),
            run.dir.display(),
            run.meta.input_shape,
            run.meta.label_width
        ))
    };
    match (load_data(&run.config, data)?, &run.model) {
        (Loaded::Images(ds), AnyModel::Resnet(model)) => {
            if (vec![ds.channels, ds.height, ds.width], ds.label_width) != (run.meta.input_shape.clone(), run.meta.label_width) {
                return Err(shape_error(format!("{}x{}x{} with label width {}", ds.channels, ds.height, ds.width, ds.label_width)));
            }
            let val = ImageExamples::new(&ds, &ds.val, None, Default::default());
            let test = ImageExamples::new(&ds, &ds.test, None, Default::default());
            score(run, model, &[("val", &val), ("test", &test)])
        }
        (Loaded::Sequences(ds), AnyModel::DnaCnn(model)) => {
            if (vec![ds.seq_len], ds.label_width) != (run.meta.input_shape.clone(), run.meta.label_width) {
                return Err(shape_error(format!("{} bp with label width {}", ds.seq_len, ds.label_width)));
            }
            let val = SequenceExamples::new(&ds, &ds.val, false);
            let test = SequenceExamples::new(&ds, &ds.test, false);
            score(run, model, &[("val", &val), ("test", &test)])
        }
        (Loaded::Table(ds), AnyModel::Tabular(model, _)) => {
            if vec![ds.n_features] != run.meta.input_shape {
                return Err(shape_error(format!("{} features", ds.n_features)));
            }
            let val = TabularExamples::new(&ds, &ds.val);
            let test = TabularExamples::new(&ds, &ds.test);
            score(run, model, &[("val", &val), ("test", &test)])
        }
        (Loaded::Series(set), AnyModel::SignalCnn(model)) => {
            if vec![set.channels, set.len] != run.meta.input_shape {
                return Err(shape_error(format!("{}x{}", set.channels, set.len)));
            }
            let val = SeriesExamples::new(&set, &set.val, None);
            let test = SeriesExamples::new(&set, &set.test, None);
            score(run, model, &[("val", &val), ("test", &test)])
        }
        (Loaded::Frames(set), AnyModel::Tcn(model)) => {
            if vec![set.channels] != run.meta.input_shape {
                return Err(shape_error(format!("{} channels", set.channels)));
            }
            let val = FrameExamples::new(&set, &set.val);
            let test = FrameExamples::new(&set, &set.test);
            score(run, model, &[("val", &val), ("test", &test)])
        }
        _ => Err(mismatch(&run.config)),
    }
}

/// Scores new inputs for `medref predict`. Images: a MedMNIST `.npz` (every
/// split), an image file, a folder of images, or a DICOM slice. DNA: a
/// FASTA file (each record centre-cropped or N-padded to the trained
/// length). Returns CSV text `id,score_0,...,predicted`.
pub fn predict(run: &LoadedRun, input: &Path) -> Result<String, TrainError> {
    let m = &run.meta;
    let (ids, scores) = match &run.model {
        AnyModel::Resnet(model) => {
            let [c, h, w] = m.input_shape[..] else { unreachable!("checked in load_run") };
            let (ids, images) = read_predict_images(input, [c, h, w])?;
            let n = ids.len();
            let ds = ImageDataset {
                channels: c,
                height: h,
                width: w,
                label_width: m.label_width,
                n_classes: m.n_outputs,
                train: ImageSplit::default(),
                val: ImageSplit::default(),
                test: ImageSplit { images, labels: vec![0; n * m.label_width], n },
            };
            let ex = ImageExamples::new(&ds, &ds.test, None, Default::default());
            (ids, predict_scores(model, &ex, &run.device, 256)?)
        }
        AnyModel::DnaCnn(model) => {
            let seq_len = m.input_shape[0];
            let records = medref_data::genomics::fasta::read_fasta(input)?;
            let n = records.len();
            let ds = SequenceDataset {
                seq_len,
                label_width: m.label_width,
                n_classes: m.n_outputs,
                class_names: m.class_names.clone(),
                train: SequenceSplit::default(),
                val: SequenceSplit::default(),
                test: SequenceSplit {
                    ids: records.iter().map(|r| r.id.clone()).collect(),
                    sequences: records.iter().flat_map(|r| pad_or_crop(&r.sequence, seq_len)).collect(),
                    labels: vec![0; n * m.label_width],
                    n,
                },
            };
            let ex = SequenceExamples::new(&ds, &ds.test, false);
            (ds.test.ids.clone(), predict_scores(model, &ex, &run.device, 256)?)
        }
        AnyModel::Tabular(model, recipe) => {
            let (ids, x) = crate::tabular::predict_features(&run.config.data, recipe, input)?;
            let n = ids.len();
            let targets = match recipe.task {
                medref_core::config::Task::Regression => {
                    Targets::Regression { values: vec![0.0; n], mean: recipe.target_mean, std: recipe.target_std }
                }
                medref_core::config::Task::Classification => {
                    Targets::Classes { labels: vec![0; n], n_classes: m.n_outputs }
                }
            };
            let split = TabularSplit { ids, x, targets, subgroups: Vec::new(), record_keys: Vec::new() };
            let ds = TabularDataset::single(split.clone(), m.input_shape[0]);
            let ex = TabularExamples::new(&ds, &split);
            (split.ids.clone(), predict_scores(model, &ex, &run.device, 256)?)
        }
        AnyModel::SignalCnn(_) | AnyModel::Tcn(_) => {
            return Err(TrainError::Mismatch(format!(
                "{}: `medref predict` does not read signals yet; use `medref eval {} --data FILE`, which scores every split of a file in the training format",
                input.display(),
                run.dir.display()
            )))
        }
    };
    let k = m.n_outputs;
    let mut s = String::from("id");
    (0..k).for_each(|j| s.push_str(&format!(",score_{j}")));
    s.push_str(",predicted\n");
    for (i, id) in ids.iter().enumerate() {
        let row = &scores[i * k..(i + 1) * k];
        s.push_str(&csv_field(id));
        row.iter().for_each(|v| s.push_str(&format!(",{v:.6}")));
        let regression = matches!(&run.model, AnyModel::Tabular(_, r) if r.task == medref_core::config::Task::Regression);
        let predicted = if regression {
            format!("{:.6}", row[0])
        } else if m.label_width > 1 {
            row.iter().enumerate().filter(|(_, &v)| v >= 0.5).map(|(j, _)| j.to_string()).collect::<Vec<_>>().join(";")
        } else {
            let best = crate::evaluate::argmax_rows(row, k)[0];
            m.class_names.get(best).cloned().unwrap_or_else(|| best.to_string())
        };
        s.push_str(&format!(",{}\n", csv_field(&predicted)));
    }
    Ok(s)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn read_predict_images(input: &Path, [c, h, w]: [usize; 3]) -> Result<(Vec<String>, Vec<u8>), TrainError> {
    let ext = input.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
    let size = (h as u32, w as u32);
    let grey = c == 1;
    match ext.as_deref() {
        Some("npz") => {
            let ds = medref_data::npz::read_medmnist(input)?;
            if (ds.channels, ds.height, ds.width) != (c, h, w) {
                return Err(TrainError::Mismatch(format!(
                    "{}: images are {}x{}x{}, the model expects {c}x{h}x{w}",
                    input.display(), ds.channels, ds.height, ds.width
                )));
            }
            let mut ids = Vec::new();
            let mut images = Vec::new();
            for (name, split) in ds.splits() {
                ids.extend((0..split.n).map(|i| format!("{name}-{i}")));
                images.extend_from_slice(&split.images);
            }
            Ok((ids, images))
        }
        Some("dcm") => {
            let slice = medref_data::dicom::read_slice(input)?;
            let pixels = slice.to_u8(None);
            let img = medref_data::image_folder::resize_grey(&pixels, slice.rows, slice.cols, size, grey)
                .map_err(TrainError::Data)?;
            Ok((vec![input.display().to_string()], img))
        }
        _ if input.is_dir() => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(TrainError::io(input))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            let mut ids = Vec::new();
            let mut images = Vec::new();
            for f in files {
                images.extend(medref_data::image_folder::load_image(&f, Some(size), grey)?);
                ids.push(f.display().to_string());
            }
            if ids.is_empty() {
                return Err(TrainError::Mismatch(format!("{}: no image files in this folder", input.display())));
            }
            Ok((ids, images))
        }
        _ => Ok((
            vec![input.display().to_string()],
            medref_data::image_folder::load_image(input, Some(size), grey)?,
        )),
    }
}
