//! Convolution (1D and 2D) forward and backward as GEMMs over the unfolded
//! input.
//!
//! flex already convolves forward by unfolding (im2col) and one GEMM, but
//! its backward is burn's generic one: the weight gradient as a second
//! convolution with batch and channels swapped, the input gradient as a
//! transposed convolution. Both are GEMMs over the same unfolded input:
//! per sample, `dW += dY x cols^T` and `dcols = W^T x dY`, then `dcols`
//! folded back onto the input (col2im). Samples run in parallel on rayon's
//! pool, each with one unfolding buffer it reuses; the bias is added (and
//! differentiated) by burn outside this op. Stride-1 layers with 8 or
//! more input channels skip the unfolding altogether (`shifted`).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, Backend, Dispatch, Flex};
use burn::nn::conv::{Conv1d, Conv2d};
use burn::nn::{PaddingConfig1d, PaddingConfig2d};
use burn::prelude::*;
use rayon::prelude::*;
use std::sync::Arc;

use crate::flex::{f32s, row_major, tensor};
use crate::gemm::{matmul, Mat};
use burn::backend::ops::{ActivationOps, FloatTensorOps};
use burn::backend::{AutodiffBackend, TensorMetadata};
use direct::Epilogue;

#[backend_extension(Flex, Autodiff)]
pub trait ConvKernels: Backend {
    /// `x [n, c, h, w]` convolved with `weight [o, c, kh, kw]`, no bias;
    /// `padding` is `[top, bottom, left, right]`.
    fn conv2d_unbiased(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: [usize; 4],
    ) -> FloatTensor<Self>;

    /// `conv2d_unbiased` plus `bias [o]`, then ReLU if `relu`, then a 2x2,
    /// stride-2 max-pool if `pool`: one pass at inference.
    #[allow(clippy::too_many_arguments)]
    fn conv2d_bias_relu_pool(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: [usize; 4],
        relu: bool,
        pool: bool,
    ) -> FloatTensor<Self>;
}

/// burn's `Conv2d::forward`, through our kernel on the CPU.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    if !crate::on_flex(&x.device()) || conv.groups != 1 {
        return conv.forward(x);
    }
    crate::took_kernel();
    let [_, _, h, w] = x.dims();
    let (top, bottom) = padding_pair(&conv.padding, 0, h, conv.kernel_size[0], conv.stride[0]);
    let (left, right) = padding_pair(&conv.padding, 1, w, conv.kernel_size[1], conv.stride[1]);
    let out = Tensor::<4>::from_dispatch(<Dispatch as ConvKernels>::conv2d_unbiased(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        conv.stride,
        conv.dilation,
        [top, bottom, left, right],
    ));
    match &conv.bias {
        Some(b) => {
            let o = out.dims()[1];
            out + b.val().reshape([1, o, 1, 1])
        }
        None => out,
    }
}

/// burn's `Conv1d::forward`, through our kernel on the CPU (as a 2D
/// convolution of height 1).
pub fn conv1d(conv: &Conv1d, x: Tensor<3>) -> Tensor<3> {
    if !crate::on_flex(&x.device()) || conv.groups != 1 {
        return conv.forward(x);
    }
    crate::took_kernel();
    let [n, c, len] = x.dims();
    let (left, right) = match &conv.padding {
        PaddingConfig1d::Valid => (0, 0),
        PaddingConfig1d::Explicit(l, r) => (*l, *r),
        PaddingConfig1d::Same => same_padding(conv.kernel_size, conv.stride, len),
    };
    let [o, _, k] = conv.weight.dims();
    let out = Tensor::<4>::from_dispatch(<Dispatch as ConvKernels>::conv2d_unbiased(
        x.reshape([n, c, 1, len]).into_dispatch(),
        conv.weight.val().reshape([o, c, 1, k]).into_dispatch(),
        [1, conv.stride],
        [1, conv.dilation],
        [0, 0, left, right],
    ));
    let out_len = out.dims()[3];
    let out: Tensor<3> = out.reshape([n, o, out_len]);
    match &conv.bias {
        Some(b) => out + b.val().reshape([1, o, 1]),
        None => out,
    }
}

/// burn's own rule for `Same`: the padding that keeps `ceil(size /
/// stride)` outputs, the odd one out on the far side.
fn same_padding(kernel: usize, stride: usize, size: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = if out > 0 { ((out - 1) * stride + kernel).saturating_sub(size) } else { 0 };
    (total / 2, total - total / 2)
}

