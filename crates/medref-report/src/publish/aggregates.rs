//! `curves.json`: the test split's ROC and precision-recall points, its
//! confusion matrix and, for regression, binned predicted-against-true
//! means, computed from `predictions.csv` before that file is left out.
//! A survival run's risk scores have no such aggregate: its report draws
//! nothing from them.
//!
//! Every curve point is a threshold's cumulative counts, and consecutive
//! points are at least k patients apart (tied scores are never split), so
//! no step of a curve stands for fewer than k people. Confusion cells
//! holding 1 to k - 1 patients are suppressed (`null`), together with one
//! more cell of the same row when a row total would give it away.

use crate::published_bundle::{Confusion, Curve, Curves, ScatterBin};
use crate::run::Run;
use medref_core::task::TaskKind;

/// Most one-vs-rest curves kept, as the report draws no more.
const MAX_CURVES: usize = 8;

/// Cumulative `(true positives, false positives)` at thresholds chosen so
/// that each step adds at least `k` samples; ends at the totals. Empty when
/// there are fewer than `k` samples, or no positive or no negative.
fn coarse_counts(labels: &[bool], scores: &[f64], k: usize) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..labels.len()).filter(|&i| scores[i].is_finite()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let positives = order.iter().filter(|&&i| labels[i]).count();
    let negatives = order.len() - positives;
    if order.len() < k.max(1) || positives == 0 || negatives == 0 {
        return Vec::new();
    }
    let mut steps = Vec::new();
    let (mut tp, mut fp, mut since_last) = (0, 0, 0);
    for (j, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1
        } else {
            fp += 1
        }
        since_last += 1;
        let tie_follows = order.get(j + 1).is_some_and(|&next| scores[next] == scores[i]);
        if since_last >= k && !tie_follows {
            steps.push((tp, fp));
            since_last = 0;
        }
    }
    if since_last > 0 {
        // A last step of fewer than k samples is merged into the one before.
        if since_last < k {
            steps.pop();
        }
        steps.push((tp, fp));
    }
    steps
}

/// ROC and precision-recall points of one binary column.
fn binary_curves(label: &str, labels: &[bool], scores: &[f64], k: usize) -> Option<(Curve, Curve)> {
    let steps = coarse_counts(labels, scores, k);
    let &(p, n) = steps.last()?;
    let mut roc = vec![[0.0, 0.0]];
    roc.extend(steps.iter().map(|&(tp, fp)| [fp as f64 / n as f64, tp as f64 / p as f64]));
    let precision = |tp: usize, fp: usize| tp as f64 / (tp + fp) as f64;
    let mut pr = vec![[0.0, precision(steps[0].0, steps[0].1)]];
    pr.extend(steps.iter().map(|&(tp, fp)| [tp as f64 / p as f64, precision(tp, fp)]));
    let prevalence = p as f64 / (p + n) as f64;
    Some((
        Curve { label: label.to_string(), points: roc, prevalence: None },
        Curve { label: label.to_string(), points: pr, prevalence: Some(prevalence) },
    ))
}

/// Suppresses cells of 1 to k - 1, then, in any row left with exactly one
/// suppressed cell, the smallest other non-empty cell, since the class's
/// total (published as `n_positive` and `n`) would give the first back.
fn suppress_cells(matrix: &[Vec<u64>], k: usize) -> (Vec<Vec<Option<u64>>>, usize) {
    let small = |v: u64| v > 0 && (v as usize) < k;
    let mut cells: Vec<Vec<Option<u64>>> =
        matrix.iter().map(|row| row.iter().map(|&v| (!small(v)).then_some(v)).collect()).collect();
    for row in &mut cells {
        if row.iter().filter(|c| c.is_none()).count() == 1 {
            let smallest = row.iter().enumerate().filter_map(|(j, c)| c.filter(|&v| v > 0).map(|v| (v, j))).min();
            if let Some((_, j)) = smallest {
                row[j] = None;
            }
        }
    }
    let suppressed = cells.iter().flatten().filter(|c| c.is_none()).count();
    (cells, suppressed)
}

/// Index of the largest score of a row (the first on ties).
fn argmax(row: &[f64]) -> usize {
    row.iter().enumerate().fold(0, |best, (j, v)| if *v > row[best] { j } else { best })
}

