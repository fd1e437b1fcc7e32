//! A 1D CNN for wearable-sensor windows: convolution + ReLU + max-pool
//! stages, global average pooling over time, a linear head.
//!
//! Average pooling (not max, as for DNA motifs) suits activities: walking
//! is a rhythm over the whole window rather than one telltale spot. Series
//! of different lengths arrive as a padded [`FrameBatch`] and are masked,
//! so padding neither dilutes the average nor leaks through a convolution.

use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use medref_core::config::SignalCnnConfig;

use crate::padded::{step_mask, FrameBatch};

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

    /// [`forward`](Self::forward) on a zero-padded batch of series of
    /// `lengths`, each series scored as it would be alone: steps past a
    /// series' end are zeroed before every convolution and pooling reads
    /// them (ReLU outputs are at least 0, so a zero never wins a max-pool
    /// over a real step), and the global average runs over its own steps.
    /// A series of one step is kept through a pooling that halves the
    /// others, as `forward` keeps it when it pools nothing.
    pub fn forward_masked(&self, x: Tensor<3>, lengths: &[usize]) -> Tensor<2> {
        let device = x.device();
        let mut lengths = lengths.to_vec();
        let mut x = x;
        for s in &self.stages {
            x = relu(medref_kernels::conv1d(&s.conv, x));
            x = x.clone() * step_mask(&lengths, x.dims()[2], &device);
            if x.dims()[2] >= 2 {
                x = medref_kernels::max_pool1d(x, s.pool.kernel_size, |x| s.pool.forward(x));
                lengths.iter_mut().for_each(|l| *l = (*l / 2).max(1));
                x = x.clone() * step_mask(&lengths, x.dims()[2], &device);
            }
        }
        let counts: Vec<f32> = lengths.iter().map(|&l| l.max(1) as f32).collect();
        let counts = Tensor::<2>::from_data(TensorData::new(counts, [lengths.len(), 1]), &device);
        let pooled: Tensor<2> = x.sum_dim(2).flatten(1, 2) / counts;
        self.head.forward(self.dropout.forward(pooled))
    }
}

impl crate::Network for SignalCnn {
    type Input = FrameBatch;
    /// Full batches (every series as long as the longest, as with equal
    /// lengths) take the plain path, masked ones the masked path.
    fn logits(&self, input: FrameBatch) -> Tensor<2> {
        if input.is_full() {
            self.forward(input.x)
        } else {
            self.forward_masked(input.x, &input.lengths)
        }
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

    /// Each member of a padded batch scores as it does alone, for odd,
    /// even and one-step lengths.
    #[test]
    fn padding_does_not_change_a_series_score() {
        let device = Device::flex();
        let cfg = SignalCnnConfig { channels: vec![5, 4, 3], kernel_sizes: vec![5, 3, 3], dropout: 0.0 };
        let m = SignalCnn::new(&cfg, 2, 3, &device);
        let max_len = 23;
        let lengths = [23, 9, 1, 14];
        let mut padded = vec![0f32; lengths.len() * 2 * max_len];
        let mut alone = Vec::new();
        for (b, &len) in lengths.iter().enumerate() {
            let values: Vec<f32> = (0..2 * len).map(|v| (((v + 3 * b) * 7) % 11) as f32 / 5.0 - 1.0).collect();
            for c in 0..2 {
                let at = (b * 2 + c) * max_len;
                padded[at..at + len].copy_from_slice(&values[c * len..(c + 1) * len]);
            }
            let x = Tensor::<3>::from_data(TensorData::new(values, [1, 2, len]), &device);
            alone.extend(m.forward(x).into_data().try_to_vec::<f32>().unwrap());
        }
        let x = Tensor::<3>::from_data(TensorData::new(padded, [lengths.len(), 2, max_len]), &device);
        let batch: Vec<f32> = m.forward_masked(x, &lengths).into_data().try_to_vec::<f32>().unwrap();
        for (a, b) in alone.iter().zip(&batch) {
            assert!((a - b).abs() < 1e-5, "alone {alone:?}\nbatch {batch:?}");
        }
    }
}
