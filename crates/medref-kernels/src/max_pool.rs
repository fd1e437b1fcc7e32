//! Max-pooling over non-overlapping windows, forward and backward.
//!
//! flex pools with a scalar loop that also writes an i64 index per output,
//! and its backward reads that index tensor back. Here the forward keeps
//! the winner's offset inside its window (one byte: a window has at most
//! 255 places), and the backward writes each output's gradient to that one
//! place in a zeroed input-sized buffer. Planes (batch x channel) run in
//! parallel on rayon's pool, the one flex uses.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, Backend, Dispatch, Flex};
use burn::prelude::*;
use rayon::prelude::*;

use crate::flex::{f32s, row_major, tensor};

/// The pools as backend operations: flex runs ours, any other backend is
/// never asked (the wrappers below keep burn's pools there).
#[backend_extension(Flex, Autodiff)]
pub trait MaxPoolKernels: Backend {
    /// `[.., len]` -> `[.., len / k]`: the maximum of each window of `k`
    /// along the last axis (a remainder shorter than `k` is dropped).
    fn max_pool_last_axis(x: FloatTensor<Self>, k: usize) -> FloatTensor<Self>;
    /// `[.., h, w]` -> `[.., h / 2, w / 2]`: the maximum of each 2x2 block.
    fn max_pool_2x2(x: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// Max-pool of `[batch, channels, len]` over windows of `k` with stride
/// `k`, as burn's `MaxPool1d::new(k)` and PyTorch's `max_pool1d(x, k)`;
/// our kernel on the CPU, `burn_pool` on other devices.
pub fn max_pool1d(x: Tensor<3>, k: usize, burn_pool: impl FnOnce(Tensor<3>) -> Tensor<3>) -> Tensor<3> {
    if !crate::on_flex(&x.device()) || !(1..=255).contains(&k) {
        return burn_pool(x);
    }
    crate::took_kernel();
    Tensor::from_dispatch(<Dispatch as MaxPoolKernels>::max_pool_last_axis(x.into_dispatch(), k))
}

/// 2x2, stride-2 max-pool of `[batch, channels, h, w]`; our kernel on the
/// CPU, `burn_pool` on other devices.
pub fn max_pool2d_2x2(x: Tensor<4>, burn_pool: impl FnOnce(Tensor<4>) -> Tensor<4>) -> Tensor<4> {
    if !crate::on_flex(&x.device()) {
        return burn_pool(x);
    }
    crate::took_kernel();
    Tensor::from_dispatch(<Dispatch as MaxPoolKernels>::max_pool_2x2(x.into_dispatch()))
}

/// A pool's geometry: `planes` independent `[h, w]` planes (1D pools are
/// `h = 1`) and the window `kh x kw`, stride equal to the window.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Windows {
    planes: usize,
    h: usize,
    w: usize,
    kh: usize,
    kw: usize,
}

impl Windows {
    fn of(dims: &[usize], kh: usize, kw: usize) -> Self {
        let n = dims.len();
        let (h, w) = if kh == 1 { (1, dims[n - 1]) } else { (dims[n - 2], dims[n - 1]) };
        Self { planes: dims.iter().product::<usize>() / (h * w).max(1), h, w, kh, kw }
    }

    fn out_h(&self) -> usize {
        self.h / self.kh
    }

    fn out_w(&self) -> usize {
        self.w / self.kw
    }

