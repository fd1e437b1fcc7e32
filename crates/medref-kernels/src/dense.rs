//! Dense layer + bias (+ ReLU) in one pass, for inference.
//!
//! burn's `Linear` then `relu` make three passes over the output (product,
//! bias broadcast, activation) and a fresh buffer for each. Here each block
//! of rows starts as the bias, takes the product added in place (the GEMM
//! reads its destination), and is clipped at zero while still in cache.
//! Training keeps burn's operations: the loop needs their gradients, and
//! the product dominates there anyway.

use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Backend, Dispatch, Flex};
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::relu as burn_relu;
use rayon::prelude::*;

use crate::flex::{f32s, tensor};
use crate::gemm::{matmul, Mat};

/// Rows per task: enough for the GEMM to run at speed, small enough that
/// both cores get work at inference batch sizes.
const ROWS_PER_TASK: usize = 64;

#[backend_extension(Flex)]
pub trait DenseKernels: Backend {
    /// `x [n, in] x weight [in, out] + bias [out]`, then ReLU if `relu`.
    fn dense_bias(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, relu: bool) -> FloatTensor<Self>;
}

/// `linear.forward(x)` (then ReLU if `relu`), fused on the CPU outside
/// training; burn's operations otherwise.
pub fn dense(linear: &Linear, x: Tensor<2>, relu: bool) -> Tensor<2> {
    // Plain flex only: under autodiff (training) burn's ops keep their gradients.
    // (An input moved onto an autodiff device can still report a plain
    // one, so the weight's device decides too.)
    let device = x.device();
    let tracked = device.is_autodiff() || linear.weight.device().is_autodiff();
    let fused = crate::on_flex(&device) && !tracked && linear.bias.is_some();
    if !fused {
        let y = linear.forward(x);
        return if relu { burn_relu(y) } else { y };
    }
    let bias = linear.bias.as_ref().expect("checked above").val();
    Tensor::from_dispatch(<Dispatch as DenseKernels>::dense_bias(
        x.into_dispatch(),
        linear.weight.val().into_dispatch(),
        bias.into_dispatch(),
        relu,
    ))
}

impl DenseKernels for Flex {
    fn dense_bias(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, relu: bool) -> FlexTensor {
        let (x, w, b) = (x.to_contiguous(), weight.to_contiguous(), bias.to_contiguous());
        let [n, d_in] = [x.layout().shape()[0], x.layout().shape()[1]];
        let d_out = w.layout().shape()[1];
        let (xs, ws, bs) = (f32s(&x), f32s(&w), f32s(&b));
        let mut out = vec![0f32; n * d_out];
        if d_out > 0 {
            out.par_chunks_mut(ROWS_PER_TASK * d_out).enumerate().for_each(|(t, block)| {
                let rows = block.len() / d_out;
                block.chunks_exact_mut(d_out).for_each(|row| row.copy_from_slice(bs));
                let first = t * ROWS_PER_TASK;
                matmul(block, Mat::row_major(&xs[first * d_in..(first + rows) * d_in], rows, d_in), Mat::row_major(ws, d_in, d_out), true);
                if relu {
                    block.iter_mut().for_each(|v| *v = v.max(0.0));
                }
            });
        }
        tensor(out, vec![n, d_out])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::LinearConfig;
    use burn::tensor::Distribution;

    #[test]
    fn fused_dense_matches_burns_linear_and_relu() {
        let device = Device::flex();
        device.seed(5);
        for (n, d_in, d_out) in [(1024, 128, 256), (300, 256, 1), (7, 3, 5), (65, 128, 256)] {
            let linear = LinearConfig::new(d_in, d_out).init(&device);
            let x = Tensor::<2>::random([n, d_in], Distribution::Normal(0.0, 1.0), &device);
            for relu in [false, true] {
                let ours: Vec<f32> = dense(&linear, x.clone(), relu).into_data().try_to_vec().unwrap();
                let y = linear.forward(x.clone());
                let theirs: Vec<f32> = if relu { burn_relu(y) } else { y }.into_data().try_to_vec().unwrap();
                assert_eq!(ours.len(), n * d_out);
                for (a, b) in ours.iter().zip(&theirs) {
                    assert!((a - b).abs() <= 1e-4 * b.abs().max(1.0), "{n}x{d_in}->{d_out}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn training_keeps_burns_gradients() {
        let device = Device::flex().autodiff();
        let linear = LinearConfig::new(4, 3).init(&device);
        let x = Tensor::<2>::random([5, 4], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let grads = dense(&linear, x.clone(), true).sum().backward();
        assert!(x.grad(&grads).is_some() && linear.weight.val().grad(&grads).is_some());
        // A batch moved onto the autodiff device, as the loop's are.
        let batch = Tensor::<2>::random([5, 4], Distribution::Normal(0.0, 1.0), &Device::flex()).to_device(&device);
        let grads = dense(&linear, batch, true).sum().backward();
        assert!(linear.weight.val().grad(&grads).is_some());
    }
}
