//! Our side of `scripts/survival-parity`: encodes GBSG2 the way the
//! script's lifelines side reads it back (`design.csv`, so both fit the
//! same rows and columns), fits Cox models and computes every survival
//! metric, writing `ours.json` and our predictions for scikit-survival to
//! score. Usage: `survival_parity <gbsg2.csv> <out_dir>`.

use std::fmt::Write as _;

use medref_stats::survival::{
    brier_scores, cumulative_dynamic_auc, fit_cox, harrell_c_index, integrated_brier_score, uno_c_index, CoxFit,
    CoxOptions, Ties,
};

/// Covariates after encoding: binary flags 1 for `horTh = yes` and
/// `menostat = Post`, tumour grade as dummies against grade I.
const COLUMNS: [&str; 9] =
    ["horTh", "age", "menostat", "tsize", "tgrade_II", "tgrade_III", "pnodes", "progrec", "estrec"];
/// Horizons in days (1 to 5 years) for AUROC and the Brier score; Uno's C
/// is truncated at 5 years.
const TIMES: [f64; 5] = [365.0, 730.0, 1095.0, 1460.0, 1825.0];
const TAU: f64 = 1825.0;

struct Rows {
    x: Vec<f64>,
    time: Vec<f64>,
    event: Vec<bool>,
}

fn read_gbsg2(path: &str) -> Result<Rows, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or(format!("{path} is empty"))?.split(',').collect();
    let col =
        |name: &str| header.iter().position(|h| *h == name).ok_or(format!("{path}: no column {name:?} in the header"));
    let idx: Vec<usize> =
        ["horTh", "age", "menostat", "tsize", "tgrade", "pnodes", "progrec", "estrec", "time", "cens"]
            .iter()
            .map(|c| col(c))
            .collect::<Result<_, _>>()?;
    let mut rows = Rows { x: Vec::new(), time: Vec::new(), event: Vec::new() };
    for (line_no, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let num = |k: usize| -> Result<f64, String> {
            f[idx[k]]
                .trim()
                .parse()
                .map_err(|_| format!("{path} line {}: {:?} is not a number", line_no + 2, f[idx[k]]))
        };
        let grade = f[idx[4]].trim();
        rows.x.extend_from_slice(&[
            f64::from(u8::from(f[idx[0]].trim() == "yes")),
            num(1)?,
            f64::from(u8::from(f[idx[2]].trim() == "Post")),
            num(3)?,
            f64::from(u8::from(grade == "II")),
            f64::from(u8::from(grade == "III")),
            num(5)?,
            num(6)?,
            num(7)?,
        ]);
        rows.time.push(num(8)?);
        rows.event.push(num(9)? == 1.0);
    }
    Ok(rows)
}

fn json_list(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", items.join(", "))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: survival_parity <gbsg2.csv> <out_dir>");
        std::process::exit(2);
    }
    if let Err(err) = run(&args[1], &args[2]) {
        eprintln!("survival_parity: {err}");
        std::process::exit(1);
    }
}

fn run(input: &str, out: &str) -> Result<(), String> {
    let rows = read_gbsg2(input)?;
    let (n, p) = (rows.time.len(), COLUMNS.len());
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {out}: {e}"))?;

    let mut design = format!("{},time,event\n", COLUMNS.join(","));
    for i in 0..n {
        let values: Vec<String> = rows.x[i * p..(i + 1) * p].iter().map(|v| format!("{v}")).collect();
        let _ = writeln!(design, "{},{},{}", values.join(","), rows.time[i], u8::from(rows.event[i]));
    }
    write(&format!("{out}/design.csv"), &design)?;

    let fit = |opts: CoxOptions| -> Result<CoxFit, String> {
        fit_cox(&rows.x, n, p, &rows.time, &rows.event, opts).map_err(|e| e.to_string())
    };
    let efron = fit(CoxOptions::default())?;
    let ridge = fit(CoxOptions { l2: 0.1, ..CoxOptions::default() })?;
    let breslow = fit(CoxOptions { ties: Ties::Breslow, ..CoxOptions::default() })?;

    let (t, e) = (&rows.time, &rows.event);
    let risk = efron.log_partial_hazards(&rows.x);
    let survival: Vec<f64> = (0..n).flat_map(|i| efron.predict_survival(&rows.x[i * p..(i + 1) * p], &TIMES)).collect();
    let metric_err = |e: medref_stats::survival::SurvivalError| e.to_string();
    let c_index = harrell_c_index(t, e, &risk).map_err(metric_err)?;
    let uno = uno_c_index(t, e, t, e, &risk, Some(TAU)).map_err(metric_err)?;
    let auc = cumulative_dynamic_auc(t, e, t, e, &risk, &TIMES).map_err(metric_err)?;
    let brier = brier_scores(t, e, t, e, &survival, &TIMES).map_err(metric_err)?;
    let ibs = integrated_brier_score(t, e, t, e, &survival, &TIMES).map_err(metric_err)?;

    let mut predictions = String::from("risk");
    for time in TIMES {
        let _ = write!(predictions, ",s{time}");
    }
    predictions.push('\n');
    for i in 0..n {
        let s: Vec<String> =
            survival[i * TIMES.len()..(i + 1) * TIMES.len()].iter().map(|v| format!("{v:?}")).collect();
        let _ = writeln!(predictions, "{:?},{}", risk[i], s.join(","));
    }
    write(&format!("{out}/predictions.csv"), &predictions)?;

    let json = format!(
        "{{\n  \"columns\": [{}],\n  \"coef\": {},\n  \"se\": {},\n  \"log_likelihood\": {:?},\n  \"iterations\": {},\n  \"coef_l2_0.1\": {},\n  \"coef_breslow\": {},\n  \"c_index\": {:?},\n  \"uno_c_tau\": {:?},\n  \"times\": {},\n  \"auc\": {},\n  \"mean_auc\": {:?},\n  \"brier\": {},\n  \"ibs\": {:?}\n}}\n",
        COLUMNS.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", "),
        json_list(&efron.coefficients),
        json_list(&efron.standard_errors),
        efron.log_likelihood,
        efron.iterations,
        json_list(&ridge.coefficients),
        json_list(&breslow.coefficients),
        c_index,
        uno,
        json_list(&TIMES),
        json_list(&auc.auc),
        auc.mean_auc,
        json_list(&brier),
        ibs,
    );
    write(&format!("{out}/ours.json"), &json)?;
    println!("{n} patients, {p} covariates: C-index {c_index:.4}, Uno's C {uno:.4}, IBS {ibs:.4}");
    Ok(())
}

fn write(path: &str, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {path}: {e}"))
}
