//! Imaging hot paths: MedMNIST `.npz` decode + normalisation, batch
//! assembly with augmentation, and one training step / one inference batch
//! of the imaging ResNet on the CPU backend.
//!
//! Run: `cargo bench -p medref-benches --bench imaging`. If
//! `../shared/datasets/imaging/pneumoniamnist_28.npz` exists it is used for
//! the decode benchmark (a real 5,030-image file), otherwise a synthetic
//! file of the same shape is generated.

use burn::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medref_baselines::imaging::ImageExamples;
use medref_benches::resnet_step_benches;
use medref_core::config::AugmentConfig;
use medref_core::seed::Rng;
use medref_data::synth_imaging::{generate, SynthImagingSpec};
use medref_train::examples::Examples;
use std::hint::black_box;
use std::path::PathBuf;

fn npz_file() -> (PathBuf, Option<tempfile::TempDir>) {
    let real =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/datasets/imaging/pneumoniamnist_28.npz"));
    if real.is_file() {
        return (real, None);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("synth.npz");
    let spec = SynthImagingSpec { n_train: 3882, n_val: 524, n_test: 624, ..Default::default() };
    medref_data::npz::write_medmnist(&path, &generate(&spec)).expect("write npz");
    (path, Some(dir))
}

fn decode(c: &mut Criterion) {
    let (path, _keep) = npz_file();
    let ds = medref_data::npz::read_medmnist(&path).expect("read npz");
    let n = ds.train.n + ds.val.n + ds.test.n;
    let mut g = c.benchmark_group("npz");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("decode_medmnist_28", |b| b.iter(|| black_box(medref_data::npz::read_medmnist(&path).unwrap())));
    g.bench_function("decode_and_normalise_28", |b| {
        b.iter(|| {
            let ds = medref_data::npz::read_medmnist(&path).unwrap();
            let ex = ImageExamples::new(&ds, &ds.train, None, AugmentConfig::default());
            let mut sum = 0f32;
            for i in 0..ex.len() {
                sum += ex.normalised(i)[0];
            }
            black_box(sum)
        })
    });
    g.finish();
}

fn batches(c: &mut Criterion) {
    let ds = generate(&SynthImagingSpec { n_train: 1024, n_val: 8, n_test: 8, ..Default::default() });
    let aug = AugmentConfig { flip_horizontal: true, rotate_degrees: 10.0, shift_pixels: 2, ..Default::default() };
    let ex = ImageExamples::new(&ds, &ds.train, None, aug);
    let device = Device::flex();
    let idx: Vec<usize> = (0..128).collect();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(128));
    g.bench_function("augment_batch_128x28x28", |b| {
        let mut rng = Rng::new(0);
        b.iter(|| black_box(ex.batch(&idx, &device, Some(&mut rng))))
    });
    g.finish();
}

fn train_step(c: &mut Criterion) {
    resnet_step_benches(c, "resnet_28", Device::flex());
}

criterion_group!(benches, decode, batches, train_step);
criterion_main!(benches);
