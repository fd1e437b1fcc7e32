//! The two traits a domain implements to use the one training loop.

use burn::prelude::*;
use medref_core::seed::Rng;

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
        }
    }

    /// Rows of scores the examples at `indices` produce: one per example,
    /// or one per frame of each sequence.
    pub fn score_rows(&self, indices: &[usize]) -> usize {
        match self {
            Targets::Frames { offsets, .. } => indices.iter().map(|&i| offsets[i + 1] - offsets[i]).sum(),
            _ => indices.len(),
        }
    }

    /// How outputs of this kind are scored and mapped.
    pub fn output_kind(&self) -> OutputKind {
        match self {
            Targets::Classes { .. } | Targets::Frames { .. } => OutputKind::Softmax,
            Targets::MultiLabel { .. } => OutputKind::Sigmoid,
            Targets::Regression { .. } => OutputKind::Identity,
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
            Targets::Regression { .. } => 1,
            Targets::Frames { n_classes, .. } => *n_classes,
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
                Targets::Frames { .. } => unreachable!("handled above"),
            }
        }
        out
    }
}

/// A split of examples the loop can batch. `Input` is the model's input
/// tensor type (`Tensor<4>` for images, `Tensor<3>` for sequences, ...).
pub trait Examples {
    type Input;

    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn targets(&self) -> &Targets;

    /// A name for example `i` in `predictions.csv` (its row, by default).
    fn example_id(&self, i: usize) -> String {
        i.to_string()
    }

    /// A name for every row of scores, for `predictions.csv`: the example
    /// ids, or one per frame for frame labelling.
    fn row_ids(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.example_id(i)).collect()
    }

    /// A fingerprint of example `i`'s content (pixels, bases, feature
    /// values, signal samples), equal for exact duplicates; the leakage
    /// check compares them across splits. `None` where not defined.
    fn record_key(&self, _i: usize) -> Option<u64> {
        None
    }

    /// Hours of recording behind the examples, for detection tasks that
    /// report false alarms per hour.
    fn recording_hours(&self) -> Option<f64> {
        None
    }

    /// The subgroup (sex, age band, site) of example `i`, where the data
    /// names one; evaluation reports metrics per subgroup.
    fn subgroup(&self, _i: usize) -> Option<&str> {
        None
    }

    /// Builds the input for the examples at `indices`, on `device`.
    /// `augment` is `Some` for training batches only and carries the seeded
    /// generator that random augmentation must draw from.
    fn batch(&self, indices: &[usize], device: &Device, augment: Option<&mut Rng>) -> Self::Input;
}

/// FNV-1a over bytes: a stable, fast content fingerprint for
/// [`Examples::record_key`] (not for security).
pub fn content_key(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// [`content_key`] of float values, by their bit patterns.
pub fn float_key(values: &[f32]) -> u64 {
    content_key(values.iter().flat_map(|v| v.to_bits().to_le_bytes()))
}

/// A burn module that maps an input batch to logits `[rows, n_outputs]`
/// (one row per example, or per frame for frame labelling).
pub trait Network: Module + Clone {
    type Input;
    fn logits(&self, input: Self::Input) -> Tensor<2>;

    /// Logits plus any extra training loss the model adds to the target
    /// loss (a smoothing term, say). Only training calls this.
    fn logits_and_penalty(&self, input: Self::Input) -> (Tensor<2>, Option<Tensor<1>>) {
        (self.logits(input), None)
    }
}

impl Network for medref_models::ResNet {
    type Input = Tensor<4>;
    fn logits(&self, input: Tensor<4>) -> Tensor<2> {
        self.forward(input)
    }
}

impl Network for medref_models::Mlp {
    type Input = Tensor<2>;
    fn logits(&self, input: Tensor<2>) -> Tensor<2> {
        self.forward(input)
    }
}

impl Network for medref_models::SignalCnn {
    type Input = Tensor<3>;
    fn logits(&self, input: Tensor<3>) -> Tensor<2> {
        self.forward(input)
    }
}

impl Network for medref_models::DnaCnn {
    type Input = Tensor<3>;
    fn logits(&self, input: Tensor<3>) -> Tensor<2> {
        self.forward(input)
    }
}
