//! Writes the generated CDM of `medref_omop::synthetic`:
//! `cargo run -p medref-omop --example synthetic_cdm -- DIR [PERSONS] [SEED]`
//! (`datasets/rwd/synthetic/` is 1200 persons, seed 7).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: synthetic_cdm DIR [PERSONS] [SEED]");
        std::process::exit(2);
    };
    let number = |i: usize, default: u64| -> u64 {
        args.get(i).map_or(default, |a| {
            a.parse().unwrap_or_else(|_| {
                eprintln!("synthetic_cdm: `{a}` is not a whole number");
                std::process::exit(2)
            })
        })
    };
    let (persons, seed) = (number(1, 800) as usize, number(2, 7));
    if let Err(e) = medref_omop::synthetic::write_synthetic_cdm(std::path::Path::new(dir), persons, seed) {
        eprintln!("synthetic_cdm: {dir}: {e}");
        std::process::exit(1);
    }
}
