//! Batches of sequences of different lengths: zero-padded at the end to
//! the longest member, with the true lengths, so a model can keep the
//! padding out of what it computes.
//!
//! The contract the masked models keep (signal CNN, TCN): a sequence's
//! output does not depend on what else is in its batch. Convolutions pad
//! their input with zeros, so a padded batch gives the same valid steps as
//! the sequence alone as long as every step past a sequence's end is zero
//! before each convolution reads it; [`step_mask`] zeroes them.

use burn::prelude::*;

/// Several sequences padded to the longest, with their true lengths so the
/// network can drop (or mask) the padded steps.
pub struct FrameBatch {
    /// `[batch, channels, max_len]`, zero-padded at the end.
    pub x: Tensor<3>,
    /// True length of each sequence, `[batch]`, each at most `max_len`.
    pub lengths: Vec<usize>,
}

impl FrameBatch {
    /// True when no member is padded: the models then run their plain
    /// (unmasked) path, so equal-length data give exactly today's numbers.
    pub fn is_full(&self) -> bool {
        let max_len = self.x.dims()[2];
        self.lengths.iter().all(|&l| l == max_len)
    }
}

/// 1 for the steps `t < lengths[b]`, 0 after: `[batch, 1, max_len]`, to
/// multiply a `[batch, channels, max_len]` activation with.
pub fn step_mask(lengths: &[usize], max_len: usize, device: &Device) -> Tensor<3> {
    let values: Vec<f32> =
        lengths.iter().flat_map(|&l| (0..max_len).map(move |t| if t < l { 1.0 } else { 0.0 })).collect();
    Tensor::from_data(TensorData::new(values, [lengths.len(), 1, max_len]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_covers_each_sequence_s_own_steps() {
        let device = Device::flex();
        let m: Vec<f32> = step_mask(&[1, 3], 3, &device).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(m, vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
        let b = FrameBatch { x: Tensor::<3>::zeros([2, 1, 3], &device), lengths: vec![3, 3] };
        assert!(b.is_full());
    }
}
