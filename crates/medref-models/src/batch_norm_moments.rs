//! The training set's own moments for every batch-norm layer ("precise
//! batch norm", Wu and Johnson 2021, *Rethinking "Batch" in BatchNorm*).
//!
//! A layer's running mean and variance are averages with momentum 0.1:
//! they remember about the last ten batches, each taken under the weights
//! of its own step. After a few short epochs the weights have moved on
//! faster than the averages, and inference normalises with statistics of a
//! network that no longer exists: the scores still rank the examples (AUROC
//! is unchanged by a shift) but sit on the wrong side of the 0.5 cut-off.
//! Passing the training set once through the final weights in training
//! mode and pooling each batch's moments gives every layer the mean and
//! variance its inputs have under those weights.

use burn::module::{Module, ModuleVisitor, RunningState};
use burn::nn::BatchNorm;
use burn::prelude::*;

/// One layer's moments so far: examples seen, mean and sum of squared
/// deviations about it `[channels]`, per example (every example has the
/// same number of positions per channel, so examples weigh as values do).
struct Pooled {
    count: f64,
    mean: Tensor<1>,
    squares: Tensor<1>,
}

/// Pools the batch moments of every batch-norm layer of a model over a
/// pass through the training set. Use: [`BatchNormMoments::begin`], then
/// after each training-mode forward pass [`BatchNormMoments::add_batch`],
/// then [`BatchNormMoments::finish`], always with the layers in the same
/// order (`Network::batch_norms_mut`).
pub struct BatchNormMoments {
    layers: Vec<Option<Pooled>>,
    /// Each layer's own momentum, given back by `finish`.
    momenta: Vec<f64>,
}

impl BatchNormMoments {
    /// Sets each layer's momentum to 1, so that after a training-mode
    /// forward pass its running statistics are that batch's own moments.
    pub fn begin(norms: Vec<&mut BatchNorm>) -> Self {
        let momenta: Vec<f64> = norms.into_iter().map(|n| std::mem::replace(&mut n.momentum, 1.0)).collect();
        Self { layers: momenta.iter().map(|_| None).collect(), momenta }
    }

    /// Pools the moments of the batch of `examples` examples the model has
    /// just passed forward in training mode, with Chan's update for
    /// combining means and squared deviations of two groups (exact, and
    /// free of the cancellation that `E[x^2] - E[x]^2` suffers when the
    /// mean is large against the spread).
    pub fn add_batch(&mut self, norms: Vec<&mut BatchNorm>, examples: usize) {
        assert_eq!(norms.len(), self.layers.len(), "the same batch-norm layers as at `begin`");
        let nb = examples as f64;
        for (pooled, norm) in self.layers.iter_mut().zip(norms) {
            let mean = norm.running_mean.value_sync();
            let squares = norm.running_var.value_sync().mul_scalar(nb);
            *pooled = Some(match pooled.take() {
                None => Pooled { count: nb, mean, squares },
                Some(p) => {
                    let n = p.count + nb;
                    let delta = mean - p.mean.clone();
                    Pooled {
                        count: n,
                        mean: p.mean + delta.clone().mul_scalar(nb / n),
                        squares: p.squares + squares + delta.powi_scalar(2).mul_scalar(p.count * nb / n),
                    }
                }
            });
        }
    }

    /// Writes the pooled mean and (biased) variance as each layer's running
    /// statistics and gives the layers their momentum back. A layer that
    /// saw no batch keeps its statistics.
    pub fn finish(self, norms: Vec<&mut BatchNorm>) {
        assert_eq!(norms.len(), self.layers.len(), "the same batch-norm layers as at `begin`");
        for ((pooled, momentum), norm) in self.layers.into_iter().zip(self.momenta).zip(norms) {
            norm.momentum = momentum;
            if let Some(p) = pooled {
                set_running(&norm.running_mean, p.mean);
                set_running(&norm.running_var, p.squares.div_scalar(p.count.max(1.0)));
            }
        }
    }
}

/// Replaces a running statistic in place (its copies that share it, as
/// clones do, see the new value too; `valid()` copies do not).
fn set_running(state: &RunningState<Tensor<1>>, value: Tensor<1>) {
    state.update(value.detach());
    // Folds this thread's update into the stored value now.
    let _ = state.value_sync();
}

/// The batch-norm layers inside `module`, found by their type, whatever
/// the model exposes: the loop compares it with
/// `Network::batch_norms_mut` so that a model which leaves a layer out
/// fails loudly instead of keeping lagging statistics.
pub fn count_batch_norms<M: Module>(module: &M) -> usize {
    struct Count(usize);
    impl ModuleVisitor for Count {
        fn enter_module(&mut self, name: &str, container_type: &str) {
            // Each `BatchNorm` enters its field `running_mean` once.
            if container_type == "Struct:BatchNorm" && name == "running_mean" {
                self.0 += 1;
            }
        }
    }
    let mut count = Count(0);
    module.visit(&mut count);
    count.0
}
