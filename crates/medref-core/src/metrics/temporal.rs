//! Metrics for signals over time: per-class recall for window classifiers,
//! the surgical-workflow metrics of frame labellers (frame accuracy,
//! segmental edit score, segmental F1@k) and fall-detector sensitivity at a
//! fixed false-alarm rate.
//!
//! Frame-wise accuracy rewards a labeller that gets most frames right even
//! when it flickers between labels; the segmental metrics punish that
//! flicker (over-segmentation), which is what a surgeon reading a phase
//! timeline notices. [`edit_score`] and [`segmental_f1`] follow the
//! evaluation code released with MS-TCN (Farha & Gall 2019), which
//! implements Lea et al. 2016's edit score and F1@k, so numbers here can be
//! compared with published tables.

use super::classification::confusion_matrix;

/// Recall of each class, `[n_classes]`: of the samples truly in class `c`,
/// the fraction predicted `c`.
///
/// A class absent from `labels` gets NaN (its recall is undefined, not 0).
/// Different lengths or a class index `>= n_classes` give an empty `Vec`.
/// The mean of the defined entries is
/// [`balanced_accuracy`](super::balanced_accuracy).
pub fn per_class_recall(labels: &[usize], predicted: &[usize], n_classes: usize) -> Vec<f64> {
    let matrix = confusion_matrix(labels, predicted, n_classes);
    matrix
        .iter()
        .enumerate()
        .map(|(class, row)| {
            let support: u64 = row.iter().sum();
            if support == 0 {
                f64::NAN
            } else {
                row[class] as f64 / support as f64
            }
        })
        .collect()
}

/// Fraction of frames whose predicted label is the true one (MS-TCN's
/// "Acc"), in `0..=1`. No frame is ignored, background included. Empty or
/// different-length sequences give NaN.
pub fn frame_accuracy(truth: &[usize], predicted: &[usize]) -> f64 {
    super::accuracy(truth, predicted)
}

/// A maximal run of one label in a frame label sequence: frames
/// `start..end` (end exclusive) all carry `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The class index every frame of the run carries.
    pub label: usize,
    /// First frame of the run (0-based).
    pub start: usize,
    /// One past the last frame of the run.
    pub end: usize,
}

impl Segment {
    /// Number of frames in the run.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for a run without frames (never produced by [`segments`]).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// The runs of equal labels in `labels`, in order; `AAABBC` gives
/// `[(A, 0, 3), (B, 3, 5), (C, 5, 6)]`. Empty input gives no segments.
pub fn segments(labels: &[usize]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for (frame, &label) in labels.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.label == label => last.end = frame + 1,
            _ => out.push(Segment { label, start: frame, end: frame + 1 }),
        }
    }
    out
}

/// Segments of `labels` without those of the `ignore` label (background).
fn foreground_segments(labels: &[usize], ignore: Option<usize>) -> Vec<Segment> {
    let mut all = segments(labels);
    if let Some(background) = ignore {
        all.retain(|s| s.label != background);
    }
    all
}

