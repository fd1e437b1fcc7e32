//! Our convolutions against burn's on random inputs, for every kind of
//! layer the models build: outputs and the gradients of input, weight and
//! bias within 1e-4 (relative to the larger of 1 and the value).

use super::*;
use crate::flex::{assert_close, assert_layer_matches};
use burn::nn::conv::{Conv1dConfig, Conv2dConfig};
use burn::tensor::Distribution;

#[test]
fn conv2d_matches_burn_for_the_resnet_and_cnn_layers() {
    // (c_in, c_out, kernel, stride, padding, bias, h, w)
    let cases = [
        (1, 8, 3, 1, PaddingConfig2d::Explicit(1, 1, 1, 1), false, 28, 28),
        (8, 16, 3, 2, PaddingConfig2d::Explicit(1, 1, 1, 1), false, 14, 14),
        (16, 32, 3, 2, PaddingConfig2d::Explicit(1, 1, 1, 1), false, 7, 7),
        (8, 16, 1, 2, PaddingConfig2d::Explicit(0, 0, 0, 0), false, 14, 14),
        (3, 4, 3, 1, PaddingConfig2d::Same, true, 9, 6),
        (2, 3, 2, 1, PaddingConfig2d::Same, true, 5, 5),
        (2, 3, 3, 1, PaddingConfig2d::Valid, true, 6, 7),
        // Stride 1 and 8 or more input channels: the shifted GEMMs, with
        // odd sizes and uneven padding; then strides 2 and 3, which unfold.
        (16, 16, 3, 1, PaddingConfig2d::Explicit(1, 1, 1, 1), false, 7, 9),
        (8, 5, 3, 1, PaddingConfig2d::Explicit(0, 2, 1, 0), true, 6, 5),
        (8, 4, 2, 1, PaddingConfig2d::Same, true, 5, 4),
        (12, 6, 1, 1, PaddingConfig2d::Valid, true, 4, 3),
        (8, 3, 3, 1, PaddingConfig2d::Valid, true, 3, 3),
        (8, 4, 3, 2, PaddingConfig2d::Explicit(0, 1, 2, 0), true, 7, 6),
        (9, 3, 3, 3, PaddingConfig2d::Explicit(1, 1, 1, 1), true, 8, 10),
    ];
    for (i, (c_in, c_out, k, s, padding, bias, h, w)) in cases.into_iter().enumerate() {
        let device = Device::flex().autodiff();
        device.seed(i as u64);
        let conv = Conv2dConfig::new([c_in, c_out], [k, k])
            .with_stride([s, s])
            .with_padding(padding)
            .with_bias(bias)
            .init(&device);
        let x = Tensor::<4>::random([3, c_in, h, w], Distribution::Normal(0.0, 1.0), &device).require_grad();
        assert_conv2d_matches_burn(&conv, x, &format!("case {i}"));
    }
}

/// The imaging baseline's layers at their real size
/// (`configs/imaging/pneumoniamnist.toml`: width 16, three stages on 28x28)
/// with a batch of 19, so the weight gradient is summed over three groups
/// of `SAMPLES_PER_GROUP` samples as in training; and a stride-2 layer
/// whose unfolded input is over the cap, so the backward unfolds again.
#[test]
fn conv2d_matches_burn_at_real_sizes_over_several_sample_groups_and_past_the_unfolding_cap() {
    let pad = || PaddingConfig2d::Explicit(1, 1, 1, 1);
    // (c_in, c_out, kernel, stride, batch, h, w)
    let cases: [(usize, usize, usize, usize, usize, usize, usize); 6] = [
        (1, 16, 3, 1, 19, 28, 28),
        (16, 16, 3, 1, 19, 28, 28),
        (16, 32, 3, 2, 19, 28, 28),
        (32, 64, 3, 2, 19, 14, 14),
        (64, 64, 3, 1, 19, 7, 7),
        (48, 8, 3, 2, 26, 80, 80),
    ];
    assert!(cases.iter().all(|c| c.4 > SAMPLES_PER_GROUP));
    let (c_in, _, k, _, n, h, w) = cases[5];
    let (oh, ow) = (h.div_ceil(2), w.div_ceil(2));
    assert!(n * c_in * k * k * oh * ow > KEEP_UNFOLDED_UP_TO, "the last case must be over the cap");
    for (i, (c_in, c_out, k, s, n, h, w)) in cases.into_iter().enumerate() {
        let device = Device::flex().autodiff();
        device.seed(100 + i as u64);
        let conv = Conv2dConfig::new([c_in, c_out], [k, k]).with_stride([s, s]).with_padding(pad()).init(&device);
        let x = Tensor::<4>::random([n, c_in, h, w], Distribution::Normal(0.0, 1.0), &device).require_grad();
        assert_conv2d_matches_burn(&conv, x, &format!("real-size case {i}"));
    }
}

