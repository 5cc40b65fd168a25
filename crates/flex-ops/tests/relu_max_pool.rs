//! The flex ReLU + max-pool against Burn's `pool(relu(x))` (bit for bit, forward and gradient) and
//! against the formula by brute force in f64.

use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::activation::relu;
use hsic_infogan_flex_ops::{is_flex, relu_max_pool2d};
use rand::{RngExt, SeedableRng, rngs::StdRng};

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec().unwrap()
}

/// `n` values from {-2, -1.5, ..., 2} (so windows hold ties and all-negative windows), with zeros
/// of both signs among them, and a NaN at each index in `nans`.
fn samples(n: usize, seed: u64, nans: &[usize]) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| match i {
            _ if nans.contains(&i) => f32::NAN,
            _ if i % 89 == 0 => -0.0,
            _ => rng.random_range(-4..=4) as f32 / 2.0,
        })
        .collect()
}

/// `(y, dL/dx)` of `L = sum(w * pool(relu(x)))`, by `ours` or by Burn's two ops.
fn run(layer: &MaxPool2d, x: &[f32], dims: [usize; 4], ours: bool, device: &Device) -> (Vec<f32>, Vec<f32>) {
    let x = Tensor::<4>::from_data(TensorData::new(x.to_vec(), dims), device).require_grad();
    let y = if ours { relu_max_pool2d(layer, x.clone()) } else { layer.forward(relu(x.clone())) };
    let n = y.shape().num_elements();
    let w = Tensor::<1>::from_data(TensorData::new(samples(n, 7, &[]), [n]), device).reshape(y.dims());
    let grads = (y.clone() * w).sum().backward();
    (values(y), values(x.grad(&grads).expect("a gradient")))
}

/// NaN-aware equality: the same bits up to the sign of zero.
fn same(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

#[test]
fn flex_passes_are_burns_two_ops_bit_for_bit() {
    let device = Device::flex().autodiff();
    assert!(is_flex(&device), "flex under autodiff takes the fused passes");
    // Sides that the windows do not divide (the last rows and columns are left out), square and
    // oblong windows, a batch that spans several parallel tasks, and NaNs in two windows.
    for (dims, kernel) in [([64, 8, 12, 12], [2, 2]), ([3, 5, 9, 11], [2, 2]), ([2, 4, 10, 7], [3, 2])] {
        let layer = MaxPool2dConfig::new(kernel).init();
        let x = samples(dims.iter().product(), 1, &[5, 40, 41]);
        let (ours, burn) = (run(&layer, &x, dims, true, &device), run(&layer, &x, dims, false, &device));
        assert!(same(&ours.0, &burn.0), "forward, {dims:?} over {kernel:?}");
        assert!(same(&ours.1, &burn.1), "gradient, {dims:?} over {kernel:?}");
    }
}

#[test]
fn flex_passes_follow_the_formula_in_f64() {
    let device = Device::flex().autodiff();
    let layer = MaxPool2dConfig::new([2, 3]).init();
    let dims @ [batch, channels, height, width] = [2, 3, 7, 8];
    let x = samples(dims.iter().product(), 2, &[]);
    let (y, dx) = run(&layer, &x, dims, true, &device);
    let w = samples(y.len(), 7, &[]);
    let [out_h, out_w] = [height / 2, width / 3];
    let mut expected_dx = vec![0.0f64; x.len()];
    for (o, (&y, &w)) in y.iter().zip(&w).enumerate() {
        let plane = o / (out_h * out_w);
        let (oy, ox) = (o / out_w % out_h, o % out_w);
        let cells: Vec<usize> =
            (0..6).map(|k| plane * height * width + (2 * oy + k / 3) * width + 3 * ox + k % 3).collect();
        let max = cells.iter().map(|&i| f64::from(x[i])).fold(0.0, f64::max);
        assert_eq!(f64::from(y), max, "y[{o}]");
        if let Some(&first) = cells.iter().find(|&&i| max > 0.0 && f64::from(x[i]) == max) {
            expected_dx[first] = f64::from(w);
        }
    }
    assert_eq!(batch * channels * out_h * out_w, y.len());
    assert_eq!(dx.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(), expected_dx);
}

#[test]
fn without_autodiff_and_for_overlapping_windows_it_is_burns() {
    let dims = [2, 3, 8, 8];
    let x = samples(dims.iter().product(), 3, &[]);
    let device = Device::flex();
    let t = Tensor::<4>::from_data(TensorData::new(x.clone(), dims), &device);
    let tiling = MaxPool2dConfig::new([2, 2]).init();
    assert_eq!(values(relu_max_pool2d(&tiling, t.clone())), values(tiling.forward(relu(t.clone()))));
    assert_eq!(values(t), x, "the caller's input is untouched");
    let overlapping = MaxPool2dConfig::new([3, 3]).with_strides([1, 1]).init();
    let autodiff = device.autodiff();
    let (ours, burn) = (run(&overlapping, &x, dims, true, &autodiff), run(&overlapping, &x, dims, false, &autodiff));
    assert_eq!(ours, burn);
}
