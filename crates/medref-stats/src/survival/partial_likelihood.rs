//! Cox's partial likelihood: the loss both Cox models minimise. The linear
//! model's Newton solver needs its gradient and Hessian in the
//! coefficients; the neural model needs only the gradient in the risk
//! scores, which the training loop then backpropagates.

use serde::{Deserialize, Serialize};

/// How the partial likelihood treats events that share a time.
///
/// Efron's approximation (lifelines' and R's default) is close to the exact
/// likelihood when ties are common; Breslow's is cruder but what many
/// neural survival libraries use, and the two agree without ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    #[default]
    Efron,
    Breslow,
}

/// Patients sorted by time, longest first, cut into runs of equal time,
/// so that a single pass grows each risk set by one run at a time.
pub(crate) struct RiskSets {
    /// Patient indices, time descending.
    pub order: Vec<usize>,
    /// `[start, end)` into `order` of each run of equal times, descending.
    pub runs: Vec<(usize, usize)>,
}

impl RiskSets {
    pub fn new(time: &[f64]) -> Self {
        let mut order: Vec<usize> = (0..time.len()).collect();
        // Stable sort: equal times keep input order, so results never depend
        // on the sort's tie-breaking.
        order.sort_by(|&a, &b| time[b].total_cmp(&time[a]));
        let mut runs = Vec::new();
        let mut start = 0;
        while start < order.len() {
            let t = time[order[start]];
            let mut end = start + 1;
            while end < order.len() && time[order[end]] == t {
                end += 1;
            }
            runs.push((start, end));
            start = end;
        }
        Self { order, runs }
    }
}

/// The fractions `l / d` (Efron) or zeros (Breslow) by which the tied
/// events' own weight is taken out of the risk set, one per tied event.
pub(crate) fn tie_fractions(ties: Ties, d: usize) -> impl Iterator<Item = f64> {
    (0..d).map(move |l| match ties {
        Ties::Efron => l as f64 / d as f64,
        Ties::Breslow => 0.0,
    })
}

/// Negative log partial likelihood of `risk_scores` (log hazard ratios,
/// one per patient), divided by the number of events, and its gradient
/// with respect to each score.
///
/// This is the DeepSurv loss: pycox's `cox_ph_loss` averages over events
/// the same way, so a learning rate tuned there transfers. A minibatch
/// passes only its own patients, which makes the risk set the one within
/// the batch, as pycox does. Unlike pycox's, ties are handled (Efron or
/// Breslow) instead of depending on the sort order. A batch without events
/// has loss 0 and zero gradient (nothing to rank), where pycox gives NaN.
/// The loss is invariant to adding a constant to every score; the
/// largest score is subtracted before exponentiating so large scores do
/// not overflow.
///
/// Panics when the three slices differ in length: a caller bug, not data.
pub fn cox_partial_nll_and_grad(risk_scores: &[f64], time: &[f64], event: &[bool], ties: Ties) -> (f64, Vec<f64>) {
    let n = risk_scores.len();
    assert!(
        time.len() == n && event.len() == n,
        "cox_partial_nll_and_grad: {n} scores, {} times, {} events; expected one of each per patient",
        time.len(),
        event.len()
    );
    let n_events = event.iter().filter(|&&e| e).count();
    let mut grad = vec![0.0; n];
    if n_events == 0 {
        return (0.0, grad);
    }
    let shift = risk_scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = risk_scores.iter().map(|&s| (s - shift).exp()).collect();
    let sets = RiskSets::new(time);

    // d loglik / d eta_k = [k event] - w_k * (sum of `a` over runs whose
    // risk set holds k) + w_k * b(k's run) when k is a tied event, with
    // a = sum_l 1/(S_R - f_l S_D) and b = sum_l f_l/(S_R - f_l S_D).
    let mut loglik = 0.0;
    let mut risk_sum = 0.0;
    let mut a_run = vec![0.0; sets.runs.len()];
    let mut b_run = vec![0.0; sets.runs.len()];
    for (r, &(start, end)) in sets.runs.iter().enumerate() {
        let members = &sets.order[start..end];
        risk_sum += members.iter().map(|&i| w[i]).sum::<f64>();
        let deaths: Vec<usize> = members.iter().copied().filter(|&i| event[i]).collect();
        if deaths.is_empty() {
            continue;
        }
        let tie_sum: f64 = deaths.iter().map(|&i| w[i]).sum();
        for f in tie_fractions(ties, deaths.len()) {
            let denom = risk_sum - f * tie_sum;
            loglik -= denom.ln() + shift;
            a_run[r] += 1.0 / denom;
            b_run[r] += f / denom;
        }
        loglik += deaths.iter().map(|&i| risk_scores[i]).sum::<f64>();
    }
    // Runs are time-descending; a patient in run r is at risk in runs r..
    // (the same and all earlier times), so accumulate from the shortest time.
    let mut cumulative_a = 0.0;
    for (r, &(start, end)) in sets.runs.iter().enumerate().rev() {
        cumulative_a += a_run[r];
        for &k in &sets.order[start..end] {
            let mut g = -w[k] * cumulative_a;
            if event[k] {
                g += 1.0 + w[k] * b_run[r];
            }
            grad[k] = -g / n_events as f64;
        }
    }
    (-loglik / n_events as f64, grad)
}

