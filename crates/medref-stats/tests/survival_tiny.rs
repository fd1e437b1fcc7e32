//! The tiny survival fixture (`datasets/tiny/survival.csv`, Weibull times
//! with a planted log hazard): a Cox fit recovers the plant, and every
//! number matches lifelines / scikit-survival on the same rows.
//!
//! Reference numbers were computed once with lifelines 0.30.3,
//! scikit-survival 0.28.0, numpy 2.4.6, pandas 2.3.3, on
//! `df = pd.read_csv("datasets/tiny/survival.csv")`, `d = df.drop(columns="id")`,
//! `X = df[["age","x1","x2","x3"]].values`,
//! `y = Surv.from_arrays(df.event.astype(bool), df.time.astype(float))`;
//! each test names its calls. lifelines' default stopping rule (relative
//! log-likelihood change below 1e-9) leaves its coefficients about 1e-7
//! from the optimum, so the lifelines fits here use
//! `TIGHT = {"precision": 1e-14, "r_precision": 1e-16}`; with the defaults
//! the agreement is 1e-6.

use std::path::PathBuf;

use medref_stats::survival::{
    bootstrap_survival_ci, brier_scores, calibration_at_horizon, cox_partial_nll_and_grad, cumulative_dynamic_auc,
    fit_cox, harrell_c_index, integrated_brier_score, kaplan_meier, synth_weibull_survival, uno_c_index, CoxOptions,
    SyntheticSurvival, Ties, PLANTED_COEFFICIENTS,
};

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/tiny/survival.csv")
}

/// Reads the fixture back with a plain split (the file is ours: no quotes).
fn read_fixture() -> SyntheticSurvival {
    let text = std::fs::read_to_string(fixture_path()).expect("datasets/tiny/survival.csv is committed");
    let mut data = SyntheticSurvival { x: Vec::new(), time: Vec::new(), event: Vec::new() };
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|v| v.parse().expect("numeric field")).collect();
        data.x.extend_from_slice(&f[1..5]);
        data.time.push(f[5]);
        data.event.push(f[6] == 1.0);
    }
    data
}

fn assert_close(what: &str, ours: &[f64], theirs: &[f64], tol: f64) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    for (k, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() <= tol, "{what}[{k}]: ours {a} vs reference {b} (tol {tol})");
    }
}

#[test]
fn the_committed_fixture_is_what_the_generator_writes() {
    let committed = std::fs::read_to_string(fixture_path()).unwrap();
    assert_eq!(committed, synth_weibull_survival(300, 0).to_csv());
}

#[test]
fn cox_recovers_the_planted_hazard() {
    let data = read_fixture();
    let fit = fit_cox(&data.x, data.n(), 4, &data.time, &data.event, CoxOptions::default()).unwrap();
    assert!(fit.converged && fit.iterations < 20, "{} iterations", fit.iterations);
    for ((name, planted), fitted) in PLANTED_COEFFICIENTS.iter().zip(&fit.coefficients) {
        assert!((fitted - planted).abs() < 0.1, "{name}: fitted {fitted}, planted {planted}");
    }
    let planted_c = harrell_c_index(&data.time, &data.event, &data.planted_log_hazard()).unwrap();
    let fitted_c = harrell_c_index(&data.time, &data.event, &fit.log_partial_hazards(&data.x)).unwrap();
    assert!((fitted_c - planted_c).abs() < 0.02, "fitted C {fitted_c} vs planted {planted_c}");
    // Better than chance by a wide margin, or the plant is too weak to test anything.
    assert!(planted_c > 0.7);
}