/// The test split's aggregates, or `None` when the run has no test
/// predictions, they are a survival run's risks, or their columns do not
/// fit the task (labels and scores that would not pair up row by row).
pub(crate) fn test_curves(run: &Run, k: usize) -> Option<Curves> {
    let p = run.predictions.as_ref()?;
    let s = p.splits.get("test").filter(|s| s.n > 0)?;
    let fits = match run.task() {
        TaskKind::Binary => p.label_width == 1 && p.n_scores >= 2,
        TaskKind::Multiclass | TaskKind::SequenceLabelling | TaskKind::Regression => p.label_width == 1,
        TaskKind::Multilabel => true,
        TaskKind::Survival | TaskKind::Segmentation => false,
    };
    if !fits {
        return None;
    }
    let mut curves = Curves {
        k,
        split: "test".into(),
        n: s.n,
        roc: Vec::new(),
        pr: Vec::new(),
        confusion: None,
        scatter: Vec::new(),
    };
    let rows = || s.scores.chunks(p.n_scores);
    match run.task() {
        TaskKind::Binary => {
            let labels: Vec<bool> = s.labels.iter().map(|&l| l == 1.0).collect();
            let scores: Vec<f64> = rows().map(|r| r[1]).collect();
            if let Some((roc, pr)) = binary_curves("model", &labels, &scores, k) {
                curves.roc.push(roc);
                curves.pr.push(pr);
            }
            let t = run.threshold();
            let mut m = vec![vec![0u64; 2]; 2];
            for (&l, &sc) in labels.iter().zip(&scores) {
                m[usize::from(l)][usize::from(sc >= t)] += 1;
            }
            let (cells, suppressed_cells) = suppress_cells(&m, k);
            curves.confusion = Some(Confusion {
                rule: format!("positive when the score is at least {t}"),
                classes: run.class_names(2),
                cells,
                suppressed_cells,
            });
        }
        TaskKind::Multiclass | TaskKind::SequenceLabelling => {
            let n_classes = run.n_classes();
            let names = run.class_names(n_classes);
            for (c, name) in names.iter().enumerate().take(MAX_CURVES) {
                let labels: Vec<bool> = s.labels.iter().map(|&l| l as usize == c).collect();
                let scores: Vec<f64> = rows().map(|r| r.get(c).copied().unwrap_or(f64::NAN)).collect();
                if let Some((roc, pr)) = binary_curves(name, &labels, &scores, k) {
                    curves.roc.push(roc);
                    curves.pr.push(pr);
                }
            }
            let mut m = vec![vec![0u64; n_classes]; n_classes];
            for (&l, r) in s.labels.iter().zip(rows()) {
                let (t, pred) = (l as usize, argmax(r));
                if t < n_classes && pred < n_classes {
                    m[t][pred] += 1;
                }
            }
            let (cells, suppressed_cells) = suppress_cells(&m, k);
            curves.confusion =
                Some(Confusion { rule: "most probable class".into(), classes: names, cells, suppressed_cells });
        }
        TaskKind::Multilabel => {
            let width = run.n_classes();
            let names = run.class_names(width);
            for (j, name) in names.iter().enumerate().take(MAX_CURVES) {
                let labels: Vec<bool> = s.labels.chunks(width).map(|r| r[j] == 1.0).collect();
                let scores: Vec<f64> = rows().map(|r| r.get(j).copied().unwrap_or(f64::NAN)).collect();
                if let Some((roc, pr)) = binary_curves(name, &labels, &scores, k) {
                    curves.roc.push(roc);
                    curves.pr.push(pr);
                }
            }
        }
        TaskKind::Regression => {
            let mut pairs: Vec<(f64, f64)> = s
                .labels
                .iter()
                .zip(rows().map(|r| r[0]))
                .map(|(&t, p)| (t, p))
                .filter(|(t, p)| t.is_finite() && p.is_finite())
                .collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            curves.scatter = scatter_bins(&pairs, k);
        }
        TaskKind::Survival | TaskKind::Segmentation => return None,
    }
    Some(curves)
}

/// Means of consecutive groups of at least `k` (true, predicted) pairs
/// sorted by the true value; a short tail joins the last group.
fn scatter_bins(pairs: &[(f64, f64)], k: usize) -> Vec<ScatterBin> {
    let k = k.max(1);
    if pairs.len() < k {
        return Vec::new();
    }
    let groups = pairs.len() / k;
    let bins = groups.min(40);
    let mut out = Vec::new();
    let mut start = 0;
    for b in 0..bins {
        let end = if b + 1 == bins { pairs.len() } else { (b + 1) * pairs.len() / bins };
        let chunk = &pairs[start..end];
        let n = chunk.len() as f64;
        out.push(ScatterBin {
            n: chunk.len(),
            true_mean: chunk.iter().map(|p| p.0).sum::<f64>() / n,
            predicted_mean: chunk.iter().map(|p| p.1).sum::<f64>() / n,
        });
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curve_step_holds_at_least_k_samples() {
        let labels: Vec<bool> = (0..53).map(|i| i % 3 == 0).collect();
        let scores: Vec<f64> = (0..53).map(|i| (i % 17) as f64 / 17.0).collect();
        let steps = coarse_counts(&labels, &scores, 10);
        let mut previous = 0;
        for &(tp, fp) in &steps {
            assert!(tp + fp - previous >= 10, "a step of {} samples", tp + fp - previous);
            previous = tp + fp;
        }
        assert_eq!(steps.last(), Some(&(18, 35)));
        assert!(coarse_counts(&labels[..9], &scores[..9], 10).is_empty());
    }

    #[test]
    fn small_cells_and_their_row_partner_are_suppressed() {
        let (cells, n) = suppress_cells(&[vec![40, 2], vec![0, 30]], 10);
        assert_eq!(cells, vec![vec![None, None], vec![Some(0), Some(30)]]);
        assert_eq!(n, 2);
        let (cells, n) = suppress_cells(&[vec![40, 12], vec![11, 30]], 10);
        assert_eq!(n, 0);
        assert_eq!(cells[1][0], Some(11));
    }

    #[test]
    fn scatter_bins_are_never_smaller_than_k() {
        let pairs: Vec<(f64, f64)> = (0..47).map(|i| (i as f64, i as f64 + 0.5)).collect();
        let bins = scatter_bins(&pairs, 10);
        assert_eq!(bins.len(), 4);
        assert!(bins.iter().all(|b| b.n >= 10));
        assert_eq!(bins.iter().map(|b| b.n).sum::<usize>(), 47);
    }
}
