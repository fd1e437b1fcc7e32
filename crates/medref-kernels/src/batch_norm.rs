//! Batch normalisation over `[n, c, h, w]`: three passes over the
//! activation forward (mean, variance, output) and two backward (the
//! gradient sums, the input gradient).
//!
//! flex runs burn's generic batch norm: every statistic is taken after
//! swapping the batch and channel axes (a full copy of the activation
//! each time, four per layer and step) and the normalisation is five
//! element-wise passes, each into a fresh buffer. In NCHW each channel of
//! each sample is already one contiguous plane, so the statistics are
//! sums over planes, and the output (or the input gradient) is one
//! multiply-add per element with a per-channel scale and shift.
//!
//! Sums accumulate per plane in f32 and across planes in f64, so a large
//! batch does not lose the mean to rounding.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, Backend, Dispatch, Flex};
use burn::nn::BatchNorm;
use burn::prelude::*;
use rayon::prelude::*;

use crate::flex::{f32s, row_major, tensor};

#[backend_extension(Flex, Autodiff)]
pub trait BatchNormKernels: Backend {
    /// Normalises `x [n, c, ...]` with its own per-channel statistics;
    /// returns the output, the mean and the biased variance (`[c]`).
    fn batch_norm_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// `norm.forward(x)`: in training, through our kernel on the CPU (with
/// the running statistics updated as burn updates them); at inference, as
/// one per-channel scale and shift.
pub fn batch_norm(norm: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    let device = x.device();
    if !crate::on_flex(&device) {
        return norm.forward(x);
    }
    crate::took_kernel();
    let channels = norm.gamma.dims()[0];
    if !(device.is_autodiff() && norm.training.is_enabled()) {
        let var = norm.running_var.value().to_device(&device);
        let mean = norm.running_mean.value().to_device(&device);
        let scale = norm.gamma.val() / var.add_scalar(norm.epsilon).sqrt();
        let shift = norm.beta.val() - mean * scale.clone();
        return x * scale.reshape([1, channels, 1, 1]) + shift.reshape([1, channels, 1, 1]);
    }
    let (out, mean, var) = <Dispatch as BatchNormKernels>::batch_norm_fused(
        x.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        norm.beta.val().into_dispatch(),
        norm.epsilon,
    );
    let (mean, var) = (Tensor::<1>::from_dispatch(mean).detach(), Tensor::<1>::from_dispatch(var).detach());
    let m = norm.momentum;
    let running_mean = norm.running_mean.value_sync().to_device(&device).mul_scalar(1.0 - m).add(mean.mul_scalar(m));
    let running_var = norm.running_var.value_sync().to_device(&device).mul_scalar(1.0 - m).add(var.mul_scalar(m));
    norm.running_mean.update(running_mean.detach());
    norm.running_var.update(running_var.detach());
    Tensor::from_dispatch(out)
}

/// Sizes: `n` samples, `c` channels, planes of `plane` values.
#[derive(Debug, Clone, Copy)]
struct Planes {
    n: usize,
    c: usize,
    plane: usize,
}

impl Planes {
    fn of(dims: &[usize]) -> Self {
        Self { n: dims[0], c: dims[1], plane: dims[2..].iter().product() }
    }

    fn count(&self) -> f64 {
        (self.n * self.plane) as f64
    }

    /// Channel `ch`'s planes, one per sample.
    fn of_channel<'a>(&self, values: &'a [f32], ch: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        let (c, plane) = (self.c, self.plane);
        (0..self.n).map(move |s| &values[(s * c + ch) * plane..][..plane])
    }

    /// Applies `f(channel, a_plane, b_plane, out_plane)` to every plane
    /// of `a` and `b` in parallel (`b` may be `a` itself).
    fn map(&self, a: &[f32], b: &[f32], f: impl Fn(usize, &[f32], &[f32], &mut [f32]) + Sync) -> Vec<f32> {
        let mut out = vec![0f32; a.len()];
        if self.plane > 0 {
            out.par_chunks_mut(self.plane)
                .zip(a.par_chunks(self.plane).zip(b.par_chunks(self.plane)))
                .enumerate()
                .for_each(|(i, (o, (pa, pb)))| f(i % self.c, pa, pb, o));
        }
        out
    }
}

