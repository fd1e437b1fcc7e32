//! A temporal convolutional network that labels every frame (MS-TCN, Farha
//! and Gall 2019): each stage is a 1x1 input projection, dilated residual
//! layers whose receptive field doubles each layer, and a 1x1 classifier;
//! later stages refine the class probabilities of the stage before, which
//! removes most of the one-frame flicker (over-segmentation) a single stage
//! leaves.
//!
//! Dilations let a few layers see seconds of context, which a gesture or a
//! surgical phase needs; the causal option pads only on the past side, so a
//! frame's label never depends on the future (online use).

use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Dropout, DropoutConfig, PaddingConfig1d};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu};
use medref_core::config::TcnConfig;
use medref_kernels::conv1d;

use crate::padded::step_mask;
pub use crate::padded::FrameBatch;

#[derive(Module, Debug)]
struct DilatedResidual {
    dilated: Conv1d,
    pointwise: Conv1d,
}

/// One single-stage TCN.
#[derive(Module, Debug)]
struct Stage {
    input: Conv1d,
    layers: Vec<DilatedResidual>,
    dropout: Dropout,
    output: Conv1d,
}

/// `[batch, channels, frames]` -> per-frame logits `[batch, n_classes, frames]`.
#[derive(Module, Debug)]
pub struct Tcn {
    /// Weight of the smoothing loss (kept with the weights so training
    /// reads it from the model).
    smoothing: f64,
    stages: Vec<Stage>,
}

impl Tcn {
    pub fn new(config: &TcnConfig, in_channels: usize, n_classes: usize, device: &Device) -> Self {
        let stages = (0..config.stages.max(1))
            .map(|i| Stage::new(config, if i == 0 { in_channels } else { n_classes }, n_classes, device))
            .collect();
        Self { smoothing: config.smoothing, stages }
    }

    /// The configured smoothing-loss weight (0: none).
    pub fn smoothing(&self) -> f64 {
        self.smoothing
    }

    /// `[batch, channels, frames]` -> `[batch, n_classes, frames]`, the last
    /// stage's logits.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.run(x, None)
    }

    /// [`forward`](Self::forward) on a zero-padded batch of sequences of
    /// `lengths`: hidden states past each sequence's end are zeroed before
    /// every dilated convolution reads them, so each sequence's frames come
    /// out as they would alone. Steps past the ends hold no meaning.
    pub fn forward_masked(&self, x: Tensor<3>, lengths: &[usize]) -> Tensor<3> {
        let mask = step_mask(lengths, x.dims()[2], &x.device());
        self.run(x, Some(&mask))
    }

    fn run(&self, x: Tensor<3>, mask: Option<&Tensor<3>>) -> Tensor<3> {
        let mut out = self.stages[0].forward(x, mask);
        for stage in &self.stages[1..] {
            out = stage.forward(burn::tensor::activation::softmax(out, 1), mask);
        }
        out
    }
}

impl Stage {
    fn new(config: &TcnConfig, in_channels: usize, n_classes: usize, device: &Device) -> Self {
        let c = config.channels;
        let k = config.kernel_size;
        let layers = (0..config.layers)
            .map(|i| {
                let d = 1usize << i;
                let span = d * (k - 1);
                // Same length out as in: all padding on the past side when
                // causal, split around the frame otherwise.
                let padding = if config.causal {
                    PaddingConfig1d::Explicit(span, 0)
                } else {
                    PaddingConfig1d::Explicit(span / 2, span - span / 2)
                };
                DilatedResidual {
                    dilated: Conv1dConfig::new(c, c, k).with_dilation(d).with_padding(padding).init(device),
                    pointwise: Conv1dConfig::new(c, c, 1).init(device),
                }
            })
            .collect();
        Self {
            input: Conv1dConfig::new(in_channels, c, 1).init(device),
            layers,
            dropout: DropoutConfig::new(config.dropout).init(),
            output: Conv1dConfig::new(c, n_classes, 1).init(device),
        }
    }

