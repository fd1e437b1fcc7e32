//! medref's CPU kernels against the burn operations they replace, forward
//! and backward, in the shapes the models use: the DNA CNN's pool of 4 on
//! `[128, 64, 200]`, the signal CNN's pool of 2, and the image pool 2x2 on
//! `[128, 32, 28, 28]` (the peer comparison's cnn2d).
//!
//! `cargo bench -p medref-benches --bench kernels` (figures: PERFORMANCE.md)

use burn::nn::pool::{MaxPool1d, MaxPool1dConfig, MaxPool2dConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn pool1d(c: &mut Criterion, name: &str, dims: [usize; 3], k: usize) {
    let device = Device::flex().autodiff();
    device.seed(0);
    let x = Tensor::<3>::random(dims, Distribution::Normal(0.0, 1.0), &device).require_grad();
    let burn_pool: MaxPool1d = MaxPool1dConfig::new(k).init();
    let mut g = c.benchmark_group(name);
    g.sample_size(20);
    g.throughput(Throughput::Elements(dims.iter().product::<usize>() as u64));
    let ours = |x: Tensor<3>| medref_kernels::max_pool1d(x, k, |_| unreachable!("flex runs the kernel"));
    let theirs = |x: Tensor<3>| burn_pool.forward(x);
    for (who, f) in [("medref", &ours as &dyn Fn(Tensor<3>) -> Tensor<3>), ("burn", &theirs)] {
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

fn pool2d(c: &mut Criterion) {
    let dims = [128, 32, 28, 28];
    let device = Device::flex().autodiff();
    device.seed(0);
    let x = Tensor::<4>::random(dims, Distribution::Normal(0.0, 1.0), &device).require_grad();
    let burn_pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
    let mut g = c.benchmark_group("max_pool_2x2_128x32x28x28");
    g.sample_size(20);
    g.throughput(Throughput::Elements(dims.iter().product::<usize>() as u64));
    let ours = |x: Tensor<4>| medref_kernels::max_pool2d_2x2(x, |_| unreachable!("flex runs the kernel"));
    let theirs = |x: Tensor<4>| burn_pool.forward(x);
    for (who, f) in [("medref", &ours as &dyn Fn(Tensor<4>) -> Tensor<4>), ("burn", &theirs)] {
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

fn benches(c: &mut Criterion) {
    pool1d(c, "max_pool1d_k4_128x64x200", [128, 64, 200], 4);
    pool1d(c, "max_pool1d_k2_64x32x128", [64, 32, 128], 2);
    pool2d(c);
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
