//! The CPU backends burn 0.22 offers, side by side on the imaging baseline:
//! one training step (batch 64) and one inference batch (256) of the
//! ResNet from `configs/imaging/pneumoniamnist.toml`, on `flex` (rayon +
//! simd, what `--device cpu` uses) and `ndarray`.
//!
//! `ndarray` is a separate, slow build, so this bench needs a feature:
//! `cargo bench -p medref-benches --features ndarray --bench backends`.
//! burn's third CPU backend, `cpu` (CubeCL + LLVM), cannot be built on
//! machines without internet access: its build script downloads LLVM.

use burn::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};
use medref_benches::resnet_step_benches;

fn backends(c: &mut Criterion) {
    resnet_step_benches(c, "backend_flex", Device::flex());
    resnet_step_benches(c, "backend_ndarray", Device::ndarray());
}

criterion_group!(benches, backends);
criterion_main!(benches);
