//! A 1D CNN for wearable-sensor windows: convolution + ReLU + max-pool
//! stages, global average pooling over time, a linear head.
//!
//! Average pooling (not max, as for DNA motifs) suits activities: walking
//! is a rhythm over the whole window rather than one telltale spot.

use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use medref_core::config::SignalCnnConfig;

#[derive(Module, Debug)]
struct Stage {
    conv: Conv1d,
    pool: MaxPool1d,
}

/// `[batch, channels, window]` -> logits `[batch, n_outputs]`.
#[derive(Module, Debug)]
pub struct SignalCnn {
    stages: Vec<Stage>,
    dropout: Dropout,
    head: Linear,
}

impl SignalCnn {
    /// `in_channels` sensor axes; any window length of at least 1.
    pub fn new(config: &SignalCnnConfig, in_channels: usize, n_outputs: usize, device: &Device) -> Self {
        let mut c_in = in_channels;
        let mut stages = Vec::new();
        for (&c_out, &k) in config.channels.iter().zip(&config.kernel_sizes) {
            stages.push(Stage {
                conv: Conv1dConfig::new(c_in, c_out, k).with_padding(PaddingConfig1d::Same).init(device),
                pool: MaxPool1dConfig::new(2).init(),
            });
            c_in = c_out;
        }
        Self {
            stages,
            dropout: DropoutConfig::new(config.dropout).init(),
            head: LinearConfig::new(c_in, n_outputs).init(device),
        }
    }

    /// `[batch, channels, window]` -> `[batch, n_outputs]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let mut x = x;
        for s in &self.stages {
            x = relu(medref_kernels::conv1d(&s.conv, x));
            // Pool only while there is time left to halve.
            if x.dims()[2] >= 2 {
                x = medref_kernels::max_pool1d(x, s.pool.kernel_size, |x| s.pool.forward(x));
            }
        }
        let pooled: Tensor<2> = x.mean_dim(2).flatten(1, 2);
        self.head.forward(self.dropout.forward(pooled))
    }
}

impl crate::Network for SignalCnn {
    type Input = Tensor<3>;
    fn logits(&self, input: Tensor<3>) -> Tensor<2> {
        self.forward(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_map_to_logits() {
        let device = Device::flex();
        let cfg = SignalCnnConfig { channels: vec![8, 8], kernel_sizes: vec![5, 3], dropout: 0.0 };
        let m = SignalCnn::new(&cfg, 6, 4, &device);
        for len in [1, 3, 100] {
            assert_eq!(m.forward(Tensor::<3>::zeros([2, 6, len], &device)).dims(), [2, 4]);
        }
    }
}