/// Our forward, input, weight and bias gradients, and inference against
/// burn's `Conv2d` for `conv` on `x`.
fn assert_conv2d_matches_burn(conv: &Conv2d, x: Tensor<4>, what: &str) {
    let ours = crate::flex::ours(what, || conv2d(conv, x.clone()));
    let theirs = conv.forward(x.clone());
    assert_layer_matches(ours, theirs, &x, &conv.weight, conv.bias.as_ref(), what);
    let plain = x.inner();
    let inferred = crate::flex::ours(what, || conv2d(&conv.valid(), plain.clone()));
    assert_close(inferred, conv.valid().forward(plain), &format!("{what}: inference"));
}

#[test]
fn conv2d_with_uneven_stride_and_dilation_matches_burn() {
    // Unfolded (3 channels, stride 2 down) and shifted (8 channels, stride 1).
    for (i, c_in) in [3, 8].into_iter().enumerate() {
        let device = Device::flex().autodiff();
        device.seed(40 + i as u64);
        let conv = Conv2dConfig::new([c_in, 5], [3, 2])
            .with_stride([2 - i, 1])
            .with_dilation([1, 2])
            .with_padding(PaddingConfig2d::Explicit(1, 2, 0, 1))
            .with_bias(false)
            .init(&device);
        let x = Tensor::<4>::random([2, c_in, 9, 8], Distribution::Normal(0.0, 1.0), &device).require_grad();
        assert_conv2d_matches_burn(&conv, x, &format!("{c_in} channels"));
    }
}

