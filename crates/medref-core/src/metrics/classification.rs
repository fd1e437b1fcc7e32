//! Metrics on hard class predictions (after argmax or a threshold).

/// Whether two label slices can be compared sample by sample and every index
/// names one of `n_classes` classes.
fn well_formed(labels: &[usize], predicted: &[usize], n_classes: usize) -> bool {
    labels.len() == predicted.len() && labels.iter().chain(predicted).all(|&class| class < n_classes)
}

/// Fraction of samples whose predicted class is the true one.
///
/// Misleading on imbalanced data (predicting "healthy" for everyone scores
/// high); report it beside [`balanced_accuracy`]. Empty or different-length
/// slices give NaN.
pub fn accuracy(labels: &[usize], predicted: &[usize]) -> f64 {
    if labels.len() != predicted.len() || labels.is_empty() {
        return f64::NAN;
    }
    let correct = labels.iter().zip(predicted).filter(|(l, p)| l == p).count();
    correct as f64 / labels.len() as f64
}

/// Counts of (true class, predicted class) pairs: `[n_classes, n_classes]`,
/// rows are the true class and columns the prediction, as in scikit-learn.
///
/// Empty input gives an all-zero matrix. Different lengths or a class index
/// `>= n_classes` give an empty `Vec`, since a partial count would look real.
pub fn confusion_matrix(labels: &[usize], predicted: &[usize], n_classes: usize) -> Vec<Vec<u64>> {
    if !well_formed(labels, predicted, n_classes) {
        return Vec::new();
    }
    let mut matrix = vec![vec![0u64; n_classes]; n_classes];
    for (&truth, &guess) in labels.iter().zip(predicted) {
        matrix[truth][guess] += 1;
    }
    matrix
}

/// Mean recall over the classes present in `labels`, so each class counts
/// the same however rare it is; chance level is `1 / classes present`.
///
/// Matches scikit-learn's `balanced_accuracy_score` (a class that is only
/// predicted, never true, adds no recall term). Empty input, different
/// lengths or a class index `>= n_classes` give NaN.
pub fn balanced_accuracy(labels: &[usize], predicted: &[usize], n_classes: usize) -> f64 {
    let matrix = confusion_matrix(labels, predicted, n_classes);
    let recalls = matrix.iter().enumerate().filter_map(|(class, row)| {
        let support: u64 = row.iter().sum();
        (support > 0).then(|| row[class] as f64 / support as f64)
    });
    super::mean(recalls).unwrap_or(f64::NAN)
}

/// Unweighted mean of per-class F1 over the classes that appear in `labels`
/// or `predicted`, the default label set of scikit-learn's
/// `f1_score(average="macro")`.
///
/// A class that is predicted but never true scores F1 = 0 and pulls the mean
/// down, as it should. Empty input, different lengths or a class index
/// `>= n_classes` give NaN.
pub fn f1_macro(labels: &[usize], predicted: &[usize], n_classes: usize) -> f64 {
    let matrix = confusion_matrix(labels, predicted, n_classes);
    let per_class = (0..matrix.len()).filter_map(|class| {
        let tp = matrix[class][class];
        let actual: u64 = matrix[class].iter().sum();
        let guessed: u64 = matrix.iter().map(|row| row[class]).sum();
        // 2tp + fp + fn = actual + guessed; zero exactly when the class is absent.
        let denominator = actual + guessed;
        (denominator > 0).then(|| 2.0 * tp as f64 / denominator as f64)
    });
    super::mean(per_class).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shared 3-class example: true [0,1,2,2,1,0,2], predicted [0,2,2,1,1,0,2].
    const TRUTH: [usize; 7] = [0, 1, 2, 2, 1, 0, 2];
    const GUESS: [usize; 7] = [0, 2, 2, 1, 1, 0, 2];

    #[test]
    fn confusion_matrix_counts_rows_true_cols_predicted() {
        // class 0: both right; class 1: one right, one called 2;
        // class 2: two right, one called 1. scikit-learn 1.9.1 gives the same.
        let expected = vec![vec![2, 0, 0], vec![0, 1, 1], vec![0, 1, 2]];
        assert_eq!(confusion_matrix(&TRUTH, &GUESS, 3), expected);
    }

    #[test]
    fn confusion_matrix_rejects_out_of_range_and_mismatch() {
        assert!(confusion_matrix(&[0, 3], &[0, 1], 3).is_empty());
        assert!(confusion_matrix(&[0, 1], &[0], 3).is_empty());
        assert_eq!(confusion_matrix(&[], &[], 2), vec![vec![0, 0], vec![0, 0]]);
    }

    #[test]
    fn accuracy_counts_matches() {
        // 5 of 7 right.
        assert!((accuracy(&TRUTH, &GUESS) - 5.0 / 7.0).abs() < 1e-12);
        assert!(accuracy(&[], &[]).is_nan());
        assert!(accuracy(&[0, 1], &[0]).is_nan());
    }

    #[test]
    fn balanced_accuracy_exposes_majority_guessing() {
        // 8 negatives, 2 positives, everyone called negative:
        // accuracy 0.8 but recalls are 1 and 0, so balanced accuracy 0.5.
        let truth = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
        let guess = [0; 10];
        assert!((accuracy(&truth, &guess) - 0.8).abs() < 1e-12);
        assert!((balanced_accuracy(&truth, &guess, 2) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn balanced_accuracy_ignores_classes_absent_from_labels() {
        // Recall of 0 is 3/4, of 1 is 1/2; class 2 is only predicted, so no
        // term: (0.75 + 0.5) / 2 = 0.625. scikit-learn 1.9.1 gives 0.625.
        let value = balanced_accuracy(&[0, 0, 0, 0, 1, 1], &[0, 0, 0, 2, 1, 0], 3);
        assert!((value - 0.625).abs() < 1e-12);
        assert!(balanced_accuracy(&[], &[], 3).is_nan());
        assert!(balanced_accuracy(&[0, 5], &[0, 1], 3).is_nan());
    }

    #[test]
    fn f1_macro_averages_per_class_f1() {
        // class 0: tp 2 fp 0 fn 0 -> 1; class 1: tp 1 fp 1 fn 1 -> 2/4;
        // class 2: tp 2 fp 1 fn 1 -> 4/6. Mean 0.72222...
        // scikit-learn 1.9.1 gives 0.7222222222222222.
        let expected = (1.0 + 0.5 + 4.0 / 6.0) / 3.0;
        assert!((f1_macro(&TRUTH, &GUESS, 3) - expected).abs() < 1e-12);
    }

    #[test]
    fn f1_macro_counts_predicted_only_class_as_zero() {
        // class 0: tp 1 fp 0 fn 1 -> 2/3; class 1: tp 0 fp 1 fn 0 -> 0.
        let value = f1_macro(&[0, 0], &[0, 1], 2);
        assert!((value - 1.0 / 3.0).abs() < 1e-12);
        assert!(f1_macro(&[], &[], 2).is_nan());
    }
}
