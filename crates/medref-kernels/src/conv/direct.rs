//! Stride-1 convolution with each output block held in AVX-512 registers
//! from the first multiply-add to the store, where the bias, a ReLU and a
//! 2x2 max-pool are applied on the way out.
//!
//! The shifted GEMMs (`shifted`) run one product per kernel tap, each as
//! deep as the channel count: for a 3x3, 32-channel layer that is nine
//! products of depth 32, each reading and writing the whole output block
//! again, plus gemm's packing of the weight at every call. Here a block of
//! `NV x 16` grid positions by `OB` output channels stays in registers
//! while all `c x kh x kw` taps are added (depth 288 for that layer), so
//! the output is written once, already biased, clipped and, for a
//! conv-ReLU-pool block, pooled. Each step of the inner loop loads `NV`
//! vectors of the padded input and broadcasts `OB` weights for `NV x OB`
//! multiply-adds. The positions are those of `shifted`'s padded grid
//! (`q = y * wp + x`, the last `wp - ow` of each row thrown away), so a
//! tap is a fixed offset into the padded sample; any channel count works,
//! the image stem's one channel included, with no unfolding.
//!
//! Taken where the CPU has AVX-512 (checked at run time), for the forward
//! pass only; the backward stays on `shifted` and the unfolded GEMMs.
//! Samples run in parallel; when there are fewer samples than threads
//! (batch 1 at inference), each sample's output channels are split into
//! tasks too.

use super::Geometry;
use rayon::prelude::*;

/// Grid positions per vector: one AVX-512 register of f32.
const LANES: usize = 16;
/// Vectors of grid positions per block.
const NV: usize = 2;
/// Output channels per block: `NV * OB` accumulators, `NV` input vectors
/// and one broadcast weight fit the 32 vector registers.
const OB: usize = 8;

/// What is applied to the convolution's output as it is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Epilogue<'a> {
    /// Added per output channel (`[o]`).
    pub bias: Option<&'a [f32]>,
    /// Clip at zero (NaN stays NaN, as in burn's `relu`).
    pub relu: bool,
    /// 2x2, stride-2 max-pool of the result (an odd last row or column
    /// dropped, as burn's and PyTorch's pools do).
    pub pool: bool,
}

impl Epilogue<'_> {
    pub(crate) const NONE: Epilogue<'static> = Epilogue { bias: None, relu: false, pool: false };

    /// The stored output's height and width for a convolution output of
    /// `oh x ow`.
    pub(crate) fn out_size(&self, oh: usize, ow: usize) -> (usize, usize) {
        if self.pool {
            (oh / 2, ow / 2)
        } else {
            (oh, ow)
        }
    }
}

/// Whether this CPU and geometry take the direct kernel.
pub(super) fn applies(g: &Geometry) -> bool {
    g.stride == [1, 1] && g.p() > 0 && g.c > 0 && g.o > 0 && avx512()
}

