//! The two imaging shapes beyond 2D classification: `unet`, the network
//! `configs/imaging/drive-unet.toml` trains (RGB, depth 3, width 16, batch
//! norm, transposed upsampling) on its 64x64 patches, and `resnet3d`, the
//! volume classifier of `configs/imaging/adrenalmnist3d.toml` (width 8, 3
//! stages of 1 block) on 1x28^3 volumes. Each epoch is 512 samples: one
//! DRIVE epoch (16 images x 32 patches), and about AdrenalMNIST3D's 1188
//! training volumes halved, so a round of every peer variant stays within
//! minutes on two cores.
//!
//! The U-Net trains on per-pixel cross-entropy through the rows
//! `Network::logits` gives (what the loop feeds its Dice + cross-entropy
//! loss); the peer calls `F.cross_entropy` on `[b, 2, h, w]`. Inference
//! returns the logits map flattened per image, a free reshape on either
//! side.

use super::{batches, infer_chunks, measure, Measured, Plan};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use medref_core::config::ResnetConfig;
use medref_models::{Network, ResNet3d, Unet, UnetSpec};

/// Samples per epoch of both shapes.
pub const SAMPLES: usize = 512;

/// The DRIVE config's network: 3 input channels, 2 classes.
pub fn unet_spec() -> UnetSpec {
    UnetSpec { in_channels: 3, n_classes: 2, depth: 3, width: 16, batch_norm: true, transposed: true }
}

/// The AdrenalMNIST3D config's network, as `ResnetConfig` holds it.
pub fn resnet3d_config() -> ResnetConfig {
    ResnetConfig { width: 8, stages: 3, blocks_per_stage: 1, dropout: 0.1, batch_norm: true }
}

/// Side of the DRIVE config's patches.
const PATCH: usize = 64;

pub fn bench_unet(device: &Device, plain: &Device, plan: &Plan) -> Measured {
    let (n, p) = (SAMPLES, PATCH);
    let x = Tensor::<4>::random([n, 3, p, p], Distribution::Uniform(0.0, 1.0), plain);
    // One class per pixel, in the row order `Network::logits` gives.
    let y = Tensor::<2, Int>::random([n, p * p], Distribution::Uniform(0.0, 2.0), plain);
    let ce = CrossEntropyLossConfig::new().init(device);
    measure(
        || Unet::new(&unet_spec(), device),
        |b| batches(&x, y.clone(), b, device),
        |b| infer_chunks(&x, b),
        |m: &Unet, x| {
            let b = x.dims()[0];
            m.forward(x).reshape([b, 2 * p * p])
        },
        |flat, y| {
            let b = flat.dims()[0];
            // `Unet`'s `Network::logits`: one row per pixel.
            let rows = flat.reshape([b, 2, p, p]).permute([0, 2, 3, 1]).reshape([b * p * p, 2]);
            ce.forward(rows, y.reshape([b * p * p]))
        },
        plan.epochs,
        plan.train_batches,
        plan.infer_batches,
    )
}

pub fn bench_resnet3d(device: &Device, plain: &Device, plan: &Plan) -> Measured {
    let n = SAMPLES;
    let x = Tensor::<5>::random([n, 1, 28, 28, 28], Distribution::Uniform(0.0, 1.0), plain);
    let y = Tensor::<1, Int>::random([n], Distribution::Uniform(0.0, 2.0), plain);
    let ce = CrossEntropyLossConfig::new().init(device);
    measure(
        || ResNet3d::new(&resnet3d_config(), 1, 2, device),
        |b| batches(&x, y.clone(), b, device),
        |b| infer_chunks(&x, b),
        |m: &ResNet3d, x| m.logits(x),
        |l, y| ce.forward(l, y),
        plan.epochs,
        plan.train_batches,
        plan.infer_batches,
    )
}

/// Multiply-accumulates per sample, counted as the peer counts them (a
/// transposed convolution: input elements x output channels x taps).
pub fn macs(model: &str) -> Option<f64> {
    let conv = |c_in: usize, c_out: usize, taps: usize, positions: usize| c_in * c_out * taps * positions;
    match model {
        "unet" => {
            let (mut total, mut c, mut side) = (0, 3, PATCH);
            // Encoder and bottom: two 3x3 convolutions per scale.
            for level in 0..=3 {
                let w = 16 << level;
                total += conv(c, w, 9, side * side) + conv(w, w, 9, side * side);
                c = w;
                side /= 2;
            }
            side *= 2;
            for level in (0..3).rev() {
                let (coarse, skip) = (16 << (level + 1), 16 << level);
                // 2x2 stride-2 transposed convolution from the coarse map.
                total += conv(coarse, coarse / 2, 4, side * side);
                side *= 2;
                total += conv(coarse / 2 + skip, skip, 9, side * side) + conv(skip, skip, 9, side * side);
            }
            Some((total + conv(16, 2, 1, PATCH * PATCH)) as f64)
        }
        "resnet3d" => {
            let v = |s: usize| s * s * s;
            let total = conv(1, 8, 27, v(28))
                + 2 * conv(8, 8, 27, v(28))
                + conv(8, 16, 27, v(14))
                + conv(16, 16, 27, v(14))
                + conv(8, 16, 1, v(14))
                + conv(16, 32, 27, v(7))
                + conv(32, 32, 27, v(7))
                + conv(16, 32, 1, v(7))
                + 32 * 2;
            Some(total as f64)
        }
        _ => None,
    }
}
