//! The one place host arrays become burn tensors.
//!
//! Readers and examples speak `ndarray` (the array type of the Rust
//! scientific stack, so their batches can be checked or fed to linfa
//! without burn); the loop and the networks speak burn. Every batch crosses
//! here, in row-major order, so a change of backend or of how data reach
//! the device is made once.

use burn::prelude::*;
use ndarray::{Array, Dim};

/// A row-major `f32` array as a tensor of the same shape on `device`.
pub fn to_tensor<const D: usize>(array: Array<f32, Dim<[usize; D]>>, device: &Device) -> Tensor<D>
where
    Dim<[usize; D]>: ndarray::Dimension,
{
    let shape: [usize; D] = array.shape().try_into().expect("an array of D axes has D lengths");
    let array = if array.is_standard_layout() { array } else { array.as_standard_layout().into_owned() };
    let (data, offset) = array.into_raw_vec_and_offset();
    debug_assert!(offset.unwrap_or(0) == 0, "a standard-layout array starts at its buffer");
    Tensor::from_data(TensorData::new(data, shape), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_places() {
        let a = ndarray::Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as f32);
        let t = to_tensor(a.clone(), &Device::flex());
        assert_eq!(t.dims(), [2, 3, 4]);
        let v: Vec<f32> = t.into_data().try_into_vec().unwrap();
        assert_eq!(v, a.iter().copied().collect::<Vec<_>>());
        // A transposed view is laid out row-major first.
        let t = to_tensor(a.clone().permuted_axes([2, 1, 0]), &Device::flex());
        let v: Vec<f32> = t.into_data().try_into_vec().unwrap();
        assert_eq!(v[1], a[[1, 0, 0]]);
    }
}
