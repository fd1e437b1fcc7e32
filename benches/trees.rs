//! Tree ensembles, fit + predict, on generated data of the two shapes medref
//! feeds them: a clinical table (5,000 rows, 30 numeric features, a binary
//! outcome) and molecule fingerprints (1,000 rows, 2,048 sparse count bits, a
//! number, and three classes cut from it). scikit-learn on the same shapes:
//! PERFORMANCE.md.
//!
//! `cargo bench -p medref-benches --bench trees` (`RAYON_NUM_THREADS=2` for
//! the published two-thread numbers).

use criterion::{criterion_group, criterion_main, Criterion};
use medref_trees::rng::TreeRng;
use medref_trees::{BoostingParams, Features, ForestParams, GradientBoosting, RandomForest, Target};
use std::hint::black_box;

fn uniform(rng: &mut TreeRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `[5000, 30]` features, class 1 with probability sigmoid of a sparse
/// linear signal plus an interaction.
fn clinical() -> (Vec<f32>, Vec<usize>) {
    let (n, p) = (5000, 30);
    let mut rng = TreeRng::for_tree(1, 0);
    let x: Vec<f32> = (0..n * p).map(|_| (uniform(&mut rng) * 4.0 - 2.0) as f32).collect();
    let y = x
        .chunks(p)
        .map(|r| {
            let z = r[0] as f64 - 0.8 * r[1] as f64 + 0.5 * (r[2] * r[3]) as f64;
            usize::from(uniform(&mut rng) < 1.0 / (1.0 + (-z).exp()))
        })
        .collect();
    (x, y)
}

/// `[1000, 2048]` counts, each bit set in about 3% of molecules; the value
/// is a sum of 40 bits' contributions plus noise.
fn fingerprints() -> (Vec<f32>, Vec<f64>) {
    let (n, p) = (1000, 2048);
    let mut rng = TreeRng::for_tree(2, 0);
    let x: Vec<f32> = (0..n * p)
        .map(|_| if uniform(&mut rng) < 0.03 { 1.0 + (uniform(&mut rng) * 3.0).floor() as f32 } else { 0.0 })
        .collect();
    let y = x.chunks(p).map(|r| (0..40).map(|j| r[j * 50] as f64 * (j as f64 / 20.0 - 1.0)).sum::<f64>()).collect();
    (x, y)
}

fn trees(c: &mut Criterion) {
    let (x, y) = clinical();
    let table = Features::new(&x, 5000, 30).unwrap();
    let target = Target::Classes { labels: &y, n_classes: 2 };
    let mut g = c.benchmark_group("trees_clinical_5000x30");
    g.sample_size(10);
    g.bench_function("random_forest_100_fit_predict", |b| {
        b.iter(|| {
            let f = RandomForest::fit(table, target, &ForestParams::default()).unwrap();
            black_box(f.ensemble.predict(table))
        })
    });
    g.bench_function("gradient_boosting_100_fit_predict", |b| {
        b.iter(|| {
            let f = GradientBoosting::fit(table, target, None, &BoostingParams::default()).unwrap();
            black_box(f.ensemble.predict(table))
        })
    });
    g.finish();

    let (x, y) = fingerprints();
    let fp = Features::new(&x, 1000, 2048).unwrap();
    let target = Target::Values(&y);
    let mut g = c.benchmark_group("trees_fingerprints_1000x2048");
    g.sample_size(10);
    g.bench_function("random_forest_100_fit_predict", |b| {
        b.iter(|| {
            let f = RandomForest::fit(fp, target, &ForestParams::default()).unwrap();
            black_box(f.ensemble.predict(fp))
        })
    });
    g.bench_function("gradient_boosting_100_fit_predict", |b| {
        b.iter(|| {
            let f = GradientBoosting::fit(fp, target, None, &BoostingParams::default()).unwrap();
            black_box(f.ensemble.predict(fp))
        })
    });
    // Three classes cut at the value's terciles: the classifier's default
    // tries sqrt(2,048) = 45 features a node instead of all of them.
    let mut sorted = y.clone();
    sorted.sort_by(f64::total_cmp);
    let (t1, t2) = (sorted[y.len() / 3], sorted[2 * y.len() / 3]);
    let labels: Vec<usize> = y.iter().map(|&v| usize::from(v > t1) + usize::from(v > t2)).collect();
    let classes = Target::Classes { labels: &labels, n_classes: 3 };
    g.bench_function("random_forest_100_3_classes_fit_predict", |b| {
        b.iter(|| {
            let f = RandomForest::fit(fp, classes, &ForestParams::default()).unwrap();
            black_box(f.ensemble.predict(fp))
        })
    });
    g.finish();
}

criterion_group!(benches, trees);
criterion_main!(benches);
