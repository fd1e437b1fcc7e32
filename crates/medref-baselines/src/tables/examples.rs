//! Table rows as `[batch, n_features]` tensors.

use burn::prelude::*;
use medref_core::seed::Rng;
use medref_tabular::{TabularDataset, TabularSplit};
use medref_train::tensor::to_tensor;
use medref_train::{Examples, Targets};
use ndarray::Axis;

/// The batches the loop sees.
pub struct TabularExamples<'a> {
    split: &'a TabularSplit,
    n_features: usize,
}

impl<'a> TabularExamples<'a> {
    pub fn new(ds: &TabularDataset, split: &'a TabularSplit) -> Self {
        Self { split, n_features: ds.n_features }
    }

    /// The rows behind these examples.
    pub fn split(&self) -> &'a TabularSplit {
        self.split
    }
}

impl Examples for TabularExamples<'_> {
    type Input = Tensor<2>;

    fn len(&self) -> usize {
        self.split.targets.len()
    }

    fn targets(&self) -> &Targets {
        &self.split.targets
    }

    fn example_id(&self, i: usize) -> String {
        self.split.ids[i].clone()
    }

    fn record_key(&self, i: usize) -> Option<u64> {
        if let Some(&key) = self.split.record_keys.get(i) {
            return Some(key);
        }
        let d = self.n_features;
        Some(medref_core::record_key::float_key(&self.split.x[i * d..(i + 1) * d]))
    }

    fn subgroup(&self, i: usize) -> Option<&str> {
        self.split.subgroups.get(i).and_then(|s| s.as_deref())
    }

    fn batch(&self, indices: &[usize], device: &Device, _augment: Option<&mut Rng>) -> Tensor<2> {
        to_tensor(self.split.features(self.n_features).select(Axis(0), indices), device)
    }
}
