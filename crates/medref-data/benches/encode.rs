//! The genomics encoding hot path: one-hot `[4, L]` encoding and reverse
//! complements, on 1 MB of random sequence (throughput in input bases =
//! bytes per second).
//!
//! Run: `cargo bench -p medref-data --bench encode`. It lives in
//! medref-data rather than `benches/` so that it builds without burn.
//! Cases: plain uppercase ACGT (the vectorised path), soft-masked
//! lowercase, and sequence with an `N` every 100 bases (so every block is
//! patched from the lookup table); and one 200 bp window, the size a batcher
//! encodes at a time.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medref_core::seed::Rng;
use medref_data::genomics::encode::{one_hot_encode, reverse_complement, reverse_complement_one_hot_into};
use std::hint::black_box;

const MB: usize = 1 << 20;

fn random_bases(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| b"ACGT"[rng.below(4)]).collect()
}

fn one_hot(c: &mut Criterion) {
    let plain = random_bases(MB, 1);
    let lower = plain.to_ascii_lowercase();
    let mut with_n = plain.clone();
    for b in with_n.iter_mut().step_by(100) {
        *b = b'N';
    }
    let mut out = vec![0f32; 4 * MB];
    let mut g = c.benchmark_group("one_hot_1MB");
    g.throughput(Throughput::Bytes(MB as u64));
    for (name, seq) in [("acgt", &plain), ("lowercase", &lower), ("n_every_100", &with_n)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                one_hot_encode(black_box(seq), &mut out);
                black_box(out[out.len() - 1])
            })
        });
    }
    g.finish();

    let window = &plain[..200];
    let mut small = vec![0f32; 800];
    let mut g = c.benchmark_group("one_hot_200bp");
    g.throughput(Throughput::Bytes(200));
    g.bench_function("acgt", |b| {
        b.iter(|| {
            one_hot_encode(black_box(window), &mut small);
            black_box(small[799])
        })
    });
    g.finish();
}

fn reverse_complements(c: &mut Criterion) {
    let seq = random_bases(MB, 2);
    let mut g = c.benchmark_group("reverse_complement_1MB");
    g.throughput(Throughput::Bytes(MB as u64));
    g.bench_function("bases", |b| b.iter(|| black_box(reverse_complement(black_box(&seq)))));
    let mut x = vec![0f32; 4 * MB];
    one_hot_encode(&seq, &mut x);
    let mut out = vec![0f32; 4 * MB];
    g.bench_function("one_hot", |b| {
        b.iter(|| {
            reverse_complement_one_hot_into(black_box(&x), &mut out);
            black_box(out[0])
        })
    });
    g.finish();
}

criterion_group!(benches, one_hot, reverse_complements);
criterion_main!(benches);
