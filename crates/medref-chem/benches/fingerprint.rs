//! Featurising molecules: Morgan fingerprints (ECFP4, 2048 bits) over the
//! 1025 molecules of `datasets/drug/solubility.train.sdf`, alone and with
//! SMILES parsing, plus the other per-molecule features for scale.
//! Throughput is reported in molecules per second.
//!
//! Run: `cargo bench -p medref-chem --bench fingerprint`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medref_chem::{canonical_key, descriptors, morgan, parse_smiles, read_sdf, MorganSpec};

/// The `<smiles>` tags of the training file, parsed once.
fn smiles() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/drug/solubility.train.sdf");
    read_sdf(&path)
        .expect("read solubility.train.sdf")
        .iter()
        .map(|r| r.tag("smiles").expect("<smiles> tag").trim().to_string())
        .collect()
}

fn featurise(c: &mut Criterion) {
    let smiles = smiles();
    let molecules: Vec<_> = smiles.iter().map(|s| parse_smiles(s).expect("valid SMILES")).collect();
    let spec = MorganSpec::default();
    let mut bits = vec![0f32; spec.n_bits];

    let mut g = c.benchmark_group("molecules");
    g.throughput(Throughput::Elements(molecules.len() as u64));
    g.bench_function("morgan_r2_2048", |b| {
        b.iter(|| {
            for m in &molecules {
                morgan(m, &spec, &mut bits).unwrap();
                black_box(&bits);
            }
        })
    });
    let counts = MorganSpec { counts: true, ..spec };
    g.bench_function("morgan_r2_2048_counts", |b| {
        b.iter(|| {
            for m in &molecules {
                morgan(m, &counts, &mut bits).unwrap();
                black_box(&bits);
            }
        })
    });
    g.bench_function("parse_smiles", |b| {
        b.iter(|| {
            for s in &smiles {
                black_box(parse_smiles(s).unwrap());
            }
        })
    });
    g.bench_function("parse_and_morgan_r2_2048", |b| {
        b.iter(|| {
            for s in &smiles {
                let m = parse_smiles(s).unwrap();
                morgan(&m, &spec, &mut bits).unwrap();
                black_box(&bits);
            }
        })
    });
    g.bench_function("descriptors", |b| {
        b.iter(|| {
            for m in &molecules {
                black_box(descriptors(m));
            }
        })
    });
    g.bench_function("canonical_key", |b| {
        b.iter(|| {
            for m in &molecules {
                black_box(canonical_key(m));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, featurise);
criterion_main!(benches);
