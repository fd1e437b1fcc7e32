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
        }
    }

    /// The targets of the examples at `indices`, as a float matrix
    /// `[indices.len(), n_outputs]` (one-hot for classes, 0/1 for labels).
    pub fn dense_rows(&self, indices: &[usize]) -> Vec<f32> {
        let k = self.n_outputs();
        let mut out = vec![0f32; indices.len() * k];
        for (row, &i) in indices.iter().enumerate() {
            match self {
                Targets::Classes { labels, .. } => out[row * k + labels[i]] = 1.0,
                Targets::MultiLabel { labels, .. } => {
                    for j in 0..k {
                        out[row * k + j] = labels[i * k + j] as f32;
                    }
                }
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

    /// Builds the input for the examples at `indices`, on `device`.
    /// `augment` is `Some` for training batches only and carries the seeded
    /// generator that random augmentation must draw from.
    fn batch(&self, indices: &[usize], device: &Device, augment: Option<&mut Rng>) -> Self::Input;
}

/// A burn module that maps an input batch to logits `[batch, n_outputs]`.
pub trait Network: Module + Clone {
    type Input;
    fn logits(&self, input: Self::Input) -> Tensor<2>;
}

impl Network for medref_models::ResNet {
    type Input = Tensor<4>;
    fn logits(&self, input: Tensor<4>) -> Tensor<2> {
        self.forward(input)
    }
}

impl Network for medref_models::DnaCnn {
    type Input = Tensor<3>;
    fn logits(&self, input: Tensor<3>) -> Tensor<2> {
        self.forward(input)
    }
}