fn padding_pair(padding: &PaddingConfig2d, axis: usize, size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    match padding {
        PaddingConfig2d::Valid => (0, 0),
        PaddingConfig2d::Same => same_padding(kernel, stride, size),
        PaddingConfig2d::Explicit(top, left, bottom, right) => {
            if axis == 0 {
                (*top, *bottom)
            } else {
                (*left, *right)
            }
        }
    }
}

/// Sizes of one convolution.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Geometry {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    o: usize,
    kh: usize,
    kw: usize,
    stride: [usize; 2],
    dilation: [usize; 2],
    /// top, bottom, left, right
    padding: [usize; 4],
}

impl Geometry {
    fn new(x: &[usize], weight: &[usize], stride: [usize; 2], dilation: [usize; 2], padding: [usize; 4]) -> Self {
        let [n, c, h, w] = [x[0], x[1], x[2], x[3]];
        Self { n, c, h, w, o: weight[0], kh: weight[2], kw: weight[3], stride, dilation, padding }
    }

    fn out_h(&self) -> usize {
        (self.h + self.padding[0] + self.padding[1]).saturating_sub(self.dilation[0] * (self.kh - 1) + 1)
            / self.stride[0]
            + 1
    }

    fn out_w(&self) -> usize {
        (self.w + self.padding[2] + self.padding[3]).saturating_sub(self.dilation[1] * (self.kw - 1) + 1)
            / self.stride[1]
            + 1
    }

    /// Rows of the unfolded input: one per input channel and kernel tap.
    fn k(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Columns: one per output position.
    fn p(&self) -> usize {
        self.out_h() * self.out_w()
    }

    /// The input row (axis 0) or column (axis 1) that output position
    /// `out` reads at kernel tap `tap`; `None` in the padding.
    fn source(&self, tap: usize, out: usize, axis: usize) -> Option<usize> {
        let before = self.padding[axis * 2];
        let at = out * self.stride[axis] + tap * self.dilation[axis];
        let size = if axis == 0 { self.h } else { self.w };
        at.checked_sub(before).filter(|&i| i < size)
    }

    /// The output columns `lo..hi` whose column tap `kx` reads inside the
    /// input (the rest read padding), and the input column `lo` reads.
    /// Computed once per tap, so the inner loops below are plain copies.
    fn inside_columns(&self, kx: usize) -> (usize, usize, usize) {
        let (s, left) = (self.stride[1], self.padding[2]);
        let shift = kx * self.dilation[1];
        let lo = left.saturating_sub(shift).div_ceil(s);
        let hi = (self.w + left).saturating_sub(shift).div_ceil(s).min(self.out_w());
        let lo = lo.min(hi);
        (lo, hi, (lo * s + shift).saturating_sub(left))
    }
}

/// Copies a short run (an image row: 7 to 200 values) without a call to
/// `memcpy`, whose fixed cost is larger than the copy at these lengths.
#[inline(always)]
fn copy_run(dst: &mut [f32], src: &[f32]) {
    let (d8, s8) = (dst.chunks_exact_mut(8), src.chunks_exact(8));
    let n8 = s8.len() * 8;
    for (d, s) in d8.zip(s8) {
        // Fixed-size arrays: one vector move, not a call.
        let (d, s): (&mut [f32; 8], &[f32; 8]) =
            (d.try_into().expect("chunks of 8"), s.try_into().expect("chunks of 8"));
        *d = *s;
    }
    for (d, &s) in dst[n8..].iter_mut().zip(&src[n8..]) {
        *d = s;
    }
}

/// `out[i] = src[2 * i]`, four at a time through fixed-size arrays, which
/// the compiler moves with vector shuffles; one value per instruction,
/// as a plain strided loop goes, made stride-2 unfolding a tenth of a
/// ResNet step.
#[inline(always)]
fn copy_every_second(out: &mut [f32], src: &[f32]) {
    let blocks = (out.len() / 4).min(src.len() / 8);
    for (d, s) in out.chunks_exact_mut(4).zip(src.chunks_exact(8)).take(blocks) {
        let (d, s): (&mut [f32; 4], &[f32; 8]) =
            (d.try_into().expect("chunks of 4"), s.try_into().expect("chunks of 8"));
        *d = [s[0], s[2], s[4], s[6]];
    }
    for (v, &a) in out[blocks * 4..].iter_mut().zip(src[blocks * 8..].iter().step_by(2)) {
        *v = a;
    }
}

/// `dst[2 * i] += part[i]`: the folding's side of `copy_every_second`.
#[inline(always)]
fn add_every_second(dst: &mut [f32], part: &[f32]) {
    let blocks = (part.len() / 4).min(dst.len() / 8);
    for (d, p) in dst.chunks_exact_mut(8).zip(part.chunks_exact(4)).take(blocks) {
        let (d, p): (&mut [f32; 8], &[f32; 4]) =
            (d.try_into().expect("chunks of 8"), p.try_into().expect("chunks of 4"));
        for (t, &v) in p.iter().enumerate() {
            d[2 * t] += v;
        }
    }
    for (d, &v) in dst[blocks * 8..].iter_mut().step_by(2).zip(&part[blocks * 4..]) {
        *d += v;
    }
}

/// Visits every output row of every unfolded row, in `cols` order: where
/// the row sits in `cols`, where the input row it reads starts in the
/// sample (`None` in the padding rows), and the tap's inside columns.
/// The unfolding and the folding walk the same runs, one copying, one
/// adding, so they stay each other's adjoint.
fn for_each_run(g: &Geometry, mut visit: impl FnMut(usize, Option<usize>, (usize, usize, usize))) {
    let (oh, ow, p) = (g.out_h(), g.out_w(), g.p());
    for c in 0..g.c {
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let (row, inside) = (((c * g.kh + ky) * g.kw + kx) * p, g.inside_columns(kx));
                for y in 0..oh {
                    visit(row + y * ow, g.source(ky, y, 0).map(|iy| (c * g.h + iy) * g.w), inside);
                }
            }
        }
    }
}

