//! Scores of pixel targets ([`Targets::Masks`]) as segmentation reports
//! them: per image, then a mean over images with a bootstrap interval
//! (`medref_core::metrics::segmentation`). A pixel is foreground when its
//! most probable class is not class 0 (background), so a multi-class mask
//! is judged here as "any structure against background".

use medref_core::config::EvalConfig;
use medref_core::metrics::summary::argmax_rows;
use medref_core::metrics::{segmentation_summary, ImageSegmentation};
use medref_core::targets::MaskTargets;
use std::collections::BTreeMap;

/// Predicted and true foreground of image `i`, and its region of interest.
fn foreground(m: &MaskTargets, scores: &[f64], i: usize) -> (Vec<bool>, Vec<bool>, Option<Vec<bool>>) {
    let k = m.n_classes;
    let (a, b) = (m.offsets[i], m.offsets[i + 1]);
    let predicted = argmax_rows(&scores[a * k..b * k], k).into_iter().map(|c| c != 0).collect();
    let truth = m.labels[a..b].iter().map(|&c| c != 0).collect();
    let roi = (!m.roi.is_empty()).then(|| m.roi[a..b].to_vec());
    (predicted, truth, roi)
}

/// Each image's metrics, in image order; surface distances in pixels.
pub fn per_image(m: &MaskTargets, scores: &[f64]) -> Vec<ImageSegmentation> {
    (0..m.offsets.len().saturating_sub(1))
        .map(|i| {
            let (pred, truth, roi) = foreground(m, scores, i);
            let [h, w] = m.shapes[i];
            ImageSegmentation::new(&pred, &truth, roi.as_deref(), &[h, w], &[1.0, 1.0]).unwrap_or_default()
        })
        .collect()
}

/// Mean Dice over the images where it is defined (NaN if none): what
/// `monitor = "dice"` follows.
pub fn mean_dice(m: &MaskTargets, scores: &[f64]) -> f64 {
    let dice: Vec<f64> = per_image(m, scores).iter().filter_map(|s| s.dice).collect();
    if dice.is_empty() {
        return f64::NAN;
    }
    dice.iter().sum::<f64>() / dice.len() as f64
}

/// The training objective on probabilities (Dice + cross-entropy, as
/// `loss::dice_ce_loss`, each image one sample), for the validation loss.
pub fn dice_ce(m: &MaskTargets, scores: &[f64]) -> f64 {
    let k = m.n_classes;
    let (mut ce, mut counted, mut dice, mut terms) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..m.offsets.len().saturating_sub(1) {
        let (mut inter, mut p_sum, mut y_sum) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
        for p in m.offsets[i]..m.offsets[i + 1] {
            if !m.counts(p) {
                continue;
            }
            let y = usize::from(m.labels[p]);
            ce -= scores[p * k + y].max(1e-12).ln();
            counted += 1.0;
            for (sum, &score) in p_sum.iter_mut().zip(&scores[p * k..(p + 1) * k]) {
                *sum += score;
            }
            inter[y] += scores[p * k + y];
            y_sum[y] += 1.0;
        }
        for ((both, predicted), truth) in inter.iter().zip(&p_sum).zip(&y_sum) {
            dice += 1.0 - (2.0 * both + 1e-5) / (predicted + truth + 1e-5);
            terms += 1.0;
        }
    }
    if counted == 0.0 {
        return f64::NAN;
    }
    ce / counted + dice / terms
}

/// `metrics.json`'s entries of a split: Dice, IoU, sensitivity,
/// specificity, HD95 and mean surface distance (mean, interval, images
/// used), pixel accuracy inside the region of interest, and the loss.
pub fn split_metrics(m: &MaskTargets, scores: &[f64], eval: &EvalConfig, seed: u64) -> BTreeMap<String, f64> {
    let mut out = segmentation_summary(&per_image(m, scores), eval.bootstrap, seed);
    let k = m.n_classes;
    let predicted = argmax_rows(scores, k);
    let (mut hits, mut counted) = (0usize, 0usize);
    for (p, (&y, &c)) in m.labels.iter().zip(&predicted).enumerate() {
        if m.counts(p) {
            counted += 1;
            hits += usize::from(usize::from(y) == c);
        }
    }
    out.insert("pixel_accuracy".into(), hits as f64 / counted.max(1) as f64);
    out.insert("loss".into(), dice_ce(m, scores));
    out
}

