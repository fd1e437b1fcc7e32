//! Our batch norm against burn's, in training (output, the three
//! gradients, the running statistics it leaves) and at inference.

use super::*;
use crate::flex::assert_close;
use burn::module::Param;
use burn::nn::BatchNormConfig;
use burn::tensor::Distribution;

/// Two equal layers with random gamma and beta that share no state (the
/// running statistics of one do not move with the other's).
fn layers(channels: usize, device: &Device) -> (BatchNorm, BatchNorm) {
    let gamma = Tensor::<1>::random([channels], Distribution::Normal(1.0, 0.5), device).into_data();
    let beta = Tensor::<1>::random([channels], Distribution::Normal(0.0, 0.5), device).into_data();
    let make = || {
        let mut norm = BatchNormConfig::new(channels).init(device);
        norm.gamma = Param::from_tensor(Tensor::from_data(gamma.clone(), device));
        norm.beta = Param::from_tensor(Tensor::from_data(beta.clone(), device));
        norm
    };
    (make(), make())
}

#[test]
fn training_matches_burn_in_output_gradients_and_running_statistics() {
    // The ResNet's shapes (stem, stride-2 stages) and a one-pixel plane.
    for (i, dims) in [[4, 6, 5, 7], [3, 16, 28, 28], [5, 32, 7, 7], [6, 3, 1, 1]].into_iter().enumerate() {
        let device = Device::flex().autodiff();
        device.seed(i as u64);
        let (ours_layer, burn_layer) = layers(dims[1], &device);
        // Off-centre and scaled, so the statistics are not trivially 0 and 1.
        let x = (Tensor::<4>::random(dims, Distribution::Normal(0.0, 1.0), &device) * 3.0 + 2.0).require_grad();
        let ours = crate::flex::ours("batch norm", || batch_norm(&ours_layer, x.clone()));
        let theirs = burn_layer.forward(x.clone());
        assert_close(ours.clone(), theirs.clone(), &format!("case {i}: output"));
        let weights = Tensor::<4>::random(dims, Distribution::Normal(0.0, 1.0), &device);
        let g1 = (ours * weights.clone()).sum().backward();
        let g2 = (theirs * weights).sum().backward();
        assert_close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), &format!("case {i}: input gradient"));
        let (ga, gb) = (ours_layer.gamma.val(), burn_layer.gamma.val());
        assert_close(ga.grad(&g1).unwrap(), gb.grad(&g2).unwrap(), &format!("case {i}: gamma gradient"));
        let (ba, bb) = (ours_layer.beta.val(), burn_layer.beta.val());
        assert_close(ba.grad(&g1).unwrap(), bb.grad(&g2).unwrap(), &format!("case {i}: beta gradient"));
        assert_close(
            ours_layer.running_mean.value(),
            burn_layer.running_mean.value(),
            &format!("case {i}: running mean"),
        );
        assert_close(
            ours_layer.running_var.value(),
            burn_layer.running_var.value(),
            &format!("case {i}: running variance"),
        );
        // After that step, inference uses the running statistics.
        let plain = x.inner();
        let (a, b) = (ours_layer.valid(), burn_layer.valid());
        let inferred = crate::flex::ours("batch norm inference", || batch_norm(&a, plain.clone()));
        assert_close(inferred, b.forward(plain), &format!("case {i}: inference"));
    }
}

#[test]
fn a_frozen_layer_keeps_its_running_statistics() {
    let device = Device::flex().autodiff();
    let (mut norm, _) = layers(4, &device);
    norm.training = Param::from_bool(false);
    let x = Tensor::<4>::random([2, 4, 3, 3], Distribution::Normal(5.0, 1.0), &device);
    let _ = batch_norm(&norm, x);
    let mean: Vec<f32> = norm.running_mean.value().into_data().try_to_vec().unwrap();
    assert_eq!(mean, vec![0.0; 4]);
}