/// Unfolds sample `x` (`[c, h, w]`) into `cols` (`[k, p]`, row-major).
fn im2col(x: &[f32], g: &Geometry, cols: &mut [f32]) {
    let (ow, s) = (g.out_w(), g.stride[1]);
    for_each_run(g, |at, input, (lo, hi, first)| {
        let out = &mut cols[at..][..ow];
        let Some(input) = input else {
            out.fill(0.0);
            return;
        };
        let src = &x[input..][..g.w];
        // The padding: a column or two at either edge, if any.
        let (head, rest) = out.split_at_mut(lo);
        for v in head.iter_mut().chain(&mut rest[hi - lo..]) {
            *v = 0.0;
        }
        if lo < hi && s == 1 {
            copy_run(&mut out[lo..hi], &src[first..first + hi - lo]);
        } else if lo < hi && s == 2 {
            copy_every_second(&mut out[lo..hi], &src[first..]);
        } else if lo < hi {
            for (v, &a) in out[lo..hi].iter_mut().zip(src[first..].iter().step_by(s)) {
                *v = a;
            }
        }
    });
}

/// Folds `cols` (`[k, p]`) back onto a zeroed sample gradient `dx`
/// (`[c, h, w]`), adding where windows overlap.
fn col2im(cols: &[f32], g: &Geometry, dx: &mut [f32]) {
    let (ow, s) = (g.out_w(), g.stride[1]);
    for_each_run(g, |at, input, (lo, hi, first)| {
        let Some(input) = input else { return };
        let (part, dst) = (&cols[at..][..ow], &mut dx[input..][..g.w]);
        if lo < hi && s == 1 {
            for (d, &v) in dst[first..first + hi - lo].iter_mut().zip(&part[lo..hi]) {
                *d += v;
            }
        } else if lo < hi && s == 2 {
            add_every_second(&mut dst[first..], &part[lo..hi]);
        } else if lo < hi {
            for (d, &v) in dst[first..].iter_mut().step_by(s).zip(&part[lo..hi]) {
                *d += v;
            }
        }
    });
}

/// The largest unfolded batch (in values) the forward keeps for the
/// backward: 64 MB. The ResNet's widest layer at batch 64 unfolds to
/// 29 MB; a large image (224 x 224, 64 channels) would need gigabytes,
/// and there the backward unfolds again, one sample at a time.
const KEEP_UNFOLDED_UP_TO: usize = 16 << 20;

/// Samples whose weight gradients one task sums before the tasks' sums
/// are added in order.
const SAMPLES_PER_GROUP: usize = 8;