/// Levenshtein distance between two label sequences (unit costs).
fn levenshtein(a: &[usize], b: &[usize]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, &x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(x != y);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Segmental edit score (Lea et al. 2016), in `0..=100`:
/// `100 * (1 - levenshtein(truth segment labels, predicted segment labels)
/// / max(#truth segments, #predicted segments))`.
///
/// It compares only the order of segments, not their timing: shifting a
/// boundary costs nothing, while a spurious short segment in the middle of
/// a long one costs two edits. `ignore` drops segments of a background
/// label from both sides first, as MS-TCN's `bg_class` does.
///
/// One video per call; MS-TCN reports the mean over videos. Empty or
/// different-length sequences, or no segment left on either side after
/// `ignore`, give NaN.
pub fn edit_score(truth: &[usize], predicted: &[usize], ignore: Option<usize>) -> f64 {
    if truth.len() != predicted.len() || truth.is_empty() {
        return f64::NAN;
    }
    let t: Vec<usize> = foreground_segments(truth, ignore).iter().map(|s| s.label).collect();
    let p: Vec<usize> = foreground_segments(predicted, ignore).iter().map(|s| s.label).collect();
    let longest = t.len().max(p.len());
    if longest == 0 {
        return f64::NAN;
    }
    100.0 * (1.0 - levenshtein(&t, &p) as f64 / longest as f64)
}

/// Segment-level true positives, false positives and false negatives at
/// one IoU threshold, summable over videos before taking F1 (as MS-TCN
/// does: its F1@k is computed once from counts summed over the test set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SegmentCounts {
    /// Predicted segments matched to a true segment.
    pub true_positive: u64,
    /// Predicted segments left unmatched.
    pub false_positive: u64,
    /// True segments no prediction matched.
    pub false_negative: u64,
}

impl SegmentCounts {
    /// Adds another video's counts.
    pub fn add(&mut self, other: SegmentCounts) {
        self.true_positive += other.true_positive;
        self.false_positive += other.false_positive;
        self.false_negative += other.false_negative;
    }

    /// F1 of the counts, in `0..=100`. No segment at all (all counts 0)
    /// gives NaN; segments but no true positive give 0.
    pub fn f1(&self) -> f64 {
        let tp = self.true_positive as f64;
        let denominator = 2.0 * tp + self.false_positive as f64 + self.false_negative as f64;
        if denominator == 0.0 {
            return f64::NAN;
        }
        // 2PR/(P+R) with P = tp/(tp+fp), R = tp/(tp+fn) reduces to this.
        100.0 * 2.0 * tp / denominator
    }
}

/// Counts behind [`segmental_f1`] for one video; `None` for empty or
/// different-length sequences or an `overlap` outside `(0, 1]` (at 0 a
/// prediction could match a segment of another label with IoU 0).
///
/// Matching follows MS-TCN's `f_score` exactly: each predicted segment, in
/// order, takes the true segment of the same label with the highest IoU
/// (the first one on ties; IoU uses the span from the earlier start to the
/// later end as the union). If that IoU is `>= overlap` and that true
/// segment is not yet matched, the prediction is a true positive and the
/// true segment becomes matched; otherwise it is a false positive, even if
/// a lesser-overlapping unmatched true segment exists. True segments never
/// matched are false negatives. `ignore` drops background segments from
/// both sides first.
pub fn segment_counts(
    truth: &[usize],
    predicted: &[usize],
    overlap: f64,
    ignore: Option<usize>,
) -> Option<SegmentCounts> {
    if truth.len() != predicted.len() || truth.is_empty() || !(overlap > 0.0 && overlap <= 1.0) {
        return None;
    }
    let t = foreground_segments(truth, ignore);
    let p = foreground_segments(predicted, ignore);
    let mut matched = vec![false; t.len()];
    let mut counts = SegmentCounts::default();
    for guess in &p {
        let mut best: Option<(usize, f64)> = None;
        for (k, real) in t.iter().enumerate() {
            let iou = if real.label == guess.label {
                let intersection = guess.end.min(real.end) as f64 - guess.start.max(real.start) as f64;
                let union = guess.end.max(real.end) as f64 - guess.start.min(real.start) as f64;
                intersection / union
            } else {
                0.0
            };
            if best.is_none_or(|(_, top)| iou > top) {
                best = Some((k, iou));
            }
        }
        match best {
            Some((k, iou)) if iou >= overlap && !matched[k] => {
                matched[k] = true;
                counts.true_positive += 1;
            }
            _ => counts.false_positive += 1,
        }
    }
    counts.false_negative = matched.iter().filter(|&&m| !m).count() as u64;
    Some(counts)
}

