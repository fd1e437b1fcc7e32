//! Reading and making flex tensors, for the kernels.

use burn::backend::flex::FlexTensor;
use burn::tensor::TensorData;

/// The tensor in row-major order (the same buffer when it already is)
/// and its dims.
pub fn row_major(t: &FlexTensor) -> (FlexTensor, Vec<usize>) {
    let t = t.to_contiguous();
    let dims = t.layout().shape().to_vec();
    (t, dims)
}

/// The values of a row-major f32 tensor.
pub fn f32s(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("medref's networks use f32 tensors")
}

/// A row-major tensor of `values`.
pub fn tensor(values: Vec<f32>, dims: Vec<usize>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, dims))
}

/// Asserts two tensors hold the same values within 1e-4 (relative to the
/// larger of 1 and the value): the kernels against burn's operations.
#[cfg(test)]
pub fn assert_close<const D: usize>(ours: burn::prelude::Tensor<D>, theirs: burn::prelude::Tensor<D>, what: &str) {
    assert_eq!(ours.dims(), theirs.dims(), "{what}: shapes");
    let a: Vec<f32> = ours.into_data().try_to_vec().unwrap();
    let b: Vec<f32> = theirs.into_data().try_to_vec().unwrap();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() <= 1e-4 * y.abs().max(1.0), "{what}: element {i}: {x} vs {y}");
    }
}
