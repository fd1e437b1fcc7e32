//! Models on table features: logistic/linear regression and an MLP.
//!
//! One module serves both: with no hidden layer it is exactly a linear
//! model, which is the baseline every clinical risk score is judged
//! against, and a trainee can switch to an MLP by adding a width.

use burn::module::Param;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use medref_core::config::{MlpConfig, ModelConfig};

/// `[batch, n_inputs]` features -> `[batch, n_outputs]` logits (or values).
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    dropout: Dropout,
    head: Linear,
}

impl Mlp {
    /// Hidden layers of the given widths (none: a linear model).
    pub fn new(hidden: &[usize], dropout: f64, n_inputs: usize, n_outputs: usize, device: &Device) -> Self {
        let mut width = n_inputs;
        let mut layers = Vec::with_capacity(hidden.len());
        for &h in hidden {
            layers.push(LinearConfig::new(width, h).init(device));
            width = h;
        }
        Self {
            hidden: layers,
            dropout: DropoutConfig::new(dropout).init(),
            head: LinearConfig::new(width, n_outputs).init(device),
        }
    }

    /// Builds the model a `linear` or `mlp` config describes; `None` for
    /// other model kinds.
    pub fn from_config(config: &ModelConfig, n_inputs: usize, n_outputs: usize, device: &Device) -> Option<Self> {
        match config {
            ModelConfig::Linear(_) => Some(Self::new(&[], 0.0, n_inputs, n_outputs, device)),
            ModelConfig::Mlp(MlpConfig { hidden, dropout }) => {
                Some(Self::new(hidden, *dropout, n_inputs, n_outputs, device))
            }
            _ => None,
        }
    }

    /// The linear model with the given coefficients: `weight` row-major
    /// `[n_inputs, n_outputs]`, `bias` `[n_outputs]`. For coefficients fitted
    /// outside the loop (a convex solver), so the run saves, scores and
    /// reloads them like any trained network. `None` if the model has hidden
    /// layers or the sizes do not fit.
    pub fn with_linear_coefficients(mut self, weight: &[f32], bias: &[f32]) -> Option<Self> {
        let [n_in, n_out] = self.head.weight.dims();
        if !self.hidden.is_empty() || weight.len() != n_in * n_out || bias.len() != n_out {
            return None;
        }
        let device = self.head.weight.device();
        self.head.weight =
            Param::from_tensor(Tensor::from_data(TensorData::new(weight.to_vec(), [n_in, n_out]), &device));
        self.head.bias = Some(Param::from_tensor(Tensor::from_data(TensorData::new(bias.to_vec(), [n_out]), &device)));
        Some(self)
    }

    /// `[batch, n_inputs]` -> `[batch, n_outputs]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mut x = x;
        // Fused product + bias + ReLU on the CPU at inference.
        for layer in &self.hidden {
            x = self.dropout.forward(medref_kernels::dense(layer, x, true));
        }
        medref_kernels::dense(&self.head, x, false)
    }
}

impl crate::Network for Mlp {
    type Input = Tensor<2>;
    fn logits(&self, input: Tensor<2>) -> Tensor<2> {
        self.forward(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_and_mlp_shapes() {
        let device = Device::flex();
        let x = Tensor::<2>::zeros([3, 5], &device);
        let lin = Mlp::from_config(&ModelConfig::Linear(Default::default()), 5, 2, &device).unwrap();
        assert_eq!(lin.forward(x.clone()).dims(), [3, 2]);
        let mlp = Mlp::new(&[8, 4], 0.1, 5, 1, &device);
        assert_eq!(mlp.forward(x).dims(), [3, 1]);
    }
}
