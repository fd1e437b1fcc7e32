//! `kind = "cox"` on `task = "survival"` tables: Cox proportional hazards
//! fitted by Newton's method on the partial likelihood (lifelines' model,
//! penalty and tie handling), and the prognosis metrics clinicians read,
//! written as `survival.json`.
//!
//! The network holds `x . beta` as its one output, so scoring, saving,
//! `eval` and `predict` treat it as any model; the fit itself and the
//! baseline hazard (Breslow) come from `medref_stats::survival`.

use medref_core::config::{Config, CoxConfig};
use medref_models::Mlp;
use medref_stats::survival::{
    bootstrap_survival_ci, calibration_at_horizon, cumulative_dynamic_auc, fit_cox, integrated_brier_score,
    kaplan_meier, uno_c_index, CoxFit, CoxOptions, Ties,
};
use medref_tabular::{InputTransform, TabularDataset, TabularSplit};
use medref_train::baseline::FitState;
use medref_train::{DirectFit, Targets, TrainError};

/// Survival probabilities of every test patient at the given times,
/// `[n_test, times]`, row-major.
pub type SurvivalAt<'a> = dyn Fn(&[f64]) -> Vec<f64> + 'a;

/// The survival horizon of the data section (NaN where there is none: the
/// metrics at a horizon are then left out).
fn horizon(config: &Config) -> f64 {
    config.data.section().survival_horizon().unwrap_or(f64::NAN)
}

fn time_event(split: &TabularSplit) -> Option<(&[f64], &[bool])> {
    match &split.targets {
        Targets::Survival { time, event } => Some((time, event)),
        _ => None,
    }
}

/// The columns the Cox model uses: all but the first category of each
/// one-hot block. A full block sums to one, a constant that the baseline
/// hazard already carries, so with every category the partial likelihood
/// has no unique maximum (the first category is the reference, as
/// `pandas.get_dummies(drop_first=True)` gives lifelines).
fn design_columns(ds: &TabularDataset) -> Vec<usize> {
    let mut dropped = std::collections::BTreeSet::new();
    for (input, (_, range)) in ds.recipe.preprocessor.inputs.iter().zip(ds.recipe.preprocessor.groups()) {
        if matches!(input, InputTransform::Categorical { .. }) && !range.is_empty() {
            dropped.insert(range.start);
        }
    }
    (0..ds.n_features).filter(|j| !dropped.contains(j)).collect()
}

/// The split's features restricted to `columns`, row-major `[n, columns]`.
fn x64(split: &TabularSplit, n_features: usize, columns: &[usize]) -> Vec<f64> {
    split.x.chunks(n_features.max(1)).flat_map(|row| columns.iter().map(move |&j| f64::from(row[j]))).collect()
}

/// The Cox fit on the training rows, over [`design_columns`].
pub fn fit(config: &Config, cox: &CoxConfig, ds: &TabularDataset) -> Result<(CoxFit, Vec<usize>), TrainError> {
    let (time, event) =
        time_event(&ds.train).ok_or_else(|| TrainError::Mismatch("kind = \"cox\" needs task = \"survival\"".into()))?;
    let ties = if cox.ties == "breslow" { Ties::Breslow } else { Ties::Efron };
    let opts = CoxOptions { ties, l2: cox.penalizer, ..CoxOptions::default() };
    let columns = design_columns(ds);
    let x = x64(&ds.train, ds.n_features, &columns);
    let f = fit_cox(&x, time.len(), columns.len(), time, event, opts)
        .map_err(|e| TrainError::Mismatch(format!("{}: fitting the Cox model: {e}", config.data.path().display())))?;
    Ok((f, columns))
}

/// Fits the model and puts `beta` into the one-output linear network.
pub fn fit_model(
    config: &Config,
    cox: &CoxConfig,
    ds: &TabularDataset,
    model: Mlp,
) -> Result<DirectFit<Mlp>, TrainError> {
    let (f, columns) = fit(config, cox, ds)?;
    let mut weight = vec![0f32; ds.n_features];
    for (&j, &b) in columns.iter().zip(&f.coefficients) {
        weight[j] = b as f32;
    }
    let model = model
        .with_linear_coefficients(&weight, &[0.0])
        .ok_or_else(|| TrainError::Mismatch("the Cox model's size does not match the features".into()))?;
    let events = time_event(&ds.train).map_or(0, |(_, e)| e.iter().filter(|&&e| e).count()).max(1);
    let coefficients: Vec<serde_json::Value> = (0..f.coefficients.len())
        .map(|j| {
            serde_json::json!({
                "feature": ds.feature_names.get(columns[j]).cloned().unwrap_or_default(),
                "coefficient": f.coefficients[j],
                "standard_error": f.standard_errors[j],
                "hazard_ratio": f.hazard_ratios[j],
                "hazard_ratio_ci95": [f.hazard_ratio_ci[j].0, f.hazard_ratio_ci[j].1],
                "p_value": f.p_values[j],
            })
        })
        .collect();
    let horizon = horizon(config);
    let mean_linear_predictor: f64 = f.covariate_means.iter().zip(&f.coefficients).map(|(m, b)| m * b).sum();
    let report = serde_json::json!({
        "solver": "newton on the partial likelihood, step halving",
        "horizon": horizon,
        "baseline_cumulative_hazard_at_horizon": f.baseline_cumulative_hazard_at(horizon),
        "mean_linear_predictor": mean_linear_predictor,
        "model": "cox proportional hazards",
        "ties": cox.ties,
        "penalizer": cox.penalizer,
        "iterations": f.iterations,
        "converged": f.converged,
        "log_likelihood": f.log_likelihood,
        "log_likelihood_null": f.log_likelihood_null,
        "n_train": ds.train.targets.len(),
        "note": "covariates are the preprocessed features (standardised on the training rows), so a hazard ratio is per training standard deviation; the first category of each categorical column is the reference",
        "coefficients": coefficients,
    });
    let objective = -f.log_likelihood / events as f64;
    let state: FitState = std::sync::Arc::new((f, columns));
    Ok(DirectFit { model, objective, report, state: Some(state) })
}

