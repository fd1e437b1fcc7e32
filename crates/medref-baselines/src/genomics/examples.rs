//! Genomics examples: one-hot DNA batches `[batch, 4, seq_len]`, with
//! optional reverse-complement augmentation.

use burn::prelude::*;
use medref_core::seed::Rng;
use medref_data::genomics::encode::{one_hot_batch, reverse_complement_one_hot_into};
use medref_data::genomics::sequence::{SequenceDataset, SequenceSplit};
use medref_train::tensor::to_tensor;
use medref_train::{Examples, Targets};

/// One split of a sequence dataset.
pub struct SequenceExamples<'a> {
    split: &'a SequenceSplit,
    seq_len: usize,
    targets: Targets,
    reverse_complement: bool,
}

impl<'a> SequenceExamples<'a> {
    /// `reverse_complement`: in training batches, flip each sequence to the
    /// other strand with probability 1/2.
    pub fn new(ds: &SequenceDataset, split: &'a SequenceSplit, reverse_complement: bool) -> Self {
        let targets = Targets::from_label_rows(&split.labels, ds.label_width, ds.n_classes);
        Self { split, seq_len: ds.seq_len, targets, reverse_complement }
    }
}

impl Examples for SequenceExamples<'_> {
    type Input = Tensor<3>;

    fn len(&self) -> usize {
        self.split.n
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    fn example_id(&self, i: usize) -> String {
        self.split.ids[i].clone()
    }

    fn record_key(&self, i: usize) -> Option<u64> {
        Some(medref_core::record_key::content_key(
            self.split.sequence(i, self.seq_len).iter().map(u8::to_ascii_uppercase),
        ))
    }

    fn batch(&self, indices: &[usize], device: &Device, augment: Option<&mut Rng>) -> Tensor<3> {
        let l = self.seq_len;
        let mut data = one_hot_batch(indices.iter().map(|&i| self.split.sequence(i, l)), l);
        let mut flipped = vec![0f32; 4 * l];
        if let Some(rng) = augment.filter(|_| self.reverse_complement) {
            for mut row in data.outer_iter_mut() {
                if rng.uniform() < 0.5 {
                    let row = row.as_slice_mut().expect("a fresh array is contiguous");
                    reverse_complement_one_hot_into(row, &mut flipped);
                    row.copy_from_slice(&flipped);
                }
            }
        }
        to_tensor(data, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_one_hot_and_reverse_complement_flips_strands() {
        let split = SequenceSplit { ids: vec!["a".into()], sequences: b"AACG".to_vec(), labels: vec![1], n: 1 };
        let ds = SequenceDataset {
            seq_len: 4,
            label_width: 1,
            n_classes: 2,
            class_names: vec!["no".into(), "yes".into()],
            train: split.clone(),
            val: split.clone(),
            test: split.clone(),
        };
        let device = Device::flex();
        let plain = SequenceExamples::new(&ds, &ds.train, false);
        let x: Vec<f32> = plain.batch(&[0], &device, None).into_data().try_into_vec().unwrap();
        // channel A row: positions 0 and 1
        assert_eq!(&x[0..4], &[1.0, 1.0, 0.0, 0.0]);
        let rc = SequenceExamples::new(&ds, &ds.train, true);
        let mut seen_flip = false;
        for s in 0..20 {
            let y: Vec<f32> = rc.batch(&[0], &device, Some(&mut Rng::new(s))).into_data().try_into_vec().unwrap();
            if y != x {
                // reverse complement of AACG is CGTT: T channel (row 3) at positions 2, 3
                assert_eq!(&y[12..16], &[0.0, 0.0, 1.0, 1.0]);
                seen_flip = true;
            }
        }
        assert!(seen_flip);
    }
}