    /// `mask` `[batch, 1, frames]` zeroes the padding of a padded batch.
    fn forward(&self, x: Tensor<3>, mask: Option<&Tensor<3>>) -> Tensor<3> {
        let masked = |h: Tensor<3>| match mask {
            Some(m) => h * m.clone(),
            None => h,
        };
        let mut h = masked(conv1d(&self.input, x));
        for layer in &self.layers {
            let out = conv1d(&layer.pointwise, relu(conv1d(&layer.dilated, h.clone())));
            h = masked(h + self.dropout.forward(out));
        }
        conv1d(&self.output, h)
    }
}

/// The TCN's output for the real frames of each sequence, `[b, classes, len]` each.
fn per_sequence(model: &Tcn, input: FrameBatch) -> Vec<Tensor<2>> {
    let out = if input.is_full() { model.forward(input.x) } else { model.forward_masked(input.x, &input.lengths) };
    input
        .lengths
        .iter()
        .enumerate()
        .map(|(b, &len)| out.clone().narrow(0, b, 1).narrow(2, 0, len).squeeze_dim::<2>(0))
        .collect()
}

impl crate::Network for Tcn {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_number_of_frames() {
        let device = Device::flex();
        for causal in [false, true] {
            let cfg =
                TcnConfig { channels: 8, layers: 4, kernel_size: 3, causal, dropout: 0.0, smoothing: 0.0, stages: 2 };
            let m = Tcn::new(&cfg, 5, 3, &device);
            assert_eq!(m.forward(Tensor::<3>::zeros([2, 5, 37], &device)).dims(), [2, 3, 37]);
        }
    }

    #[test]
    fn a_padded_sequence_labels_its_frames_as_it_would_alone() {
        let device = Device::flex();
        let cfg = TcnConfig {
            channels: 6,
            layers: 3,
            kernel_size: 3,
            causal: false,
            dropout: 0.0,
            smoothing: 0.0,
            stages: 2,
        };
        let m = Tcn::new(&cfg, 2, 3, &device);
        let values: Vec<f32> = (0..2 * 9).map(|v| ((v * 7) % 5) as f32 - 2.0).collect();
        let alone = Tensor::<3>::from_data(TensorData::new(values.clone(), [1, 2, 9]), &device);
        let mut padded = vec![0f32; 2 * 2 * 16];
        for c in 0..2 {
            padded[c * 16..c * 16 + 9].copy_from_slice(&values[c * 9..(c + 1) * 9]);
        }
        padded[2 * 16..].iter_mut().for_each(|v| *v = 1.5);
        let batch = Tensor::<3>::from_data(TensorData::new(padded, [2, 2, 16]), &device);
        let a: Vec<f32> = m.forward(alone).into_data().try_to_vec::<f32>().unwrap();
        let b: Vec<f32> =
            m.forward_masked(batch, &[9, 16]).narrow(0, 0, 1).narrow(2, 0, 9).into_data().try_to_vec::<f32>().unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "{a:?}\n{b:?}");
        }
    }

    #[test]
    fn causal_frames_ignore_the_future() {
        let device = Device::flex();
        let cfg =
            TcnConfig { channels: 4, layers: 3, kernel_size: 3, causal: true, dropout: 0.0, smoothing: 0.0, stages: 2 };
        let m = Tcn::new(&cfg, 1, 2, &device);
        let a = Tensor::<3>::zeros([1, 1, 20], &device);
        let mut future = vec![0f32; 20];
        future[15..].iter_mut().for_each(|v| *v = 5.0);
        let b = Tensor::<3>::from_data(TensorData::new(future, [1, 1, 20]), &device);
        let ya: Vec<f32> = m.forward(a).narrow(2, 0, 15).into_data().try_to_vec::<f32>().unwrap();
        let yb: Vec<f32> = m.forward(b).narrow(2, 0, 15).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(ya, yb, "frames before 15 must not see the change at 15");
    }
}