fn avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *HAS.get_or_init(|| std::arch::is_x86_feature_detected!("avx512f"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The padded grid, as in `shifted`, with the position count rounded up
/// to whole blocks.
struct Grid {
    wp: usize,
    plane: usize,
    /// Grid positions computed per channel: whole blocks of `NV * LANES`.
    q: usize,
    /// Each tap's offset on the grid, in the weight's `kh x kw` order.
    offsets: Vec<usize>,
    /// Values of one padded sample buffer: every block's reads fit.
    len: usize,
}

impl Grid {
    fn new(g: &Geometry) -> Self {
        let wp = g.w + g.padding[2] + g.padding[3];
        let plane = (g.h + g.padding[0] + g.padding[1]) * wp;
        let q = ((g.out_h() - 1) * wp + g.out_w()).next_multiple_of(NV * LANES);
        let offsets: Vec<usize> =
            (0..g.kh).flat_map(|ky| (0..g.kw).map(move |kx| ky * g.dilation[0] * wp + kx * g.dilation[1])).collect();
        let reach = offsets.iter().copied().max().unwrap_or(0);
        Self { wp, plane, q, offsets, len: g.c * plane + q + reach }
    }
}

/// The weight (`[o, c, kh, kw]`) as `[o / OB][c][kh * kw][OB]`, the
/// channels past `o` zero; and the bias padded the same way.
fn pack(weight: &[f32], bias: Option<&[f32]>, g: &Geometry) -> (Vec<f32>, Vec<f32>) {
    let (kk, blocks) = (g.kh * g.kw, g.o.div_ceil(OB));
    let mut packed = vec![0f32; blocks * g.c * kk * OB];
    for (o, filter) in weight.chunks_exact(g.c * kk).enumerate() {
        let block = &mut packed[(o / OB) * g.c * kk * OB..][..g.c * kk * OB];
        for (i, &v) in filter.iter().enumerate() {
            block[i * OB + o % OB] = v;
        }
    }
    let mut b = vec![0f32; blocks * OB];
    if let Some(bias) = bias {
        b[..g.o].copy_from_slice(bias);
    }
    (packed, b)
}

/// Sample `x` (`[c, h, w]`) into `xp` (`[c, plane]` and slack), zero
/// around it.
fn pad(x: &[f32], g: &Geometry, grid: &Grid, xp: &mut [f32]) {
    xp.fill(0.0);
    let first = g.padding[0] * grid.wp + g.padding[2];
    for (src, dst) in x
        .chunks_exact(g.w)
        .zip(xp[..g.c * grid.plane].chunks_exact_mut(grid.plane).flat_map(|p| p[first..].chunks_mut(grid.wp).take(g.h)))
    {
        super::copy_run(&mut dst[..g.w], src);
    }
}

/// `[n, o, oh', ow']`: the convolution of `x` (`[n, c, h, w]`) with
/// `weight` (`[o, c, kh, kw]`), then `epilogue`; `(oh', ow')` is
/// `epilogue.out_size(oh, ow)`. Only where [`applies`] holds.
pub(super) fn forward(x: &[f32], weight: &[f32], g: &Geometry, epilogue: Epilogue) -> Vec<f32> {
    assert!(applies(g), "direct convolution: needs stride 1 and AVX-512");
    let grid = Grid::new(g);
    let (packed, bias) = pack(weight, epilogue.bias, g);
    let (oh, ow) = epilogue.out_size(g.out_h(), g.out_w());
    let (per_o, per_sample, kk) = (oh * ow, g.c * g.h * g.w, g.kh * g.kw);
    let blocks = g.o.div_ceil(OB);
    // Tasks per sample: one, unless the batch is too small to keep every
    // thread busy.
    let threads = rayon::current_num_threads();
    let splits = if g.n >= threads { 1 } else { threads.div_ceil(g.n).min(blocks) };
    let blocks_per_task = blocks.div_ceil(splits);
    let channels_per_task = (blocks_per_task * OB).min(g.o);
    let mut out = vec![0f32; g.n * g.o * per_o];
    if per_o == 0 {
        return out;
    }
    out.par_chunks_mut(g.o * per_o)
        .enumerate()
        .flat_map(|(s, y)| y.par_chunks_mut(channels_per_task * per_o).enumerate().map(move |(t, part)| (s, t, part)))
        .for_each_init(
            || (vec![0f32; grid.len], vec![0f32; OB * grid.q]),
            |(xp, on_grid), (s, t, part)| {
                pad(&x[s * per_sample..][..per_sample], g, &grid, xp);
                for (i, dst) in part.chunks_mut(OB * per_o).enumerate() {
                    let block = t * blocks_per_task + i;
                    let w = &packed[block * g.c * kk * OB..][..g.c * kk * OB];
                    let b = &bias[block * OB..][..OB];
                    for q in (0..grid.q).step_by(NV * LANES) {
                        // SAFETY: `applies` checked AVX-512; the reads of
                        // the block at `q` end before `c * plane + q +
                        // reach <= grid.len`, the weights are `c * kk * OB`
                        // values, the writes `OB` rows of `grid.q` values.
                        #[cfg(target_arch = "x86_64")]
                        unsafe {
                            block_avx512(
                                xp[q..].as_ptr(),
                                grid.plane,
                                g.c,
                                &grid.offsets,
                                w.as_ptr(),
                                b.as_ptr(),
                                epilogue.relu,
                                on_grid[q..].as_mut_ptr(),
                                grid.q,
                            );
                        }
                    }
                    store(on_grid, dst, g, &grid, epilogue.pool, (oh, ow));
                }
            },
        );
    out
}

/// The block's channels (`dst`: up to `OB` planes of `oh' x ow'`) from the
/// grid rows, pooled 2x2 if `pool`.
fn store(on_grid: &[f32], dst: &mut [f32], g: &Geometry, grid: &Grid, pool: bool, (oh, ow): (usize, usize)) {
    let wp = grid.wp;
    for (plane, row) in dst.chunks_exact_mut(oh * ow).zip(on_grid.chunks_exact(grid.q)) {
        if !pool {
            for (y, out) in plane.chunks_exact_mut(ow).enumerate() {
                super::copy_run(out, &row[y * wp..][..ow]);
            }
            continue;
        }
        for (i, out) in plane.chunks_exact_mut(ow).enumerate() {
            let (r0, r1) = (&row[2 * i * wp..][..2 * ow], &row[(2 * i + 1) * wp..][..2 * ow]);
            for ((v, a), b) in out.iter_mut().zip(r0.chunks_exact(2)).zip(r1.chunks_exact(2)) {
                *v = max(max(a[0], a[1]), max(b[0], b[1]));
            }
        }
    }
    debug_assert!(g.out_h() >= 2 * oh || !pool);
}

/// The larger of two values, NaN winning (as medref's and PyTorch's pools).
#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    if b > a || b.is_nan() {
        b
    } else {
        a
    }
}

