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
use crate::imaging::ImageExamples;
use crate::TrainError;
use burn::prelude::*;
use medref_core::config::{Config, DataConfig, ModelConfig};
use medref_core::fsutil::{sha256_path, write_atomic};
use medref_core::manifest::{git_state, now_rfc3339, RunManifest};
use medref_core::seed::Rng;
use medref_data::{ImageDataset, ImageSplit};
use medref_models::ResNet;
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
    pub in_channels: usize,
    pub height: usize,
    pub width: usize,
    /// 1: class index; > 1: multi-label with that many labels.
    pub label_width: usize,
    pub n_outputs: usize,
    pub best_epoch: usize,
}

/// The dataset behind a config, with `path` replacing the config's path.
pub fn load_images(config: &Config, path: Option<&Path>) -> Result<ImageDataset, TrainError> {
    let ds = match &config.data {
        DataConfig::MedmnistNpz(d) => medref_data::npz::read_medmnist(path.unwrap_or(&d.path))?,
        DataConfig::ImageFolder(d) => {
            let root = path.unwrap_or(&d.path);
            read_image_folder_splits(root, d.size, d.grayscale)?
        }
    };
    if ds.n_classes < 2 && ds.label_width == 1 {
        return Err(TrainError::Mismatch(format!(
            "{}: every label is 0; a classifier needs at least two classes",
            config.data.path().display()
        )));
    }
    Ok(ds)
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
        DataConfig::ImageFolder(_) => None,
    };
    let mut rows: Vec<usize> = (0..n).collect();
    if let Some(k) = limit.filter(|&k| k < n) {
        Rng::derive(config.seed, "max_train").shuffle(&mut rows);
        rows.truncate(k);
        rows.sort_unstable();
    }
    rows
}

