//! What a model is asked to predict, as plain numbers.
//!
//! Readers and dataset assembly produce [`Targets`] without knowing the
//! network; the training loop turns them into tensors. Keeping them here,
//! free of burn, lets a domain crate build and test its splits alone.

/// What the model is asked to predict for each example of a split.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// One class per example, `0..n_classes` (binary is `n_classes = 2`).
    Classes { labels: Vec<usize>, n_classes: usize },
    /// Several independent 0/1 labels per example, row-major `[n, n_labels]`.
    MultiLabel { labels: Vec<u8>, n_labels: usize },
    /// One number per example, in its own units. The network learns
    /// `(value - mean) / std` with the training split's `mean` and `std`
    /// (so the learning rate does not depend on the units); predictions are
    /// mapped back before any metric sees them.
    Regression { values: Vec<f64>, mean: f64, std: f64 },
    /// A class per frame of each sequence: the frames of all sequences
    /// concatenated, sequence `i` owning `labels[offsets[i]..offsets[i + 1]]`.
    /// Scores have one row per frame, in the same order.
    Frames { labels: Vec<usize>, offsets: Vec<usize>, n_classes: usize },
    /// Follow-up time and whether the event was observed (`false`:
    /// censored, the event-free time known only up to `time`). The model
    /// outputs one risk score per example (higher: earlier event).
    Survival { time: Vec<f64>, event: Vec<bool> },
    /// A class per pixel of each image (segmentation): the pixels of all
    /// images concatenated, row-major within an image, image `i` owning
    /// `labels[offsets[i]..offsets[i + 1]]` with shape `shapes[i]`
    /// (`[height, width]`). `roi` is empty or one flag per pixel: outside
    /// it a pixel counts for neither the loss nor any metric (DRIVE's
    /// field of view). Scores have one row per pixel, in the same order.
    Masks(MaskTargets),
}

/// The pixels of [`Targets::Masks`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MaskTargets {
    pub labels: Vec<u8>,
    /// Empty (every pixel counts) or one flag per label.
    pub roi: Vec<bool>,
    pub offsets: Vec<usize>,
    pub shapes: Vec<[usize; 2]>,
    pub n_classes: usize,
}

impl MaskTargets {
    /// Whether pixel `p` (an index into `labels`) counts.
    pub fn counts(&self, p: usize) -> bool {
        self.roi.get(p).copied().unwrap_or(true)
    }
}

/// Which loss and output mapping a target kind needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// Softmax over classes, cross-entropy.
    Softmax,
    /// One sigmoid per label, binary cross-entropy.
    Sigmoid,
    /// The raw output, squared error.
    Identity,
    /// The raw output as a log-risk, Cox's negative log partial likelihood
    /// with the risk set taken within the batch (DeepSurv, as pycox does).
    Risk,
    /// Softmax over classes per pixel, Dice plus cross-entropy (MONAI's
    /// `DiceCELoss`), with a region-of-interest column beside the one-hot
    /// target.
    DiceCe,
}

impl Targets {
    /// Targets from a reader's `u32` labels `[n, label_width]`: class
    /// indices when `label_width == 1` (at least two classes, so a binary
    /// head has two logits), else one 0/1 flag per label.
    pub fn from_label_rows(labels: &[u32], label_width: usize, n_classes: usize) -> Self {
        if label_width == 1 {
            Targets::Classes { labels: labels.iter().map(|&l| l as usize).collect(), n_classes: n_classes.max(2) }
        } else {
            Targets::MultiLabel { labels: labels.iter().map(|&l| l as u8).collect(), n_labels: label_width }
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Targets::Classes { labels, .. } => labels.len(),
            Targets::MultiLabel { labels, n_labels } => labels.len() / (*n_labels).max(1),
            Targets::Regression { values, .. } => values.len(),
            Targets::Frames { offsets, .. } => offsets.len().saturating_sub(1),
            Targets::Survival { time, .. } => time.len(),
            Targets::Masks(m) => m.offsets.len().saturating_sub(1),
        }
    }

    /// Rows of scores the examples at `indices` produce: one per example,
    /// or one per frame of each sequence.
    pub fn score_rows(&self, indices: &[usize]) -> usize {
        match self {
            Targets::Frames { offsets, .. } | Targets::Masks(MaskTargets { offsets, .. }) => {
                indices.iter().map(|&i| offsets[i + 1] - offsets[i]).sum()
            }
            _ => indices.len(),
        }
    }

