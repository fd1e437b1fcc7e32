//! The loop on its own: a linear model on a few hundred points in memory,
//! so each test runs in a fraction of a second without any domain, file
//! or CLI. What they pin down: early stopping and patience, the monitor's
//! direction, the divergence error, the checkpoint commit order, and that
//! a resumed run ends where the uninterrupted one would have.

use super::*;
use crate::checkpoint::CheckpointState;
use crate::examples::Targets;
use medref_core::config::{Monitor, ScheduleKind};
use medref_models::Mlp;
use std::path::Path;

/// Two features per point; class 1 when their sum is positive.
struct Points {
    x: Vec<f32>,
    targets: Targets,
    /// Every feature NaN: the loss cannot stay finite.
    poisoned: bool,
}

impl Points {
    fn planted(n: usize, seed: u64) -> Points {
        let mut rng = Rng::new(seed);
        let x: Vec<f32> = (0..2 * n).map(|_| rng.normal() as f32).collect();
        let labels = x.chunks(2).map(|p| usize::from(p[0] + p[1] > 0.0)).collect();
        Points { x, targets: Targets::Classes { labels, n_classes: 2 }, poisoned: false }
    }
}

impl Examples for Points {
    type Input = Tensor<2>;
    fn len(&self) -> usize {
        self.targets.len()
    }
    fn targets(&self) -> &Targets {
        &self.targets
    }
    fn batch(&self, indices: &[usize], device: &Device, _augment: Option<&mut Rng>) -> Tensor<2> {
        let rows: Vec<f32> = indices
            .iter()
            .flat_map(|&i| [self.x[2 * i], self.x[2 * i + 1]])
            .map(|v| if self.poisoned { f32::NAN } else { v })
            .collect();
        let array = ndarray::Array2::from_shape_vec((indices.len(), 2), rows).expect("two features a row");
        crate::tensor::to_tensor(array, device)
    }
}

fn device() -> Device {
    Device::flex().autodiff()
}

/// Fixed starting weights: burn's seeded generator is one per process,
/// shared with the tests running beside this one.
fn model(device: &Device) -> Mlp {
    Mlp::new(&[], 0.0, 2, 2, device).with_linear_coefficients(&[0.1, -0.2, 0.3, 0.05], &[0.0, 0.1]).unwrap()
}

/// A constant learning rate, so that the first epochs of a shorter run are
/// those of a longer one (a cosine schedule depends on the epoch count).
fn config(epochs: usize, lr: f64, monitor: Monitor, patience: usize) -> TrainConfig {
    let schedule = ScheduleKind::Constant;
    TrainConfig { epochs, lr, monitor, patience, schedule, batch_size: 32, ..TrainConfig::default() }
}

fn train(cfg: &TrainConfig, checkpoints: Option<&mut Checkpoints>) -> Result<Fitted<Mlp>, TrainError> {
    let (train, val) = (Points::planted(256, 1), Points::planted(128, 2));
    let device = device();
    fit(model(&device), &train, &val, cfg, 3, &device, checkpoints, &mut Silent)
}

fn metrics(f: &Fitted<Mlp>) -> Vec<(f64, f64, f64)> {
    f.history.iter().map(|r| (r.train_loss, r.val_loss, r.val_metric)).collect()
}

#[test]
fn a_flat_validation_metric_stops_after_patience_epochs() {
    // lr = 0: the model never changes, so no epoch after the first improves.
    let f = train(&config(20, 0.0, Monitor::Loss, 3), None).unwrap();
    assert!(f.stopped_early);
    assert_eq!(f.history.len(), 1 + 3, "one improving epoch, then three stale ones");
    assert_eq!(f.best_epoch, 1);
    // Without patience every epoch runs.
    let f = train(&config(5, 0.0, Monitor::Loss, 0), None).unwrap();
    assert!(!f.stopped_early);
    assert_eq!(f.history.len(), 5);
}

#[test]
fn the_best_epoch_follows_the_monitors_direction() {
    for monitor in [Monitor::Loss, Monitor::Auroc, Monitor::Accuracy] {
        let f = train(&config(6, 0.05, monitor, 0), None).unwrap();
        let values: Vec<f64> = f.history.iter().map(|r| r.val_metric).collect();
        let best = values[f.best_epoch - 1];
        let better = |v: f64| if monitor.maximise() { v > best } else { v < best };
        assert!(!values.iter().any(|&v| better(v)), "{monitor:?}: epoch {} chosen from {values:?}", f.best_epoch);
        // The planted signal is learnt, so the chosen epoch is a good one.
        let auroc_or_loss = if monitor == Monitor::Loss { best < 0.6 } else { best > 0.8 };
        assert!(auroc_or_loss, "{monitor:?}: best {best}");
    }
}

/// The planted points are separable, so validation AUROC reaches 1.0 in a
/// few epochs while the loss keeps falling: the epoch kept is the one with
/// the lowest loss among those at the best AUROC, not the first to get there.
#[test]
fn a_saturated_monitor_is_broken_by_the_validation_loss() {
    let f = train(&config(12, 0.05, Monitor::Auroc, 0), None).unwrap();
    let top = f.history.iter().map(|r| r.val_metric).fold(f64::NEG_INFINITY, f64::max);
    let tied: Vec<&EpochRecord> = f.history.iter().filter(|r| r.val_metric == top).collect();
    assert!(tied.len() > 1, "no tie at the top: {:?}", f.history);
    let lowest = tied.iter().min_by(|a, b| a.val_loss.total_cmp(&b.val_loss)).unwrap();
    assert!(lowest.epoch > tied[0].epoch, "the loss did not fall after the top was reached");
    assert_eq!(f.best_epoch, lowest.epoch);
    // The rule itself: better metric first, the loss only between equals.
    assert!(improves(Monitor::Auroc, (0.9, 0.5), Some((0.8, 0.1))));
    assert!(!improves(Monitor::Auroc, (0.8, 0.5), Some((0.9, 0.6))));
    assert!(improves(Monitor::Auroc, (0.9, 0.4), Some((0.9, 0.5))));
    assert!(!improves(Monitor::Auroc, (0.9, 0.5), Some((0.9, 0.5))));
    assert!(improves(Monitor::Rmse, (1.0, 0.2), Some((1.0, 0.3))));
    assert!(!improves(Monitor::Rmse, (1.1, 0.1), Some((1.0, 0.3))));
    assert!(!improves(Monitor::Auroc, (f64::NAN, 0.1), None));
}

