//! Writes the tiny survival fixture: `cargo run -p medref-stats --example
//! tiny_survival -- datasets/tiny/survival.csv` (300 rows, seed 0). A test
//! checks that the committed file is exactly what this writes.

use medref_stats::survival::synth_weibull_survival;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "datasets/tiny/survival.csv".to_string());
    let data = synth_weibull_survival(300, 0);
    if let Err(err) = std::fs::write(&path, data.to_csv()) {
        eprintln!("cannot write {path}: {err}");
        std::process::exit(1);
    }
    let events = data.event.iter().filter(|&&e| e).count();
    println!("wrote {path}: {} rows, {events} events", data.n());
}
