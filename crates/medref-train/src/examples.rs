//! The two traits a domain implements to use the one training loop.

use burn::prelude::*;
use medref_core::seed::Rng;

pub use medref_core::targets::{OutputKind, Targets};

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

    /// The order of one training epoch: `order` is the seeded shuffle, and
    /// a split whose batches cost more when mixed (sequences of different
    /// lengths, padded to the longest) may regroup it. It must return the
    /// same indices and depend on nothing but `order`, so the seed still
    /// decides every batch. The default keeps the shuffle.
    fn epoch_order(&self, order: Vec<usize>, _batch_size: usize) -> Vec<usize> {
        order
    }

    /// Builds the input for the examples at `indices`, on `device`.
    /// `augment` is `Some` for training batches only and carries the seeded
    /// generator that random augmentation must draw from.
    fn batch(&self, indices: &[usize], device: &Device, augment: Option<&mut Rng>) -> Self::Input;

    /// A training batch: the input and its dense targets `[score rows,
    /// target_columns]`. A split whose examples are drawn at batch time
    /// (random patches cut from an image together with its mask, then
    /// flipped or rotated with it) changes its targets with every draw, so
    /// it builds both from one draw here. The default is [`Examples::batch`]
    /// with [`Targets::dense_rows`].
    fn training_batch(&self, indices: &[usize], device: &Device, augment: &mut Rng) -> (Self::Input, Tensor<2>) {
        let input = self.batch(indices, device, Some(augment));
        let shape = (self.targets().score_rows(indices), self.targets().target_columns());
        let dense = ndarray::Array2::from_shape_vec(shape, self.targets().dense_rows(indices))
            .expect("one row of targets per score row");
        (input, crate::tensor::to_tensor(dense, device))
    }
}

pub use medref_core::record_key::{content_key, float_key};

pub use medref_models::Network;
