//! The U-Net (Ronneberger et al. 2015) for segmentation: an encoder that
//! halves the image `depth` times, a decoder that doubles it back, and at
//! each scale a skip connection carrying the encoder's fine detail across,
//! concatenated to the upsampled coarse context. It is the model every
//! segmentation course teaches and the default of MONAI, the tool trainees
//! compare with, so its parts are the textbook ones: two 3x3 convolutions
//! (+ batch norm) + ReLU per scale, 2x2 max-pooling down, transposed
//! convolution or bilinear upsampling up, a 1x1 convolution to class
//! logits. Padding keeps sizes, so an input divisible by `2^depth` comes
//! back at its own size (patches and sliding windows are cut that way).

use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::interpolate::{Interpolate2dConfig, InterpolateMode};
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// The network's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct UnetSpec {
    /// Image channels (1 grey, 3 RGB).
    pub in_channels: usize,
    /// Classes per pixel (2 for a binary mask: background and foreground).
    pub n_classes: usize,
    /// Halvings of the image (4 in the original paper).
    pub depth: usize,
    /// Channels at full resolution, doubled at each halving (64 in the paper).
    pub width: usize,
    /// Batch norm after each convolution (absent in the original paper).
    pub batch_norm: bool,
    /// Upsample by a learned 2x2 transposed convolution (the paper) rather
    /// than bilinear interpolation followed by a 1x1 convolution (fewer
    /// weights, no checkerboard artefacts).
    pub transposed: bool,
}

/// 3x3 convolution, optional batch norm, ReLU; twice.
#[derive(Module, Debug)]
struct DoubleConv {
    convs: Vec<Conv2d>,
    norms: Vec<BatchNorm>,
}

impl DoubleConv {
    fn new(c_in: usize, c_out: usize, bn: bool, device: &Device) -> Self {
        let conv = |a: usize, b: usize| {
            Conv2dConfig::new([a, b], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_bias(!bn)
                .init(device)
        };
        let norms = if bn { (0..2).map(|_| BatchNormConfig::new(c_out).init(device)).collect() } else { Vec::new() };
        Self { convs: vec![conv(c_in, c_out), conv(c_out, c_out)], norms }
    }

    fn forward(&self, mut x: Tensor<4>) -> Tensor<4> {
        for (i, conv) in self.convs.iter().enumerate() {
            x = medref_kernels::conv2d(conv, x);
            if let Some(norm) = self.norms.get(i) {
                x = medref_kernels::batch_norm(norm, x);
            }
            x = relu(x);
        }
        x
    }
}

/// One decoder step: upsample the coarse map to the skip's size, join the
/// two along channels, convolve.
#[derive(Module, Debug)]
struct UpStep {
    /// The learned upsampling, or `None` for bilinear.
    transposed: Option<ConvTranspose2d>,
    /// After bilinear upsampling: 1x1 halving the channels.
    reduce: Option<Conv2d>,
    conv: DoubleConv,
}

impl UpStep {
    fn new(c_coarse: usize, c_skip: usize, transposed: bool, bn: bool, device: &Device) -> Self {
        let half = c_coarse / 2;
        let (up, reduce) = if transposed {
            (Some(ConvTranspose2dConfig::new([c_coarse, half], [2, 2]).with_stride([2, 2]).init(device)), None)
        } else {
            (None, Some(Conv2dConfig::new([c_coarse, half], [1, 1]).init(device)))
        };
        Self { transposed: up, reduce, conv: DoubleConv::new(half + c_skip, c_skip, bn, device) }
    }

    fn forward(&self, coarse: Tensor<4>, skip: Tensor<4>) -> Tensor<4> {
        let [_, _, h, w] = skip.dims();
        let up = match (&self.transposed, &self.reduce) {
            (Some(t), _) => t.forward(coarse),
            (None, Some(reduce)) => {
                let size = Interpolate2dConfig::new()
                    .with_output_size(Some([h, w]))
                    .with_mode(InterpolateMode::Linear)
                    .with_align_corners(false)
                    .init();
                medref_kernels::conv2d(reduce, size.forward(coarse))
            }
            (None, None) => unreachable!("an up step is built with one of the two upsamplings"),
        };
        self.conv.forward(Tensor::cat(vec![skip, up], 1))
    }
}

/// The U-Net: logits `[batch, n_classes, h, w]` for images `[batch,
/// in_channels, h, w]` with `h` and `w` divisible by `2^depth`.
#[derive(Module, Debug)]
pub struct Unet {
    down: Vec<DoubleConv>,
    bottom: DoubleConv,
    up: Vec<UpStep>,
    head: Conv2d,
}

impl Unet {
    /// Builds the network; `depth` at least 1 and `width` at least 2.
    pub fn new(spec: &UnetSpec, device: &Device) -> Self {
        let depth = spec.depth.max(1);
        let width = spec.width.max(2);
        let mut down = Vec::new();
        let mut c = spec.in_channels;
        for level in 0..depth {
            down.push(DoubleConv::new(c, width << level, spec.batch_norm, device));
            c = width << level;
        }
        let bottom = DoubleConv::new(c, width << depth, spec.batch_norm, device);
        let up = (0..depth)
            .rev()
            .map(|level| UpStep::new(width << (level + 1), width << level, spec.transposed, spec.batch_norm, device))
            .collect();
        let head = Conv2dConfig::new([width, spec.n_classes], [1, 1]).init(device);
        Self { down, bottom, up, head }
    }

