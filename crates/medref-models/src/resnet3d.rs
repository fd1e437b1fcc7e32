//! The small ResNet of [`crate::resnet`] with 3D convolutions, for CT and
//! MR volumes (MedMNIST 3D: 28^3 or 64^3 voxels).
//!
//! MedMNIST v2 reports ResNet-18/50 "+3D" and ACS variants; those are far
//! too slow to teach with on two cores, so this keeps their ingredients
//! (3x3x3 residual blocks, batch norm, stride-2 stages, global average
//! pooling) at the width and depth set in the config, with the same keys
//! as the 2D model. On the CPU, convolutions run as sums of our 2D kernel
//! over depth taps (`medref_kernels::conv3d`) and batch norm as our kernel
//! on the volume seen as `[b, c, d*h, w]` (statistics are per channel over
//! every voxel either way); elsewhere they are burn's operations.

use burn::nn::conv::{Conv3d, Conv3dConfig};
use burn::nn::pool::{AdaptiveAvgPool3d, AdaptiveAvgPool3dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig3d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use medref_core::config::ResnetConfig;

/// Conv + optional batch norm, the unit every block is made of.
#[derive(Module, Debug)]
struct ConvNorm3d {
    conv: Conv3d,
    norm: Option<BatchNorm>,
}

impl ConvNorm3d {
    fn new(c_in: usize, c_out: usize, kernel: usize, stride: usize, bn: bool, device: &Device) -> Self {
        let pad = kernel / 2;
        let conv = Conv3dConfig::new([c_in, c_out], [kernel; 3])
            .with_stride([stride; 3])
            .with_padding(PaddingConfig3d::Explicit(pad, pad, pad))
            .with_bias(!bn)
            .init(device);
        let norm = bn.then(|| BatchNormConfig::new(c_out).init(device));
        Self { conv, norm }
    }

    /// `[b, c_in, d, h, w]` -> `[b, c_out, d / stride, h / stride, w / stride]`
    fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        // Our kernels on the CPU, burn's convolution and batch norm elsewhere.
        let x = medref_kernels::conv3d(&self.conv, x);
        match &self.norm {
            Some(n) => {
                let [b, c, d, h, w] = x.dims();
                medref_kernels::batch_norm(n, x.reshape([b, c, d * h, w])).reshape([b, c, d, h, w])
            }
            None => x,
        }
    }
}

/// Two 3x3x3 convolutions with an identity (or 1x1x1 projection) shortcut.
#[derive(Module, Debug)]
struct BasicBlock3d {
    first: ConvNorm3d,
    second: ConvNorm3d,
    shortcut: Option<ConvNorm3d>,
}

impl BasicBlock3d {
    fn new(c_in: usize, c_out: usize, stride: usize, bn: bool, device: &Device) -> Self {
        let shortcut = (stride != 1 || c_in != c_out).then(|| ConvNorm3d::new(c_in, c_out, 1, stride, bn, device));
        Self {
            first: ConvNorm3d::new(c_in, c_out, 3, stride, bn, device),
            second: ConvNorm3d::new(c_out, c_out, 3, 1, bn, device),
            shortcut,
        }
    }

    fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        let residual = match &self.shortcut {
            Some(s) => s.forward(x.clone()),
            None => x.clone(),
        };
        let y = relu(self.first.forward(x));
        relu(self.second.forward(y) + residual)
    }
}

/// The volume classifier: stem, `stages` groups of residual blocks, global
/// average pooling, dropout, and a linear head giving logits.
#[derive(Module, Debug)]
pub struct ResNet3d {
    stem: ConvNorm3d,
    blocks: Vec<BasicBlock3d>,
    pool: AdaptiveAvgPool3d,
    dropout: Dropout,
    head: Linear,
}