/// One block: `NV x 16` grid positions from `x` (the padded sample at the
/// block's first position) by `OB` channels, from `bias` plus every
/// channel and tap, clipped if `relu`, into `out` (`OB` rows, `ld` apart).
///
/// # Safety
/// AVX-512F must be available; `x` must be readable up to (not
/// including) `ch * plane + off + NV * 16` for every channel `ch < c` and
/// every offset, `w` for `c * offsets.len() * OB` values, `bias` for `OB`,
/// and `out` writable for `(OB - 1) * ld + NV * 16` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn block_avx512(
    x: *const f32,
    plane: usize,
    c: usize,
    offsets: &[usize],
    w: *const f32,
    bias: *const f32,
    relu: bool,
    out: *mut f32,
    ld: usize,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); NV]; OB];
    for (o, row) in acc.iter_mut().enumerate() {
        // SAFETY: `bias` holds `OB` values.
        let b = _mm512_set1_ps(unsafe { *bias.add(o) });
        *row = [b; NV];
    }
    let mut wk = w;
    for ch in 0..c {
        // SAFETY (this loop): the reads stay inside the ranges the
        // caller promised.
        let xc = unsafe { x.add(ch * plane) };
        for &off in offsets {
            let mut xv = [_mm512_setzero_ps(); NV];
            for (v, xv) in xv.iter_mut().enumerate() {
                *xv = unsafe { _mm512_loadu_ps(xc.add(off + v * LANES)) };
            }
            for row in acc.iter_mut() {
                let wb = _mm512_set1_ps(unsafe { *wk });
                wk = unsafe { wk.add(1) };
                for (a, &xv) in row.iter_mut().zip(&xv) {
                    *a = _mm512_fmadd_ps(xv, wb, *a);
                }
            }
        }
    }
    let zero = _mm512_setzero_ps();
    for (o, row) in acc.iter().enumerate() {
        for (v, &a) in row.iter().enumerate() {
            // max(0, a) returns `a` when it is NaN.
            let a = if relu { _mm512_max_ps(zero, a) } else { a };
            // SAFETY: inside the `OB` rows the caller promised.
            unsafe { _mm512_storeu_ps(out.add(o * ld + v * LANES), a) };
        }
    }
}

/// The input gradient of a stride-1 convolution (`[n, c, h, w]`) from the
/// output gradient `dy` (`[n, o, oh, ow]`), as a convolution of `dy` by the
/// kernel turned half a turn with its channel axes swapped, padded so the
/// result has the input's size; by the direct kernel where it applies to
/// that convolution (`None` elsewhere: the GEMM paths do it), in place of
/// one shifted GEMM of depth `o` per tap.
pub(super) fn input_gradient(dy: &[f32], weight: &[f32], g: &Geometry) -> Option<Vec<f32>> {
    let reach = [g.dilation[0] * (g.kh - 1), g.dilation[1] * (g.kw - 1)];
    let [top, bottom, left, right] = g.padding;
    if g.stride != [1, 1] || top.max(bottom) > reach[0] || left.max(right) > reach[1] {
        return None;
    }
    let t = Geometry {
        n: g.n,
        c: g.o,
        h: g.out_h(),
        w: g.out_w(),
        o: g.c,
        padding: [reach[0] - top, reach[0] - bottom, reach[1] - left, reach[1] - right],
        ..*g
    };
    if !applies(&t) || (t.out_h(), t.out_w()) != (g.h, g.w) {
        return None;
    }
    // flipped[c][o][ky][kx] = weight[o][c][kh - 1 - ky][kw - 1 - kx]
    let kk = g.kh * g.kw;
    let mut flipped = vec![0f32; weight.len()];
    for (o, filters) in weight.chunks_exact(g.c * kk).enumerate() {
        for (c, taps) in filters.chunks_exact(kk).enumerate() {
            for (i, &v) in taps.iter().enumerate() {
                flipped[(c * g.o + o) * kk + kk - 1 - i] = v;
            }
        }
    }
    Some(forward(dy, &flipped, &t, Epilogue::NONE))
}

/// The epilogue over a finished convolution output `y` (`[n, o, oh,
/// ow]`), for CPUs and geometries the direct kernel does not take.
pub(super) fn apply(mut y: Vec<f32>, g: &Geometry, epilogue: Epilogue) -> Vec<f32> {
    let (oh, ow) = (g.out_h(), g.out_w());
    let (ph, pw) = epilogue.out_size(oh, ow);
    let plane = oh * ow;
    if plane == 0 {
        return vec![0f32; g.n * g.o * ph * pw];
    }
    y.par_chunks_mut(plane).enumerate().for_each(|(i, p)| {
        let b = epilogue.bias.map_or(0.0, |b| b[i % g.o]);
        for v in p.iter_mut() {
            *v += b;
            if epilogue.relu && *v < 0.0 {
                *v = 0.0;
            }
        }
    });
    if !epilogue.pool {
        return y;
    }
    let mut out = vec![0f32; g.n * g.o * ph * pw];
    out.par_chunks_mut((ph * pw).max(1)).zip(y.par_chunks(plane)).for_each(|(dst, src)| {
        for (i, row) in dst.chunks_exact_mut(pw).enumerate() {
            let (r0, r1) = (&src[2 * i * ow..][..2 * pw], &src[(2 * i + 1) * ow..][..2 * pw]);
            for ((v, a), b) in row.iter_mut().zip(r0.chunks_exact(2)).zip(r1.chunks_exact(2)) {
                *v = max(max(a[0], a[1]), max(b[0], b[1]));
            }
        }
    });
    out
}
