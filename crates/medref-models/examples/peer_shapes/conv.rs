//! Convolutions written as "unfold the input, then one matrix product".
//!
//! Why: burn's `flex` CPU backend computes the forward convolution with a
//! tiled im2col + GEMM, but its backward pass falls back to burn's generic
//! formulas (a transposed convolution for the input gradient, and a
//! convolution with batch and channel swapped for the weight gradient),
//! which is where most of a CNN's CPU training time went. Building the
//! unfolded input from `kernel` shifted slices and multiplying by the
//! flattened weights keeps the same parameters (`Conv1d`/`Conv2d` records
//! load unchanged) while every backward step becomes a matrix product or a
//! slice copy, both of which flex does fast.
//!
//! The unfolded path covers stride 1, dilation 1, one group, "same" or
//! symmetric explicit padding, on the CPU backend; anything else goes
//! through burn's module unchanged.
//!
//! Measured (release, 2 threads, `scripts/peer-compare`): the unfolded path
//! trains the reference shapes *slower* than burn's own convolution (cnn2d
//! 434 vs 525 samples/s, dna1d 711 vs 1,351), because building the
//! unfolded tensor from shifted slices costs more copies than the GEMM
//! saves. So burn's convolution is the default and the unfolded one stays
//! an opt-in for measurement (`peer_shapes --conv unfold`); the gap to
//! PyTorch is analysed in PERFORMANCE.md.

use burn::nn::conv::{Conv1d, Conv2d};
use burn::nn::{PaddingConfig1d, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::ops::PadMode;
use std::sync::atomic::{AtomicU8, Ordering};

/// Which implementation `conv1d` / `conv2d` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvPath {
    /// burn's own convolution.
    Burn,
    /// Unfold + GEMM from burn tensor operations on the CPU backend,
    /// burn's kernels elsewhere.
    Unfold,
    /// medref's kernels (`medref-kernels`), what the models run on the CPU
    /// (the default).
    Kernel,
}

static PATH: AtomicU8 = AtomicU8::new(2);

/// Chooses the convolution implementation for the whole process.
pub fn set_conv_path(path: ConvPath) {
    PATH.store(path as u8, Ordering::Relaxed);
}

/// The implementation chosen for this process.
pub fn conv_path() -> ConvPath {
    match PATH.load(Ordering::Relaxed) {
        0 => ConvPath::Burn,
        1 => ConvPath::Unfold,
        _ => ConvPath::Kernel,
    }
}

fn kernel_path() -> bool {
    PATH.load(Ordering::Relaxed) == ConvPath::Kernel as u8
}

fn unfolded_here(device: &Device) -> bool {
    PATH.load(Ordering::Relaxed) == 1 && device.clone().without_autodiff() == Device::flex()
}

/// The padding on each side when it is symmetric, `None` otherwise.
fn symmetric_pad(kernel: usize, padding: &PaddingConfig1d) -> Option<usize> {
    match padding {
        PaddingConfig1d::Valid => Some(0),
        PaddingConfig1d::Same if kernel % 2 == 1 => Some((kernel - 1) / 2),
        PaddingConfig1d::Explicit(a, b) if a == b => Some(*a),
        _ => None,
    }
}

/// `conv.forward(x)` for `x` of shape `[batch, channels, length]`.
pub fn conv1d(conv: &Conv1d, x: Tensor<3>) -> Tensor<3> {
    if kernel_path() {
        return medref_kernels::conv1d(conv, x);
    }
    let k = conv.kernel_size;
    let pad = symmetric_pad(k, &conv.padding);
    let simple = conv.stride == 1 && conv.dilation == 1 && conv.groups == 1;
    match pad {
        Some(pad) if simple && unfolded_here(&x.device()) => {
            let [b, c, len] = x.dims();
            let x = if pad > 0 { x.pad([(pad, pad)], PadMode::Constant(0.0)) } else { x };
            let out_len = len + 2 * pad + 1 - k;
            // Channels last, so that one GEMM covers the whole batch:
            // rows are (sample, position), columns (channel, tap) like the weight.
            let xt = x.swap_dims(1, 2);
            let shifted: Vec<Tensor<3>> = (0..k).map(|t| xt.clone().narrow(1, t, out_len)).collect();
            let cols = Tensor::stack::<4>(shifted, 3).reshape([b * out_len, c * k]);
            let weight = conv.weight.val();
            let [c_out, _, _] = weight.dims();
            let out = cols.matmul(weight.reshape([c_out, c * k]).transpose());
            let out = match &conv.bias {
                Some(bias) => out + bias.val().reshape([1, c_out]),
                None => out,
            };
            out.reshape([b, out_len, c_out]).swap_dims(1, 2)
        }
        _ => conv.forward(x),
    }
}

