//! Stride-1 convolution without unfolding: one GEMM per kernel tap over
//! the zero-padded input, shifted.
//!
//! Unfolding copies the input once per kernel tap (nine times for 3x3)
//! and the backward folds as many values back; for the ResNet's 16- and
//! 32-channel layers those copies cost as much as the multiply-adds. With
//! stride 1 there is no need to copy: lay the sample out padded, one row
//! of `wp` values per image row, and compute the output on the same grid
//! (position `q = y * wp + x`). Tap `(ky, kx)` then reads the padded
//! input at `q` plus a fixed offset, so its contribution is a GEMM over a
//! shifted view of one buffer. The grid's last `wp - ow` columns of each
//! row are thrown away (7 % more multiply-adds at 28 x 28, 29 % at 7 x 7).
//! The backward is the same walk transposed: the input gradient sums
//! shifted views of the output gradient (laid out on the grid, zero off
//! it), the weight gradient takes one product per tap.
//!
//! Used for stride 1 and at least `MIN_CHANNELS` input channels, where a
//! tap's GEMM is deep enough to run at speed; the rest unfold as before.
//! The same walk over `s x s` phase planes of the input would serve a
//! stride `s` (tried for the ResNet's stride-2 layers): it measured
//! slower than unfolding, as those layers' GEMMs are too small to repay
//! nine calls per sample.

use super::{add_in_order, copy_run, Geometry, SAMPLES_PER_GROUP};
use crate::gemm::{product, Mat, MatMut};
use rayon::prelude::*;

/// Input channels from which a tap's GEMM (as deep as the channel count)
/// beats one GEMM over the unfolded input.
const MIN_CHANNELS: usize = 8;

/// Rows of each tap's GEMM are rounded up to a multiple of this (the
/// extra rows land on the grid's thrown-away positions): gemm copies its
/// left operand into a packed buffer, at every call, when the row count
/// is not a multiple of its vector width (16 floats with AVX-512, 8 with
/// AVX2), and that copy would cost what the unfolding did.
const ROWS_MULTIPLE: usize = 16;

pub(super) fn applies(g: &Geometry) -> bool {
    g.stride == [1, 1] && g.c >= MIN_CHANNELS && g.p() > 0
}

/// The padded grid of one convolution.
struct Grid {
    /// Padded row length.
    wp: usize,
    /// Padded plane: `(top + h + bottom) * wp`.
    plane: usize,
    /// Grid positions from the first output to the last (`q` below).
    q: usize,
    /// The largest tap offset.
    reach: usize,
}

impl Grid {
    fn new(g: &Geometry) -> Self {
        let wp = g.w + g.padding[2] + g.padding[3];
        let plane = (g.h + g.padding[0] + g.padding[1]) * wp;
        let reach = g.dilation[0] * (g.kh - 1) * wp + g.dilation[1] * (g.kw - 1);
        Self { wp, plane, q: (g.out_h() - 1) * wp + g.out_w(), reach }
    }

    /// Every tap's index into the weight's `kh * kw` block and its offset
    /// on the grid.
    fn taps<'a>(&'a self, g: &'a Geometry) -> impl Iterator<Item = (usize, usize)> + 'a {
        (0..g.kh).flat_map(move |ky| {
            (0..g.kw).map(move |kx| (ky * g.kw + kx, ky * g.dilation[0] * self.wp + kx * g.dilation[1]))
        })
    }
}

/// Sample `x` (`[c, h, w]`) into `xp` (`[c, plane]`), zero around it.
fn pad(x: &[f32], g: &Geometry, grid: &Grid, xp: &mut [f32]) {
    xp.fill(0.0);
    let first = g.padding[0] * grid.wp + g.padding[2];
    for (src, dst) in x
        .chunks_exact(g.w)
        .zip(xp.chunks_exact_mut(grid.plane).flat_map(|plane| plane[first..].chunks_mut(grid.wp).take(g.h)))
    {
        copy_run(&mut dst[..g.w], src);
    }
}

/// One sample's output gradient (`[o, oh, ow]`) onto `dym` (`[o, len]`)
/// at grid positions shifted by `margin`, zero everywhere else.
fn spread(dy: &[f32], g: &Geometry, grid: &Grid, margin: usize, len: usize, dym: &mut [f32]) {
    dym.fill(0.0);
    let ow = g.out_w();
    for (rows, dst) in dy.chunks_exact(g.out_h() * ow).zip(dym.chunks_exact_mut(len)) {
        for (src, row) in rows.chunks_exact(ow).zip(dst[margin..].chunks_mut(grid.wp)) {
            copy_run(&mut row[..ow], src);
        }
    }
}