/// Log partial likelihood at `beta` with its gradient and Hessian, for
/// covariates `x` `[n, p]` row-major. The Hessian is of the log-likelihood
/// (negative semi-definite).
pub(crate) fn loglik_derivatives(
    x: &[f64],
    p: usize,
    beta: &[f64],
    event: &[bool],
    sets: &RiskSets,
    ties: Ties,
) -> (f64, Vec<f64>, Vec<f64>) {
    let n = event.len();
    let eta: Vec<f64> = (0..n).map(|i| dot(&x[i * p..(i + 1) * p], beta)).collect();
    let shift = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = eta.iter().map(|&e| (e - shift).exp()).collect();

    let mut loglik = 0.0;
    let mut grad = vec![0.0; p];
    let mut hess = vec![0.0; p * p];
    let (mut s0, mut s1, mut s2) = (0.0, vec![0.0; p], vec![0.0; p * p]);
    let (mut a1, mut a2) = (vec![0.0; p], vec![0.0; p * p]);
    for &(start, end) in &sets.runs {
        let (mut t0, mut t1, mut t2) = (0.0, vec![0.0; p], vec![0.0; p * p]);
        let mut d = 0;
        for &i in &sets.order[start..end] {
            let xi = &x[i * p..(i + 1) * p];
            accumulate(&mut s0, &mut s1, &mut s2, w[i], xi);
            if event[i] {
                accumulate(&mut t0, &mut t1, &mut t2, w[i], xi);
                d += 1;
                loglik += eta[i];
                for (g, v) in grad.iter_mut().zip(xi) {
                    *g += v;
                }
            }
        }
        for f in tie_fractions(ties, d) {
            let a0 = s0 - f * t0;
            for j in 0..p {
                a1[j] = (s1[j] - f * t1[j]) / a0;
            }
            for jk in 0..p * p {
                a2[jk] = (s2[jk] - f * t2[jk]) / a0;
            }
            loglik -= a0.ln() + shift;
            for j in 0..p {
                grad[j] -= a1[j];
                for k in 0..p {
                    hess[j * p + k] -= a2[j * p + k] - a1[j] * a1[k];
                }
            }
        }
    }
    (loglik, grad, hess)
}

