//! The medref side of `scripts/sklearn-parity --trees`: reads a table or
//! molecule config's data exactly as `medref train` does (same rows, splits
//! and preprocessing for the seed), writes the preprocessed splits as CSV
//! for scikit-learn, fits medref's random forest and gradient boosting on
//! the training rows, and writes their test predictions, saved models and
//! fit + predict times.
//!
//! ```text
//! trees_parity CONFIG --seed S --out DIR [--n-trees N] [--forest-seeds K] [--boosting-early-stopping]
//! ```
//!
//! DIR receives `train.csv`, `val.csv`, `test.csv` (features `f0..`, then
//! `y`: the class index or the value), `medref_random_forest.csv` and
//! `medref_gradient_boosting.csv` (per test row: class-1 probability or
//! value), `random_forest.json` and `gradient_boosting.json` (format
//! `medref-trees/1`) and `medref_times.json` (seconds, fit and predict).
//! With `--forest-seeds K` (K > 1) the forest is also fitted with the
//! seeds S + 1000, ..., S + 1000 (K - 1) on the same split, each test
//! prediction in `medref_random_forest_seed{j}.csv`: on a small test set
//! one forest's AUROC moves by more than the parity bar from one seed to
//! the next, so the script compares the forests' average over seeds.
//! Boosting runs without early stopping unless asked, as scikit-learn's
//! `HistGradientBoosting*` do below 10,000 rows.

use medref_baselines::molecules::Molecules;
use medref_baselines::tables::Table;
use medref_baselines::trees::{boosting_params, forest_params};
use medref_core::config::{GradientBoostingConfig, RandomForestConfig};
use medref_tabular::{TabularDataset, TabularSplit};
use medref_train::{DataFormat, Targets};
use medref_trees::{EnsembleFile, Features, GradientBoosting, RandomForest, Target};
use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

fn split_csv(split: &TabularSplit, p: usize) -> String {
    let mut s = String::new();
    (0..p).for_each(|j| {
        let _ = write!(s, "f{j},");
    });
    s.push_str("y\n");
    for i in 0..split.targets.len() {
        for v in &split.x[i * p..(i + 1) * p] {
            let _ = write!(s, "{v},");
        }
        let y = match &split.targets {
            Targets::Classes { labels, .. } => labels[i].to_string(),
            Targets::Regression { values, .. } => values[i].to_string(),
            _ => String::new(),
        };
        s.push_str(&y);
        s.push('\n');
    }
    s
}

fn target(targets: &Targets) -> Target<'_> {
    match targets {
        Targets::Classes { labels, n_classes } => Target::Classes { labels, n_classes: *n_classes },
        Targets::Regression { values, .. } => Target::Values(values),
        _ => panic!("trees_parity compares classes or numbers"),
    }
}

/// One column per test row: P(class 1) for two classes, the value for
/// numbers, else every class probability.
fn scores(pred: &[f64], targets: &Targets) -> String {
    let mut s = String::new();
    match targets {
        Targets::Classes { n_classes: 2, .. } => pred.chunks(2).for_each(|p| {
            let _ = writeln!(s, "{}", p[1]);
        }),
        Targets::Classes { n_classes, .. } => pred.chunks(*n_classes).for_each(|p| {
            let row: Vec<String> = p.iter().map(|v| v.to_string()).collect();
            let _ = writeln!(s, "{}", row.join(","));
        }),
        _ => pred.iter().for_each(|v| {
            let _ = writeln!(s, "{v}");
        }),
    }
    s
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |key: &str| args.iter().position(|a| a == key).and_then(|i| args.get(i + 1)).cloned();
    let config_path = args.first().ok_or("usage: trees_parity CONFIG --seed S --out DIR")?;
    let seed = value("--seed").unwrap_or_else(|| "0".into());
    let out = PathBuf::from(value("--out").ok_or("--out DIR is required")?);
    std::fs::create_dir_all(&out)?;
    let config = medref_baselines::load_config(config_path.as_ref(), &[format!("seed={seed}")])?;
    let ds: TabularDataset = match config.data.format() {
        "table" => Table::load(&config, config.data.get().ok_or("table section")?, None)?,
        "molecules" => Molecules::load(&config, config.data.get().ok_or("molecules section")?, None)?,
        other => return Err(format!("trees_parity reads tables and molecules, not {other}").into()),
    };
    let p = ds.n_features;
    for (name, split) in ds.splits() {
        std::fs::write(out.join(format!("{name}.csv")), split_csv(split, p))?;
    }
    let train = Features::new(&ds.train.x, ds.train.targets.len(), p)?;
    let test = Features::new(&ds.test.x, ds.test.targets.len(), p)?;
    let mut forest_config = RandomForestConfig::default();
    if let Some(n) = value("--n-trees") {
        forest_config.n_trees = n.parse()?;
    }
    let gb_config = GradientBoostingConfig {
        early_stopping: args.iter().any(|a| a == "--boosting-early-stopping"),
        ..Default::default()
    };

    let started = Instant::now();
    let forest = RandomForest::fit(train, target(&ds.train.targets), &forest_params(&forest_config, config.seed))?;
    let rf_fit = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let rf_pred = forest.ensemble.predict(test);
    let rf_predict = started.elapsed().as_secs_f64();
    let forest_seeds: u64 = value("--forest-seeds").map(|k| k.parse()).transpose()?.unwrap_or(1);
    for j in 1..forest_seeds {
        let params = forest_params(&forest_config, config.seed + 1000 * j);
        let other = RandomForest::fit(train, target(&ds.train.targets), &params)?;
        let pred = other.ensemble.predict(test);
        std::fs::write(out.join(format!("medref_random_forest_seed{j}.csv")), scores(&pred, &ds.test.targets))?;
    }

    let started = Instant::now();
    let val = Features::new(&ds.val.x, ds.val.targets.len(), p)?;
    let gb = GradientBoosting::fit(
        train,
        target(&ds.train.targets),
        Some((val, target(&ds.val.targets))),
        &boosting_params(&gb_config),
    )?;
    let gb_fit = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let gb_pred = gb.ensemble.predict(test);
    let gb_predict = started.elapsed().as_secs_f64();

    std::fs::write(out.join("medref_random_forest.csv"), scores(&rf_pred, &ds.test.targets))?;
    std::fs::write(out.join("medref_gradient_boosting.csv"), scores(&gb_pred, &ds.test.targets))?;
    let rf_file = EnsembleFile::new("random_forest", forest.ensemble, forest.report.feature_importance);
    let gb_file = EnsembleFile::new("gradient_boosting", gb.ensemble, gb.report.feature_importance);
    std::fs::write(out.join("random_forest.json"), rf_file.to_json())?;
    std::fs::write(out.join("gradient_boosting.json"), gb_file.to_json())?;
    let times = serde_json::json!({
        "random_forest": {"fit": rf_fit, "predict": rf_predict, "oob_score": forest.report.oob_score},
        "gradient_boosting": {"fit": gb_fit, "predict": gb_predict, "n_iter": gb.report.n_iter},
        "forest_seeds": forest_seeds,
        "threads": rayon::current_num_threads(),
        "rows": [ds.train.targets.len(), ds.val.targets.len(), ds.test.targets.len()],
        "features": p,
        "n_classes": match &ds.train.targets { Targets::Classes { n_classes, .. } => *n_classes, _ => 0 },
    });
    std::fs::write(out.join("medref_times.json"), serde_json::to_string_pretty(&times)?)?;
    Ok(())
}
