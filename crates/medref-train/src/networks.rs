//! How each model family in `medref-models` maps a batch to logits for
//! the loop ([`Network`]). The impls live here, beside the trait, because
//! a domain crate may not implement another crate's trait for another
//! crate's type.

use crate::examples::Network;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use medref_models::Tcn;

impl Network for medref_models::ResNet {
    type Input = Tensor<4>;
    fn logits(&self, input: Tensor<4>) -> Tensor<2> {
        self.forward(input)
    }
}

impl Network for medref_models::Mlp {
    type Input = Tensor<2>;
    fn logits(&self, input: Tensor<2>) -> Tensor<2> {
        self.forward(input)
    }
}

impl Network for medref_models::SignalCnn {
    type Input = Tensor<3>;
    fn logits(&self, input: Tensor<3>) -> Tensor<2> {
        self.forward(input)
    }
}

impl Network for medref_models::DnaCnn {
    type Input = Tensor<3>;
    fn logits(&self, input: Tensor<3>) -> Tensor<2> {
        self.forward(input)
    }
}

/// Several sequences padded to the longest, with their true lengths so the
/// network can drop the padded frames.
pub struct FrameBatch {
    /// `[batch, channels, max_len]`, zero-padded at the end.
    pub x: Tensor<3>,
    pub lengths: Vec<usize>,
}

/// The TCN's output for the real frames of each sequence, `[b, classes, len]` each.
fn per_sequence(model: &Tcn, input: FrameBatch) -> Vec<Tensor<2>> {
    let out = model.forward(input.x); // [b, k, max_len]
    input
        .lengths
        .iter()
        .enumerate()
        .map(|(b, &len)| out.clone().narrow(0, b, 1).narrow(2, 0, len).squeeze_dim::<2>(0))
        .collect()
}

impl Network for Tcn {
    type Input = FrameBatch;

    fn logits(&self, input: FrameBatch) -> Tensor<2> {
        let parts: Vec<Tensor<2>> = per_sequence(self, input).into_iter().map(|t| t.transpose()).collect();
        Tensor::cat(parts, 0)
    }

    /// MS-TCN's smoothing loss: the squared difference of neighbouring
    /// frames' log-probabilities, truncated at 4 (so true boundaries are not
    /// punished without limit), averaged over frames and classes. The
    /// previous frame is held fixed, as in the original.
    fn logits_and_penalty(&self, input: FrameBatch) -> (Tensor<2>, Option<Tensor<1>>) {
        let parts = per_sequence(self, input);
        let weight = self.smoothing();
        let penalty = (weight > 0.0)
            .then(|| {
                let terms: Vec<Tensor<1>> = parts
                    .iter()
                    .filter(|p| p.dims()[1] >= 2)
                    .map(|p| {
                        let logp = log_softmax(p.clone(), 0); // [k, len]
                        let len = logp.dims()[1];
                        let now = logp.clone().narrow(1, 1, len - 1);
                        let before = logp.narrow(1, 0, len - 1).detach();
                        let d = (now - before).clamp(-4.0, 4.0);
                        (d.clone() * d).mean().reshape([1])
                    })
                    .collect();
                let n = terms.len();
                (n > 0).then(|| Tensor::cat(terms, 0).sum().reshape([1]) * (weight / n as f64))
            })
            .flatten();
        let logits = Tensor::cat(parts.into_iter().map(|t| t.transpose()).collect(), 0);
        (logits, penalty)
    }
}

