//! Convolution without unfolding: one GEMM per kernel tap over the
//! zero-padded input, shifted.
//!
//! Unfolding copies the input once per kernel tap (nine times for 3x3)
//! and the backward folds as many values back; for the ResNet's 16- and
//! 32-channel layers those copies cost as much as the multiply-adds. With
//! stride 1 there is no need to copy: lay the sample out padded, one row
//! of `wq` values per image row, and compute the output on the same grid
//! (position `q = y * wq + x`). Tap `(ky, kx)` then reads the padded
//! input at `q` plus a fixed shift, so its contribution is a GEMM over a
//! shifted view of one buffer. The grid's last `wq - ow` columns of each
//! row are thrown away (7 % more multiply-adds at 28 x 28, 29 % at 7 x 7).
//! The backward is the same walk transposed: the input gradient sums
//! views of the output gradient shifted back (laid out on the grid, zero
//! off it), the weight gradient takes one product per tap.
//!
//! A stride `s` splits the padded input into `s x s` phases (every
//! `s`-th row and column from each offset), so each tap again reads one
//! phase, shifted: the ResNet's stride-2 layers and shortcuts need no
//! unfolding either.
//!
//! Used from `MIN_CHANNELS` input channels, where a tap's GEMM is deep
//! enough to run at speed; thinner inputs (an image's 1 or 3 channels,
//! DNA's 4) unfold as before.

use super::{Geometry, SAMPLES_PER_GROUP};
use crate::gemm::{product, Mat, MatMut};
use rayon::prelude::*;

/// Input channels from which a tap's GEMM (as deep as the channel count)
/// beats one GEMM over the unfolded input.
const MIN_CHANNELS: usize = 8;

pub(super) fn applies(g: &Geometry) -> bool {
    g.c >= MIN_CHANNELS && g.p() > 0
}

/// The phase planes of one convolution.
struct Grid {
    stride: [usize; 2],
    /// Row length of a phase plane.
    wq: usize,
    /// One phase plane: `ceil((top + h + bottom) / sy) * wq`.
    plane: usize,
    /// One channel: all its phase planes.
    channel: usize,
    /// Grid positions from the first output to the last (`q` below).
    q: usize,
    /// The largest tap shift within a plane.
    reach: usize,
}

/// One kernel tap: its index in the weight's `kh * kw` block, the phase
/// plane it reads and where in it (`q + shift`).
struct Tap {
    index: usize,
    phase: usize,
    shift: usize,
}

impl Grid {
    fn new(g: &Geometry) -> Self {
        let [sy, sx] = g.stride;
        let wq = (g.w + g.padding[2] + g.padding[3]).div_ceil(sx);
        let plane = (g.h + g.padding[0] + g.padding[1]).div_ceil(sy) * wq;
        let reach = (g.dilation[0] * (g.kh - 1) / sy) * wq + g.dilation[1] * (g.kw - 1) / sx;
        Self { stride: g.stride, wq, plane, channel: sy * sx * plane, q: (g.out_h() - 1) * wq + g.out_w(), reach }
    }

    fn taps<'a>(&'a self, g: &'a Geometry) -> impl Iterator<Item = Tap> + 'a {
        let [sy, sx] = self.stride;
        (0..g.kh).flat_map(move |ky| {
            (0..g.kw).map(move |kx| {
                let (py, px) = (ky * g.dilation[0], kx * g.dilation[1]);
                Tap { index: ky * g.kw + kx, phase: (py % sy) * sx + px % sx, shift: (py / sy) * self.wq + px / sx }
            })
        })
    }

    /// Where input value `(iy, ix)` of channel 0 sits in the phase planes.
    fn at(&self, g: &Geometry, iy: usize) -> impl Fn(usize) -> usize + '_ {
        let [sy, sx] = self.stride;
        let py = iy + g.padding[0];
        let row = (py % sy) * sx * self.plane + (py / sy) * self.wq;
        let left = g.padding[2];
        move |ix| row + ((ix + left) % sx) * self.plane + (ix + left) / sx
    }
}

/// Sample `x` (`[c, h, w]`) into its phase planes `xp` (`[c, channel]`),
/// zero around it.
fn pad(x: &[f32], g: &Geometry, grid: &Grid, xp: &mut [f32]) {
    xp.fill(0.0);
    for (r, src) in x.chunks_exact(g.w).enumerate() {
        let (base, at) = ((r / g.h) * grid.channel, grid.at(g, r % g.h));
        if grid.stride[1] == 1 {
            xp[base + at(0)..][..g.w].copy_from_slice(src);
        } else {
            for (ix, &v) in src.iter().enumerate() {
                xp[base + at(ix)] = v;
            }
        }
    }
}

/// The adjoint of `pad`: the sample's values (`[c, h, w]`) out of phase
/// planes.
fn unpad(on_grid: &[f32], g: &Geometry, grid: &Grid, dx: &mut [f32]) {
    for (r, dst) in dx.chunks_exact_mut(g.w).enumerate() {
        let (base, at) = ((r / g.h) * grid.channel, grid.at(g, r % g.h));
        if grid.stride[1] == 1 {
            dst.copy_from_slice(&on_grid[base + at(0)..][..g.w]);
        } else {
            for (ix, v) in dst.iter_mut().enumerate() {
                *v = on_grid[base + at(ix)];
            }
        }
    }
}

/// One sample's output gradient (`[o, oh, ow]`) onto `dym` (`[o, len]`)
/// at grid positions shifted by `margin`, zero everywhere else.
fn spread(dy: &[f32], g: &Geometry, grid: &Grid, margin: usize, len: usize, dym: &mut [f32]) {
    dym.fill(0.0);
    let ow = g.out_w();
    for (rows, dst) in dy.chunks_exact(g.out_h() * ow).zip(dym.chunks_exact_mut(len)) {
        for (src, row) in rows.chunks_exact(ow).zip(dst[margin..].chunks_mut(grid.wq)) {
            row[..ow].copy_from_slice(src);
        }
    }
}

