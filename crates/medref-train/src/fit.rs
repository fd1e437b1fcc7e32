//! The one training loop.
//!
//! Seeded shuffling, Adam/AdamW with weight decay, a per-epoch learning-rate
//! schedule, class weights, batch-norm statistics recomputed on the
//! training split after each epoch (`precise_bn`), early stopping on a
//! validation metric, best-checkpoint selection and an atomic checkpoint
//! every epoch. Domains reuse it unchanged through [`Examples`] and
//! [`Network`].

use crate::checkpoint::{load_weights, Checkpoints};
use crate::evaluate::{monitor_value, predict_scores, score_loss};
use crate::examples::{Examples, Network, OutputKind};
pub use crate::history::EpochRecord;
use crate::loss::{balanced_class_weights, batch_loss};
use crate::precise_bn::{check_every_batch_norm_is_listed, recompute_batch_norm_statistics};
use crate::schedule::learning_rate;
use crate::TrainError;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::Bytes;
use medref_core::config::{ClassWeights, Monitor, OptimizerKind, TrainConfig};
use medref_core::seed::Rng;
use std::time::Instant;

/// Observes the loop; the CLI draws progress bars, tests stay silent.
pub trait Progress {
    fn start(&mut self, _epochs: usize, _batches_per_epoch: usize) {}
    /// After each batch; `loss` is the mean training loss over the batches
    /// up to the last read of the loss (NaN before the first read).
    fn batch(&mut self, _epoch: usize, _batch: usize, _loss: f64) {}
    fn epoch(&mut self, _record: &EpochRecord, _improved: bool) {}
    fn finish(&mut self) {}
    /// Something the user should know before training starts (a resumed
    /// run whose process had died); quiet runs drop it.
    fn note(&mut self, _message: &str) {}
}

/// A [`Progress`] that shows nothing.
pub struct Silent;
impl Progress for Silent {}

/// What training produced: the best model (by the monitored validation
/// metric) and the per-epoch history.
pub struct Fitted<M> {
    pub best: M,
    pub best_epoch: usize,
    pub history: Vec<EpochRecord>,
    pub stopped_early: bool,
    /// Training examples seen per second, over the whole run.
    pub train_samples_per_second: f64,
}

fn optimizer(cfg: &TrainConfig) -> ModuleOptimizer {
    // Epsilon as in PyTorch (burn's default is 1e-5), so published
    // hyper-parameters carry over.
    match cfg.optimizer {
        OptimizerKind::Adam => {
            let decay = (cfg.weight_decay > 0.0).then(|| WeightDecayConfig::new(cfg.weight_decay as f32));
            AdamConfig::new().with_epsilon(1e-8).with_weight_decay(decay).init()
        }
        OptimizerKind::Adamw => AdamWConfig::new().with_epsilon(1e-8).with_weight_decay(cfg.weight_decay as f32).init(),
    }
}

/// How often (in batches) the loop reads the training loss back: a read
/// waits until the device has finished every queued batch, so reading after
/// each one leaves a GPU idle while the host catches up. The divergence
/// check runs at the same cadence, on the sum of the batches since the last
/// read.
const LOSS_READ_EVERY: usize = 8;

/// What one optimisation step needs besides the model and the batch.
struct Step<'a> {
    cfg: &'a TrainConfig,
    kind: OutputKind,
    weights: Option<&'a Tensor<1>>,
    lr: f64,
    epoch: usize,
    device: &'a Device,
}