/// The output and, when `keep` and it fits under the cap above, the
/// batch's unfolded input (`[n, k, p]`) for the backward, which then
/// need not unfold again (the unfolding costs as much as a fifth of a
/// ResNet step).
fn forward(x: &[f32], weight: &[f32], g: &Geometry, keep: bool) -> (Vec<f32>, Option<Vec<f32>>) {
    if direct::applies(g) {
        return (direct::forward(x, weight, g, Epilogue::NONE), None);
    }
    if shifted::applies(g) {
        return (shifted::forward(x, weight, g), None);
    }
    let (k, p, o) = (g.k(), g.p(), g.o);
    let per_sample = g.c * g.h * g.w;
    let mut out = vec![0f32; g.n * o * p];
    if p == 0 {
        return (out, None);
    }
    let sample = |s: usize, cols: &mut [f32], y: &mut [f32]| {
        im2col(&x[s * per_sample..][..per_sample], g, cols);
        matmul(y, Mat::row_major(weight, o, k), Mat::row_major(cols, k, p), false);
    };
    if keep && g.n * k * p <= KEEP_UNFOLDED_UP_TO {
        let mut unfolded = vec![0f32; g.n * k * p];
        out.par_chunks_mut(o * p)
            .zip(unfolded.par_chunks_mut(k * p))
            .enumerate()
            .for_each(|(s, (y, cols))| sample(s, cols, y));
        return (out, Some(unfolded));
    }
    out.par_chunks_mut(o * p).enumerate().for_each_init(|| vec![0f32; k * p], |cols, (s, y)| sample(s, cols, y));
    (out, None)
}

/// `(dx, dweight)` from the output gradient `dy` (`[n, o, p]`); the
/// weight gradient reads `unfolded` where the forward kept it.
fn backward(
    x: &[f32],
    unfolded: Option<&[f32]>,
    weight: &[f32],
    dy: &[f32],
    g: &Geometry,
    want_dx: bool,
    want_dw: bool,
) -> (Vec<f32>, Vec<f32>) {
    if want_dx {
        if let Some(dx) = direct::input_gradient(dy, weight, g) {
            let (_, dw) = backward(x, unfolded, weight, dy, g, false, want_dw);
            return (dx, dw);
        }
    }
    if shifted::applies(g) {
        return shifted::backward(x, weight, dy, g, want_dx, want_dw);
    }
    let (k, p, o) = (g.k(), g.p(), g.o);
    let per_sample = g.c * g.h * g.w;
    let mut dx = vec![0f32; if want_dx { g.n * per_sample } else { 0 }];
    if want_dx && p > 0 {
        dx.par_chunks_mut(per_sample).enumerate().for_each_init(
            || vec![0f32; k * p],
            |dcols, (s, dxs)| {
                // dcols = W^T (k x o) x dY_s (o x p)
                matmul(dcols, Mat::transposed(weight, o, k), Mat::row_major(&dy[s * o * p..][..o * p], o, p), false);
                col2im(dcols, g, dxs);
            },
        );
    }
    let dw = if want_dw && p > 0 {
        // Fixed groups of samples, summed in order: the same rounding
        // whatever rayon's scheduling (a fold would group samples by
        // which thread stole what, and runs would differ in the last bits).
        let partials: Vec<Vec<f32>> = (0..g.n.div_ceil(SAMPLES_PER_GROUP))
            .into_par_iter()
            .map(|group| {
                let (mut acc, mut scratch) = (vec![0f32; o * k], Vec::new());
                for s in group * SAMPLES_PER_GROUP..((group + 1) * SAMPLES_PER_GROUP).min(g.n) {
                    let cols = match unfolded {
                        Some(all) => &all[s * k * p..][..k * p],
                        None => {
                            scratch.resize(k * p, 0.0);
                            im2col(&x[s * per_sample..][..per_sample], g, &mut scratch);
                            &scratch[..]
                        }
                    };
                    // dW += dY_s (o x p) x cols^T (p x k)
                    matmul(
                        &mut acc,
                        Mat::row_major(&dy[s * o * p..][..o * p], o, p),
                        Mat::transposed(cols, k, p),
                        true,
                    );
                }
                acc
            })
            .collect();
        add_in_order(&partials, o * k)
    } else {
        vec![0f32; if want_dw { o * k } else { 0 }]
    };
    (dx, dw)
}