/// `[n, o, oh * ow]` from `x` (`[n, c, h, w]`) and `weight` (`[o, c, kh, kw]`).
pub(super) fn forward(x: &[f32], weight: &[f32], g: &Geometry) -> Vec<f32> {
    let (grid, (o, c, p, ow)) = (Grid::new(g), (g.o, g.c, g.p(), g.out_w()));
    let (per_sample, kk) = (c * g.h * g.w, g.kh * g.kw);
    let mut out = vec![0f32; g.n * o * p];
    out.par_chunks_mut(o * p).enumerate().for_each_init(
        || (vec![0f32; c * grid.channel], vec![0f32; grid.q * o]),
        |(xp, on_grid), (s, y)| {
            pad(&x[s * per_sample..][..per_sample], g, &grid, xp);
            // on_grid (q x o, by columns) += xp shifted (q x c) x W_tap^T (c x o)
            for (t, tap) in grid.taps(g).enumerate() {
                let lhs = Mat::strided(&xp[tap.phase * grid.plane + tap.shift..], grid.q, c, 1, grid.channel);
                let rhs = Mat::strided(&weight[tap.index..], c, o, kk, c * kk);
                product(MatMut::col_major(on_grid, grid.q, o), lhs, rhs, t > 0);
            }
            for (dst, src) in y.chunks_exact_mut(ow).zip(on_grid.chunks_exact(grid.q).flat_map(|col| col.chunks(grid.wq))) {
                dst.copy_from_slice(&src[..ow]);
            }
        },
    );
    out
}

/// `(dx, dweight)` from the output gradient `dy` (`[n, o, oh * ow]`).
/// Samples go in fixed groups whose weight gradients are added in order,
/// so the sum does not depend on the thread count.
pub(super) fn backward(x: &[f32], weight: &[f32], dy: &[f32], g: &Geometry, want_dx: bool, want_dw: bool) -> (Vec<f32>, Vec<f32>) {
    let (grid, (o, c, p, kk)) = (Grid::new(g), (g.o, g.c, g.p(), g.kh * g.kw));
    let per_sample = c * g.h * g.w;
    // The output gradient sits `reach` into each row of `dym`, so every
    // tap's view of it, shifted back, starts inside the buffer.
    let len = grid.reach + grid.plane;
    let phases = g.stride[0] * g.stride[1];
    let groups = g.n.div_ceil(SAMPLES_PER_GROUP);
    let mut dx = vec![0f32; if want_dx { g.n * per_sample } else { 0 }];
    let dx_groups: Vec<&mut [f32]> = if want_dx {
        dx.chunks_mut(SAMPLES_PER_GROUP * per_sample).collect()
    } else {
        (0..groups).map(|_| Default::default()).collect()
    };
    let partials: Vec<Vec<f32>> = dx_groups
        .into_par_iter()
        .enumerate()
        .map(|(group, dx_group)| {
            let mut dw = vec![0f32; if want_dw { o * c * kk } else { 0 }];
            let (mut dym, mut xp, mut on_grid) = (vec![0f32; o * len], Vec::new(), Vec::new());
            for s in group * SAMPLES_PER_GROUP..((group + 1) * SAMPLES_PER_GROUP).min(g.n) {
                spread(&dy[s * o * p..][..o * p], g, &grid, grid.reach, len, &mut dym);
                if want_dx {
                    on_grid.resize(c * grid.channel, 0.0);
                    // The input gradient's phase planes (plane x c, by
                    // columns) += dym shifted back (plane x o) x W_tap (o x c)
                    let mut written = vec![false; phases];
                    for tap in grid.taps(g) {
                        let dst = MatMut::strided(&mut on_grid[tap.phase * grid.plane..], grid.plane, c, 1, grid.channel);
                        let lhs = Mat::strided(&dym[grid.reach - tap.shift..], grid.plane, o, 1, len);
                        let rhs = Mat::strided(&weight[tap.index..], o, c, c * kk, kk);
                        product(dst, lhs, rhs, written[tap.phase]);
                        written[tap.phase] = true;
                    }
                    // A phase no tap reads (a 1x1 kernel with stride 2
                    // skips three) has a zero gradient.
                    for phase in (0..phases).filter(|&f| !written[f]) {
                        on_grid.chunks_exact_mut(grid.channel).for_each(|ch| ch[phase * grid.plane..][..grid.plane].fill(0.0));
                    }
                    let dxs = &mut dx_group[(s - group * SAMPLES_PER_GROUP) * per_sample..][..per_sample];
                    unpad(&on_grid, g, &grid, dxs);
                }
                if want_dw {
                    xp.resize(c * grid.channel, 0.0);
                    pad(&x[s * per_sample..][..per_sample], g, &grid, &mut xp);
                    // dW_tap (o x c) += dym (o x q) x xp shifted^T (q x c)
                    for tap in grid.taps(g) {
                        let lhs = Mat::strided(&dym[grid.reach..], o, grid.q, len, 1);
                        let rhs = Mat::strided(&xp[tap.phase * grid.plane + tap.shift..], grid.q, c, 1, grid.channel);
                        product(MatMut::strided(&mut dw[tap.index..], o, c, c * kk, kk), lhs, rhs, true);
                    }
                }
            }
            dw
        })
        .collect();
    let mut dw = vec![0f32; if want_dw { o * c * kk } else { 0 }];
    for part in &partials {
        dw.iter_mut().zip(part).for_each(|(a, b)| *a += b);
    }
    (dx, dw)
}