#[test]
fn conv1d_matches_burn_for_the_dna_signal_and_tcn_layers() {
    // (c_in, c_out, kernel, dilation, padding, len): DNA (Same, odd and
    // even kernels), signal, TCN (dilated, causal and centred), pointwise.
    let cases = [
        (4, 16, 9, 1, PaddingConfig1d::Same, 60),
        (16, 16, 4, 1, PaddingConfig1d::Same, 15),
        (6, 8, 5, 1, PaddingConfig1d::Same, 100),
        (8, 8, 3, 4, PaddingConfig1d::Explicit(8, 0), 37),
        (8, 8, 3, 2, PaddingConfig1d::Explicit(2, 2), 37),
        (8, 3, 1, 1, PaddingConfig1d::Valid, 37),
        (3, 4, 3, 1, PaddingConfig1d::Same, 1),
    ];
    for (i, (c_in, c_out, k, d, padding, len)) in cases.into_iter().enumerate() {
        let device = Device::flex().autodiff();
        device.seed(10 + i as u64);
        let conv = Conv1dConfig::new(c_in, c_out, k).with_dilation(d).with_padding(padding).init(&device);
        let x = Tensor::<3>::random([2, c_in, len], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let ours = crate::flex::ours("conv1d", || conv1d(&conv, x.clone()));
        let theirs = conv.forward(x.clone());
        let bias = Some(conv.bias.as_ref().expect("conv1d layers have a bias"));
        assert_layer_matches(ours, theirs, &x, &conv.weight, bias, &format!("case {i}"));
    }
}

#[test]
fn unfolding_and_folding_are_adjoint() {
    // <im2col(x), c> == <x, col2im(c)> for any x and c: the input gradient
    // is exactly the transpose of the forward unfolding.
    let g = Geometry {
        n: 1,
        c: 2,
        h: 5,
        w: 4,
        o: 1,
        kh: 3,
        kw: 2,
        stride: [2, 1],
        dilation: [1, 2],
        padding: [1, 0, 2, 1],
    };
    let x: Vec<f32> = (0..g.c * g.h * g.w).map(|i| ((i * 7) % 11) as f32 - 5.0).collect();
    let c: Vec<f32> = (0..g.k() * g.p()).map(|i| ((i * 5) % 13) as f32 - 6.0).collect();
    let mut cols = vec![0f32; g.k() * g.p()];
    im2col(&x, &g, &mut cols);
    let mut folded = vec![0f32; x.len()];
    col2im(&c, &g, &mut folded);
    let lhs: f32 = cols.iter().zip(&c).map(|(a, b)| a * b).sum();
    let rhs: f32 = x.iter().zip(&folded).map(|(a, b)| a * b).sum();
    assert_eq!(lhs, rhs);
}

#[test]
fn the_backward_gives_the_same_gradients_with_or_without_the_kept_unfolding() {
    // What a layer over the cap does (unfold again) against what one under it does.
    let g = Geometry::new(&[3, 4, 9, 8], &[5, 4, 3, 3], [2, 1], [1, 1], [1, 1, 1, 1]);
    let values = |n: usize, seed: f32| wave(n, 0.37, seed);
    let (x, w) = (values(3 * 4 * 9 * 8, 0.1), values(5 * 4 * 9, 0.7));
    let (out, unfolded) = forward(&x, &w, &g, true);
    assert_eq!(forward(&x, &w, &g, false).0, out);
    let dy = values(out.len(), 1.3);
    let kept = backward(&x, unfolded.as_deref(), &w, &dy, &g, true, true);
    let again = backward(&x, None, &w, &dy, &g, true, true);
    assert!(unfolded.is_some());
    assert_eq!(kept, again);
}

#[test]
fn the_weight_gradient_is_bit_identical_whatever_the_thread_count() {
    // Same config, seed and device, same metrics: the sum over samples
    // must not depend on how rayon shares them out.
    // Three channels unfold; eight take the shifted GEMMs.
    for c in [3, 8] {
        let g = Geometry::new(&[37, c, 6, 6], &[4, c, 3, 3], [1, 1], [1, 1], [1, 1, 1, 1]);
        assert_eq!(shifted::applies(&g), c == 8);
        let values = |n: usize, seed: f32| wave(n, 0.61, seed).into_iter().map(|v| v * 1e3).collect::<Vec<f32>>();
        let (x, w) = (values(37 * c * 36, 0.2), values(4 * c * 9, 0.9));
        let dy = values(37 * 4 * 36, 1.7);
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| backward(&x, None, &w, &dy, &g, false, true).1)
        };
        let one = on(1);
        for threads in [2, 3, 5] {
            assert_eq!(on(threads), one, "{c} channels, {threads} threads");
        }
    }
}

/// `n` values of a sine: varied, reproducible, no random stream shared
/// with the other tests.
fn wave(n: usize, step: f32, phase: f32) -> Vec<f32> {
    (0..n).map(|i| (i as f32 * step + phase).sin()).collect()
}