fn build_model(config: &Config, in_channels: usize, n_outputs: usize, device: &Device) -> ResNet {
    match &config.model {
        ModelConfig::Resnet(m) => ResNet::new(m, in_channels, n_outputs, device),
    }
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
pub fn predictions_csv(splits: &[(&str, &[usize], &Targets, &[f64])]) -> String {
    let Some((_, _, first, _)) = splits.first() else {
        return String::new();
    };
    let k = first.n_outputs();
    let mut s = String::from("id,split");
    match first {
        Targets::Classes { .. } => s.push_str(",label"),
        Targets::MultiLabel { .. } => (0..k).for_each(|j| s.push_str(&format!(",label_{j}"))),
    }
    (0..k).for_each(|j| s.push_str(&format!(",score_{j}")));
    s.push('\n');
    for (name, rows, targets, scores) in splits {
        for (i, row) in rows.iter().enumerate() {
            s.push_str(&format!("{row},{name}"));
            match targets {
                Targets::Classes { labels, .. } => s.push_str(&format!(",{}", labels[i])),
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
    let ds = load_images(config, None)?;
    let dir = req.out.clone().unwrap_or_else(|| {
        let stamp = now_rfc3339().replace([':', '-'], "");
        PathBuf::from("runs").join(format!("{}-{stamp}", config.name))
    });
    prepare_run_dir(&dir, req.force)?;

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
        dataset_sha256: sha256_path(config.data.path()).map_err(TrainError::io(config.data.path()))?,
        command: req.command.clone(),
        started: now_rfc3339(),
        finished: None,
        duration_seconds: None,
        status: "running".into(),
    };
    write_atomic(&dir.join("config.toml"), config.to_toml().as_bytes()).map_err(TrainError::io(dir.join("config.toml")))?;
    write_json(&dir.join("manifest.json"), &manifest)?;

    let result = train_in_dir(config, &ds, &opened.device, &dir, progress);
    manifest.finished = Some(now_rfc3339());
    manifest.duration_seconds = Some(started.elapsed().as_secs_f64());
    manifest.status = match &result {
        Ok(_) => "finished".into(),
        Err(e) => format!("failed: {e}"),
    };
    write_json(&dir.join("manifest.json"), &manifest)?;
    let (metrics, fitted_epochs, best_epoch, stopped_early, sps) = result?;
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
    ds: &ImageDataset,
    device: &Device,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<InDir, TrainError> {
    device.seed(config.seed);
    let train_device = device.clone().autodiff();
    let rows = training_rows(config, ds.train.n);
    let train = ImageExamples::new(ds, &ds.train, Some(rows), config.train.augment.clone());
    let val = ImageExamples::new(ds, &ds.val, None, Default::default());
    let test = ImageExamples::new(ds, &ds.test, None, Default::default());
    let n_outputs = train.targets().n_outputs();
    let model = build_model(config, ds.channels, n_outputs, &train_device);
    let mut checkpoints = Checkpoints::create(&dir.join("checkpoints"))?;
    let fitted = fit(model, &train, &val, &config.train, config.seed, &train_device, Some(&mut checkpoints), progress)?;

    let best = fitted.best.valid();
    let eval_device = device.clone().without_autodiff();
    let batch = config.train.batch_size.max(256);
    let val_scores = predict_scores(&best, &val, &eval_device, batch)?;
    let test_scores = predict_scores(&best, &test, &eval_device, batch)?;
    let mut metrics = Metrics::new();
    metrics.insert("val".into(), split_metrics(val.targets(), &val_scores, &config.eval, config.seed));
    metrics.insert("test".into(), split_metrics(test.targets(), &test_scores, &config.eval, config.seed));

    save_weights(&fitted.best, &dir.join("model.bpk"))?;
    let meta = ModelMeta {
        model: "resnet".into(),
        in_channels: ds.channels,
        height: ds.height,
        width: ds.width,
        label_width: ds.label_width,
        n_outputs,
        best_epoch: fitted.best_epoch,
    };
    write_json(&dir.join("model.json"), &meta)?;
    let val_rows: Vec<usize> = (0..ds.val.n).collect();
    let test_rows: Vec<usize> = (0..ds.test.n).collect();
    let csv = predictions_csv(&[
        ("val", &val_rows, val.targets(), &val_scores),
        ("test", &test_rows, test.targets(), &test_scores),
    ]);
    write_atomic(&dir.join("predictions.csv"), csv.as_bytes()).map_err(TrainError::io(dir.join("predictions.csv")))?;
    let hist = history_csv(&fitted.history, config.train.monitor.as_str());
    write_atomic(&dir.join("history.csv"), hist.as_bytes()).map_err(TrainError::io(dir.join("history.csv")))?;
    write_json(&dir.join("metrics.json"), &metrics)?;
    Ok((metrics, fitted.history.len(), fitted.best_epoch, fitted.stopped_early, fitted.train_samples_per_second))
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

/// A trained run reopened from its directory.
pub struct LoadedRun {
    pub dir: PathBuf,
    pub config: Config,
    pub meta: ModelMeta,
    pub model: ResNet,
    pub device: Device,
}

/// Reopens `dir` (config, model.json, model.bpk) on `device` for inference.
pub fn load_run(dir: &Path, device: DeviceChoice) -> Result<LoadedRun, TrainError> {
    let config = Config::load(&dir.join("config.toml"), &[])?;
    let meta_path = dir.join("model.json");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| TrainError::RunDir {
        path: dir.to_path_buf(),
        message: format!("not a finished medref run (model.json: {e})"),
    })?;
    let meta: ModelMeta = serde_json::from_str(&text).map_err(|e| TrainError::RunDir {
        path: meta_path.clone(),
        message: format!("unreadable: {e}"),
    })?;
    let device = open_device(device)?.device;
    let model = build_model(&config, meta.in_channels, meta.n_outputs, &device);
    let model = load_weights(model, &dir.join("model.bpk"))?.valid();
    Ok(LoadedRun { dir: dir.to_path_buf(), config, meta, model, device })
}

/// Re-evaluates a run on its config's data, or on `data` (same format).
pub fn eval(run: &LoadedRun, data: Option<&Path>) -> Result<Metrics, TrainError> {
    let ds = load_images(&run.config, data)?;
    check_shape(run, &ds, data.unwrap_or(run.config.data.path()))?;
    let mut metrics = Metrics::new();
    for (name, split) in [("val", &ds.val), ("test", &ds.test)] {
        let ex = ImageExamples::new(&ds, split, None, Default::default());
        let scores = predict_scores(&run.model, &ex, &run.device, 256)?;
        metrics.insert(name.into(), split_metrics(ex.targets(), &scores, &run.config.eval, run.config.seed));
    }
    Ok(metrics)
}

fn check_shape(run: &LoadedRun, ds: &ImageDataset, path: &Path) -> Result<(), TrainError> {
    let m = &run.meta;
    if (ds.channels, ds.height, ds.width, ds.label_width) != (m.in_channels, m.height, m.width, m.label_width) {
        return Err(TrainError::Mismatch(format!(
            "{}: images are {}x{}x{} with label width {}, but the model in {} was trained on {}x{}x{} with label width {}",
            path.display(),
            ds.channels, ds.height, ds.width, ds.label_width,
            run.dir.display(),
            m.in_channels, m.height, m.width, m.label_width
        )));
    }
    Ok(())
}

/// Scores images for `medref predict`: a MedMNIST `.npz` (every split), an
/// image file, a folder of images, or a DICOM slice. Returns CSV text
/// `id,score_0,...,predicted`.
pub fn predict(run: &LoadedRun, input: &Path) -> Result<String, TrainError> {
    let m = &run.meta;
    let (ids, images) = read_predict_input(input, m)?;
    let n = ids.len();
    let split = ImageSplit { images, labels: vec![0; n * m.label_width], n };
    let ds = ImageDataset {
        channels: m.in_channels,
        height: m.height,
        width: m.width,
        label_width: m.label_width,
        n_classes: m.n_outputs,
        train: ImageSplit::default(),
        val: ImageSplit::default(),
        test: split,
    };
    let ex = ImageExamples::new(&ds, &ds.test, None, Default::default());
    let scores = predict_scores(&run.model, &ex, &run.device, 256)?;
    let k = m.n_outputs;
    let mut s = String::from("id");
    (0..k).for_each(|j| s.push_str(&format!(",score_{j}")));
    s.push_str(",predicted\n");
    for (i, id) in ids.iter().enumerate() {
        let row = &scores[i * k..(i + 1) * k];
        s.push_str(&csv_field(id));
        row.iter().for_each(|v| s.push_str(&format!(",{v:.6}")));
        let predicted = if m.label_width > 1 {
            row.iter().enumerate().filter(|(_, &v)| v >= 0.5).map(|(j, _)| j.to_string()).collect::<Vec<_>>().join(";")
        } else {
            let best = row.iter().enumerate().fold((0, f64::MIN), |b, (j, &v)| if v > b.1 { (j, v) } else { b });
            best.0.to_string()
        };
        s.push_str(&format!(",{predicted}\n"));
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

fn read_predict_input(input: &Path, m: &ModelMeta) -> Result<(Vec<String>, Vec<u8>), TrainError> {
    let ext = input.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
    let size = (m.height as u32, m.width as u32);
    let grey = m.in_channels == 1;
    match ext.as_deref() {
        Some("npz") => {
            let ds = medref_data::npz::read_medmnist(input)?;
            if (ds.channels, ds.height, ds.width) != (m.in_channels, m.height, m.width) {
                return Err(TrainError::Mismatch(format!(
                    "{}: images are {}x{}x{}, the model expects {}x{}x{}",
                    input.display(), ds.channels, ds.height, ds.width, m.in_channels, m.height, m.width
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