    /// How outputs of this kind are scored and mapped.
    pub fn output_kind(&self) -> OutputKind {
        match self {
            Targets::Classes { .. } | Targets::Frames { .. } => OutputKind::Softmax,
            Targets::MultiLabel { .. } => OutputKind::Sigmoid,
            Targets::Regression { .. } => OutputKind::Identity,
            Targets::Survival { .. } => OutputKind::Risk,
            Targets::Masks(_) => OutputKind::DiceCe,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Width of the logits the model must produce.
    pub fn n_outputs(&self) -> usize {
        match self {
            Targets::Classes { n_classes, .. } => *n_classes,
            Targets::MultiLabel { n_labels, .. } => *n_labels,
            Targets::Regression { .. } | Targets::Survival { .. } => 1,
            Targets::Frames { n_classes, .. } => *n_classes,
            Targets::Masks(m) => m.n_classes,
        }
    }

    /// Columns of [`Targets::dense_rows`]: the outputs, or for survival the
    /// follow-up time and the event flag the partial likelihood needs.
    pub fn target_columns(&self) -> usize {
        match self {
            Targets::Survival { .. } => 2,
            Targets::Masks(m) => m.n_classes + 1,
            _ => self.n_outputs(),
        }
    }

    /// The targets of the examples at `indices`, as a float matrix
    /// `[indices.len(), n_outputs]` (one-hot for classes, 0/1 for labels,
    /// the standardised value for regression).
    pub fn dense_rows(&self, indices: &[usize]) -> Vec<f32> {
        let k = self.n_outputs();
        if let Targets::Frames { labels, offsets, .. } = self {
            let mut out = Vec::with_capacity(self.score_rows(indices) * k);
            for &i in indices {
                for &l in &labels[offsets[i]..offsets[i + 1]] {
                    let start = out.len();
                    out.resize(start + k, 0.0);
                    out[start + l] = 1.0;
                }
            }
            return out;
        }
        if let Targets::Masks(m) = self {
            return mask_rows(m, indices);
        }
        if let Targets::Survival { time, event } = self {
            return indices.iter().flat_map(|&i| [time[i] as f32, f32::from(u8::from(event[i]))]).collect();
        }
        let mut out = vec![0f32; indices.len() * k];
        for (row, &i) in indices.iter().enumerate() {
            match self {
                Targets::Classes { labels, .. } => out[row * k + labels[i]] = 1.0,
                Targets::MultiLabel { labels, .. } => {
                    for j in 0..k {
                        out[row * k + j] = labels[i * k + j] as f32;
                    }
                }
                Targets::Regression { values, mean, std } => out[row] = ((values[i] - mean) / std) as f32,
                Targets::Frames { .. } | Targets::Survival { .. } | Targets::Masks(_) => {
                    unreachable!("handled above")
                }
            }
        }
        out
    }
}

/// One-hot classes then the region-of-interest flag, per pixel of the
/// images at `indices`: `[pixels, n_classes + 1]`.
fn mask_rows(m: &MaskTargets, indices: &[usize]) -> Vec<f32> {
    let width = m.n_classes + 1;
    let mut out = Vec::new();
    for &i in indices {
        for p in m.offsets[i]..m.offsets[i + 1] {
            let start = out.len();
            out.resize(start + width, 0.0);
            out[start + usize::from(m.labels[p])] = 1.0;
            out[start + m.n_classes] = f32::from(u8::from(m.counts(p)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two images (2 and 1 pixels): one row per pixel, one-hot then the
    /// region flag; without a region every pixel counts.
    #[test]
    fn mask_rows_are_one_hot_pixels_with_their_region_flag() {
        let mut m = MaskTargets {
            labels: vec![1, 0, 1],
            roi: vec![true, false, true],
            offsets: vec![0, 2, 3],
            shapes: vec![[1, 2], [1, 1]],
            n_classes: 2,
        };
        let t = Targets::Masks(m.clone());
        assert_eq!((t.len(), t.score_rows(&[0, 1]), t.n_outputs(), t.target_columns()), (2, 3, 2, 3));
        assert_eq!(t.output_kind(), OutputKind::DiceCe);
        assert_eq!(t.dense_rows(&[1, 0]), vec![0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]);
        m.roi.clear();
        assert_eq!(Targets::Masks(m).dense_rows(&[0]), vec![0.0, 1.0, 1.0, 1.0, 0.0, 1.0]);
    }
}