/// Segmental F1@k of one video, in `0..=100`, with `overlap` the IoU
/// threshold k (0.10, 0.25 and 0.50 are the values papers report). See
/// [`segment_counts`] for the matching rule; to pool a test set as MS-TCN
/// does, sum [`segment_counts`] over videos and call
/// [`SegmentCounts::f1`].
///
/// Empty or different-length sequences, an `overlap` outside `(0, 1]`, or no
/// segment on either side after `ignore` give NaN.
pub fn segmental_f1(truth: &[usize], predicted: &[usize], overlap: f64, ignore: Option<usize>) -> f64 {
    segment_counts(truth, predicted, overlap, ignore).map_or(f64::NAN, |c| c.f1())
}

/// A detector's operating point chosen for a tolerated false-alarm rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlarmOperatingPoint {
    /// Call a window an event when its score is `>= threshold`.
    pub threshold: f64,
    /// Fraction of event (positive) windows scoring `>= threshold`.
    pub sensitivity: f64,
    /// Negative windows scoring `>= threshold`.
    pub false_alarms: u64,
    /// `false_alarms / hours`.
    pub false_alarms_per_hour: f64,
}

/// Sensitivity of an event detector (falls) when it may raise at most
/// `max_false_alarms_per_hour` false alarms per hour of recording.
///
/// Counting: `labels[i]` says whether window `i` contains an event; every
/// negative window scoring `>= threshold` is one false alarm (overlapping
/// windows are not merged, so with stride below the window length one
/// spurious peak can count more than once; this is the conservative
/// choice). `hours` is the total duration of the recordings the windows
/// were cut from, passed in by the caller. The budget is
/// `floor(max_false_alarms_per_hour * hours)` alarms; the threshold is the
/// lowest observed score that keeps the false alarms within it (the
/// lowest threshold gives the highest sensitivity), or `+inf` (nothing
/// called, sensitivity 0) if even the top score would exceed it.
///
/// `None` when the slices differ in length, there is no positive window,
/// a score is NaN, `hours` is not positive and finite, or the rate is
/// negative or NaN.
pub fn sensitivity_at_false_alarms(
    labels: &[bool],
    scores: &[f64],
    hours: f64,
    max_false_alarms_per_hour: f64,
) -> Option<AlarmOperatingPoint> {
    if labels.len() != scores.len()
        || !labels.iter().any(|&l| l)
        || scores.iter().any(|s| s.is_nan())
        || !(hours.is_finite() && hours > 0.0)
        || max_false_alarms_per_hour.is_nan()
        || max_false_alarms_per_hour < 0.0
    {
        return None;
    }
    let budget = (max_false_alarms_per_hour * hours).floor();
    let mut negatives: Vec<f64> = labels.iter().zip(scores).filter(|(&l, _)| !l).map(|(_, &s)| s).collect();
    negatives.sort_by(|a, b| b.total_cmp(a));
    let threshold = if (negatives.len() as f64) <= budget {
        // Every window may be called positive.
        scores.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        // The (budget+1)-th highest negative must stay below the threshold,
        // and so must every negative tied with it.
        let first_excluded = negatives[budget as usize];
        scores.iter().copied().filter(|&s| s > first_excluded).fold(f64::INFINITY, f64::min)
    };
    let positives = labels.iter().filter(|&&l| l).count();
    let detected = labels.iter().zip(scores).filter(|(&l, &s)| l && s >= threshold).count();
    let false_alarms = negatives.iter().filter(|&&s| s >= threshold).count() as u64;
    Some(AlarmOperatingPoint {
        threshold,
        sensitivity: detected as f64 / positives as f64,
        false_alarms,
        false_alarms_per_hour: false_alarms as f64 / hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: usize = 0;
    const B: usize = 1;
    const C: usize = 2;

    /// Frame labels from a string of letters, `A` = 0, `B` = 1, ...
    fn seq(s: &str) -> Vec<usize> {
        s.bytes().map(|b| (b - b'A') as usize).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn per_class_recall_by_hand_and_absent_class_is_nan() {
        // truth  0 0 0 1 1 2   pred 0 1 0 1 1 0
        // class 0: 2 of 3 right; class 1: 2 of 2; class 2: 0 of 1; class 3 absent.
        let r = per_class_recall(&[0, 0, 0, 1, 1, 2], &[0, 1, 0, 1, 1, 0], 4);
        assert_eq!(r.len(), 4);
        assert!(close(r[0], 2.0 / 3.0));
        assert!(close(r[1], 1.0));
        assert!(close(r[2], 0.0));
        assert!(r[3].is_nan());
        assert!(per_class_recall(&[0, 1], &[0], 2).is_empty());
        assert!(per_class_recall(&[0, 5], &[0, 1], 2).is_empty());
    }

    #[test]
    fn segments_are_maximal_runs_with_exclusive_ends() {
        assert_eq!(
            segments(&seq("AAABBC")),
            vec![
                Segment { label: A, start: 0, end: 3 },
                Segment { label: B, start: 3, end: 5 },
                Segment { label: C, start: 5, end: 6 },
            ]
        );
        assert!(segments(&[]).is_empty());
        assert_eq!(segments(&seq("A"))[0].len(), 1);
    }

    #[test]
    fn shifted_boundary_keeps_edit_and_f1_at_100() {
        // truth AAABBBCC: A[0,3) B[3,6) C[6,8)
        // pred  AABBBBCC: A[0,2) B[2,6) C[6,8)
        // Frames: only frame 2 differs -> accuracy 7/8.
        // Segment labels A B C on both sides -> Levenshtein 0 -> edit 100.
        // IoU: A 2/3, B (6-3)/(6-2) = 3/4, C 1 -> all >= 0.5 -> F1@50 = 100.
        let t = seq("AAABBBCC");
        let p = seq("AABBBBCC");
        assert!(close(frame_accuracy(&t, &p), 7.0 / 8.0));
        assert!(close(edit_score(&t, &p, None), 100.0));
        assert!(close(segmental_f1(&t, &p, 0.5, None), 100.0));
        // At k = 0.75 A (IoU 2/3) fails: tp 2, fp 1, fn 1 -> F1 = 2*2/(4+1+1) = 66.67.
        assert!(close(segmental_f1(&t, &p, 0.75, None), 400.0 / 6.0));
    }

    #[test]
    fn over_segmentation_lowers_edit_and_f1_more_than_accuracy() {
        // truth AAAABBBB: A[0,4) B[4,8)
        // pred  AABAABBB: A[0,2) B[2,3) A[3,5) B[5,8)
        // Frames 2 and 4 wrong -> accuracy 6/8.
        // Segment labels ABAB vs AB: two deletions -> edit 100*(1 - 2/4) = 50.
        // F1@10: A[0,2) vs A[0,4): 2/4 = 0.5 -> TP (A matched).
        //        B[2,3) vs B[4,8): (3-4)/(8-2) < 0 -> FP.
        //        A[3,5) vs A[0,4): (4-3)/(5-0) = 0.2 >= 0.1 but A already matched -> FP.
        //        B[5,8) vs B[4,8): 3/4 -> TP.
        // tp 2, fp 2, fn 0: P = 1/2, R = 1, F1 = 2*(1/2)/(3/2) = 66.67.
        let t = seq("AAAABBBB");
        let p = seq("AABAABBB");
        assert!(close(frame_accuracy(&t, &p), 0.75));
        assert!(close(edit_score(&t, &p, None), 50.0));
        let counts = segment_counts(&t, &p, 0.1, None).unwrap();
        assert_eq!(counts, SegmentCounts { true_positive: 2, false_positive: 2, false_negative: 0 });
        assert!(close(segmental_f1(&t, &p, 0.1, None), 200.0 / 3.0));
    }

    #[test]
    fn best_match_already_taken_is_a_false_positive_as_in_ms_tcn() {
        // truth AAAACAA: A[0,4) C[4,5) A[5,7); pred AAACAAA: A[0,3) C[3,4) A[4,7).
        // pred A[0,3): best A[0,4) IoU 3/4 -> TP.
        // pred C[3,4) vs C[4,5): (4-4)/(5-3) = 0 -> FP at k=0.1.
        // pred A[4,7): vs A[0,4) (4-4)/7 = 0; vs A[5,7) 2/3 -> best is A[5,7), unmatched -> TP.
        // fn: C[4,5) -> 1. F1 = 2*2/(4+1+1) = 66.67.
        let t = seq("AAAACAA");
        let p = seq("AAACAAA");
        let c = segment_counts(&t, &p, 0.1, None).unwrap();
        assert_eq!(c, SegmentCounts { true_positive: 2, false_positive: 1, false_negative: 1 });
        // Second prediction whose best truth is already matched:
        // truth AAAAAABB (A[0,6) B[6,8)); pred AAABAABB: A[0,3) B[3,4) A[4,6) B[6,8).
        // A[0,3): IoU 3/6 = 0.5 TP. A[4,6): best A[0,6) IoU 2/6, taken -> FP.
        // B[3,4) vs B[6,8): negative -> FP; B[6,8) TP. tp 2 fp 2 fn 0.
        let c = segment_counts(&seq("AAAAAABB"), &seq("AAABAABB"), 0.25, None).unwrap();
        assert_eq!(c, SegmentCounts { true_positive: 2, false_positive: 2, false_negative: 0 });
    }

    #[test]
    fn background_label_can_be_ignored() {
        // Background = A. truth AABBAACC -> foreground B[2,4) C[6,8).
        // pred AAABBACC -> foreground B[3,5) C[6,8).
        // edit: B C vs B C -> 100. B IoU (4-3)/(5-2) = 1/3: F1@25 100, F1@50:
        // tp 1, fp 1, fn 1 -> 2/(2+1+1) = 50.
        let t = seq("AABBAACC");
        let p = seq("AAABBACC");
        assert!(close(edit_score(&t, &p, Some(A)), 100.0));
        assert!(close(segmental_f1(&t, &p, 0.25, Some(A)), 100.0));
        assert!(close(segmental_f1(&t, &p, 0.5, Some(A)), 50.0));
        // Without ignoring A, A segments count too: truth A B A C, pred A B A C -> 100.
        assert!(close(edit_score(&t, &p, None), 100.0));
        // All background on both sides: undefined.
        assert!(edit_score(&seq("AAA"), &seq("AAA"), Some(A)).is_nan());
        assert!(segmental_f1(&seq("AAA"), &seq("AAA"), 0.5, Some(A)).is_nan());
        // Background truth, foreground prediction: edit 0, F1 0.
        assert!(close(edit_score(&seq("AAA"), &seq("ABA"), Some(A)), 0.0));
        assert!(close(segmental_f1(&seq("AAA"), &seq("ABA"), 0.1, Some(A)), 0.0));
    }

    #[test]
    fn edit_distance_counts_substitutions() {
        // truth segments A B C, pred A C C -> merged: A C; levenshtein(ABC, AC) = 1 -> 100*(1-1/3).
        assert!(close(edit_score(&seq("AABBCC"), &seq("AACCCC"), None), 200.0 / 3.0));
        assert_eq!(levenshtein(&[0, 1, 2], &[2, 1, 0]), 2);
        assert_eq!(levenshtein(&[], &[1, 2]), 2);
    }

    #[test]
    fn segment_metrics_undefined_inputs() {
        assert!(edit_score(&[], &[], None).is_nan());
        assert!(edit_score(&[0, 1], &[0], None).is_nan());
        assert!(segmental_f1(&[0], &[0], 1.5, None).is_nan());
        assert!(segmental_f1(&[0], &[0], f64::NAN, None).is_nan());
        assert!(segmental_f1(&[0], &[0], 0.0, None).is_nan());
        assert!(segment_counts(&[0, 1], &[1], 0.5, None).is_none());
        assert!(SegmentCounts::default().f1().is_nan());
        let mut total = SegmentCounts { true_positive: 1, false_positive: 0, false_negative: 1 };
        total.add(SegmentCounts { true_positive: 1, false_positive: 2, false_negative: 0 });
        // 2*2/(4+2+1)
        assert!(close(total.f1(), 400.0 / 7.0));
    }

    #[test]
    fn sensitivity_at_false_alarm_budget_by_hand() {
        // Negatives score 0.9 0.8 0.7 0.2 0.1; positives 0.95 0.85 0.75 0.3.
        // 2 hours at 1 false alarm/hour -> budget 2 alarms.
        // Third-highest negative is 0.7 -> threshold = lowest score above 0.7 = 0.75.
        // Positives >= 0.75: 0.95 0.85 0.75 -> 3/4; false alarms 0.9 0.8 -> 2.
        let labels = [false, false, false, false, false, true, true, true, true];
        let scores = [0.9, 0.8, 0.7, 0.2, 0.1, 0.95, 0.85, 0.75, 0.3];
        let op = sensitivity_at_false_alarms(&labels, &scores, 2.0, 1.0).unwrap();
        assert_eq!(op.threshold, 0.75);
        assert!(close(op.sensitivity, 0.75));
        assert_eq!(op.false_alarms, 2);
        assert!(close(op.false_alarms_per_hour, 1.0));
        // Budget 0 (0.4/h over 2 h floors to 0): threshold above 0.9 -> 0.95, sensitivity 1/4.
        let op = sensitivity_at_false_alarms(&labels, &scores, 2.0, 0.4).unwrap();
        assert_eq!(op.threshold, 0.95);
        assert!(close(op.sensitivity, 0.25));
        assert_eq!(op.false_alarms, 0);
        // Budget 10 >= 5 negatives: everything called, sensitivity 1.
        let op = sensitivity_at_false_alarms(&labels, &scores, 10.0, 1.0).unwrap();
        assert_eq!(op.threshold, 0.1);
        assert!(close(op.sensitivity, 1.0));
        assert_eq!(op.false_alarms, 5);
    }

    #[test]
    fn tied_negatives_stay_below_threshold_and_top_negative_gives_infinity() {
        // Negatives 0.8 0.8, budget 1: the tie cannot be split, so both must
        // stay below -> threshold = 0.9 (the positive), 0 false alarms.
        let op = sensitivity_at_false_alarms(&[false, false, true, true], &[0.8, 0.8, 0.9, 0.5], 1.0, 1.0).unwrap();
        assert_eq!(op.threshold, 0.9);
        assert_eq!(op.false_alarms, 0);
        assert!(close(op.sensitivity, 0.5));
        // The top score is a negative and the budget is 0: nothing is called.
        let op = sensitivity_at_false_alarms(&[false, true], &[0.9, 0.5], 1.0, 0.0).unwrap();
        assert_eq!(op.threshold, f64::INFINITY);
        assert_eq!(op.sensitivity, 0.0);
    }

    #[test]
    fn sensitivity_at_false_alarms_undefined_inputs() {
        assert!(sensitivity_at_false_alarms(&[false, false], &[0.1, 0.2], 1.0, 1.0).is_none());
        assert!(sensitivity_at_false_alarms(&[true], &[0.1, 0.2], 1.0, 1.0).is_none());
        assert!(sensitivity_at_false_alarms(&[true], &[f64::NAN], 1.0, 1.0).is_none());
        assert!(sensitivity_at_false_alarms(&[true], &[0.5], 0.0, 1.0).is_none());
        assert!(sensitivity_at_false_alarms(&[true], &[0.5], 1.0, -1.0).is_none());
    }
}