/// `conv.forward(x)` for `x` of shape `[batch, channels, height, width]`.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    if kernel_path() {
        return medref_kernels::conv2d(conv, x);
    }
    let [kh, kw] = conv.kernel_size;
    let pad = match &conv.padding {
        PaddingConfig2d::Valid => Some((0, 0)),
        PaddingConfig2d::Same if kh % 2 == 1 && kw % 2 == 1 => Some(((kh - 1) / 2, (kw - 1) / 2)),
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => Some((*top, *left)),
        _ => None,
    };
    let simple = conv.stride == [1, 1] && conv.dilation == [1, 1] && conv.groups == 1;
    match pad {
        Some((ph, pw)) if simple && unfolded_here(&x.device()) => {
            let [b, c, h, w] = x.dims();
            let x = if ph + pw > 0 { x.pad([(ph, ph), (pw, pw)], PadMode::Constant(0.0)) } else { x };
            let (oh, ow) = (h + 2 * ph + 1 - kh, w + 2 * pw + 1 - kw);
            let mut shifted = Vec::with_capacity(kh * kw);
            for dy in 0..kh {
                let rows = x.clone().narrow(2, dy, oh);
                for dx in 0..kw {
                    shifted.push(rows.clone().narrow(3, dx, ow));
                }
            }
            let cols = Tensor::stack::<5>(shifted, 2).reshape([b, c * kh * kw, oh * ow]);
            let weight = conv.weight.val();
            let [c_out, _, _, _] = weight.dims();
            let out = weight.reshape([1, c_out, c * kh * kw]).matmul(cols);
            let out = match &conv.bias {
                Some(bias) => out + bias.val().reshape([1, c_out, 1]),
                None => out,
            };
            out.reshape([b, c_out, oh, ow])
        }
        _ => conv.forward(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::{Conv1dConfig, Conv2dConfig};
    use burn::tensor::Distribution;

    fn max_abs_diff<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
        (a - b).abs().max().into_scalar::<f32>()
    }

    /// The unfolded convolution and its gradients match burn's own, for the
    /// kernel sizes and paddings the models use.
    #[test]
    fn unfolded_conv1d_matches_burn_forward_and_backward() {
        set_conv_path(ConvPath::Unfold);
        let device = Device::flex().autodiff();
        device.seed(7);
        for (k, padding) in [(19, PaddingConfig1d::Same), (7, PaddingConfig1d::Same), (3, PaddingConfig1d::Valid)] {
            let conv = Conv1dConfig::new(4, 6, k).with_padding(padding).init(&device);
            let x = Tensor::<3>::random([3, 4, 40], Distribution::Normal(0.0, 1.0), &device).require_grad();
            let ours = conv1d(&conv, x.clone());
            let theirs = conv.forward(x.clone());
            assert_eq!(ours.dims(), theirs.dims());
            assert!(max_abs_diff(ours.clone(), theirs.clone()) < 1e-4, "forward k={k}");
            let g_ours = ours.powf_scalar(2.0).sum().backward();
            let g_theirs = theirs.powf_scalar(2.0).sum().backward();
            let w = conv.weight.val();
            let dw = max_abs_diff(w.grad(&g_ours).unwrap(), w.grad(&g_theirs).unwrap());
            let dx = max_abs_diff(x.grad(&g_ours).unwrap(), x.grad(&g_theirs).unwrap());
            assert!(dw < 1e-3 && dx < 1e-3, "k={k}: weight grad diff {dw}, input grad diff {dx}");
        }
    }

    #[test]
    fn unfolded_conv2d_matches_burn_forward_and_backward() {
        set_conv_path(ConvPath::Unfold);
        let device = Device::flex().autodiff();
        device.seed(11);
        let conv = Conv2dConfig::new([3, 5], [3, 3]).with_padding(PaddingConfig2d::Same).init(&device);
        let x = Tensor::<4>::random([2, 3, 9, 7], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let ours = conv2d(&conv, x.clone());
        let theirs = conv.forward(x.clone());
        assert_eq!(ours.dims(), [2, 5, 9, 7]);
        assert!(max_abs_diff(ours.clone(), theirs.clone()) < 1e-4);
        let g_ours = ours.powf_scalar(2.0).sum().backward();
        let g_theirs = theirs.powf_scalar(2.0).sum().backward();
        let w = conv.weight.val();
        assert!(max_abs_diff(w.grad(&g_ours).unwrap(), w.grad(&g_theirs).unwrap()) < 1e-3);
        assert!(max_abs_diff(x.grad(&g_ours).unwrap(), x.grad(&g_theirs).unwrap()) < 1e-3);
    }
}