#[test]
fn cox_matches_lifelines_efron() {
    // CoxPHFitter().fit(d, "time", "event", fit_options=TIGHT): params_, standard_errors_,
    // log_likelihood_, concordance_index_, baseline_cumulative_hazard_ at
    // t = 44 and 421, predict_survival_function(d.iloc[[0]], times=[44, 421])
    // (observed times: between them lifelines interpolates H0 linearly where
    // Breslow's estimator, and ours, is a step).
    let data = read_fixture();
    let fit = fit_cox(&data.x, data.n(), 4, &data.time, &data.event, CoxOptions::default()).unwrap();
    let coef = [0.02524492263429525, 0.4789376664701595, -0.406363966264465, 0.01817106431213037];
    let se = [0.00677638040351847, 0.04417137820447642, 0.0383923299566158, 0.03133216378417498];
    assert_close("coef", &fit.coefficients, &coef, 1e-8);
    assert_close("se", &fit.standard_errors, &se, 1e-8);
    assert!((fit.log_likelihood - -937.9992784592998).abs() < 1e-7);
    assert!(fit.log_likelihood_null < fit.log_likelihood);
    let c = harrell_c_index(&data.time, &data.event, &fit.log_partial_hazards(&data.x)).unwrap();
    assert!((c - 0.7646707659244224).abs() < 1e-12);
    let h0 = [fit.baseline_cumulative_hazard_at(44.0), fit.baseline_cumulative_hazard_at(421.0)];
    assert_close("H0", &h0, &[0.01324487988040245, 0.2490621369135902], 1e-9);
    let s = fit.predict_survival(&data.x[0..4], &[44.0, 421.0]);
    assert_close("S(t | row 0)", &s, &[0.9796644970271502, 0.6795402855619251], 1e-8);
    for ((lo, hi), hr) in fit.hazard_ratio_ci.iter().zip(&fit.hazard_ratios) {
        assert!(lo < hr && hr < hi);
    }
}

#[test]
fn ridge_penalty_means_what_lifelines_penalizer_means() {
    // CoxPHFitter(penalizer=0.1).fit(d, "time", "event", fit_options=TIGHT). lifelines'
    // log_likelihood_ subtracts 0.5 * n * penalizer * sum (sd_j beta_j)^2.
    let data = read_fixture();
    let opts = CoxOptions { l2: 0.1, ..CoxOptions::default() };
    let fit = fit_cox(&data.x, data.n(), 4, &data.time, &data.event, opts).unwrap();
    let coef = [0.01879911911395742, 0.3793816693664328, -0.32868697476041514, 0.0144071183361672];
    let se = [0.00631571654276276, 0.03915622605166135, 0.034949051872517, 0.02901027515428967];
    assert_close("penalised coef", &fit.coefficients, &coef, 1e-8);
    assert_close("penalised se", &fit.standard_errors, &se, 1e-8);
    let n = data.n() as f64;
    let penalty: f64 = (0..4)
        .map(|j| {
            let col: Vec<f64> = data.x.chunks(4).map(|r| r[j]).collect();
            let mean = col.iter().sum::<f64>() / n;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            0.5 * n * 0.1 * var * fit.coefficients[j].powi(2)
        })
        .sum();
    assert!((fit.log_likelihood - penalty - -956.6231609212505).abs() < 1e-6);
}

#[test]
fn breslow_ties_match_scikit_survival() {
    // CoxPHSurvivalAnalysis(alpha=0, ties="breslow", tol=1e-12, n_iter=200).fit(X, y).coef_
    let data = read_fixture();
    let opts = CoxOptions { ties: Ties::Breslow, ..CoxOptions::default() };
    let fit = fit_cox(&data.x, data.n(), 4, &data.time, &data.event, opts).unwrap();
    let coef = [0.02518257891209849, 0.47808068617654714, -0.40608662529581613, 0.01812450807374844];
    assert_close("breslow coef", &fit.coefficients, &coef, 1e-7);
}

#[test]
fn partial_likelihood_gradient_vanishes_at_the_cox_estimate() {
    // The neural model's loss, fed the linear model's scores, must sit at a
    // stationary point in beta: X^T dL/deta = 0 at the Newton solution.
    let data = read_fixture();
    for ties in [Ties::Efron, Ties::Breslow] {
        let opts = CoxOptions { ties, ..CoxOptions::default() };
        let fit = fit_cox(&data.x, data.n(), 4, &data.time, &data.event, opts).unwrap();
        let eta = fit.log_partial_hazards(&data.x);
        let (nll, grad) = cox_partial_nll_and_grad(&eta, &data.time, &data.event, ties);
        let events = data.event.iter().filter(|&&e| e).count() as f64;
        assert!((nll * events + fit.log_likelihood).abs() < 1e-8, "{ties:?}");
        for j in 0..4 {
            let g: f64 = data.x.chunks(4).zip(&grad).map(|(r, g)| r[j] * g).sum();
            assert!(g.abs() < 1e-9, "{ties:?} d/d beta_{j} = {g}");
        }
    }
}