/// `survival.json` of a Cox model: [`survival_report`] with the model's
/// own survival curves (Breslow's baseline hazard). `state` is the fit the
/// run just made; without it (a run reopened from disk) the model is fitted
/// again, deterministically, to the same solution.
pub fn cox_report(
    config: &Config,
    cox: &CoxConfig,
    ds: &TabularDataset,
    state: Option<&FitState>,
) -> Result<serde_json::Value, TrainError> {
    let refitted;
    let (f, columns) = match state.and_then(|s| s.downcast_ref::<(CoxFit, Vec<usize>)>()) {
        Some((f, columns)) => (f, columns.as_slice()),
        None => {
            refitted = fit(config, cox, ds)?;
            (&refitted.0, refitted.1.as_slice())
        }
    };
    let x = x64(&ds.test, ds.n_features, columns);
    let p = columns.len();
    let risk = f.log_partial_hazards(&x);
    let n = ds.test.targets.len();
    let surv_at = |times: &[f64]| -> Vec<f64> {
        (0..n).flat_map(|i| f.predict_survival(&x[i * p..(i + 1) * p], times)).collect()
    };
    let mut report = survival_report(config, ds, &risk, Some(&surv_at))?;
    // Predicted survival curves of three test patients (10th, 50th and
    // 90th percentile of risk), for the report: what the model says about
    // one person, beside the group curves.
    if let (Some(obj), Some((st, _))) = (report.as_object_mut(), time_event(&ds.test)) {
        let end = st.iter().copied().fold(0.0f64, f64::max);
        let grid: Vec<f64> = (0..=20).map(|k| end * k as f64 / 20.0).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| risk[a].total_cmp(&risk[b]));
        let patients: Vec<serde_json::Value> = [(10, "low risk (10th percentile)"), (50, "median risk"), (90, "high risk (90th percentile)")]
            .iter()
            .filter(|_| n > 0)
            .map(|&(q, label)| {
                let i = order[(n - 1) * q / 100];
                serde_json::json!({"label": label, "times": grid, "survival": f.predict_survival(&x[i * p..(i + 1) * p], &grid)})
            })
            .collect();
        obj.insert("example_patients".into(), patients.into());
    }
    Ok(report)
}

