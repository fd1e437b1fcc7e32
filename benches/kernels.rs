//! medref's CPU kernels against the burn operations they replace, forward
//! and backward, in the shapes the models use: convolutions (the peer
//! comparison's second cnn2d layer, 3x3 32 -> 64 on 14x14; the ResNet's
//! first block, 3x3 16 -> 16 on 28x28, and its first stride-2 layer,
//! 16 -> 32; the DNA CNN's first, k = 19 4 -> 64 on 200), max-pools (the DNA CNN's pool of 4
//! on `[128, 64, 200]`, the signal CNN's pool of 2, the image pool 2x2 on
//! `[128, 32, 28, 28]`), batch norm on the ResNet stem's output
//! (`[64, 16, 28, 28]`) and the MLP's fused dense + bias + ReLU at
//! inference (1024 x 128 -> 256) and in training (a batch of 256).
//!
//! `cargo bench -p medref-benches --bench kernels` (figures: PERFORMANCE.md)

use burn::nn::conv::{Conv1dConfig, Conv2dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig, MaxPool2dConfig};
use burn::nn::{BatchNormConfig, LinearConfig, PaddingConfig1d, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::Distribution;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

/// Forward on the plain device and forward + backward (input and weight
/// gradients) on the autodiff one, for medref's kernel and burn's op.
fn forward_backward<const D: usize>(
    c: &mut Criterion,
    name: &str,
    x: Tensor<D>,
    ours: &dyn Fn(Tensor<D>) -> Tensor<D>,
    theirs: &dyn Fn(Tensor<D>) -> Tensor<D>,
) {
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.dims()[0] as u64));
    for (who, f) in [("medref", ours), ("burn", theirs)] {
        let plain = x.clone().inner();
        g.bench_function(format!("{who}_forward"), |b| b.iter(|| black_box(f(plain.clone()).into_data())));
        g.bench_function(format!("{who}_forward_backward"), |b| {
            b.iter(|| {
                let grads = f(x.clone()).sum().backward();
                black_box(x.grad(&grads).unwrap().into_data())
            })
        });
    }
    g.finish();
}

fn convolutions(c: &mut Criterion) {
    let device = Device::flex().autodiff();
    device.seed(0);
    let conv = Conv2dConfig::new([32, 64], [3, 3]).with_padding(PaddingConfig2d::Same).init(&device);
    let x = Tensor::<4>::random([128, 32, 14, 14], Distribution::Normal(0.0, 1.0), &device).require_grad();
    let valid = conv.valid();
    let pick = |x: &Tensor<4>| if x.device() == Device::flex() { valid.clone() } else { conv.clone() };
    forward_backward(c, "conv2d_3x3_128x32x14x14_to_64", x, &|x| medref_kernels::conv2d(&pick(&x), x), &|x| {
        pick(&x).forward(x)
    });

    for (name, c_out, stride) in
        [("conv2d_3x3_64x16x28x28_to_16", 16, 1), ("conv2d_3x3_stride2_64x16x28x28_to_32", 32, 2)]
    {
        let conv = Conv2dConfig::new([16, c_out], [3, 3])
            .with_stride([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .with_bias(false)
            .init(&device);
        let x = Tensor::<4>::random([64, 16, 28, 28], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let valid = conv.valid();
        let pick = |x: &Tensor<4>| if x.device() == Device::flex() { valid.clone() } else { conv.clone() };
        forward_backward(c, name, x, &|x| medref_kernels::conv2d(&pick(&x), x), &|x| pick(&x).forward(x));
    }

    let conv = Conv1dConfig::new(4, 64, 19).with_padding(PaddingConfig1d::Same).init(&device);
    let x = Tensor::<3>::random([128, 4, 200], Distribution::Normal(0.0, 1.0), &device).require_grad();
    let valid = conv.valid();
    let pick = |x: &Tensor<3>| if x.device() == Device::flex() { valid.clone() } else { conv.clone() };
    forward_backward(c, "conv1d_k19_128x4x200_to_64", x, &|x| medref_kernels::conv1d(&pick(&x), x), &|x| {
        pick(&x).forward(x)
    });
}

fn batch_norm(c: &mut Criterion) {
    let device = Device::flex().autodiff();
    device.seed(0);
    let norm = BatchNormConfig::new(16).init(&device);
    let x = Tensor::<4>::random([64, 16, 28, 28], Distribution::Normal(1.0, 2.0), &device).require_grad();
    let valid = norm.valid();
    let pick = |x: &Tensor<4>| if x.device() == Device::flex() { valid.clone() } else { norm.clone() };
    forward_backward(c, "batch_norm_64x16x28x28", x, &|x| medref_kernels::batch_norm(&pick(&x), x), &|x| {
        pick(&x).forward(x)
    });
}

fn dense(c: &mut Criterion) {
    let device = Device::flex();
    device.seed(0);
    let linear = LinearConfig::new(128, 256).init(&device);
    let x = Tensor::<2>::random([1024, 128], Distribution::Normal(0.0, 1.0), &device);
    let mut g = c.benchmark_group("dense_relu_1024x128_to_256_inference");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1024));
    g.bench_function("medref_fused", |b| {
        b.iter(|| black_box(medref_kernels::dense(&linear, x.clone(), true).into_data()))
    });
    g.bench_function("burn_linear_relu", |b| b.iter(|| black_box(relu(linear.forward(x.clone())).into_data())));
    g.finish();

    let device = device.autodiff();
    let linear = LinearConfig::new(128, 256).init(&device);
    let x = Tensor::<2>::random([256, 128], Distribution::Normal(0.0, 1.0), &device).require_grad();
    let valid = linear.valid();
    let pick = |x: &Tensor<2>| if x.device() == Device::flex() { valid.clone() } else { linear.clone() };
    let ours = |x: Tensor<2>| medref_kernels::dense(&pick(&x), x, true);
    forward_backward(c, "dense_relu_256x128_to_256_training", x, &ours, &|x| relu(pick(&x).forward(x)));
}

fn pools(c: &mut Criterion) {
    let device = Device::flex().autodiff();
    device.seed(0);
    for (dims, k) in [([128, 64, 200], 4), ([64, 32, 128], 2)] {
        let x = Tensor::<3>::random(dims, Distribution::Normal(0.0, 1.0), &device).require_grad();
        let burn_pool: MaxPool1d = MaxPool1dConfig::new(k).init();
        let name = format!("max_pool1d_k{k}_{}x{}x{}", dims[0], dims[1], dims[2]);
        let ours = |x: Tensor<3>| medref_kernels::max_pool1d(x, k, |_| unreachable!("flex runs the kernel"));
        forward_backward(c, &name, x, &ours, &|x| burn_pool.forward(x));
    }
    let x = Tensor::<4>::random([128, 32, 28, 28], Distribution::Normal(0.0, 1.0), &device).require_grad();
    let burn_pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
    let ours = |x: Tensor<4>| medref_kernels::max_pool2d_2x2(x, |_| unreachable!("flex runs the kernel"));
    forward_backward(c, "max_pool_2x2_128x32x28x28", x, &ours, &|x| burn_pool.forward(x));
}

fn benches(c: &mut Criterion) {
    // As the CLI does at start-up; both sides gain from it.
    medref_kernels::memory::reuse_freed_memory();
    convolutions(c);
    batch_norm(c);
    dense(c);
    pools(c);
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
