//! Scores of pixel targets ([`Targets::Masks`]) as segmentation reports
//! them: per image, then a mean over images with a bootstrap interval
//! (`medref_core::metrics::segmentation`). A pixel is foreground when its
//! most probable class is not class 0 (background), so the headline
//! metrics judge a multi-class mask as "any structure against
//! background"; with more than two classes each structure is also scored
//! on its own (`class{c}_dice`, ...), as MONAI's per-class Dice does,
//! because a good mean can hide a structure the model never finds.

use medref_core::config::EvalConfig;
use medref_core::metrics::summary::argmax_rows;
use medref_core::metrics::{segmentation_summary, ImageSegmentation};
use medref_core::targets::MaskTargets;
use std::collections::BTreeMap;

/// Predicted and true pixels of image `i` that belong to `class` (any
/// class but background when `None`), and its region of interest.
fn structure(
    m: &MaskTargets,
    scores: &[f64],
    i: usize,
    class: Option<usize>,
) -> (Vec<bool>, Vec<bool>, Option<Vec<bool>>) {
    let k = m.n_classes;
    let (a, b) = (m.offsets[i], m.offsets[i + 1]);
    let is = |c: usize| class.map_or(c != 0, |wanted| c == wanted);
    let predicted = argmax_rows(&scores[a * k..b * k], k).into_iter().map(is).collect();
    let truth = m.labels[a..b].iter().map(|&c| is(usize::from(c))).collect();
    let roi = (!m.roi.is_empty()).then(|| m.roi[a..b].to_vec());
    (predicted, truth, roi)
}

fn per_image_of(m: &MaskTargets, scores: &[f64], class: Option<usize>) -> Vec<ImageSegmentation> {
    (0..m.offsets.len().saturating_sub(1))
        .map(|i| {
            let (pred, truth, roi) = structure(m, scores, i, class);
            let [h, w] = m.shapes[i];
            ImageSegmentation::new(&pred, &truth, roi.as_deref(), &[h, w], &[1.0, 1.0]).unwrap_or_default()
        })
        .collect()
}

/// Each image's metrics, in image order; surface distances in pixels.
pub fn per_image(m: &MaskTargets, scores: &[f64]) -> Vec<ImageSegmentation> {
    per_image_of(m, scores, None)
}

/// The structures scored on their own: classes 1.. when there are more than two.
fn own_classes(m: &MaskTargets) -> std::ops::Range<usize> {
    if m.n_classes > 2 {
        1..m.n_classes
    } else {
        0..0
    }
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
    for c in own_classes(m) {
        for (key, value) in segmentation_summary(&per_image_of(m, scores, Some(c)), eval.bootstrap, seed) {
            out.insert(format!("class{c}_{key}"), value);
        }
    }
    out
}

/// `per_image_metrics.csv`: a row per image of each split, what a
/// segmentation paper's per-case table holds (no pixels).
/// With more than two classes, a Dice column per structure follows.
pub fn per_image_csv(splits: &[(&str, &[String], &MaskTargets, &[f64])]) -> String {
    let mut s = String::from("id,split,dice,iou,sensitivity,specificity,hd95,mean_surface_distance");
    let classes = splits.first().map_or(0..0, |(_, _, m, _)| own_classes(m));
    classes.clone().for_each(|c| s.push_str(&format!(",class{c}_dice")));
    s.push('\n');
    let cell = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
    for (split, ids, m, scores) in splits {
        let by_class: Vec<Vec<ImageSegmentation>> = classes.clone().map(|c| per_image_of(m, scores, Some(c))).collect();
        for (i, (id, r)) in ids.iter().zip(per_image(m, scores)).enumerate() {
            s.push_str(&format!(
                "{},{split},{},{},{},{},{},{}",
                crate::run_dir::csv_field(id),
                cell(r.dice),
                cell(r.iou),
                cell(r.sensitivity),
                cell(r.specificity),
                cell(r.hd95),
                cell(r.mean_surface_distance)
            ));
            by_class.iter().for_each(|per| s.push_str(&format!(",{}", cell(per[i].dice))));
            s.push('\n');
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

    /// Three classes on one 2x3 image: class 1 found exactly, class 2's
    /// two pixels predicted as one class 2 and one class 1.
    #[test]
    fn each_structure_is_scored_on_its_own() {
        let m = MaskTargets {
            labels: vec![0, 1, 1, 2, 2, 0],
            roi: Vec::new(),
            offsets: vec![0, 6],
            shapes: vec![[2, 3]],
            n_classes: 3,
        };
        let predicted = [0usize, 1, 1, 2, 1, 0];
        let scores: Vec<f64> =
            predicted.iter().flat_map(|&c| (0..3).map(move |k| if k == c { 0.8 } else { 0.1 })).collect();
        let out = split_metrics(&m, &scores, &EvalConfig { bootstrap: 0, ..EvalConfig::default() }, 0);
        // Class 1: truth {1, 2}, predicted {1, 2, 4}: Dice 2*2/(2+3) = 0.8.
        assert!((out["class1_dice"] - 0.8).abs() < 1e-12, "{out:?}");
        // Class 2: truth {3, 4}, predicted {3}: Dice 2*1/(2+1).
        assert!((out["class2_dice"] - 2.0 / 3.0).abs() < 1e-12, "{out:?}");
        // Any structure against background: exact.
        assert_eq!(out["dice"], 1.0);
        let csv = per_image_csv(&[("test", &["a".into()], &m, &scores)]);
        assert!(
            csv.starts_with(
                "id,split,dice,iou,sensitivity,specificity,hd95,mean_surface_distance,class1_dice,class2_dice\n"
            ),
            "{csv}"
        );
        assert!(csv.lines().nth(1).unwrap().ends_with(",0.800000,0.666667"), "{csv}");
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