/// The groups' weight gradients (`len` values each, or none) added in
/// group order, so the total does not depend on which thread ran which.
fn add_in_order(partials: &[Vec<f32>], len: usize) -> Vec<f32> {
    let mut total = vec![0f32; len];
    for part in partials {
        total.iter_mut().zip(part).for_each(|(a, b)| *a += b);
    }
    total
}

/// The output tensor, the geometry and, with `keep`, the unfolded input.
fn conv(
    x: &FlexTensor,
    weight: &FlexTensor,
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: [usize; 4],
    keep: bool,
) -> (FlexTensor, Geometry, Option<Arc<Vec<f32>>>) {
    let (x, xd) = row_major(x);
    let (w, wd) = row_major(weight);
    let g = Geometry::new(&xd, &wd, stride, dilation, padding);
    let (out, unfolded) = forward(f32s(&x), f32s(&w), &g, keep);
    (tensor(out, vec![g.n, g.o, g.out_h(), g.out_w()]), g, unfolded.map(Arc::new))
}

impl ConvKernels for Flex {
    fn conv2d_unbiased(
        x: FlexTensor,
        weight: FlexTensor,
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: [usize; 4],
    ) -> FlexTensor {
        conv(&x, &weight, stride, dilation, padding, false).0
    }

    fn conv2d_bias_relu_pool(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: [usize; 4],
        relu: bool,
        pool: bool,
    ) -> FlexTensor {
        conv_fused(&x, &weight, &bias, stride, dilation, padding, relu, pool)
    }
}

/// The backward keeps the input and the weight (shared buffers, not
/// copies) and the forward's unfolded input where it fitted the cap.
#[derive(Debug, Clone)]
struct ConvState {
    x: FlexTensor,
    weight: FlexTensor,
    geometry: Geometry,
    unfolded: Option<Arc<Vec<f32>>>,
}

#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 2> for ConvBackward {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [x_parent, w_parent] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let s = &ops.state;
        let g = &s.geometry;
        let ((x, _), (w, _), (dy, _)) = (row_major(&s.x), row_major(&s.weight), row_major(&dy));
        let unfolded = s.unfolded.as_deref().map(Vec::as_slice);
        let (dx, dw) = backward(f32s(&x), unfolded, f32s(&w), f32s(&dy), g, x_parent.is_some(), w_parent.is_some());
        if let Some(node) = x_parent {
            grads.register::<Flex>(node.id, tensor(dx, vec![g.n, g.c, g.h, g.w]));
        }
        if let Some(node) = w_parent {
            grads.register::<Flex>(node.id, tensor(dw, vec![g.o, g.c, g.kh, g.kw]));
        }
    }
}

impl<C: CheckpointStrategy> ConvKernels for Autodiff<Flex, C> {
    fn conv2d_unbiased(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: [usize; 4],
    ) -> FloatTensor<Self> {
        let nodes = [x.node(), weight.node()];
        // Only a weight gradient reads the unfolded input.
        let keep = weight.is_tracked();
        let (x, weight) = (x.into_primitive(), weight.into_primitive());
        match ConvBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (out, geometry, unfolded) = conv(&x, &weight, stride, dilation, padding, keep);
                prep.finish(ConvState { x, weight, geometry, unfolded }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(conv(&x, &weight, stride, dilation, padding, false).0),
        }
    }

    /// Untracked: the fused pass. Tracked (training): the convolution,
    /// bias, ReLU and pool as separate operations, each with its backward.
    fn conv2d_bias_relu_pool(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: [usize; 4],
        relu: bool,
        pool: bool,
    ) -> FloatTensor<Self> {
        if !(x.is_tracked() || weight.is_tracked() || bias.is_tracked()) {
            let (x, weight, bias) = (x.into_primitive(), weight.into_primitive(), bias.into_primitive());
            return Self::from_inner(conv_fused(&x, &weight, &bias, stride, dilation, padding, relu, pool));
        }
        let o = bias.shape()[0];
        let y = <Self as ConvKernels>::conv2d_unbiased(x, weight, stride, dilation, padding);
        let y = Self::float_add(y, Self::float_reshape(bias, Shape::new([1, o, 1, 1])));
        let y = if relu { Self::relu(y) } else { y };
        if pool {
            <Self as crate::max_pool::MaxPoolKernels>::max_pool_2x2(y)
        } else {
            y
        }
    }
}

mod direct;
mod fused;
mod shifted;

pub use fused::conv2d_relu_pool;
use fused::conv_fused;
#[cfg(test)]
mod tests;
