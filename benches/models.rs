//! One training step and one inference batch of every reference model in
//! the shape its tiny or real-data config uses (the ResNet's are in
//! `imaging.rs`), on the CPU backend `--device cpu` uses.
//!
//! `cargo bench -p medref-benches --bench models`

use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medref_core::config::{DnaCnnConfig, SignalCnnConfig, TcnConfig};
use medref_models::{DnaCnn, Mlp, SignalCnn, Tcn};
use medref_train::examples::OutputKind;
use medref_train::loss::batch_loss;
use std::hint::black_box;

/// Benchmarks `train_step_batch{B}` and `inference_batch{B}` of a model
/// built by `$new(device)`, fed `$input(batch, device)` and trained
/// towards `$classes`-way one-hot targets (frames flattened for the TCN).
macro_rules! step_benches {
    ($c:expr, $name:literal, $batch:expr, $classes:expr, $new:expr, $input:expr, $logits:expr) => {{
        let plain = Device::flex();
        let device = plain.clone().autodiff();
        device.seed(0);
        let mut g = $c.benchmark_group($name);
        g.sample_size(10);
        g.throughput(Throughput::Elements($batch as u64));
        g.bench_function(format!("train_step_batch{}", $batch), |b| {
            let mut model = $new(&device);
            let mut optim = AdamWConfig::new().init();
            let x = $input($batch, &device);
            b.iter(|| {
                let logits: Tensor<2> = $logits(&model, x.clone());
                let [rows, _] = logits.dims();
                let y = Tensor::<2>::zeros([rows, $classes], &device).slice_fill([0..rows, 0..1], 1.0);
                let loss = batch_loss(logits, y, None, OutputKind::Softmax, $batch);
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optim.step(1e-3, model.clone(), grads);
            })
        });
        let model = $new(&plain).valid();
        let x = $input(4 * $batch, &plain);
        g.throughput(Throughput::Elements(4 * $batch as u64));
        g.bench_function(format!("inference_batch{}", 4 * $batch), |b| {
            b.iter(|| black_box($logits(&model, x.clone()).into_data()))
        });
        g.finish();
    }};
}

fn dna(batch: usize, device: &Device) -> Tensor<3> {
    let idx = Tensor::<2, Int>::random([batch, 200], Distribution::Uniform(0.0, 4.0), device);
    idx.one_hot::<3>(4).float().swap_dims(1, 2)
}

fn signal(channels: usize, len: usize) -> impl Fn(usize, &Device) -> Tensor<3> {
    move |batch, device| Tensor::random([batch, channels, len], Distribution::Normal(0.0, 1.0), device)
}

fn models(c: &mut Criterion) {
    let dna_cfg = DnaCnnConfig::default();
    step_benches!(c, "dna_cnn_200bp", 128, 2, |d: &Device| DnaCnn::new(&dna_cfg, 200, 2, d), dna, |m: &DnaCnn, x| m
        .forward(x));

    step_benches!(
        c,
        "mlp_128_256_256",
        256,
        2,
        |d: &Device| Mlp::new(&[256, 256], 0.0, 128, 2, d),
        |batch, d: &Device| Tensor::<2>::random([batch, 128], Distribution::Normal(0.0, 1.0), d),
        |m: &Mlp, x| m.forward(x)
    );

    let sig_cfg: SignalCnnConfig = toml::from_str("").unwrap();
    step_benches!(
        c,
        "signal_cnn_3x50",
        64,
        4,
        |d: &Device| SignalCnn::new(&sig_cfg, 3, 4, d),
        signal(3, 50),
        |m: &SignalCnn, x| m.forward(x)
    );

    let tcn_cfg: TcnConfig = toml::from_str("").unwrap();
    step_benches!(
        c,
        "tcn_76x512_frames",
        4,
        10,
        |d: &Device| Tcn::new(&tcn_cfg, 76, 10, d),
        signal(76, 512),
        // [batch, classes, frames] -> one row per frame
        |m: &Tcn, x| {
            let out: Tensor<3> = m.forward(x);
            let [b, k, t] = out.dims();
            out.swap_dims(1, 2).reshape([b * t, k])
        }
    );
}

criterion_group!(benches, models);
criterion_main!(benches);