fn accumulate(s0: &mut f64, s1: &mut [f64], s2: &mut [f64], w: f64, x: &[f64]) {
    let p = x.len();
    *s0 += w;
    for j in 0..p {
        let wx = w * x[j];
        s1[j] += wx;
        for k in 0..p {
            s2[j * p + k] += wx * x[k];
        }
    }
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three patients, times 1, 2, 3, all events, scores 0, ln 2, 0:
    /// w = 1, 2, 1. Risk sets {all} (sum 4), {2,3} (sum 3), {3} (sum 1).
    /// loglik = (0 - ln 4) + (ln 2 - ln 3) + (0 - ln 1) = ln(2/12) = -ln 6;
    /// nll per event = ln 6 / 3.
    #[test]
    fn loss_by_hand_without_ties() {
        let s = [0.0, 2f64.ln(), 0.0];
        let (nll, grad) = cox_partial_nll_and_grad(&s, &[1.0, 2.0, 3.0], &[true; 3], Ties::Efron);
        assert!((nll - 6f64.ln() / 3.0).abs() < 1e-12);
        // d loglik/d eta_1 = 1 - 1/4 = 3/4
        // d loglik/d eta_2 = 1 - 2/4 - 2/3 = -1/6
        // d loglik/d eta_3 = 1 - 1/4 - 1/3 - 1 = -7/12
        let expected = [-0.75 / 3.0, (1.0 / 6.0) / 3.0, (7.0 / 12.0) / 3.0];
        for (g, e) in grad.iter().zip(expected) {
            assert!((g - e).abs() < 1e-12, "{grad:?}");
        }
    }

    /// Two events tied at t = 1 with w = 1, 2, and one patient censored at
    /// 2 with w = 1. Breslow: 2 * ln(4) in the denominator; Efron:
    /// ln(4) + ln(4 - 3/2) = ln 4 + ln 2.5.
    #[test]
    fn tied_events_by_hand() {
        let s = [0.0, 2f64.ln(), 0.0];
        let t = [1.0, 1.0, 2.0];
        let e = [true, true, false];
        let ll_num = 2f64.ln();
        let (b, _) = cox_partial_nll_and_grad(&s, &t, &e, Ties::Breslow);
        assert!((b - (2.0 * 4f64.ln() - ll_num) / 2.0).abs() < 1e-12);
        let (f, _) = cox_partial_nll_and_grad(&s, &t, &e, Ties::Efron);
        assert!((f - (4f64.ln() + 2.5f64.ln() - ll_num) / 2.0).abs() < 1e-12);
    }

    fn finite_difference_check(ties: Ties) {
        let s = [0.3, -1.2, 0.8, 0.1, 2.0, -0.4, 0.0];
        let t = [5.0, 2.0, 2.0, 7.0, 2.0, 5.0, 1.0];
        let e = [true, true, true, false, false, true, false];
        let (_, grad) = cox_partial_nll_and_grad(&s, &t, &e, ties);
        for k in 0..s.len() {
            let h = 1e-6;
            let mut up = s;
            up[k] += h;
            let mut down = s;
            down[k] -= h;
            let numeric = (cox_partial_nll_and_grad(&up, &t, &e, ties).0
                - cox_partial_nll_and_grad(&down, &t, &e, ties).0)
                / (2.0 * h);
            assert!((numeric - grad[k]).abs() < 1e-7, "{ties:?} k={k}: {numeric} vs {}", grad[k]);
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        finite_difference_check(Ties::Efron);
        finite_difference_check(Ties::Breslow);
    }

    #[test]
    fn shift_invariant_no_overflow_and_no_events_is_zero() {
        let t = [1.0, 2.0, 3.0];
        let e = [true, false, true];
        let (a, _) = cox_partial_nll_and_grad(&[0.1, 0.5, -0.2], &t, &e, Ties::Efron);
        let (b, gb) = cox_partial_nll_and_grad(&[1000.1, 1000.5, 999.8], &t, &e, Ties::Efron);
        assert!((a - b).abs() < 1e-9 && gb.iter().all(|g| g.is_finite()));
        let (z, gz) = cox_partial_nll_and_grad(&[0.1, 0.5, -0.2], &t, &[false; 3], Ties::Efron);
        assert_eq!((z, gz), (0.0, vec![0.0; 3]));
    }

    #[test]
    fn coefficient_derivatives_agree_with_score_gradient() {
        // With one covariate x and beta, eta = x * beta, so
        // d loglik / d beta = sum_k x_k * d loglik / d eta_k.
        let x = [0.5, -1.0, 2.0, 0.0, 1.5];
        let t = [3.0, 1.0, 1.0, 4.0, 2.0];
        let e = [true, true, true, false, true];
        let beta = [0.7];
        let eta: Vec<f64> = x.iter().map(|v| v * beta[0]).collect();
        let (nll, g_eta) = cox_partial_nll_and_grad(&eta, &t, &e, Ties::Efron);
        let sets = RiskSets::new(&t);
        let (ll, g_beta, h) = loglik_derivatives(&x, 1, &beta, &e, &sets, Ties::Efron);
        assert!((ll + 4.0 * nll).abs() < 1e-12);
        let via_eta: f64 = -4.0 * x.iter().zip(&g_eta).map(|(a, b)| a * b).sum::<f64>();
        assert!((g_beta[0] - via_eta).abs() < 1e-12);
        let step = 1e-5;
        let (_, g_up, _) = loglik_derivatives(&x, 1, &[beta[0] + step], &e, &sets, Ties::Efron);
        let (_, g_dn, _) = loglik_derivatives(&x, 1, &[beta[0] - step], &e, &sets, Ties::Efron);
        assert!(((g_up[0] - g_dn[0]) / (2.0 * step) - h[0]).abs() < 1e-6);
        assert!(h[0] < 0.0);
    }
}
