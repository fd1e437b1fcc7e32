//! Writes every `TABLE.csv` of a CDM folder as `TABLE.parquet` in another
//! folder (`medref_omop::parquet_write`: typed by the CDM's column names, zstd).
//!
//! `cargo run --release -p medref-omop --example cdm_to_parquet -- CSV_DIR OUT_DIR`

use std::path::Path;
use std::time::Instant;

use medref_omop::parquet_write::{cdm_column_type, csv_to_parquet};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [from, to] = args.as_slice() else {
        eprintln!("usage: cdm_to_parquet CSV_DIR OUT_DIR");
        std::process::exit(2);
    };
    let run = || -> Result<(), String> {
        std::fs::create_dir_all(to).map_err(|e| format!("{to}: {e}"))?;
        let mut entries: Vec<_> = std::fs::read_dir(from).map_err(|e| format!("{from}: {e}"))?.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        let start = Instant::now();
        for entry in entries {
            let path = entry.path();
            let Some(table) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".csv")) else {
                continue;
            };
            let out = Path::new(to).join(format!("{table}.parquet"));
            let rows = csv_to_parquet(&path, &out, cdm_column_type).map_err(|e| e.to_string())?;
            println!("{table:>22} {rows:>12}");
        }
        println!("written in {:.1} s", start.elapsed().as_secs_f64());
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
