//! 3D convolution as a sum of 2D convolutions, one per depth tap, each
//! through our 2D kernel (`conv`), forward and backward.
//!
//! flex convolves volumes with generic code and, as for 2D, backpropagates
//! through burn's generic defaults (a transposed convolution for the
//! input, a convolution with swapped axes for the weight): a small 3D
//! ResNet on 28^3 volumes trained at 2 volumes a second on two busy
//! cores. A `k_d x k_h x k_w` convolution is the sum over `k_d` of 2D
//! convolutions of depth-shifted slices `[b * d_out, c, h, w]` with the
//! weight's slice `[o, c, k_h, k_w]`: a depth stride picks every `s`-th
//! slice, depth padding is zero slices. burn's autodiff differentiates
//! the slicing, padding and sum; the 2D kernel brings its own backward.

use burn::nn::conv::Conv3d;
use burn::nn::PaddingConfig3d;
use burn::prelude::*;

use crate::conv::ConvKernels;
use burn::backend::Dispatch;

/// burn's `Conv3d::forward`, through our 2D kernel on the CPU: `x [b, c,
/// d, h, w]` to `[b, o, d_out, h_out, w_out]`. Groups, dilation and `Same`
/// padding keep burn's operation.
pub fn conv3d(conv: &Conv3d, x: Tensor<5>) -> Tensor<5> {
    let (pd, ph, pw) = match conv.padding {
        PaddingConfig3d::Valid => (0, 0, 0),
        PaddingConfig3d::Explicit(pd, ph, pw) => (pd, ph, pw),
        PaddingConfig3d::Same => return conv.forward(x),
    };
    if !crate::on_flex(&x.device()) || conv.groups != 1 || conv.dilation != [1, 1, 1] {
        return conv.forward(x);
    }
    crate::took_kernel();
    let device = x.device();
    let [b, c, d, h, w] = x.dims();
    let [o, _, kd, kh, kw] = conv.weight.dims();
    let sd = conv.stride[0];
    let d_out = (d + 2 * pd - kd) / sd + 1;
    // Depth-major `[b, d + 2 pd, c, h, w]`, so a set of slices is one
    // reshape away from a batch of 2D images.
    let mut slices = x.permute([0, 2, 1, 3, 4]);
    if pd > 0 {
        let zeros = Tensor::<5>::zeros([b, pd, c, h, w], &device);
        slices = Tensor::cat(vec![zeros.clone(), slices, zeros], 1);
    }
    let weight = conv.weight.val();
    let mut sum: Option<Tensor<4>> = None;
    for tap in 0..kd {
        let taken = if sd == 1 {
            slices.clone().narrow(1, tap, d_out)
        } else {
            let rows: Vec<i64> = (0..d_out).map(|z| (tap + z * sd) as i64).collect();
            slices.clone().select(1, Tensor::<1, Int>::from_data(TensorData::new(rows, [d_out]), &device))
        };
        let images = taken.reshape([b * d_out, c, h, w]);
        let w_tap = weight.clone().narrow(2, tap, 1).reshape([o, c, kh, kw]);
        let y = Tensor::<4>::from_dispatch(<Dispatch as ConvKernels>::conv2d_unbiased(
            images.into_dispatch(),
            w_tap.into_dispatch(),
            [conv.stride[1], conv.stride[2]],
            [1, 1],
            [ph, ph, pw, pw],
        ));
        sum = Some(match sum {
            Some(s) => s + y,
            None => y,
        });
    }
    let y = sum.expect("a kernel has at least one depth tap");
    let [_, _, h_out, w_out] = y.dims();
    let y = y.reshape([b, d_out, o, h_out, w_out]).permute([0, 2, 1, 3, 4]);
    match &conv.bias {
        Some(bias) => y + bias.val().reshape([1, o, 1, 1, 1]),
        None => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flex::{assert_close, assert_layer_matches};
    use burn::nn::conv::Conv3dConfig;
    use burn::tensor::Distribution;

    /// The 3D ResNet's layers (stem, stride-2 stage, 1x1x1 shortcut) and
    /// odd cases (uneven strides, a bias, no padding, a 2-deep kernel):
    /// forward, the gradients of input, weight and bias, and inference.
    #[test]
    fn conv3d_matches_burn() {
        // (c_in, c_out, kernel, stride, padding, bias, [d, h, w])
        let cases = [
            (1, 8, [3, 3, 3], [1, 1, 1], (1, 1, 1), false, [6, 7, 5]),
            (8, 16, [3, 3, 3], [2, 2, 2], (1, 1, 1), false, [7, 6, 6]),
            (8, 16, [1, 1, 1], [2, 2, 2], (0, 0, 0), false, [7, 6, 6]),
            (16, 16, [3, 3, 3], [1, 1, 1], (1, 1, 1), true, [4, 5, 6]),
            (3, 4, [2, 3, 1], [3, 1, 2], (1, 0, 2), true, [8, 5, 4]),
        ];
        for (i, (c_in, c_out, k, s, (pd, ph, pw), bias, [d, h, w])) in cases.into_iter().enumerate() {
            let what = format!("case {i}");
            let device = Device::flex().autodiff();
            device.seed(200 + i as u64);
            let conv = Conv3dConfig::new([c_in, c_out], k)
                .with_stride(s)
                .with_padding(PaddingConfig3d::Explicit(pd, ph, pw))
                .with_bias(bias)
                .init(&device);
            let x = Tensor::<5>::random([2, c_in, d, h, w], Distribution::Normal(0.0, 1.0), &device).require_grad();
            let ours = crate::flex::ours(&what, || conv3d(&conv, x.clone()));
            let theirs = conv.forward(x.clone());
            assert_layer_matches(ours, theirs, &x, &conv.weight, conv.bias.as_ref(), &what);
            let plain = x.inner();
            let inferred = crate::flex::ours(&what, || conv3d(&conv.valid(), plain.clone()));
            assert_close(inferred, conv.valid().forward(plain), &format!("{what}: inference"));
        }
    }
}
