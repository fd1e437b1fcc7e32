//! Non-overlapping max pooling written as an element-wise maximum of
//! strided views.
//!
//! Why: on the CPU backend, burn's `max_pool` computes and stores an index
//! per output and routes the gradient back through those indices; in the
//! 2D reference CNN that took about a fifth of a training step (perf, 2
//! threads). When the window equals the stride, the same result is the
//! maximum of `k` (1D) or `k x k` (2D) shifted, strided views, whose
//! forward and backward passes are plain element-wise work. Trailing
//! positions that do not fill a window are dropped, as `max_pool` does.
//!
//! Measured (release, 2 threads, `peer_shapes --pool strided`): inference
//! of the 2D reference CNN nearly doubles (1,011 -> 1,899 samples/s), but
//! training is slower (446 -> 382; dna1d 1,784 -> 1,176), because the
//! backward pass of a strided view scatters into a zeroed copy of the
//! input per window position. So the models keep burn's pooling, and this
//! stays an opt-in for measurement.

use burn::prelude::*;
use burn::tensor::Slice;

fn strided(offset: usize, stride: usize, windows: usize) -> Slice {
    let start = offset as isize;
    Slice::new(start, Some(start + (stride * windows) as isize), stride as isize)
}

/// `[batch, channels, length]` -> `[batch, channels, length / k]`.
pub fn max_pool1d(x: Tensor<3>, k: usize) -> Tensor<3> {
    let [_, _, len] = x.dims();
    let n = len / k;
    (0..k)
        .map(|o| x.clone().slice([Slice::full(), Slice::full(), strided(o, k, n)]))
        .reduce(|a, b| a.max_pair(b))
        .expect("k >= 1")
}

/// `[batch, channels, h, w]` -> `[batch, channels, h / k, w / k]`.
pub fn max_pool2d(x: Tensor<4>, k: usize) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    let (nh, nw) = (h / k, w / k);
    (0..k * k)
        .map(|o| x.clone().slice([Slice::full(), Slice::full(), strided(o / k, k, nh), strided(o % k, k, nw)]))
        .reduce(|a, b| a.max_pair(b))
        .expect("k >= 1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::pool::{MaxPool1dConfig, MaxPool2dConfig};
    use burn::tensor::Distribution;

    fn max_abs_diff<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
        (a - b).abs().max().into_scalar::<f32>()
    }

    /// Same values and the same gradients as burn's pooling, including a
    /// length that leaves a partial window.
    #[test]
    fn strided_max_matches_burn_pooling() {
        let device = Device::flex().autodiff();
        device.seed(3);
        let x = Tensor::<3>::random([2, 3, 42], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let ours = max_pool1d(x.clone(), 4);
        let theirs = MaxPool1dConfig::new(4).with_stride(4).init().forward(x.clone());
        assert_eq!(ours.dims(), theirs.dims());
        assert!(max_abs_diff(ours.clone(), theirs.clone()) < 1e-6);
        let (g1, g2) = ((ours * 1.5).sum().backward(), (theirs * 1.5).sum().backward());
        assert!(max_abs_diff(x.grad(&g1).unwrap(), x.grad(&g2).unwrap()) < 1e-6);

        let x = Tensor::<4>::random([2, 3, 9, 8], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let ours = max_pool2d(x.clone(), 2);
        let theirs = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init().forward(x.clone());
        assert_eq!(ours.dims(), [2, 3, 4, 4]);
        assert!(max_abs_diff(ours.clone(), theirs.clone()) < 1e-6);
        let (g1, g2) = (ours.sum().backward(), theirs.sum().backward());
        assert!(max_abs_diff(x.grad(&g1).unwrap(), x.grad(&g2).unwrap()) < 1e-6);
    }
}
