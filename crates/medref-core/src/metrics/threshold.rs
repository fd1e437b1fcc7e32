//! Binary metrics at one operating point, the numbers a clinician asks for
//! once a score has been turned into a yes/no call.

/// The four cells of a binary confusion matrix.
///
/// Exists so that sensitivity, specificity, accuracy and F1 at a threshold
/// are all read from one count of the data, and so that reports can show the
/// raw counts behind each rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BinaryCounts {
    /// Positives called positive.
    pub true_positive: u64,
    /// Negatives called positive (false alarms).
    pub false_positive: u64,
    /// Negatives called negative.
    pub true_negative: u64,
    /// Positives called negative (missed cases).
    pub false_negative: u64,
}

impl BinaryCounts {
    /// Counts from hard predictions; `None` when the slices differ in length.
    pub fn from_predictions(labels: &[bool], predicted: &[bool]) -> Option<Self> {
        (labels.len() == predicted.len()).then(|| Self::tally(labels.iter().copied().zip(predicted.iter().copied())))
    }

    /// Counts when a sample is called positive iff `score >= threshold`
    /// (a NaN score is never positive); `None` when the slices differ in
    /// length.
    pub fn at_threshold(labels: &[bool], scores: &[f64], threshold: f64) -> Option<Self> {
        (labels.len() == scores.len())
            .then(|| Self::tally(labels.iter().zip(scores).map(|(&truth, &s)| (truth, s >= threshold))))
    }

    fn tally(pairs: impl Iterator<Item = (bool, bool)>) -> Self {
        let mut counts = Self::default();
        for (truth, guess) in pairs {
            match (truth, guess) {
                (true, true) => counts.true_positive += 1,
                (false, true) => counts.false_positive += 1,
                (false, false) => counts.true_negative += 1,
                (true, false) => counts.false_negative += 1,
            }
        }
        counts
    }

    /// Number of samples counted.
    pub fn total(&self) -> u64 {
        self.true_positive + self.false_positive + self.true_negative + self.false_negative
    }

    /// Recall of the positive class, TP / (TP + FN); NaN with no positives.
    pub fn sensitivity(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }

    /// Recall of the negative class, TN / (TN + FP); NaN with no negatives.
    pub fn specificity(&self) -> f64 {
        ratio(self.true_negative, self.true_negative + self.false_positive)
    }

    /// Fraction of samples called correctly; NaN with no samples.
    pub fn accuracy(&self) -> f64 {
        ratio(self.true_positive + self.true_negative, self.total())
    }

    /// Mean recall over the classes present (one class only: its recall),
    /// the binary case of [`super::balanced_accuracy`]; NaN with no samples.
    pub fn balanced_accuracy(&self) -> f64 {
        let recalls = [self.sensitivity(), self.specificity()];
        super::mean(recalls.into_iter().filter(|r| !r.is_nan())).unwrap_or(f64::NAN)
    }

    /// F1 of the positive class, 2TP / (2TP + FP + FN).
    ///
    /// NaN when there is neither a positive label nor a positive call, where
    /// F1 is undefined (scikit-learn warns and reports 0.0 by default).
    pub fn f1(&self) -> f64 {
        ratio(2 * self.true_positive, 2 * self.true_positive + self.false_positive + self.false_negative)
    }
}

fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        f64::NAN
    } else {
        numerator as f64 / denominator as f64
    }
}

/// Sensitivity (true positive rate) and specificity (true negative rate)
/// when a sample is called positive iff `score >= threshold`.
///
/// A rate without any sample of its class is NaN; different-length slices
/// give `(NaN, NaN)`.
pub fn sensitivity_specificity(labels: &[bool], scores: &[f64], threshold: f64) -> (f64, f64) {
    match BinaryCounts::at_threshold(labels, scores, threshold) {
        Some(counts) => (counts.sensitivity(), counts.specificity()),
        None => (f64::NAN, f64::NAN),
    }
}

/// F1 of the positive class for hard predictions; see [`BinaryCounts::f1`]
/// for the undefined case. Different-length slices give NaN.
pub fn f1_binary(labels: &[bool], predicted: &[bool]) -> f64 {
    BinaryCounts::from_predictions(labels, predicted).map_or(f64::NAN, |c| c.f1())
}