/// One epoch over `order`. Batches are assembled (gathered, augmented and
/// put on the device) on a second thread while the current one trains, in
/// the same order and from the same random stream as without it, so the
/// result does not change. Returns the model and the sum of per-example
/// training losses.
fn train_epoch<M, E>(
    mut model: M,
    optim: &mut ModuleOptimizer,
    train: &E,
    order: &[usize],
    mut augment: Rng,
    step: &Step<'_>,
    progress: &mut dyn Progress,
) -> Result<(M, f64), TrainError>
where
    M: Network<Input = E::Input>,
    E: Examples + Sync,
    E::Input: Send,
{
    let device = step.device;
    std::thread::scope(|scope| {
        // One batch ahead: enough to hide assembly, and memory for one more.
        let (ready, batches) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            for idx in order.chunks(step.cfg.batch_size) {
                let (input, targets) = train.training_batch(idx, device, &mut augment);
                // The loop has stopped (divergence): nothing left to do.
                if ready.send((input, targets, idx.len())).is_err() {
                    break;
                }
            }
        });
        let batches_total = order.len().div_ceil(step.cfg.batch_size);
        // Per-example losses summed on the device since the last read.
        let mut pending: Option<Tensor<1>> = None;
        let (mut pending_examples, mut loss_sum, mut shown) = (0usize, 0.0f64, f64::NAN);
        for (b, (input, targets, len)) in batches.iter().enumerate() {
            let (logits, penalty) = model.logits_and_penalty(input);
            let mut loss = batch_loss(logits, targets, step.weights, step.kind, len);
            if let Some(p) = penalty {
                loss = loss + p;
            }
            let weighted = loss.clone().detach() * len as f32;
            pending = Some(match pending.take() {
                Some(sum) => sum + weighted,
                None => weighted,
            });
            pending_examples += len;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(step.lr, model, grads);
            if (b + 1) % LOSS_READ_EVERY == 0 || b + 1 == batches_total {
                let sum = pending.take().expect("a batch since the last read").into_scalar::<f32>() as f64;
                if !sum.is_finite() {
                    let first = b / LOSS_READ_EVERY * LOSS_READ_EVERY + 1;
                    return Err(TrainError::Diverged(format!(
                        "the training loss became {sum} at epoch {}, batches {first}-{}; lower [train].lr (now {})",
                        step.epoch + 1,
                        b + 1,
                        step.lr
                    )));
                }
                loss_sum += sum;
                shown = sum / pending_examples as f64;
                pending_examples = 0;
            }
            progress.batch(step.epoch + 1, b + 1, shown);
            if let Some(signal) = crate::interrupt::stop_requested() {
                // The epoch in progress is dropped; the caller names the
                // last committed one.
                return Err(TrainError::Interrupted { signal, epochs: 0, dir: Default::default() });
            }
            if b == 0 {
                crate::checkpoint::fault_point("epoch", step.epoch + 1);
            }
        }
        Ok((model, loss_sum))
    })
}

/// Whether an epoch's validation `(metric, loss)` beats the best so far:
/// a better monitored metric, or the same one with a lower loss. A ranking
/// metric on a small validation split saturates (AUROC 1.0 from the second
/// epoch of the tiny imaging run), and without the tie broken the first
/// epoch to reach it would be kept, however far from calibrated its scores.
fn improves(monitor: Monitor, (metric, loss): (f64, f64), best: Option<(f64, f64)>) -> bool {
    match best {
        None => metric.is_finite(),
        Some((b, _)) if monitor.maximise() && metric > b => true,
        Some((b, _)) if !monitor.maximise() && metric < b => true,
        Some((b, best_loss)) => metric == b && loss < best_loss,
    }
}

