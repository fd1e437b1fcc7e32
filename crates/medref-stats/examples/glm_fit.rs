//! Fits logistic or linear regression to a prepared numeric CSV and writes
//! the coefficients and the test-set predictions: the medref side of
//! `scripts/sklearn-parity`.
//!
//! The contract with the script is only the two output files, so that once
//! `medref train` fits `kind = "linear"` with this solver, the script can
//! call that instead and read the same files from the run directory.
//!
//! ```text
//! glm_fit --train train.csv --test test.csv --label y [--family logistic|linear]
//!         [--c C | --l2 L2] [--tol T] [--no-intercept]
//!         --coefficients coef.csv --predictions pred.csv
//! ```
//!
//! Inputs have a header row and numbers only (features already encoded and
//! standardised); every column but the label is a feature. Outputs:
//! `coef.csv` is `name,value` with `(intercept)` first; `pred.csv` has one
//! `score` per test row (P(y = 1) for logistic, the fitted value for linear).

use std::error::Error;
use std::fs;
use std::process::ExitCode;

use medref_stats::glm::{fit, Family, GlmOptions};

/// A numeric table split into feature matrix `[n, p]` and label column.
struct Table {
    features: Vec<String>,
    x: Vec<f64>,
    y: Vec<f64>,
}

fn read_table(path: &str, label: &str) -> Result<Table, Box<dyn Error>> {
    let text = fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| format!("{path}: empty file, expected a header row"))?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let label_at =
        names.iter().position(|n| *n == label).ok_or_else(|| format!("{path}: no column \"{label}\" in the header"))?;
    let features = names.iter().enumerate().filter(|&(j, _)| j != label_at).map(|(_, n)| n.to_string()).collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != names.len() {
            return Err(format!("{path}:{}: {} fields, the header has {}", i + 1, cells.len(), names.len()).into());
        }
        for (j, cell) in cells.iter().enumerate() {
            let v: f64 = cell.parse().map_err(|_| {
                format!("{path}:{}: column \"{}\" holds \"{cell}\", expected a number", i + 1, names[j])
            })?;
            if j == label_at {
                y.push(v);
            } else {
                x.push(v);
            }
        }
    }
    Ok(Table { features, x, y })
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (mut train, mut test, mut label, mut coef_out, mut pred_out) = (None, None, None, None, None);
    let mut family = Family::Logistic;
    let mut opts = GlmOptions::default();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--train" => train = Some(value()?),
            "--test" => test = Some(value()?),
            "--label" => label = Some(value()?),
            "--coefficients" => coef_out = Some(value()?),
            "--predictions" => pred_out = Some(value()?),
            "--family" => {
                family = match value()?.as_str() {
                    "logistic" => Family::Logistic,
                    "linear" => Family::Linear,
                    other => return Err(format!("--family {other}: expected logistic or linear").into()),
                }
            }
            "--c" => opts.l2 = 1.0 / value()?.parse::<f64>()?,
            "--l2" => opts.l2 = value()?.parse()?,
            "--tol" => opts.tol = value()?.parse()?,
            "--no-intercept" => opts.fit_intercept = false,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let need = |v: Option<String>, flag: &str| v.ok_or_else(|| format!("{flag} is required"));
    let label = need(label, "--label")?;
    let train = read_table(&need(train, "--train")?, &label)?;
    let test = read_table(&need(test, "--test")?, &label)?;
    if test.features != train.features {
        return Err("the train and test files have different feature columns".into());
    }
    let p = train.features.len();
    let fitted = fit(family, &train.x, train.y.len(), p, &train.y, &opts)?;
    let scores = match family {
        Family::Logistic => fitted.predict_proba(&test.x, test.y.len())?,
        Family::Linear => fitted.predict(&test.x, test.y.len())?,
    };
    let mut coef = format!("name,value\n(intercept),{:e}\n", fitted.intercept);
    for (name, w) in train.features.iter().zip(&fitted.coefficients) {
        coef.push_str(&format!("{name},{w:e}\n"));
    }
    fs::write(need(coef_out, "--coefficients")?, coef)?;
    let mut pred = String::from("score\n");
    for s in scores {
        pred.push_str(&format!("{s:e}\n"));
    }
    fs::write(need(pred_out, "--predictions")?, pred)?;
    println!(
        "{{\"rows\": {}, \"features\": {p}, \"l2\": {}, \"iterations\": {}, \"gradient_max_abs\": {:e}, \"objective\": {:e}}}",
        train.y.len(),
        fitted.l2,
        fitted.iterations,
        fitted.gradient_max_abs,
        fitted.objective
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("glm_fit: {e}");
            ExitCode::FAILURE
        }
    }
}