#[test]
fn a_loss_that_is_not_finite_stops_with_the_epoch_and_batches() {
    let (mut train_set, val) = (Points::planted(64, 1), Points::planted(32, 2));
    train_set.poisoned = true;
    let device = device();
    let err = fit(model(&device), &train_set, &val, &config(3, 0.01, Monitor::Loss, 0), 3, &device, None, &mut Silent)
        .err()
        .expect("a NaN loss must stop the run");
    let message = err.to_string();
    assert!(matches!(err, TrainError::Diverged(_)), "{message}");
    assert!(message.contains("at epoch 1, batches 1-2") && message.contains("lower [train].lr"), "{message}");
}

fn state(dir: &Path) -> CheckpointState {
    serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap()
}

#[test]
fn an_epoch_is_committed_by_its_state_file_and_a_torn_one_is_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("checkpoints");
    let mut ck = Checkpoints::create(&dir).unwrap();
    train(&config(2, 0.05, Monitor::Loss, 0), Some(&mut ck)).unwrap();
    let committed = state(&dir);
    assert_eq!((committed.epoch, committed.last.as_str()), (2, "last-2.bpk"));
    // Only the committed epoch's files are kept.
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let best = committed.best.clone().unwrap();
    let mut want = vec![best, "last-2.bpk".into(), "optimizer-2.bin".into(), "state.json".into()];
    want.sort();
    want.dedup();
    assert_eq!(names, want);
    // A crash after epoch 3's weights were written but before its state
    // was committed: the files are there, the state still says epoch 2.
    std::fs::copy(dir.join("last-2.bpk"), dir.join("last-3.bpk")).unwrap();
    std::fs::write(dir.join("optimizer-3.bin.tmp"), b"half a file").unwrap();
    let mut reopened = Checkpoints::open_for_resume(&dir).unwrap();
    assert!(!dir.join("optimizer-3.bin.tmp").exists(), "an uncommitted temporary file survives");
    let resumed = reopened.take_resume().unwrap();
    assert_eq!(resumed.epoch, 2);
    assert_eq!(resumed.last, "last-2.bpk");
}

#[test]
fn a_resumed_run_ends_where_the_uninterrupted_one_does() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = train(&config(4, 0.05, Monitor::Auroc, 0), None).unwrap();
    let dir = tmp.path().join("checkpoints");
    let mut ck = Checkpoints::create(&dir).unwrap();
    train(&config(2, 0.05, Monitor::Auroc, 0), Some(&mut ck)).unwrap();
    // The kill came during epoch 3: its weights were written, not committed.
    std::fs::write(dir.join("last-3.bpk.tmp"), b"torn").unwrap();
    let mut ck = Checkpoints::open_for_resume(&dir).unwrap();
    let resumed = train(&config(4, 0.05, Monitor::Auroc, 0), Some(&mut ck)).unwrap();
    assert_eq!(metrics(&resumed), metrics(&whole));
    assert_eq!(resumed.best_epoch, whole.best_epoch);
    let val = Points::planted(128, 2);
    let scores = |m: &Mlp| predict_scores(&m.valid(), &val, &Device::flex(), 64).unwrap();
    assert_eq!(scores(&resumed.best), scores(&whole.best));
}

#[test]
fn training_is_repeatable() {
    let a = train(&config(3, 0.05, Monitor::Loss, 0), None).unwrap();
    let b = train(&config(3, 0.05, Monitor::Loss, 0), None).unwrap();
    assert_eq!(metrics(&a), metrics(&b));
}

/// Flips one byte in the middle of `path`.
fn flip_a_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_checkpoint_file_of_any_kind_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("checkpoints");
    let mut ck = Checkpoints::create(&source).unwrap();
    // The last weights, the optimiser state, and the best weights when
    // they are another epoch's: every file the state commits is checked.
    train(&config(3, 0.05, Monitor::Loss, 0), Some(&mut ck)).unwrap();
    let committed = state(&source);
    assert_eq!(committed.sha256.len(), 2 + usize::from(committed.best.as_deref() != Some(committed.last.as_str())));
    Checkpoints::open_for_resume(&source).expect("an untouched checkpoint resumes");
    for (i, file) in committed.sha256.keys().enumerate() {
        let dir = tmp.path().join(format!("copy-{i}"));
        std::fs::create_dir(&dir).unwrap();
        for entry in std::fs::read_dir(&source).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
        flip_a_byte(&dir.join(file));
        let err = Checkpoints::open_for_resume(&dir).err().expect("a damaged checkpoint must be refused");
        let message = err.to_string();
        assert!(message.contains(file.as_str()) && message.contains("differs from the SHA-256"), "{message}");
        std::fs::remove_file(dir.join(file)).unwrap();
        let message = Checkpoints::open_for_resume(&dir).err().unwrap().to_string();
        assert!(message.contains("is missing"), "{message}");
    }
}