/// Trains `model` on `train`, selecting the best epoch on `val`.
///
/// `device` must be an autodiff device; inference for validation runs on
/// its plain counterpart. With `checkpoints`, the model and optimiser are
/// saved atomically after every epoch and the best model whenever the
/// monitored metric improves.
#[allow(clippy::too_many_arguments)] // the loop's inputs, each a different thing; a struct would only rename them
pub fn fit<M, E>(
    mut model: M,
    train: &E,
    val: &E,
    cfg: &TrainConfig,
    seed: u64,
    device: &Device,
    mut checkpoints: Option<&mut Checkpoints>,
    progress: &mut dyn Progress,
) -> Result<Fitted<M>, TrainError>
where
    M: Network<Input = E::Input>,
    E: Examples + Sync,
    E::Input: Send,
{
    if train.is_empty() || val.is_empty() {
        return Err(TrainError::Mismatch("the training and validation splits must not be empty".into()));
    }
    if cfg.precise_bn {
        check_every_batch_norm_is_listed(&mut model)?;
    }
    let kind = train.targets().output_kind();
    let weights = match cfg.class_weights {
        ClassWeights::None => None,
        ClassWeights::Balanced if matches!(kind, OutputKind::Identity | OutputKind::Risk) => None,
        ClassWeights::Balanced => {
            Some(Tensor::<1>::from_floats(balanced_class_weights(train.targets()).as_slice(), device))
        }
    };
    let mut optim = optimizer(cfg);
    let n = train.len();
    let batches = n.div_ceil(cfg.batch_size);
    let eval_device = device.clone().without_autodiff();
    let eval_batch = cfg.batch_size.max(256);

    let mut history = Vec::new();
    // The best model, its epoch, and its validation (metric, loss).
    let mut best: Option<(M, usize, (f64, f64))> = None;
    let mut stale = 0usize;
    let mut stopped_early = false;
    let mut first_epoch = 0;
    if let Some(ck) = checkpoints.as_deref_mut() {
        if let Some(state) = ck.take_resume() {
            // Continue exactly where the last committed epoch ended.
            let dir = ck.dir().to_path_buf();
            model = load_weights(model, &dir.join(&state.last))?;
            let path = dir.join(&state.optimizer);
            let bytes = std::fs::read(&path).map_err(TrainError::io(&path))?;
            optim = optim
                .from_bytes(Bytes::from_bytes_vec(bytes))
                .map_err(|e| TrainError::Weights { path: path.clone(), message: e.to_string() })?;
            if let (Some(file), Some(record)) = (&state.best, state.history.get(state.best_epoch.wrapping_sub(1))) {
                // Into a copy of its own: a clone shares the batch-norm
                // running statistics, and loading would overwrite the
                // training model's with the best epoch's.
                let scores = (record.val_metric, record.val_loss);
                best = Some((load_weights(model.valid(), &dir.join(file))?, state.best_epoch, scores));
            }
            stale = state.epoch - state.best_epoch.min(state.epoch);
            first_epoch = state.epoch;
            history = state.history;
            stopped_early = cfg.patience > 0 && stale >= cfg.patience;
        }
    }
    let started = Instant::now();
    let mut seen = 0usize;
    progress.start(cfg.epochs, batches);

    for epoch in first_epoch..cfg.epochs {
        if stopped_early {
            break;
        }
        // The device's random state (dropout masks) is set per epoch, so a
        // resumed run draws what the uninterrupted run would have drawn.
        device.seed(Rng::derive(seed, &format!("device-{epoch}")).next_u64());
        let epoch_start = Instant::now();
        let lr = learning_rate(cfg, epoch);
        let mut order: Vec<usize> = (0..n).collect();
        Rng::derive(seed, &format!("shuffle-{epoch}")).shuffle(&mut order);
        let order = train.epoch_order(order, cfg.batch_size);
        let augment = Rng::derive(seed, &format!("augment-{epoch}"));
        let step = Step { cfg, kind, weights: weights.as_ref(), lr, epoch, device };
        let (trained, loss_sum) =
            train_epoch(model, &mut optim, train, &order, augment, &step, progress).map_err(|e| match e {
                TrainError::Interrupted { signal, dir, .. } => {
                    TrainError::Interrupted { signal, epochs: history.len(), dir }
                }
                other => other,
            })?;
        model = trained;
        seen += n;
        if cfg.precise_bn {
            let augment = Rng::derive(seed, &format!("batch-norm-statistics-{epoch}"));
            model = recompute_batch_norm_statistics(model, train, cfg.batch_size, augment, device)?;
        }

        let scores = predict_scores(&model.valid(), val, &eval_device, eval_batch)?;
        let val_loss = score_loss(val.targets(), &scores);
        let val_metric = match cfg.monitor {
            Monitor::Loss => val_loss,
            m => monitor_value(val.targets(), &scores, m),
        };
        let record = EpochRecord {
            epoch: epoch + 1,
            lr,
            train_loss: loss_sum / n as f64,
            val_loss,
            val_metric,
            seconds: epoch_start.elapsed().as_secs_f64(),
        };
        let improved = improves(cfg.monitor, (val_metric, val_loss), best.as_ref().map(|b| b.2));
        if improved {
            // `valid()` is a copy with its own running statistics (a clone
            // would share them and drift with later epochs).
            best = Some((model.valid(), epoch + 1, (val_metric, val_loss)));
            stale = 0;
        } else {
            stale += 1;
        }
        history.push(record.clone());
        if let Some(ck) = checkpoints.as_deref_mut() {
            ck.save_epoch(&model, &optim, &history, improved)?;
        }
        progress.epoch(&record, improved);
        if cfg.patience > 0 && stale >= cfg.patience {
            stopped_early = true;
            break;
        }
    }
    progress.finish();
    let (best, best_epoch, _) = best.unwrap_or((model, history.len(), (f64::NAN, f64::NAN)));
    Ok(Fitted {
        best,
        best_epoch,
        history,
        stopped_early,
        train_samples_per_second: seen as f64 / started.elapsed().as_secs_f64().max(1e-9),
    })
}

#[cfg(test)]
mod tests;
