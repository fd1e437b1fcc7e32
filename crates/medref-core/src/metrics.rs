//! Evaluation metrics shared by every domain, checked against scikit-learn.
//!
//! One implementation of each metric means a number in one domain's
//! `metrics.json` means the same as in another's, and a trainee can compare
//! it with what scikit-learn prints for the same predictions.
//!
//! # Conventions
//! - Binary labels are `bool` (`true` = the positive class); class labels are
//!   `usize` indices in `0..n_classes`; multi-label targets are `u8` 0/1.
//! - Scores are probabilities; per-class scores are row-major
//!   `[n_samples, n_classes]` slices.
//! - Nothing here panics on bad input. Input that leaves a metric undefined
//!   (empty input, slices of different lengths, a class index out of range,
//!   a NaN score, one class only for a ranking metric) gives the "undefined"
//!   value of the return type: `None`, `f64::NAN`, or an empty `Vec`. Each
//!   function's doc says which. The summaries in [`summary`] leave undefined
//!   metrics out of their maps, so `metrics.json` never holds a NaN.

pub mod bootstrap;
pub mod calibration;
pub mod classification;
pub mod ranking;
pub mod regression;
pub mod segmentation;
pub mod summary;
pub mod surface;
pub mod temporal;
pub mod threshold;

pub use bootstrap::{bootstrap_ci, ConfidenceInterval};
pub use calibration::{
    brier_score, brier_score_multiclass, calibration_curve, expected_calibration_error, CalibrationBin,
};
pub use classification::{accuracy, balanced_accuracy, confusion_matrix, f1_macro};
pub use ranking::{auprc, auroc, auroc_ovr_macro, auroc_per_label, pr_curve, roc_curve};
pub use regression::{mae, pearson, r2, rmse, spearman};
pub use segmentation::{segmentation_summary, ImageSegmentation, OverlapCounts};
pub use summary::{binary_summary, multiclass_summary, regression_summary};
pub use surface::SurfaceDistances;
pub use temporal::{
    edit_score, frame_accuracy, per_class_recall, segment_counts, segmental_f1, segments, sensitivity_at_false_alarms,
    AlarmOperatingPoint, Segment, SegmentCounts,
};
pub use threshold::{f1_binary, sensitivity_specificity, youden_threshold, BinaryCounts};

/// Mean of the values, or `None` for none at all.
fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.into_iter().fold((0.0, 0usize), |(sum, count), v| (sum + v, count + 1));
    (count > 0).then(|| sum / count as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_nothing_is_none() {
        assert_eq!(mean([]), None);
        assert_eq!(mean([1.0, 2.0, 6.0]), Some(3.0));
    }
}
