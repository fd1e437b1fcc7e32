//! Writes a synthetic OMOP CDM (`medref_omop::synthetic_scale`) for scale measurements.
//!
//! `cargo run --release -p medref-omop --example scale_cdm -- OUT_DIR PERSONS [SEED]`

use std::path::PathBuf;
use std::time::Instant;

use medref_omop::synthetic_scale::{write_scale_cdm, ScaleSettings};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(persons)) = (args.first(), args.get(1).and_then(|n| n.parse().ok())) else {
        eprintln!("usage: scale_cdm OUT_DIR PERSONS [SEED]");
        std::process::exit(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {e}", dir.display());
        std::process::exit(2);
    }
    let start = Instant::now();
    match write_scale_cdm(&dir, &ScaleSettings { persons, seed }) {
        Ok(summary) => {
            for (table, rows) in summary.rows {
                println!("{table:>22} {rows:>12}");
            }
            println!("written in {:.1} s", start.elapsed().as_secs_f64());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