#[test]
fn ipcw_metrics_match_scikit_survival() {
    // eta = X @ [0.03, 0.5, -0.4, 0.0]; the training outcomes are the test
    // outcomes (y, y).
    // concordance_index(df.time, -eta, df.event) = 0.7620142081069787
    // concordance_index_ipcw(y, y, eta, tau=1500.0)[0] = 0.7599009140502465
    // concordance_index_ipcw(y, y, eta)[0] = 0.7606853000789611
    // cumulative_dynamic_auc(y, y, eta, [365, 730, 1095])
    // S = exp(-(t / 1000)^1.5 * exp(eta - 1.8)); brier_score(y, y, S, times),
    // integrated_brier_score(y, y, S, times).
    let data = read_fixture();
    let (t, e) = (&data.time, &data.event);
    let eta = data.planted_log_hazard();
    assert!((harrell_c_index(t, e, &eta).unwrap() - 0.7620142081069787).abs() < 1e-12);
    let uno = uno_c_index(t, e, t, e, &eta, Some(1500.0)).unwrap();
    assert!((uno - 0.7599009140502465).abs() < 1e-12, "{uno}");
    let uno = uno_c_index(t, e, t, e, &eta, None).unwrap();
    assert!((uno - 0.7606853000789611).abs() < 1e-12, "{uno}");
    let times = [365.0, 730.0, 1095.0];
    let auc = cumulative_dynamic_auc(t, e, t, e, &eta, &times).unwrap();
    assert_close("auc", &auc.auc, &[0.8073043709866565, 0.8366702928436928, 0.8768807718710856], 1e-12);
    assert!((auc.mean_auc - 0.8333266788239956).abs() < 1e-12);
    let survival: Vec<f64> =
        eta.iter().flat_map(|&h| times.map(|s| (-(s / 1000.0f64).powf(1.5) * (h - 1.8).exp()).exp())).collect();
    let brier = brier_scores(t, e, t, e, &survival, &times).unwrap();
    assert_close("brier", &brier, &[0.14297313654979082, 0.16570797226102935, 0.1413625913761487], 1e-12);
    let ibs = integrated_brier_score(t, e, t, e, &survival, &times).unwrap();
    assert!((ibs - 0.15393791811199956).abs() < 1e-12);
}

#[test]
fn kaplan_meier_matches_lifelines() {
    // KaplanMeierFitter().fit(df.time, df.event):
    // survival_function_at_times([100, 500, 1000, 2000]), median_survival_time_.
    let data = read_fixture();
    let km = kaplan_meier(&data.time, &data.event).unwrap();
    let s: Vec<f64> = [100.0, 500.0, 1000.0, 2000.0].iter().map(|&t| km.survival_at(t)).collect();
    assert_close("KM", &s, &[0.952964611365816, 0.6522967516742816, 0.44311402053819027, 0.1885864214743729], 1e-12);
    assert_eq!(km.median(), Some(842.0));
    assert_eq!(km.n_at_risk[0], 300);
}

#[test]
fn fitted_cox_is_calibrated_at_two_years_and_its_c_index_has_an_interval() {
    // The model is correctly specified, so predicted and Kaplan-Meier
    // survival at 730 days should agree within sampling noise (five bins
    // of 60 patients: a KM standard error of about 0.06 each).
    let data = read_fixture();
    let fit = fit_cox(&data.x, data.n(), 4, &data.time, &data.event, CoxOptions::default()).unwrap();
    let s730: Vec<f64> = data.x.chunks(4).map(|r| fit.predict_survival(r, &[730.0])[0]).collect();
    let cal = calibration_at_horizon(&data.time, &data.event, &s730, 730.0, 5).unwrap();
    assert!(cal.mean_absolute_difference < 0.06, "{cal:?}");
    // Bins run from high to low risk: observed survival must rise.
    assert!(cal.bins.first().unwrap().observed < cal.bins.last().unwrap().observed - 0.3);

    let risk = fit.log_partial_hazards(&data.x);
    let c = harrell_c_index(&data.time, &data.event, &risk).unwrap();
    let ci =
        bootstrap_survival_ci(&data.time, &data.event, &risk, 200, 0, |t, e, r| harrell_c_index(t, e, r).ok()).unwrap();
    assert!(ci.lower < c && c < ci.upper && ci.upper - ci.lower < 0.1, "{ci:?} vs {c}");
}