/// `Σ f(a[i], b[i])` in eight running partial sums, which the compiler
/// keeps in one vector register (a single running f32 sum cannot be
/// reordered, so it would stay scalar).
#[inline(always)]
fn lanes_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(&x, &y)| f(x, y)).sum();
    for (xa, xb) in ca.zip(cb) {
        for lane in 0..8 {
            acc[lane] += f(xa[lane], xb[lane]);
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Per-channel sums of the `N` terms `term(channel, a_plane, b_plane)`
/// over every plane of the channel, in parallel over channels (`b` may be
/// `a` itself). Several terms of one plane are taken while it is in cache,
/// so they cost one pass over memory.
fn channel_sums<const N: usize>(
    p: &Planes,
    a: &[f32],
    b: &[f32],
    term: impl Fn(usize, &[f32], &[f32]) -> [f32; N] + Sync,
) -> Vec<[f64; N]> {
    (0..p.c)
        .into_par_iter()
        .map(|ch| {
            let mut total = [0f64; N];
            for (pa, pb) in p.of_channel(a, ch).zip(p.of_channel(b, ch)) {
                for (t, v) in total.iter_mut().zip(term(ch, pa, pb)) {
                    *t += f64::from(v);
                }
            }
            total
        })
        .collect()
}

/// Output, mean and biased variance.
fn forward(x: &[f32], gamma: &[f32], beta: &[f32], p: &Planes, epsilon: f64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let count = p.count().max(1.0);
    let mean: Vec<f32> =
        channel_sums(p, x, x, |_, v, _| [lanes_sum(v, v, |a, _| a)]).iter().map(|[s]| (s / count) as f32).collect();
    // About the mean, in a second pass: one pass of sums and sums of
    // squares would lose the variance to cancellation when the mean is large.
    let var: Vec<f32> = channel_sums(p, x, x, |ch, v, _| [lanes_sum(v, v, |a, _| (a - mean[ch]) * (a - mean[ch]))])
        .iter()
        .map(|[s]| (s / count) as f32)
        .collect();
    let scale: Vec<f32> = (0..p.c).map(|ch| gamma[ch] / (f64::from(var[ch]) + epsilon).sqrt() as f32).collect();
    let out = p.map(x, x, |ch, x, _, o| {
        let (a, m, b) = (scale[ch], mean[ch], beta[ch]);
        o.iter_mut().zip(x).for_each(|(o, &v)| *o = (v - m) * a + b);
    });
    (out, mean, var)
}

/// Gradients of the input, gamma and beta.
fn backward(
    x: &[f32],
    gamma: &[f32],
    mean: &[f32],
    var: &[f32],
    dy: &[f32],
    p: &Planes,
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let inv_std: Vec<f32> = var.iter().map(|&v| 1.0 / (f64::from(v) + epsilon).sqrt() as f32).collect();
    // Σ dy and Σ dy · (x - mean) per channel, in one pass.
    let sums = channel_sums(p, x, dy, |ch, xs, gs| {
        [lanes_sum(gs, gs, |g, _| g), lanes_sum(xs, gs, |a, g| g * (a - mean[ch]))]
    });
    let d_beta: Vec<f32> = sums.iter().map(|[s, _]| *s as f32).collect();
    let d_gamma: Vec<f32> = sums.iter().zip(&inv_std).map(|([_, s], &k)| *s as f32 * k).collect();
    let count = p.count().max(1.0) as f32;
    // dx = gamma / std · (dy - mean(dy) - x̂ · mean(dy · x̂))
    let dx = p.map(x, dy, |ch, xs, gs, o| {
        let (m, s) = (mean[ch], inv_std[ch]);
        let (k, mean_g, mean_gx) = (gamma[ch] * s, d_beta[ch] / count, d_gamma[ch] / count);
        for ((o, &a), &g) in o.iter_mut().zip(xs).zip(gs) {
            *o = k * (g - mean_g - (a - m) * s * mean_gx);
        }
    });
    (dx, d_gamma, d_beta)
}

fn fused(x: &FlexTensor, gamma: &FlexTensor, beta: &FlexTensor, epsilon: f64) -> (FlexTensor, FlexTensor, FlexTensor) {
    let ((x, dims), (gamma, _), (beta, _)) = (row_major(x), row_major(gamma), row_major(beta));
    let p = Planes::of(&dims);
    let (out, mean, var) = forward(f32s(&x), f32s(&gamma), f32s(&beta), &p, epsilon);
    (tensor(out, dims), tensor(mean, vec![p.c]), tensor(var, vec![p.c]))
}

impl BatchNormKernels for Flex {
    fn batch_norm_fused(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        fused(&x, &gamma, &beta, epsilon)
    }
}

/// The backward keeps the input and gamma (shared buffers) and the batch
/// statistics the forward took.
#[derive(Debug, Clone)]
struct NormState {
    x: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    var: FlexTensor,
    epsilon: f64,
}

#[derive(Debug)]
struct NormBackward;

impl Backward<Flex, 3> for NormBackward {
    type State = NormState;

    fn backward(self, ops: Ops<NormState, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [x_parent, gamma_parent, beta_parent] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let s = &ops.state;
        let ((x, dims), (dy, _)) = (row_major(&s.x), row_major(&dy));
        let p = Planes::of(&dims);
        let (dx, d_gamma, d_beta) =
            backward(f32s(&x), f32s(&s.gamma), f32s(&s.mean), f32s(&s.var), f32s(&dy), &p, s.epsilon);
        if let Some(node) = x_parent {
            grads.register::<Flex>(node.id, tensor(dx, dims));
        }
        if let Some(node) = gamma_parent {
            grads.register::<Flex>(node.id, tensor(d_gamma, vec![p.c]));
        }
        if let Some(node) = beta_parent {
            grads.register::<Flex>(node.id, tensor(d_beta, vec![p.c]));
        }
    }
}

impl<C: CheckpointStrategy> BatchNormKernels for Autodiff<Flex, C> {
    fn batch_norm_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let nodes = [x.node(), gamma.node(), beta.node()];
        let (x, gamma, beta) = (x.into_primitive(), gamma.into_primitive(), beta.into_primitive());
        let (out, mean, var) = fused(&x, &gamma, &beta, epsilon);
        let stats = (FloatTensor::<Self>::new(mean.clone()), FloatTensor::<Self>::new(var.clone()));
        let out = match NormBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let gamma = row_major(&gamma).0;
                prep.finish(NormState { x, gamma, mean, var, epsilon }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        };
        (out, stats.0, stats.1)
    }
}

#[cfg(test)]
mod tests;
