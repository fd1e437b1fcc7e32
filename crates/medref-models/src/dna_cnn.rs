//! A 1D CNN for one-hot DNA (DeepBind/Basset-style): convolution + ReLU +
//! max-pool stacks, global max pooling over positions, a small dense head.
//!
//! The first layer's filters act as position weight matrices that scan the
//! sequence for motifs; global max pooling asks "is the motif anywhere?",
//! which is what transcription-factor binding and splice-site tasks need.

use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use medref_core::config::DnaCnnConfig;

/// One convolution stage, optionally followed by max pooling.
#[derive(Module, Debug)]
struct ConvStage {
    conv: Conv1d,
    pool: Option<MaxPool1d>,
}

/// The DNA classifier: `[batch, 4, seq_len]` one-hot -> logits `[batch, n_outputs]`.
#[derive(Module, Debug)]
pub struct DnaCnn {
    stages: Vec<ConvStage>,
    dropout: Dropout,
    hidden: Linear,
    head: Linear,
}

impl DnaCnn {
    /// `config.channels[i]` filters of width `config.kernel_sizes[i]`, then
    /// max pooling by `config.pool_sizes[i]` (1 = none); the lengths of the
    /// three lists are checked when the config is loaded.
    pub fn new(config: &DnaCnnConfig, n_outputs: usize, device: &Device) -> Self {
        let mut c_in = 4;
        let mut stages = Vec::new();
        for ((&c_out, &k), &p) in config.channels.iter().zip(&config.kernel_sizes).zip(&config.pool_sizes) {
            let conv = Conv1dConfig::new(c_in, c_out, k).with_padding(PaddingConfig1d::Same).init(device);
            let pool = (p > 1).then(|| MaxPool1dConfig::new(p).init());
            stages.push(ConvStage { conv, pool });
            c_in = c_out;
        }
        Self {
            stages,
            dropout: DropoutConfig::new(config.dropout).init(),
            hidden: LinearConfig::new(c_in, config.hidden).init(device),
            head: LinearConfig::new(config.hidden, n_outputs).init(device),
        }
    }

    /// `[batch, 4, seq_len]` -> logits `[batch, n_outputs]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let mut x = x;
        for s in &self.stages {
            x = relu(s.conv.forward(x));
            if let Some(p) = &s.pool {
                x = p.forward(x);
            }
        }
        let pooled: Tensor<2> = x.max_dim(2).flatten(1, 2); // global max over positions
        let h = relu(self.hidden.forward(self.dropout.forward(pooled)));
        self.head.forward(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_length_maps_to_logits() {
        let device = Device::flex();
        let cfg = DnaCnnConfig::default();
        let m = DnaCnn::new(&cfg, 3, &device);
        for len in [60, 200] {
            let y = m.forward(Tensor::<3>::zeros([2, 4, len], &device));
            assert_eq!(y.dims(), [2, 3]);
        }
    }
}