    /// The pooled tensor's dims, from the input's.
    fn out_dims(&self, dims: &[usize]) -> Vec<usize> {
        let mut out = dims.to_vec();
        let n = out.len();
        out[n - 1] = self.out_w();
        if self.kh > 1 {
            out[n - 2] = self.out_h();
        }
        out
    }
}

/// The larger of two (value, place) pairs; `b` wins only when larger, or
/// when it is NaN and `a` is not (PyTorch's pools let NaN win), so of
/// equals the first place stays. Written as selects, not branches: the
/// data is random by nature and a branch would be mispredicted half the
/// time, and selects let the compiler run many windows per instruction.
#[inline(always)]
fn max2(a: (f32, u8), b: (f32, u8)) -> (f32, u8) {
    let takes = (b.0 > a.0) | (b.0.is_nan() & !a.0.is_nan());
    (if takes { b.0 } else { a.0 }, if takes { b.1 } else { a.1 })
}

/// Pools one plane into `out` and the winners' places into `winners`.
fn pool_plane(plane: &[f32], g: Windows, out: &mut [f32], winners: &mut [u8]) {
    let (oh, ow, kw) = (g.out_h(), g.out_w(), g.kw);
    for i in 0..oh {
        let rows = &plane[i * g.kh * g.w..][..g.kh * g.w];
        let outs = out[i * ow..][..ow].iter_mut().zip(&mut winners[i * ow..][..ow]);
        let put = |(o, w): (&mut f32, &mut u8), (best, at): (f32, u8)| {
            *o = best;
            *w = at;
        };
        match (g.kh, kw) {
            (2, 2) => {
                let (r0, r1) = rows.split_at(g.w);
                for (dst, (a, b)) in outs.zip(r0.chunks_exact(2).zip(r1.chunks_exact(2))) {
                    put(dst, max2(max2((a[0], 0), (a[1], 1)), max2((b[0], 2), (b[1], 3))));
                }
            }
            (1, 2) => {
                for (dst, x) in outs.zip(rows.chunks_exact(2)) {
                    put(dst, max2((x[0], 0), (x[1], 1)));
                }
            }
            (1, 4) => {
                for (dst, x) in outs.zip(rows.chunks_exact(4)) {
                    put(dst, max2(max2((x[0], 0), (x[1], 1)), max2((x[2], 2), (x[3], 3))));
                }
            }
            _ => {
                for (j, dst) in outs.enumerate() {
                    let taps = (0..g.kh).flat_map(|dy| (0..kw).map(move |dx| (dy, dx)));
                    let mut best = (rows[j * kw], 0);
                    for (dy, dx) in taps.skip(1) {
                        best = max2(best, (rows[dy * g.w + j * kw + dx], (dy * kw + dx) as u8));
                    }
                    put(dst, best);
                }
            }
        }
    }
}

/// Maxima and, with `KEEP`, the winners' offsets (`dy * kw + dx`).
/// Without autodiff (inference) the winners go to a scratch row per task.
fn forward<const KEEP: bool>(x: &[f32], g: Windows) -> (Vec<f32>, Vec<u8>) {
    let per_plane = g.out_h() * g.out_w();
    let mut out = vec![0f32; g.planes * per_plane];
    let mut arg = vec![0u8; if KEEP { g.planes * per_plane } else { 0 }];
    if per_plane == 0 {
        return (out, arg);
    }
    let plane = |p: usize| &x[p * g.h * g.w..(p + 1) * g.h * g.w];
    if KEEP {
        out.par_chunks_mut(per_plane)
            .zip(arg.par_chunks_mut(per_plane))
            .enumerate()
            .for_each(|(p, (o, a))| pool_plane(plane(p), g, o, a));
    } else {
        out.par_chunks_mut(per_plane)
            .enumerate()
            .for_each_init(|| vec![0u8; per_plane], |scratch, (p, o)| pool_plane(plane(p), g, o, scratch));
    }
    (out, arg)
}

/// The input gradient: each output's gradient at its winner, zero elsewhere.
fn backward(grad: &[f32], arg: &[u8], g: Windows) -> Vec<f32> {
    let (oh, ow) = (g.out_h(), g.out_w());
    let mut gx = vec![0f32; g.planes * g.h * g.w];
    if oh * ow == 0 {
        return gx;
    }
    gx.par_chunks_mut(g.h * g.w).zip(grad.par_chunks(oh * ow).zip(arg.par_chunks(oh * ow))).for_each(
        |(plane, (grad, arg))| {
            for i in 0..oh {
                let rows = &mut plane[i * g.kh * g.w..][..g.kh * g.w];
                for (j, (&v, &at)) in grad[i * ow..][..ow].iter().zip(&arg[i * ow..][..ow]).enumerate() {
                    let (dy, dx) = (at as usize / g.kw, at as usize % g.kw);
                    rows[dy * g.w + j * g.kw + dx] = v;
                }
            }
        },
    );
    gx
}

/// Pools `x` with windows `kh x kw`: the output and, with `KEEP`, what the
/// backward needs (the winners and the geometry).
fn pool<const KEEP: bool>(x: &FlexTensor, kh: usize, kw: usize) -> (FlexTensor, PoolState) {
    let (x, dims) = row_major(x);
    let g = Windows::of(&dims, kh, kw);
    let (out, arg) = forward::<KEEP>(f32s(&x), g);
    (tensor(out, g.out_dims(&dims)), PoolState { winners: Arc::new(arg), windows: g, dims })
}

impl MaxPoolKernels for Flex {
    fn max_pool_last_axis(x: FlexTensor, k: usize) -> FlexTensor {
        pool::<false>(&x, 1, k).0
    }

    fn max_pool_2x2(x: FlexTensor) -> FlexTensor {
        pool::<false>(&x, 2, 2).0
    }
}

/// What the backward keeps: one byte per output and the shapes.
#[derive(Debug, Clone)]
struct PoolState {
    winners: Arc<Vec<u8>>,
    windows: Windows,
    dims: Vec<usize>,
}

#[derive(Debug)]
struct MaxPoolBackward;

impl Backward<Flex, 1> for MaxPoolBackward {
    type State = PoolState;

    fn backward(self, ops: Ops<PoolState, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        if let Some(node) = parent {
            let (grad, _) = row_major(&grad);
            let s = &ops.state;
            grads.register::<Flex>(node.id, tensor(backward(f32s(&grad), &s.winners, s.windows), s.dims.clone()));
        }
    }
}

fn pool_tracked<C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<Flex, C>>,
    kh: usize,
    kw: usize,
) -> FloatTensor<Autodiff<Flex, C>> {
    let node = x.node();
    let input = x.into_primitive();
    match MaxPoolBackward.prepare::<C>([node]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let (out, state) = pool::<true>(&input, kh, kw);
            prep.finish(state, out)
        }
        OpsKind::UnTracked(prep) => prep.finish(pool::<false>(&input, kh, kw).0),
    }
}

impl<C: CheckpointStrategy> MaxPoolKernels for Autodiff<Flex, C> {
    fn max_pool_last_axis(x: FloatTensor<Self>, k: usize) -> FloatTensor<Self> {
        pool_tracked::<C>(x, 1, k)
    }

    fn max_pool_2x2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        pool_tracked::<C>(x, 2, 2)
    }
}

#[cfg(test)]
mod tests;
