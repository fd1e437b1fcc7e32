//! The medref side of `scripts/lasso-parity`: reads a table or OMOP
//! config's data exactly as `medref train` does (same persons, split and
//! preprocessing for the seed) and writes the preprocessed training and
//! test rows as CSV (features `f0..`, then `y`), so scikit-learn fits the
//! exact covariate matrix medref's LASSO was fitted on.
//!
//! ```text
//! lasso_parity CONFIG --seed S --out DIR
//! ```

use medref_baselines::rwd::Omop;
use medref_baselines::tables::Table;
use medref_tabular::{TabularDataset, TabularSplit};
use medref_train::{DataFormat, Targets};
use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

fn split_csv(split: &TabularSplit, p: usize) -> Result<String, Box<dyn Error>> {
    let Targets::Classes { labels, .. } = &split.targets else {
        return Err("lasso_parity compares two-class fits".into());
    };
    let mut s = (0..p).map(|j| format!("f{j},")).collect::<String>();
    s.push_str("y\n");
    for (i, label) in labels.iter().enumerate() {
        for v in &split.x[i * p..(i + 1) * p] {
            write!(s, "{v},")?;
        }
        writeln!(s, "{label}")?;
    }
    Ok(s)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let (Some(config_path), Some(seed), Some(out)) = (args.first(), value("--seed"), value("--out")) else {
        return Err("usage: lasso_parity CONFIG --seed S --out DIR".into());
    };
    let config = medref_baselines::load_config(config_path.as_ref(), &[format!("seed={seed}")])?;
    let ds: TabularDataset = match config.data.format() {
        "table" => Table::load(&config, config.data.get().ok_or("table section")?, None)?,
        "omop" => Omop::load(&config, config.data.get().ok_or("omop section")?, None)?,
        other => return Err(format!("lasso_parity reads table and omop configs, not `{other}`").into()),
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("train.csv"), split_csv(&ds.train, ds.n_features)?)?;
    std::fs::write(out.join("test.csv"), split_csv(&ds.test, ds.n_features)?)?;
    Ok(())
}
