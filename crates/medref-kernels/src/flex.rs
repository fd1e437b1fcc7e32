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

/// Asserts two tensors hold the same values within 1e-4 relative to the
/// largest of 1, the value, and a hundredth of the tensor's largest value:
/// the kernels against burn's operations. The last term is for the sums of
/// tens of thousands of products in a full-size weight gradient, whose
/// rounding is of the order of its large elements: one that cancels to
/// near zero differs between summation orders by more than 1e-4 of itself.
#[cfg(test)]
pub fn assert_close<const D: usize>(ours: burn::prelude::Tensor<D>, theirs: burn::prelude::Tensor<D>, what: &str) {
    assert_eq!(ours.dims(), theirs.dims(), "{what}: shapes");
    let a: Vec<f32> = ours.into_data().try_to_vec().unwrap();
    let b: Vec<f32> = theirs.into_data().try_to_vec().unwrap();
    let largest = b.iter().fold(0.0f32, |m, y| m.max(y.abs()));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let scale = y.abs().max(1.0).max(0.01 * largest);
        assert!((x - y).abs() <= 1e-4 * scale, "{what}: element {i}: {x} vs {y} (largest {largest})");
    }
}

/// A layer's output from our kernel (`ours`) and from burn (`theirs`) on the
/// same `x`: the outputs, then the gradients of `x`, `weight` and `bias`
/// under one random weighting of the outputs, each within [`assert_close`].
/// `what` names the case in a failure.
#[cfg(test)]
pub fn assert_layer_matches<const D: usize>(
    ours: burn::prelude::Tensor<D>,
    theirs: burn::prelude::Tensor<D>,
    x: &burn::prelude::Tensor<D>,
    weight: &burn::module::Param<burn::prelude::Tensor<D>>,
    bias: Option<&burn::module::Param<burn::prelude::Tensor<1>>>,
    what: &str,
) {
    use burn::tensor::Distribution;
    assert_close(ours.clone(), theirs.clone(), &format!("{what}: forward"));
    let weights = burn::prelude::Tensor::<D>::random(theirs.dims(), Distribution::Normal(0.0, 1.0), &x.device());
    let g1 = (ours * weights.clone()).sum().backward();
    let g2 = (theirs * weights).sum().backward();
    assert_close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), &format!("{what}: input gradient"));
    let wv = weight.val();
    assert_close(wv.grad(&g1).unwrap(), wv.grad(&g2).unwrap(), &format!("{what}: weight gradient"));
    if let Some(b) = bias {
        let bv = b.val();
        assert_close(bv.grad(&g1).unwrap(), bv.grad(&g2).unwrap(), &format!("{what}: bias gradient"));
    }
}

/// Runs `call` (one of our kernels' entry points) and fails unless it took
/// our kernel: a fallback to burn's operation would make a comparison with
/// burn compare burn with burn.
#[cfg(test)]
pub fn ours<T>(what: &str, call: impl FnOnce() -> T) -> T {
    let before = crate::kernel_runs();
    let out = call();
    assert!(
        crate::kernel_runs() > before,
        "{what}: our kernel did not run, so the comparison with burn would test nothing \
         (MEDREF_CPU_KERNELS=burn, or a fallback)"
    );
    out
}
