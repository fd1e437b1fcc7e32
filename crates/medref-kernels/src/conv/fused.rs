//! Conv-ReLU-pool blocks (the small image CNNs' building block) as one
//! operation: at inference a single pass of the direct kernel, which
//! biases, clips and pools each output block as it leaves the registers,
//! with no intermediate tensors. For a batch of 1,024 28x28 images the
//! three separate operations wrote and re-read a 100 MB activation each,
//! fresh pages every batch (a third of cnn2d's inference time went to
//! page faults and unmapping).

use super::direct::{self, Epilogue};
use super::{forward, padding_pair, ConvKernels, Geometry};
use crate::flex::{f32s, row_major, tensor};
use burn::backend::flex::FlexTensor;
use burn::backend::Dispatch;
use burn::nn::conv::Conv2d;
use burn::prelude::*;

/// `conv.forward(x)`, then ReLU, then (with `pool`) a 2x2, stride-2
/// max-pool: a conv-ReLU-pool block as the small image CNNs build it.
///
/// Without autodiff (inference: a model after `valid()`) on the CPU, one
/// pass: each output block is biased, clipped and pooled as it leaves the
/// registers, with no intermediate tensors (`direct`). With autodiff, or on
/// another device, the same three operations one after the other
/// (medref's convolution and pool on the CPU, burn's elsewhere).
pub fn conv2d_relu_pool(conv: &Conv2d, x: Tensor<4>, pool: bool) -> Tensor<4> {
    let plain = !x.is_autodiff() && !conv.weight.is_autodiff();
    if !(plain && crate::on_flex(&x.device()) && crate::on_flex(&conv.weight.device()) && conv.groups == 1) {
        let y = burn::tensor::activation::relu(super::conv2d(conv, x));
        return if pool {
            crate::max_pool2d_2x2(y, |y| {
                burn::nn::pool::MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init().forward(y)
            })
        } else {
            y
        };
    }
    crate::took_kernel();
    let [_, _, h, w] = x.dims();
    let (top, bottom) = padding_pair(&conv.padding, 0, h, conv.kernel_size[0], conv.stride[0]);
    let (left, right) = padding_pair(&conv.padding, 1, w, conv.kernel_size[1], conv.stride[1]);
    let o = conv.weight.dims()[0];
    let bias = conv.bias.as_ref().map_or_else(|| Tensor::<1>::zeros([o], &x.device()), |b| b.val());
    Tensor::<4>::from_dispatch(<Dispatch as ConvKernels>::conv2d_bias_relu_pool(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.into_dispatch(),
        conv.stride,
        conv.dilation,
        [top, bottom, left, right],
        true,
        pool,
    ))
}

/// The convolution plus `bias`, then the epilogue's ReLU and pool: in
/// one pass where the direct kernel applies, else the convolution and
/// then the epilogue over its output.
#[allow(clippy::too_many_arguments)]
pub(super) fn conv_fused(
    x: &FlexTensor,
    weight: &FlexTensor,
    bias: &FlexTensor,
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: [usize; 4],
    relu: bool,
    pool: bool,
) -> FlexTensor {
    let ((x, xd), (w, wd), (b, _)) = (row_major(x), row_major(weight), row_major(bias));
    let g = Geometry::new(&xd, &wd, stride, dilation, padding);
    let epilogue = Epilogue { bias: Some(f32s(&b)), relu, pool };
    let out = if direct::applies(&g) {
        direct::forward(f32s(&x), f32s(&w), &g, epilogue)
    } else {
        direct::apply(forward(f32s(&x), f32s(&w), &g, false).0, &g, epilogue)
    };
    let (oh, ow) = epilogue.out_size(g.out_h(), g.out_w());
    tensor(out, vec![g.n, g.o, oh, ow])
}