/// The score threshold that maximises Youden's J = sensitivity +
/// specificity - 1 when a sample is called positive iff `score >= t`: a
/// common default operating point when missed cases and false alarms are
/// weighed alike.
///
/// Only the distinct scores are tried, each as `t`; every other threshold
/// gives the same calls as one of them. When several reach the same J the
/// largest wins, so of equally good operating points the one with fewer
/// false alarms is taken (scikit-learn's `argmax(tpr - fpr)` over
/// `roc_curve(..., drop_intermediate=False)` agrees, its thresholds falling).
/// J is compared in exact integer arithmetic, so ties are real ties.
/// `None` when either class is absent, for empty or different-length input,
/// or when a score is NaN.
pub fn youden_threshold(labels: &[bool], scores: &[f64]) -> Option<f64> {
    if labels.len() != scores.len() || scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let positives = labels.iter().filter(|&&l| l).count() as u64;
    let negatives = labels.len() as u64 - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // J = tp/P - fp/N has the sign and order of tp*N - fp*P.
    let mut best: Option<(i128, f64)> = None;
    for step in super::ranking::thresholds(labels, scores)? {
        let scaled_j = i128::from(step.tp) * i128::from(negatives) - i128::from(step.fp) * i128::from(positives);
        // Strictly greater: walking down from the top, the first (largest)
        // threshold keeps a tie.
        if best.is_none_or(|(j, _)| scaled_j > j) {
            best = Some((scaled_j, step.score));
        }
    }
    best.map(|(_, threshold)| threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitivity_specificity_uses_greater_or_equal() {
        // Scores [0.9, 0.5, 0.3 | 0.5, 0.1] at 0.5 call [T, T, F | T, F]:
        // 2 of 3 positives found, 1 of 2 negatives cleared.
        let labels = [true, true, true, false, false];
        let scores = [0.9, 0.5, 0.3, 0.5, 0.1];
        let (sens, spec) = sensitivity_specificity(&labels, &scores, 0.5);
        assert!((sens - 2.0 / 3.0).abs() < 1e-12);
        assert!((spec - 0.5).abs() < 1e-12);
    }

    #[test]
    fn rates_without_their_class_are_nan() {
        let (sens, spec) = sensitivity_specificity(&[false, false], &[0.2, 0.7], 0.5);
        assert!(sens.is_nan());
        assert!((spec - 0.5).abs() < 1e-12);
        let (sens, spec) = sensitivity_specificity(&[true], &[0.2, 0.7], 0.5);
        assert!(sens.is_nan() && spec.is_nan());
    }

    #[test]
    fn f1_binary_from_counts() {
        // tp 2, fp 1, fn 1 -> 4 / 6. scikit-learn 1.9.1 gives 0.6666666666666666.
        let value = f1_binary(&[true, true, false, false, true], &[true, false, true, false, true]);
        assert!((value - 4.0 / 6.0).abs() < 1e-12);
        assert!(f1_binary(&[false, false], &[false, false]).is_nan());
        assert!(f1_binary(&[true], &[]).is_nan());
    }

    #[test]
    fn balanced_accuracy_with_one_class_is_its_recall() {
        let counts =
            BinaryCounts::from_predictions(&[false, false, false], &[false, true, false]).expect("same length");
        assert!((counts.balanced_accuracy() - 2.0 / 3.0).abs() < 1e-12);
        assert!((counts.accuracy() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(counts.total(), 3);
    }

    #[test]
    fn youden_threshold_by_hand() {
        // Scores [0.9, 0.5, 0.3 | 0.5, 0.1], P = 3, N = 2. J at each distinct
        // score: 0.9: 1/3 - 0 = 1/3; 0.5: 2/3 - 1/2 = 1/6; 0.3: 1 - 1/2 =
        // 1/2; 0.1: 1 - 1 = 0. Best is 0.3 (scikit-learn 1.9.1 roc_curve
        // argmax(tpr - fpr) agrees).
        let labels = [true, true, true, false, false];
        let scores = [0.9, 0.5, 0.3, 0.5, 0.1];
        assert_eq!(youden_threshold(&labels, &scores), Some(0.3));
    }

    #[test]
    fn youden_threshold_takes_the_largest_of_a_tie() {
        // [T, F, T, F] at 0.8, 0.6, 0.4, 0.2 (P = N = 2): J is 1/2 at 0.8,
        // 0 at 0.6, 1/2 at 0.4, 0 at 0.2. Both 0.8 and 0.4 reach 1/2; the
        // larger is returned (as sklearn's argmax over falling thresholds).
        let labels = [true, false, true, false];
        assert_eq!(youden_threshold(&labels, &[0.8, 0.6, 0.4, 0.2]), Some(0.8));
        // Perfect separation: J is 1/2 at 0.7 and 1 at 0.6, the lowest
        // positive score; then 1/2 at 0.5 and 0 at 0.1.
        let labels = [true, true, false, false];
        assert_eq!(youden_threshold(&labels, &[0.7, 0.6, 0.5, 0.1]), Some(0.6));
        // Scores reversed: J is never positive; the lowest score (everyone
        // positive, J = 0) is the first to reach the best value 0. Here
        // scikit-learn 1.9.1 returns its extra threshold `inf` (nobody
        // positive, also J = 0), which is not one of the scores.
        assert_eq!(youden_threshold(&labels, &[0.1, 0.2, 0.8, 0.9]), Some(0.1));
    }

    #[test]
    fn youden_threshold_undefined_cases() {
        assert_eq!(youden_threshold(&[true, true], &[0.2, 0.7]), None);
        assert_eq!(youden_threshold(&[false, false], &[0.2, 0.7]), None);
        assert_eq!(youden_threshold(&[], &[]), None);
        assert_eq!(youden_threshold(&[true, false], &[0.2]), None);
        assert_eq!(youden_threshold(&[true, false], &[f64::NAN, 0.2]), None);
    }
}
