//! A study reports each table scan to the caller's [`ScanProgress`]: which
//! table, for which step, and how many rows it read.

use std::path::Path;
use std::sync::{Arc, Mutex};

use medref_omop::study::celecoxib_gi_bleed;
use medref_omop::{extract_covariates, Cdm, CovariateSettings, ScanProgress};

#[derive(Default)]
struct Recorder(Mutex<Vec<(String, u64)>>);

impl ScanProgress for Recorder {
    fn start(&self, table: &str, _purpose: &str) {
        self.0.lock().unwrap().push((table.to_string(), 0));
    }
    fn rows(&self, rows: u64) {
        self.0.lock().unwrap().last_mut().unwrap().1 = rows;
    }
    fn finish(&self, rows: u64) {
        self.0.lock().unwrap().last_mut().unwrap().1 = rows;
    }
}

#[test]
fn every_scan_reports_its_table_and_rows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/rwd/tiny");
    let recorder = Arc::new(Recorder::default());
    let cdm = Cdm::new(&dir).with_progress(Some(recorder.clone()));
    let population = celecoxib_gi_bleed().build(&cdm).unwrap();
    extract_covariates(&cdm, &population, &CovariateSettings::default()).unwrap();
    let scans = recorder.0.lock().unwrap().clone();
    let rows_of = |table: &str| {
        let text = std::fs::read_to_string(dir.join(format!("{table}.csv"))).unwrap();
        text.lines().count() as u64 - 1
    };
    for table in ["drug_era", "person", "observation_period", "condition_occurrence", "visit_occurrence"] {
        let scan = scans.iter().find(|(t, _)| t == table).unwrap_or_else(|| panic!("{table} not reported: {scans:?}"));
        assert_eq!(scan.1, rows_of(table), "{table}");
    }
    // Without a listener nothing is reported, and the study is the same.
    assert_eq!(celecoxib_gi_bleed().build(&Cdm::new(&dir)).unwrap(), population);
}