/// `per_image_metrics.csv`: a row per image of each split, what a
/// segmentation paper's per-case table holds (no pixels).
pub fn per_image_csv(splits: &[(&str, &[String], &MaskTargets, &[f64])]) -> String {
    let mut s = String::from("id,split,dice,iou,sensitivity,specificity,hd95,mean_surface_distance\n");
    let cell = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
    for (split, ids, m, scores) in splits {
        for (id, r) in ids.iter().zip(per_image(m, scores)) {
            s.push_str(&format!(
                "{},{split},{},{},{},{},{},{}\n",
                crate::run_dir::csv_field(id),
                cell(r.dice),
                cell(r.iou),
                cell(r.sensitivity),
                cell(r.specificity),
                cell(r.hd95),
                cell(r.mean_surface_distance)
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 2x2 images: the first predicted exactly, the second with one of
    /// its two foreground pixels missed.
    fn two_images() -> (MaskTargets, Vec<f64>) {
        let m = MaskTargets {
            labels: vec![0, 1, 1, 0, 1, 1, 0, 0],
            roi: Vec::new(),
            offsets: vec![0, 4, 8],
            shapes: vec![[2, 2], [2, 2]],
            n_classes: 2,
        };
        let fg = [0.1, 0.9, 0.8, 0.2, 0.7, 0.4, 0.3, 0.1];
        let scores = fg.iter().flat_map(|&p| [1.0 - p, p]).collect();
        (m, scores)
    }

    #[test]
    fn per_image_dice_and_its_mean_by_hand() {
        let (m, scores) = two_images();
        let per = per_image(&m, &scores);
        assert_eq!(per[0].dice, Some(1.0));
        // TP 1, FN 1, FP 0: Dice 2/3.
        assert!((per[1].dice.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((mean_dice(&m, &scores) - 5.0 / 6.0).abs() < 1e-12);
        let csv = per_image_csv(&[("test", &["a".into(), "b".into()], &m, &scores)]);
        assert!(csv.lines().nth(2).unwrap().starts_with("b,test,0.666667,0.500000,0.500000,1.000000"), "{csv}");
    }

    /// The validation loss on probabilities is the training loss on
    /// logits: the case of `loss::tests` (p = 1/2 everywhere) by hand.
    #[test]
    fn dice_ce_on_probabilities_matches_the_training_loss() {
        let m = MaskTargets {
            labels: vec![0, 1, 1, 0],
            roi: vec![true, true, true, false],
            offsets: vec![0, 2, 4],
            shapes: vec![[1, 2], [1, 2]],
            n_classes: 2,
        };
        let e = 1e-5;
        let image0 = 1.0 - (1.0 + e) / (2.0 + e);
        let image1 = (1.0 - e / (0.5 + e) + 1.0 - (1.0 + e) / (1.5 + e)) / 2.0;
        let expected = 2f64.ln() + (image0 + image1) / 2.0;
        assert!((dice_ce(&m, &[0.5; 8]) - expected).abs() < 1e-12);
    }

    #[test]
    fn pixels_outside_the_roi_change_nothing() {
        let (mut m, mut scores) = two_images();
        let before = split_metrics(&m, &scores, &EvalConfig::default(), 0);
        // Flip the prediction of a pixel, then take it out of the region.
        scores[2..4].swap(0, 1);
        m.roi = vec![true, false, true, true, true, true, true, true];
        let after = split_metrics(&m, &scores, &EvalConfig::default(), 0);
        assert_eq!(before["dice"], after["dice"]);
        assert_eq!(before["pixel_accuracy"], 7.0 / 8.0);
        assert_eq!(after["pixel_accuracy"], 6.0 / 7.0);
    }
}
