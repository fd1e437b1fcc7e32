//! Evaluation hot paths: AUROC over 10 million scores (a large test set
//! scored per window or per frame) and bootstrap confidence intervals.
//!
//! `cargo bench -p medref-benches --bench metrics`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medref_core::metrics::bootstrap::bootstrap_ci;
use medref_core::metrics::ranking::auroc;
use medref_core::seed::Rng;
use std::hint::black_box;

/// `n` labels (30 % positive) and scores that rank them imperfectly.
fn scored(n: usize, seed: u64) -> (Vec<bool>, Vec<f64>) {
    let mut rng = Rng::derive(seed, "bench");
    let labels: Vec<bool> = (0..n).map(|_| rng.uniform() < 0.3).collect();
    let scores = labels.iter().map(|&y| rng.uniform() + if y { 0.4 } else { 0.0 }).collect();
    (labels, scores)
}

fn ranking(c: &mut Criterion) {
    let (labels, scores) = scored(10_000_000, 1);
    let mut g = c.benchmark_group("auroc");
    g.sample_size(10);
    g.throughput(Throughput::Elements(labels.len() as u64));
    g.bench_function("10M_scores", |b| b.iter(|| black_box(auroc(&labels, &scores))));
    g.finish();
}

fn bootstrap(c: &mut Criterion) {
    let (labels, scores) = scored(10_000, 2);
    let mut g = c.benchmark_group("bootstrap_ci");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("auroc_10k_1000_resamples", |b| {
        let (mut l, mut s) = (Vec::with_capacity(10_000), Vec::with_capacity(10_000));
        b.iter(|| {
            black_box(bootstrap_ci(labels.len(), 1000, 0, |idx| {
                l.clear();
                s.clear();
                l.extend(idx.iter().map(|&i| labels[i]));
                s.extend(idx.iter().map(|&i| scores[i]));
                auroc(&l, &s)
            }))
        })
    });
    g.finish();
}

criterion_group!(benches, ranking, bootstrap);
criterion_main!(benches);