/// `survival.json`: Uno's C up to the horizon, the time-dependent AUROC at
/// it, Kaplan-Meier curves of the test set by predicted-risk tertile (with
/// the numbers at risk) for the report, and, where the model gives survival
/// curves (`survival_at`: `[n_test, times]` probabilities), the integrated
/// Brier score and calibration at the horizon.
pub fn survival_report(
    config: &Config,
    ds: &TabularDataset,
    risk: &[f64],
    survival_at: Option<&SurvivalAt<'_>>,
) -> Result<serde_json::Value, TrainError> {
    let horizon = horizon(config);
    let ((tt, te), (st, se)) = match (time_event(&ds.train), time_event(&ds.test)) {
        (Some(a), Some(b)) => (a, b),
        _ => return Ok(serde_json::Value::Null),
    };
    let (seed, resamples) = (config.seed, config.eval.bootstrap);
    let mut out = serde_json::Map::new();
    out.insert("horizon".into(), horizon.into());
    let ok = |r: Result<f64, _>| {
        r.ok().filter(|v: &f64| v.is_finite()).map(serde_json::Value::from).unwrap_or(serde_json::Value::Null)
    };
    out.insert("uno_c_index".into(), ok(uno_c_index(tt, te, st, se, risk, Some(horizon))));
    out.insert(
        "time_dependent_auroc".into(),
        ok(cumulative_dynamic_auc(tt, te, st, se, risk, &[horizon]).map(|a| a.mean_auc)),
    );
    // Patient-bootstrap 95% intervals of the test set (the censoring
    // weights stay those of the training split).
    let uno = |t: &[f64], e: &[bool], r: &[f64]| uno_c_index(tt, te, t, e, r, Some(horizon)).ok();
    let auc =
        |t: &[f64], e: &[bool], r: &[f64]| cumulative_dynamic_auc(tt, te, t, e, r, &[horizon]).ok().map(|a| a.mean_auc);
    if let Some(ci) = bootstrap_survival_ci(st, se, risk, resamples, seed, uno) {
        out.insert("uno_c_index_ci95".into(), serde_json::json!([ci.lower, ci.upper]));
    }
    if let Some(ci) = bootstrap_survival_ci(st, se, risk, resamples, seed, auc) {
        out.insert("time_dependent_auroc_ci95".into(), serde_json::json!([ci.lower, ci.upper]));
    }
    if let Some(surv_at) = survival_at {
        // Ten evaluation times spread over the test follow-up, before its end.
        let mut sorted: Vec<f64> = st.to_vec();
        sorted.sort_by(f64::total_cmp);
        let grid: Vec<f64> = (1..=10).map(|k| sorted[(sorted.len() - 1) * k / 12]).collect();
        let curves = surv_at(&grid);
        out.insert("integrated_brier_score".into(), ok(integrated_brier_score(tt, te, st, se, &curves, &grid)));
        // The bootstrap resamples patients; each carries its row number, so
        // the statistic can pick the resampled patients' predicted curves.
        let rows: Vec<f64> = (0..st.len()).map(|i| i as f64).collect();
        let k = grid.len();
        let ibs = |t: &[f64], e: &[bool], r: &[f64]| {
            let picked: Vec<f64> =
                r.iter().flat_map(|&i| curves[i as usize * k..(i as usize + 1) * k].iter().copied()).collect();
            integrated_brier_score(tt, te, t, e, &picked, &grid).ok()
        };
        if let Some(ci) = bootstrap_survival_ci(st, se, &rows, resamples, seed, ibs) {
            out.insert("integrated_brier_score_ci95".into(), serde_json::json!([ci.lower, ci.upper]));
        }
        let at_horizon = surv_at(&[horizon]);
        let cal_diff = |t: &[f64], e: &[bool], r: &[f64]| {
            let picked: Vec<f64> = r.iter().map(|&i| at_horizon[i as usize]).collect();
            calibration_at_horizon(t, e, &picked, horizon, 5.min(t.len())).ok().map(|c| c.mean_absolute_difference)
        };
        if let Some(ci) = bootstrap_survival_ci(st, se, &rows, resamples, seed, cal_diff) {
            out.insert("calibration_mean_absolute_difference_ci95".into(), serde_json::json!([ci.lower, ci.upper]));
        }
        if let Ok(cal) = calibration_at_horizon(st, se, &at_horizon, horizon, 5.min(st.len())) {
            out.insert("calibration_mean_absolute_difference".into(), cal.mean_absolute_difference.into());
            let bins: Vec<serde_json::Value> = cal
                .bins
                .iter()
                .map(|b| serde_json::json!({"n": b.n, "mean_predicted": b.mean_predicted, "observed": b.observed}))
                .collect();
            out.insert("calibration_bins".into(), bins.into());
        }
    }
    // Tertiles of predicted risk, low to high.
    let mut order: Vec<usize> = (0..risk.len()).collect();
    order.sort_by(|&a, &b| risk[a].total_cmp(&risk[b]));
    let mut groups = Vec::new();
    for (g, name) in ["low risk", "middle", "high risk"].iter().enumerate() {
        let members = &order[g * order.len() / 3..(g + 1) * order.len() / 3];
        let t: Vec<f64> = members.iter().map(|&i| st[i]).collect();
        let e: Vec<bool> = members.iter().map(|&i| se[i]).collect();
        if let Ok(km) = kaplan_meier(&t, &e) {
            groups.push(serde_json::json!({"group": name, "n": members.len(), "times": km.times, "survival": km.survival, "at_risk": km.n_at_risk}));
        }
    }
    out.insert("kaplan_meier_by_risk_tertile".into(), groups.into());
    Ok(serde_json::Value::Object(out))
}

/// Survival probability at the horizon of each risk score `x . beta`, from
/// a run's `convex_fit.json` (Breslow's baseline hazard at the training
/// covariate means, as lifelines predicts): `exp(-H0(h) exp(risk - mean))`.
pub fn survival_at_horizon(fit: &serde_json::Value, risk: &[f64]) -> Option<(f64, Vec<f64>)> {
    let horizon = fit["horizon"].as_f64()?;
    let h0 = fit["baseline_cumulative_hazard_at_horizon"].as_f64()?;
    let mean = fit["mean_linear_predictor"].as_f64()?;
    Some((horizon, risk.iter().map(|r| (-h0 * (r - mean).exp()).exp()).collect()))
}
