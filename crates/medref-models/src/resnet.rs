//! A small ResNet-style CNN for medical images (MedMNIST-sized inputs).
//!
//! MedMNIST v2 reports ResNet-18 at 28x28; on a 2-core laptop that is too
//! slow to teach with, so this keeps the same ingredients (3x3 residual
//! blocks, batch norm, stride-2 stages, global average pooling) at a width
//! and depth set in the config.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use medref_core::config::ResnetConfig;

/// Conv + optional batch norm, the unit every block is made of.
#[derive(Module, Debug)]
struct ConvNorm {
    conv: Conv2d,
    norm: Option<BatchNorm>,
}

impl ConvNorm {
    fn new(c_in: usize, c_out: usize, kernel: usize, stride: usize, bn: bool, device: &Device) -> Self {
        let pad = kernel / 2;
        let conv = Conv2dConfig::new([c_in, c_out], [kernel, kernel])
            .with_stride([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
            .with_bias(!bn)
            .init(device);
        let norm = bn.then(|| BatchNormConfig::new(c_out).init(device));
        Self { conv, norm }
    }

    /// `[b, c_in, h, w]` -> `[b, c_out, h / stride, w / stride]`
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        // Our kernels on the CPU, burn's convolution and batch norm elsewhere.
        let x = medref_kernels::conv2d(&self.conv, x);
        match &self.norm {
            Some(n) => medref_kernels::batch_norm(n, x),
            None => x,
        }
    }
}

/// Two 3x3 convolutions with an identity (or 1x1 projection) shortcut.
#[derive(Module, Debug)]
struct BasicBlock {
    first: ConvNorm,
    second: ConvNorm,
    shortcut: Option<ConvNorm>,
}

impl BasicBlock {
    fn new(c_in: usize, c_out: usize, stride: usize, bn: bool, device: &Device) -> Self {
        let shortcut = (stride != 1 || c_in != c_out).then(|| ConvNorm::new(c_in, c_out, 1, stride, bn, device));
        Self {
            first: ConvNorm::new(c_in, c_out, 3, stride, bn, device),
            second: ConvNorm::new(c_out, c_out, 3, 1, bn, device),
            shortcut,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let residual = match &self.shortcut {
            Some(s) => s.forward(x.clone()),
            None => x.clone(),
        };
        let y = relu(self.first.forward(x));
        relu(self.second.forward(y) + residual)
    }
}

/// The image classifier: stem, `stages` groups of residual blocks, global
/// average pooling, dropout, and a linear head giving logits.
#[derive(Module, Debug)]
pub struct ResNet {
    stem: ConvNorm,
    blocks: Vec<BasicBlock>,
    pool: AdaptiveAvgPool2d,
    dropout: Dropout,
    head: Linear,
}

impl ResNet {
    /// Builds the network for `in_channels`-channel images and `n_outputs`
    /// logits (classes, or labels for multi-label tasks).
    pub fn new(config: &ResnetConfig, in_channels: usize, n_outputs: usize, device: &Device) -> Self {
        let bn = config.batch_norm;
        let stem = ConvNorm::new(in_channels, config.width, 3, 1, bn, device);
        let mut blocks = Vec::new();
        let mut channels = config.width;
        for stage in 0..config.stages {
            let out = config.width << stage;
            for b in 0..config.blocks_per_stage {
                let stride = if stage > 0 && b == 0 { 2 } else { 1 };
                blocks.push(BasicBlock::new(channels, out, stride, bn, device));
                channels = out;
            }
        }
        Self {
            stem,
            blocks,
            pool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            dropout: DropoutConfig::new(config.dropout).init(),
            head: LinearConfig::new(channels, n_outputs).init(device),
        }
    }

    /// `[batch, channels, h, w]` -> logits `[batch, n_outputs]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x: Tensor<2> = self.pool.forward(self.features(images)).flatten(1, 3);
        self.head.forward(self.dropout.forward(x))
    }

    /// `[batch, channels, h, w]` -> the last feature map `[batch, c, h', w']`
    /// (for saliency and teaching: what the head looks at).
    pub fn features(&self, images: Tensor<4>) -> Tensor<4> {
        let mut x = relu(self.stem.forward(images));
        for block in &self.blocks {
            x = block.forward(x);
        }
        x
    }
}

impl crate::Network for ResNet {
    type Input = Tensor<4>;
    fn logits(&self, input: Tensor<4>) -> Tensor<2> {
        self.forward(input)
    }

    fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        let units = std::iter::once(&mut self.stem).chain(
            self.blocks
                .iter_mut()
                .flat_map(|b| [Some(&mut b.first), Some(&mut b.second), b.shortcut.as_mut()])
                .flatten(),
        );
        units.filter_map(|u| u.norm.as_mut()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_the_config() {
        let device = Device::flex();
        let cfg = ResnetConfig { width: 4, stages: 3, blocks_per_stage: 1, dropout: 0.0, batch_norm: true };
        let model = ResNet::new(&cfg, 1, 2, &device);
        let x = Tensor::<4>::zeros([3, 1, 28, 28], &device);
        assert_eq!(model.forward(x.clone()).dims(), [3, 2]);
        // 28 -> 14 -> 7 after two stride-2 stages, 4 -> 8 -> 16 channels.
        assert_eq!(model.features(x).dims(), [3, 16, 7, 7]);
        let rgb = ResNet::new(&cfg, 3, 14, &device);
        assert_eq!(rgb.forward(Tensor::<4>::zeros([2, 3, 64, 64], &device)).dims(), [2, 14]);
    }

    /// Every batch-norm layer is listed (the stem, two per block, and the
    /// projection shortcuts of the stride-2 blocks), and none without it.
    #[test]
    fn lists_every_batch_norm_layer() {
        use crate::Network;
        let device = Device::flex();
        let cfg = ResnetConfig { width: 4, stages: 3, blocks_per_stage: 2, dropout: 0.0, batch_norm: true };
        let mut model = ResNet::new(&cfg, 1, 2, &device);
        // 1 stem + 6 blocks x 2 + 2 projections.
        let listed = model.batch_norms_mut().len();
        assert_eq!((listed, crate::count_batch_norms(&model)), (15, 15));
        let mut plain = ResNet::new(&ResnetConfig { batch_norm: false, ..cfg }, 1, 2, &device);
        let listed = plain.batch_norms_mut().len();
        assert_eq!((listed, crate::count_batch_norms(&plain)), (0, 0));
    }
}
