//! Our pools against burn's on random inputs: the same maxima and the same
//! input gradients, on every window our models use.

use super::*;
use crate::flex::assert_close;
use burn::nn::pool::{MaxPool1dConfig, MaxPool2dConfig};
use burn::tensor::Distribution;

fn never<T>(_: T) -> T {
    panic!("on the CPU the kernel must run, not burn's pool")
}

#[test]
fn windows_along_the_last_axis_match_burn_forward_and_backward() {
    // DNA CNN (pool 4 on 200 and on odd lengths), signal CNN (pool 2).
    for (len, k) in [(200, 4), (50, 4), (17, 4), (64, 2), (5, 2), (9, 1), (30, 3)] {
        let device = Device::flex().autodiff();
        device.seed(7);
        let x = Tensor::<3>::random([2, 3, len], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let w = Tensor::<3>::random([2, 3, len / k], Distribution::Normal(0.0, 1.0), &device);
        let burn_pool = MaxPool1dConfig::new(k).init();
        let ours = max_pool1d(x.clone(), k, never);
        let theirs = burn_pool.forward(x.clone());
        assert_close(ours.clone(), theirs.clone(), &format!("len {len}, k {k}: forward"));
        let g_ours = (ours * w.clone()).sum().backward();
        let g_theirs = (theirs * w).sum().backward();
        assert_close(x.grad(&g_ours).unwrap(), x.grad(&g_theirs).unwrap(), &format!("len {len}, k {k}: gradient"));

        // Without autodiff (inference) the plain flex kernel runs.
        let plain = x.clone().inner();
        assert_close(max_pool1d(plain.clone(), k, never), burn_pool.forward(plain), "inference");
    }
}

#[test]
fn two_by_two_blocks_match_burn_forward_and_backward() {
    for [h, w] in [[28, 28], [14, 14], [7, 9], [2, 2]] {
        let device = Device::flex().autodiff();
        device.seed(3);
        let x = Tensor::<4>::random([2, 3, h, w], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let weights = Tensor::<4>::random([2, 3, h / 2, w / 2], Distribution::Normal(0.0, 1.0), &device);
        let burn_pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        let ours = max_pool2d_2x2(x.clone(), never);
        let theirs = burn_pool.forward(x.clone());
        assert_close(ours.clone(), theirs.clone(), &format!("{h}x{w}: forward"));
        let g_ours = (ours * weights.clone()).sum().backward();
        let g_theirs = (theirs * weights).sum().backward();
        assert_close(x.grad(&g_ours).unwrap(), x.grad(&g_theirs).unwrap(), &format!("{h}x{w}: gradient"));
    }
}

#[test]
fn a_tie_goes_to_the_first_place_and_nan_wins() {
    let x = [1.0, 3.0, 3.0, 0.0, f32::NAN, 2.0];
    let g = Windows { planes: 1, h: 1, w: 6, kh: 1, kw: 3 };
    let (out, arg) = forward::<true>(&x, g);
    assert_eq!(out[0], 3.0);
    assert!(out[1].is_nan());
    assert_eq!(arg, vec![1, 1]);
    assert_eq!(backward(&[10.0, 20.0], &arg, g), vec![0.0, 10.0, 0.0, 0.0, 20.0, 0.0]);
}