    /// `[batch, in_channels, h, w]` -> logits `[batch, n_classes, h, w]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<4> {
        let pool = MaxPool2dConfig::new([2, 2]).init();
        let mut skips = Vec::with_capacity(self.down.len());
        let mut x = images;
        for step in &self.down {
            let features = step.forward(x);
            x = medref_kernels::max_pool2d_2x2(features.clone(), |t| pool.forward(t));
            skips.push(features);
        }
        x = self.bottom.forward(x);
        for step in &self.up {
            x = step.forward(x, skips.pop().expect("one skip per level"));
        }
        medref_kernels::conv2d(&self.head, x)
    }
}

impl crate::Network for Unet {
    type Input = Tensor<4>;
    /// One row per pixel, `[batch * h * w, n_classes]`, in row-major pixel
    /// order within each image, as frame labelling gives one row per frame.
    fn logits(&self, input: Tensor<4>) -> Tensor<2> {
        let logits = self.forward(input);
        let [b, k, h, w] = logits.dims();
        logits.permute([0, 2, 3, 1]).reshape([b * h * w, k])
    }

    fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        let steps = self.down.iter_mut().chain([&mut self.bottom]).chain(self.up.iter_mut().map(|u| &mut u.conv));
        steps.flat_map(|s| s.norms.iter_mut()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Network;
    use burn::optim::{AdamConfig, GradientsParams};

    fn spec(transposed: bool) -> UnetSpec {
        UnetSpec { in_channels: 1, n_classes: 2, depth: 2, width: 4, batch_norm: true, transposed }
    }

    #[test]
    fn sizes_come_back_with_either_upsampling() {
        let device = Device::flex();
        for transposed in [true, false] {
            let model = Unet::new(&spec(transposed), &device);
            let x = Tensor::<4>::zeros([2, 1, 16, 12], &device);
            assert_eq!(model.forward(x.clone()).dims(), [2, 2, 16, 12]);
            assert_eq!(model.logits(x).dims(), [2 * 16 * 12, 2]);
        }
    }

    /// Two batch-norm layers per double convolution: `depth` down, the
    /// bottom, `depth` up.
    #[test]
    fn lists_every_batch_norm_layer() {
        let mut model = Unet::new(&spec(true), &Device::flex());
        let listed = model.batch_norms_mut().len();
        assert_eq!((listed, crate::count_batch_norms(&model)), (10, 10));
    }

    /// A bright square on noise is the mask: a few Adam steps on per-pixel
    /// cross-entropy must learn it to a Dice above 0.9 on a new image.
    /// Seeded, with steps to spare: 60 unseeded steps fell short about one
    /// run in ten under load.
    #[test]
    fn learns_a_planted_square() {
        let device = Device::flex().autodiff();
        device.seed(7);
        let image = |seed: u64| -> (Vec<f32>, Vec<i64>) {
            let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mut noise = || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            };
            let (r0, c0) = (2 + (seed % 5) as usize, 3 + (seed % 4) as usize);
            let mut x = vec![0.0; 256];
            let mut y = vec![0i64; 256];
            for i in 0..256 {
                let (r, c) = (i / 16, i % 16);
                let inside = (r0..r0 + 6).contains(&r) && (c0..c0 + 6).contains(&c);
                x[i] = 0.3 * noise() + if inside { 1.0 } else { 0.0 };
                y[i] = i64::from(inside);
            }
            (x, y)
        };
        let mut model = Unet::new(&spec(false), &device);
        let mut optim = AdamConfig::new().init();
        let (xs, ys): (Vec<Vec<f32>>, Vec<Vec<i64>>) = (0..8).map(image).unzip();
        let x = Tensor::<4>::from_data(TensorData::new(xs.concat(), [8, 1, 16, 16]), &device);
        let y = Tensor::<1, Int>::from_data(TensorData::new(ys.concat(), [8 * 256]), &device);
        for _ in 0..100 {
            let logits = model.logits(x.clone());
            let loss = burn::nn::loss::CrossEntropyLossConfig::new().init(&device).forward(logits, y.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(0.01, model, grads);
        }
        let valid = model.valid();
        let (tx, ty) = image(99);
        let plain = Device::flex();
        let logits = valid.logits(Tensor::<4>::from_data(TensorData::new(tx, [1, 1, 16, 16]), &plain));
        let predicted: Vec<i64> = logits.argmax(1).into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
        let tp = predicted.iter().zip(&ty).filter(|(p, t)| **p == 1 && **t == 1).count() as f64;
        let (np, nt) =
            (predicted.iter().filter(|&&p| p == 1).count() as f64, ty.iter().filter(|&&t| t == 1).count() as f64);
        let dice = 2.0 * tp / (np + nt);
        assert!(dice > 0.9, "Dice {dice}");
    }
}