/// `[n, o, oh * ow]` from `x` (`[n, c, h, w]`) and `weight` (`[o, c, kh, kw]`).
pub(super) fn forward(x: &[f32], weight: &[f32], g: &Geometry) -> Vec<f32> {
    let (grid, (o, c, p, ow)) = (Grid::new(g), (g.o, g.c, g.p(), g.out_w()));
    let (per_sample, kk) = (c * g.h * g.w, g.kh * g.kw);
    let rows = grid.q.next_multiple_of(ROWS_MULTIPLE);
    let mut out = vec![0f32; g.n * o * p];
    out.par_chunks_mut(o * p).enumerate().for_each_init(
        || (vec![0f32; c * grid.plane + rows - grid.q], vec![0f32; rows * o]),
        |(xp, on_grid), (s, y)| {
            pad(&x[s * per_sample..][..per_sample], g, &grid, xp);
            // on_grid (rows x o, by columns) += xp shifted (rows x c) x W_tap^T (c x o)
            for (t, (tap, offset)) in grid.taps(g).enumerate() {
                let lhs = Mat::strided(&xp[offset..], rows, c, 1, grid.plane);
                let rhs = Mat::strided(&weight[tap..], c, o, kk, c * kk);
                product(MatMut::col_major(on_grid, rows, o), lhs, rhs, t > 0);
            }
            let oh = g.out_h();
            for (dst, src) in
                y.chunks_exact_mut(ow).zip(on_grid.chunks_exact(rows).flat_map(|col| col.chunks(grid.wp).take(oh)))
            {
                copy_run(dst, &src[..ow]);
            }
        },
    );
    out
}

/// `(dx, dweight)` from the output gradient `dy` (`[n, o, oh * ow]`).
/// Samples go in fixed groups whose weight gradients are added in order,
/// so the sum does not depend on the thread count.
pub(super) fn backward(
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    g: &Geometry,
    want_dx: bool,
    want_dw: bool,
) -> (Vec<f32>, Vec<f32>) {
    let (grid, (o, c, p, kk)) = (Grid::new(g), (g.o, g.c, g.p(), g.kh * g.kw));
    let per_sample = c * g.h * g.w;
    // The output gradient sits `reach` into each row of `dym`, so every
    // tap's shifted view of it starts inside the buffer; the rows added
    // for gemm may read `ROWS_MULTIPLE` past its end.
    let len = grid.reach + grid.plane + ROWS_MULTIPLE;
    // The input gradient on the grid, from the first input position to
    // the last, and then to a multiple of `ROWS_MULTIPLE`.
    let first = g.padding[0] * grid.wp + g.padding[2];
    let rows = ((g.h - 1) * grid.wp + g.w).next_multiple_of(ROWS_MULTIPLE);
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
                    on_grid.resize(rows * c, 0.0);
                    // on_grid (rows x c, by columns) += dym shifted back (rows x o) x W_tap (o x c)
                    for (t, (tap, offset)) in grid.taps(g).enumerate() {
                        let lhs = Mat::strided(&dym[grid.reach - offset + first..], rows, o, 1, len);
                        let rhs = Mat::strided(&weight[tap..], o, c, c * kk, kk);
                        product(MatMut::col_major(&mut on_grid, rows, c), lhs, rhs, t > 0);
                    }
                    let dxs = &mut dx_group[(s - group * SAMPLES_PER_GROUP) * per_sample..][..per_sample];
                    for (dst, src) in dxs
                        .chunks_exact_mut(g.w)
                        .zip(on_grid.chunks_exact(rows).flat_map(|col| col.chunks(grid.wp).take(g.h)))
                    {
                        copy_run(dst, &src[..g.w]);
                    }
                }
                if want_dw {
                    xp.resize(c * grid.plane, 0.0);
                    pad(&x[s * per_sample..][..per_sample], g, &grid, &mut xp);
                    // dW_tap (o x c) += dym (o x q) x xp shifted^T (q x c)
                    for (tap, offset) in grid.taps(g) {
                        let lhs = Mat::strided(&dym[grid.reach..], o, grid.q, len, 1);
                        let rhs = Mat::strided(&xp[offset..], grid.q, c, 1, grid.plane);
                        product(MatMut::strided(&mut dw[tap..], o, c, c * kk, kk), lhs, rhs, true);
                    }
                }
            }
            dw
        })
        .collect();
    (dx, add_in_order(&partials, if want_dw { o * c * kk } else { 0 }))
}