#[test]
fn conv2d_relu_pool_matches_burns_three_operations_at_inference_and_in_training() {
    // (c_in, c_out, kernel, dilation, padding, batch, h, w): the cnn2d
    // shape's two layers at batch 1 (channels split across tasks) and 3,
    // a channel count that is not a multiple of the kernel's block, odd
    // sizes (the pool drops the last row and column), dilation and
    // uneven padding.
    let pad1 = || PaddingConfig2d::Explicit(1, 1, 1, 1);
    let cases = [
        (1, 32, 3, 1, pad1(), 1, 28, 28),
        (32, 64, 3, 1, pad1(), 3, 14, 14),
        (5, 13, 3, 1, PaddingConfig2d::Same, 2, 9, 7),
        (3, 4, 2, 2, PaddingConfig2d::Explicit(0, 2, 1, 0), 2, 8, 11),
        (7, 9, 1, 1, PaddingConfig2d::Valid, 4, 5, 6),
    ];
    for (i, (c_in, c_out, k, d, padding, n, h, w)) in cases.into_iter().enumerate() {
        let device = Device::flex().autodiff();
        device.seed(200 + i as u64);
        let conv = Conv2dConfig::new([c_in, c_out], [k, k]).with_dilation([d, d]).with_padding(padding).init(&device);
        let x = Tensor::<4>::random([n, c_in, h, w], Distribution::Normal(0.0, 1.0), &device);
        let burns = |conv: &Conv2d, x: Tensor<4>, pool: bool| {
            let y = burn::tensor::activation::relu(conv.forward(x));
            if pool {
                burn::nn::pool::MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init().forward(y)
            } else {
                y
            }
        };
        let (valid, plain) = (conv.valid(), x.clone().inner());
        for pool in [true, false] {
            let what = format!("case {i}, pool {pool}");
            let ours = crate::flex::ours(&what, || conv2d_relu_pool(&valid, plain.clone(), pool));
            assert_close(ours, burns(&valid, plain.clone(), pool), &format!("{what}: inference"));
        }
        // Training: the same three operations, ours, with their gradients.
        let x = x.require_grad();
        let ours = conv2d_relu_pool(&conv, x.clone(), true);
        let theirs = burns(&conv, x.clone(), true);
        let bias = Some(conv.bias.as_ref().expect("the layers have a bias"));
        assert_layer_matches(ours, theirs, &x, &conv.weight, bias, &format!("case {i}, training"));
    }
}

#[test]
fn the_direct_kernel_runs_for_stride_one_where_the_cpu_has_avx512() {
    // Where it does not, the tests above compare the other paths.
    let g = Geometry::new(&[1, 32, 14, 14], &[64, 32, 3, 3], [1, 1], [1, 1], [1, 1, 1, 1]);
    #[cfg(target_arch = "x86_64")]
    assert_eq!(direct::applies(&g), std::arch::is_x86_feature_detected!("avx512f"));
    assert!(!direct::applies(&Geometry { stride: [2, 2], ..g }));
}

#[test]
fn the_fused_epilogue_without_the_direct_kernel_equals_the_direct_one() {
    // The fallback (any CPU) against the direct kernel (AVX-512): bias,
    // ReLU and pool on both, odd sizes.
    let g = Geometry::new(&[3, 5, 9, 7], &[11, 5, 3, 3], [1, 1], [1, 1], [1, 1, 1, 1]);
    if !direct::applies(&g) {
        return;
    }
    let (x, w, b) = (wave(3 * 5 * 63, 0.37, 0.1), wave(11 * 5 * 9, 0.53, 0.4), wave(11, 0.9, 0.2));
    for (relu, pool) in [(true, true), (true, false), (false, true)] {
        let e = Epilogue { bias: Some(&b), relu, pool };
        let direct = direct::forward(&x, &w, &g, e);
        let fallback = direct::apply(unfolded_conv(&x, &w, &g), &g, e);
        assert_eq!(direct.len(), fallback.len());
        for (a, f) in direct.iter().zip(&fallback) {
            assert!((a - f).abs() <= 1e-5 * f.abs().max(1.0), "relu {relu}, pool {pool}: {a} vs {f}");
        }
    }
}

/// The convolution as one GEMM over the unfolded input, sample by sample.
fn unfolded_conv(x: &[f32], w: &[f32], g: &Geometry) -> Vec<f32> {
    let (k, p) = (g.k(), g.p());
    let mut out = vec![0f32; g.n * g.o * p];
    let mut cols = vec![0f32; k * p];
    for (s, y) in out.chunks_exact_mut(g.o * p).enumerate() {
        im2col(&x[s * g.c * g.h * g.w..][..g.c * g.h * g.w], g, &mut cols);
        matmul(y, Mat::row_major(w, g.o, k), Mat::row_major(&cols, k, p), false);
    }
    out
}
