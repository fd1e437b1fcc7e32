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
use medref_core::config::{DnaCnnConfig, GlobalPool};

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
    /// Keep positions (flatten) instead of taking the maximum over them.
    flatten: bool,
    dropout: Dropout,
    hidden: Linear,
    head: Linear,
}

impl DnaCnn {
    /// `config.channels[i]` filters of width `config.kernel_sizes[i]`, then
    /// max pooling by `config.pool_sizes[i]` (1 = none); the lengths of the
    /// three lists are checked when the config is loaded. `seq_len` sizes
    /// the dense layer when positions are flattened.
    pub fn new(config: &DnaCnnConfig, seq_len: usize, n_outputs: usize, device: &Device) -> Self {
        let mut c_in = 4;
        let mut len = seq_len;
        let mut stages = Vec::new();
        for ((&c_out, &k), &p) in config.channels.iter().zip(&config.kernel_sizes).zip(&config.pool_sizes) {
            let conv = Conv1dConfig::new(c_in, c_out, k).with_padding(PaddingConfig1d::Same).init(device);
            let pool = (p > 1).then(|| MaxPool1dConfig::new(p).init());
            stages.push(ConvStage { conv, pool });
            c_in = c_out;
            len /= p;
        }
        let flatten = config.global_pool == GlobalPool::Flatten;
        let features = if flatten { c_in * len.max(1) } else { c_in };
        Self {
            stages,
            flatten,
            dropout: DropoutConfig::new(config.dropout).init(),
            hidden: LinearConfig::new(features, config.hidden).init(device),
            head: LinearConfig::new(config.hidden, n_outputs).init(device),
        }
    }

    /// `[batch, 4, seq_len]` -> logits `[batch, n_outputs]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let mut x = x;
        for s in &self.stages {
            x = relu(medref_kernels::conv1d(&s.conv, x));
            if let Some(p) = &s.pool {
                // Our kernel on the CPU (one byte of backward state per
                // output), burn's pool elsewhere.
                x = medref_kernels::max_pool1d(x, p.kernel_size, |x| p.forward(x));
            }
        }
        let pooled: Tensor<2> = if self.flatten { x.flatten(1, 2) } else { x.max_dim(2).flatten(1, 2) };
        let h = relu(self.hidden.forward(self.dropout.forward(pooled)));
        self.head.forward(h)
    }
}

impl crate::Network for DnaCnn {
    type Input = Tensor<3>;
    fn logits(&self, input: Tensor<3>) -> Tensor<2> {
        self.forward(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_length_maps_to_logits() {
        let device = Device::flex();
        let cfg = DnaCnnConfig::default();
        for len in [60, 200] {
            let m = DnaCnn::new(&cfg, len, 3, &device);
            let y = m.forward(Tensor::<3>::zeros([2, 4, len], &device));
            assert_eq!(y.dims(), [2, 3]);
            let flat = DnaCnnConfig { global_pool: GlobalPool::Flatten, ..DnaCnnConfig::default() };
            let m = DnaCnn::new(&flat, len, 3, &device);
            assert_eq!(m.forward(Tensor::<3>::zeros([2, 4, len], &device)).dims(), [2, 3]);
        }
    }
}
