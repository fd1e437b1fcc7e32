//! Table and signal data paths: a clinical CSV and the same table as
//! Parquet read, imputed, encoded and turned into a tensor; sensor CSV cut
//! into windows.
//!
//! `cargo bench -p medref-benches --bench tables`

use burn::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medref_tabular::frame::{read_table, write_csv, CsvLayout};
use medref_tabular::preprocess::{FeatureSpec, Preprocessor};
use medref_tabular::synth::{synth_clinical, SynthClinicalSpec};
use medref_timeseries::sensor_csv::{read_sensor_csv, WindowLabelRule};
use medref_timeseries::synth::SynthEldercareSpec;
use std::hint::black_box;
use std::path::Path;

/// Reads a table file and returns `[rows, features]` on the CPU device,
/// the whole path `medref train` takes for a `format = "table"` config.
fn table_to_tensor(path: &Path, spec: &FeatureSpec, device: &Device) -> Tensor<2> {
    let table = read_table(path, &CsvLayout::default()).unwrap();
    let rows: Vec<usize> = (0..table.n_rows()).collect();
    let pre = Preprocessor::fit(&table, spec, &rows, path).unwrap();
    let values = pre.transform(&table, &rows, path).unwrap();
    Tensor::from_data(TensorData::new(values, [rows.len(), pre.n_outputs()]), device)
}

fn tables(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    // About 100,000 visits.
    let table = synth_clinical(&SynthClinicalSpec { n_patients: 50_000, seed: 1 });
    let n = table.n_rows();
    let csv = dir.path().join("visits.csv");
    std::fs::write(&csv, write_csv(&table)).unwrap();
    let parquet = dir.path().join("visits.parquet");
    {
        use polars::prelude::*;
        let mut df = CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(csv.clone()))
            .unwrap()
            .finish()
            .unwrap();
        ParquetWriter::new(std::fs::File::create(&parquet).unwrap()).finish(&mut df).unwrap();
    }
    let spec = FeatureSpec {
        columns: ["age", "sex", "bmi", "crp", "lactate", "site", "noise"].map(String::from).to_vec(),
        categorical: vec![],
        unscaled: vec![],
    };
    let device = Device::flex();
    let mut g = c.benchmark_group("table_to_tensor_100k_visits");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("csv", |b| b.iter(|| black_box(table_to_tensor(&csv, &spec, &device))));
    g.bench_function("parquet", |b| b.iter(|| black_box(table_to_tensor(&parquet, &spec, &device))));
    g.finish();
}

fn windows(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    // 20 residents x 10 minutes at 25 Hz: 300,000 rows.
    let synth = SynthEldercareSpec { subjects: 20, seconds_per_subject: 600, ..SynthEldercareSpec::tiny() };
    let path = synth.write(dir.path()).unwrap();
    let spec = synth.sensor_csv_spec("majority".parse::<WindowLabelRule>().unwrap());
    let rows = (synth.subjects * synth.seconds_per_subject * synth.rate_hz) as u64;
    let mut g = c.benchmark_group("sensor_csv_300k_rows");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows));
    g.bench_function("parse_and_window_2s_half_overlap", |b| {
        b.iter(|| black_box(read_sensor_csv(&path, &spec).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, tables, windows);
criterion_main!(benches);
