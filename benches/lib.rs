//! Shared pieces of medref's criterion benchmarks (the bench targets live
//! beside this file: `imaging.rs`, `backends.rs`).

use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use criterion::{BatchSize, Criterion, Throughput};
use medref_baselines::imaging::ImageExamples;
use medref_core::config::{AugmentConfig, ResnetConfig};
use medref_data::synth_imaging::{generate, SynthImagingSpec};
use medref_models::ResNet;
use medref_train::examples::Examples;
use medref_train::loss::batch_loss;
use std::hint::black_box;

/// One training step (batch 64: forward, backward, AdamW update) and one
/// inference batch (256) of the imaging ResNet in its real-set shape
/// (width 16, 3 stages; `configs/imaging/pneumoniamnist.toml`) on `plain`.
pub fn resnet_step_benches(c: &mut Criterion, group: &str, plain: Device) {
    let ds = generate(&SynthImagingSpec { n_train: 256, n_val: 8, n_test: 8, ..Default::default() });
    let ex = ImageExamples::new(&ds, &ds.train, None, AugmentConfig::default());
    let cfg = ResnetConfig::default();
    let device = plain.clone().autodiff();
    device.seed(0);
    let idx: Vec<usize> = (0..64).collect();
    let targets = ex.targets().dense_rows(&idx);
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.throughput(Throughput::Elements(64));
    g.bench_function("train_step_batch64", |b| {
        let mut model = ResNet::new(&cfg, 1, 2, &device);
        let mut optim = AdamWConfig::new().init();
        b.iter(|| {
            let x = ex.batch(&idx, &device, None);
            let y = Tensor::<2>::from_data(TensorData::new(targets.clone(), [64, 2]), &device);
            let loss = batch_loss(model.forward(x), y, None, medref_train::examples::OutputKind::Softmax, 64);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-3, model.clone(), grads);
        })
    });
    let model = ResNet::new(&cfg, 1, 2, &plain).valid();
    let idx256: Vec<usize> = (0..256).collect();
    g.throughput(Throughput::Elements(256));
    g.bench_function("inference_batch256", |b| {
        b.iter_batched(
            || ex.batch(&idx256, &plain, None),
            |x| black_box(model.forward(x).into_data()),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}
