//! What the training loop asks of a model: logits for a batch, and any
//! extra loss the model adds during training. Each model file implements
//! it beside the model, so a model's training-only terms (the TCN's
//! smoothing loss) live with the model, not in the loop.

use burn::nn::BatchNorm;
use burn::prelude::*;

/// A burn module that maps an input batch to logits `[rows, n_outputs]`
/// (one row per example, or per frame for frame labelling).
pub trait Network: Module + Clone {
    /// Sent from the thread that assembles batches to the one that trains.
    type Input: Send;
    /// The logits of a batch; what they mean (softmax over classes, one
    /// sigmoid per label, a risk) is the loop's business.
    fn logits(&self, input: Self::Input) -> Tensor<2>;

    /// Logits plus any extra training loss the model adds to the target
    /// loss (a smoothing term, say). Only training calls this.
    fn logits_and_penalty(&self, input: Self::Input) -> (Tensor<2>, Option<Tensor<1>>) {
        (self.logits(input), None)
    }

    /// Every batch-norm layer of the model, always in the same order, so
    /// the loop can replace their running statistics with the training
    /// set's own (see [`crate::batch_norm_moments`]). A model with batch
    /// norm must list all of them: the loop counts the layers by type and
    /// refuses a model whose list falls short. Models without batch norm
    /// keep the default.
    fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        Vec::new()
    }
}