impl ResNet3d {
    /// Builds the network for `in_channels`-channel volumes and `n_outputs`
    /// logits (classes, or labels for multi-label tasks).
    pub fn new(config: &ResnetConfig, in_channels: usize, n_outputs: usize, device: &Device) -> Self {
        let bn = config.batch_norm;
        let stem = ConvNorm3d::new(in_channels, config.width, 3, 1, bn, device);
        let mut blocks = Vec::new();
        let mut channels = config.width;
        for stage in 0..config.stages {
            let out = config.width << stage;
            for b in 0..config.blocks_per_stage {
                let stride = if stage > 0 && b == 0 { 2 } else { 1 };
                blocks.push(BasicBlock3d::new(channels, out, stride, bn, device));
                channels = out;
            }
        }
        Self {
            stem,
            blocks,
            pool: AdaptiveAvgPool3dConfig::new([1, 1, 1]).init(),
            dropout: DropoutConfig::new(config.dropout).init(),
            head: LinearConfig::new(channels, n_outputs).init(device),
        }
    }

    /// `[batch, channels, d, h, w]` -> logits `[batch, n_outputs]`
    pub fn forward(&self, volumes: Tensor<5>) -> Tensor<2> {
        let x: Tensor<2> = self.pool.forward(self.features(volumes)).flatten(1, 4);
        self.head.forward(self.dropout.forward(x))
    }

    /// `[batch, channels, d, h, w]` -> the last feature map
    /// `[batch, c, d', h', w']` (what the head looks at).
    pub fn features(&self, volumes: Tensor<5>) -> Tensor<5> {
        let mut x = relu(self.stem.forward(volumes));
        for block in &self.blocks {
            x = block.forward(x);
        }
        x
    }
}

impl crate::Network for ResNet3d {
    type Input = Tensor<5>;
    fn logits(&self, input: Tensor<5>) -> Tensor<2> {
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

    fn config() -> ResnetConfig {
        ResnetConfig { width: 4, stages: 3, blocks_per_stage: 1, dropout: 0.0, batch_norm: true }
    }

    #[test]
    fn shapes_follow_the_config() {
        let device = Device::flex();
        let model = ResNet3d::new(&config(), 1, 2, &device);
        let x = Tensor::<5>::zeros([2, 1, 12, 12, 12], &device);
        assert_eq!(model.forward(x.clone()).dims(), [2, 2]);
        // 12 -> 6 -> 3 after two stride-2 stages, 4 -> 8 -> 16 channels.
        assert_eq!(model.features(x).dims(), [2, 16, 3, 3, 3]);
        // Volumes need not be cubes.
        assert_eq!(model.forward(Tensor::<5>::zeros([1, 1, 8, 16, 12], &device)).dims(), [1, 2]);
    }

    /// Batch norm through the `[b, c, d*h, w]` view normalises each channel
    /// over all its voxels, as burn's own 5D batch norm does.
    #[test]
    fn batch_norm_of_the_reshaped_volume_is_burns() {
        let device = Device::flex().autodiff();
        let unit = ConvNorm3d::new(2, 3, 3, 1, true, &device);
        let x = Tensor::<5>::random([2, 2, 4, 5, 6], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
        let ours = unit.forward(x.clone());
        let norm = unit.norm.as_ref().unwrap();
        let burns = norm.forward(medref_kernels::conv3d(&unit.conv, x));
        let diff = (ours - burns).abs().max().into_scalar::<f32>();
        assert!(diff < 1e-4, "largest difference {diff}");
        // Inference (running statistics) agrees too.
        let valid = unit.valid();
        let x = Tensor::<5>::random([1, 2, 4, 5, 6], burn::tensor::Distribution::Normal(0.0, 1.0), &Device::flex());
        let a = valid.forward(x.clone());
        let b = valid.norm.as_ref().unwrap().forward(medref_kernels::conv3d(&valid.conv, x));
        assert!((a - b).abs().max().into_scalar::<f32>() < 1e-4);
    }

    /// Precise batch norm reaches every layer: the stem, two per block and
    /// the projections of the stride-2 blocks.
    #[test]
    fn lists_every_batch_norm_layer() {
        use crate::Network;
        let device = Device::flex();
        let mut model = ResNet3d::new(&ResnetConfig { blocks_per_stage: 2, ..config() }, 1, 2, &device);
        // 1 stem + 6 blocks x 2 + 2 projections.
        assert_eq!((model.batch_norms_mut().len(), crate::count_batch_norms(&model)), (15, 15));
        let mut plain = ResNet3d::new(&ResnetConfig { batch_norm: false, ..config() }, 1, 2, &device);
        assert_eq!((plain.batch_norms_mut().len(), crate::count_batch_norms(&plain)), (0, 0));
    }
}
