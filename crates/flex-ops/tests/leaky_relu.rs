//! The flex leaky ReLU and ReLU against Burn's (bit for bit) and against the formula in f64.

use burn::prelude::*;
use burn::tensor::{Distribution, TensorData};
use hsic_infogan_flex_ops::{is_flex, leaky_relu, relu};
use rand::{SeedableRng, rngs::StdRng};

const SLOPE: f64 = 0.1;

fn autodiff_flex() -> Device {
    Device::flex().autodiff()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec().unwrap()
}

/// `n` draws from N(0, 1), with exact zeros and both signs of zero mixed in.
fn samples(n: usize, seed: u64) -> Vec<f32> {
    let normal = Distribution::Normal(0.0, 1.0);
    let draws = TensorData::random::<f32, _, _>([n], normal, &mut StdRng::seed_from_u64(seed)).try_into_vec().unwrap();
    (0..n)
        .zip(draws)
        .map(|(i, draw)| match i % 97 {
            0 => 0.0,
            1 => -0.0,
            _ => draw,
        })
        .collect()
}

/// `(y, dL/dx)` of `L = sum(w * act(x))` for `x` of shape `[rows, cols]`, read as its transpose
/// when `transposed` (a strided input).
fn run(
    act: impl Fn(Tensor<2>) -> Tensor<2>,
    x: &[f32],
    w: &[f32],
    [rows, cols]: [usize; 2],
    transposed: bool,
    device: &Device,
) -> (Vec<f32>, Vec<f32>) {
    let x = if transposed {
        Tensor::<2>::from_data(TensorData::new(x.to_vec(), [cols, rows]), device).transpose()
    } else {
        Tensor::<2>::from_data(TensorData::new(x.to_vec(), [rows, cols]), device)
    }
    .require_grad();
    let y = act(x.clone());
    let w = Tensor::<2>::from_data(TensorData::new(w.to_vec(), [rows, cols]), device);
    let grads = (y.clone() * w).sum().backward();
    (values(y), values(x.grad(&grads).expect("a gradient")))
}

#[test]
fn flex_passes_are_burns_composition_bit_for_bit() {
    let device = autodiff_flex();
    assert!(is_flex(&device), "flex under autodiff takes the fused passes");
    // 300 x 700 spans several parallel chunks.
    let shape = [300, 700];
    let (x, w) = (samples(shape[0] * shape[1], 1), samples(shape[0] * shape[1], 2));
    for transposed in [false, true] {
        let ours = run(|x| leaky_relu(x, SLOPE), &x, &w, shape, transposed, &device);
        let burn = run(|x| burn::tensor::activation::leaky_relu(x, SLOPE), &x, &w, shape, transposed, &device);
        assert_eq!(ours, burn, "transposed input: {transposed}");
    }
}

#[test]
fn flex_passes_follow_the_formula_in_f64() {
    let device = autodiff_flex();
    let shape = [40, 50];
    let (x, w) = (samples(2000, 3), samples(2000, 4));
    let (y, dx) = run(|x| leaky_relu(x, SLOPE), &x, &w, shape, false, &device);
    for i in 0..x.len() {
        let (xi, wi) = (x[i] as f64, w[i] as f64);
        let (y_ref, dx_ref) = if xi < 0.0 { (SLOPE * xi, SLOPE * wi) } else { (xi, wi) };
        assert!((y[i] as f64 - y_ref).abs() <= 1e-7 * y_ref.abs().max(1.0), "y[{i}] {} vs {y_ref}", y[i]);
        assert!((dx[i] as f64 - dx_ref).abs() <= 1e-7 * dx_ref.abs().max(1.0), "dx[{i}] {} vs {dx_ref}", dx[i]);
    }
}

#[test]
fn without_autodiff_it_is_the_forward_alone() {
    let device = Device::flex();
    assert!(is_flex(&device));
    let x = samples(1000, 5);
    let t = Tensor::<1>::from_data(TensorData::new(x.clone(), [1000]), &device);
    let burn = values(burn::tensor::activation::leaky_relu(t.clone(), SLOPE));
    assert_eq!(values(leaky_relu(t.clone(), SLOPE)), burn);
    assert_eq!(values(t), x, "the caller's input is untouched");
}

/// A slope of 0 or below runs Burn's composition (the fused backward pass reads the sign of
/// `x` from `y`, which only a positive slope keeps).
#[test]
fn slopes_of_zero_and_below_are_burns() {
    let device = autodiff_flex();
    let shape = [30, 40];
    let (x, w) = (samples(1200, 6), samples(1200, 7));
    for slope in [0.0, -0.5] {
        let ours = run(|x| leaky_relu(x, slope), &x, &w, shape, false, &device);
        let burn = run(|x| burn::tensor::activation::leaky_relu(x, slope), &x, &w, shape, false, &device);
        assert_eq!(ours, burn, "slope {slope}");
    }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// ReLU's passes are Burn's `relu` bit for bit, `+0` below zero and NaN passed through (with its
/// gradient) included, over several parallel chunks and from a strided input.
#[test]
fn relu_is_burns_bit_for_bit() {
    let device = autodiff_flex();
    let shape = [300, 700];
    let mut x = samples(shape[0] * shape[1], 8);
    for i in (5..x.len()).step_by(1009) {
        x[i] = f32::NAN;
    }
    let mut w = samples(shape[0] * shape[1], 9);
    w[7] = f32::INFINITY;
    x[7] = -1.0;
    for transposed in [false, true] {
        let (y, dx) = run(relu, &x, &w, shape, transposed, &device);
        let (burn_y, burn_dx) = run(burn::tensor::activation::relu, &x, &w, shape, transposed, &device);
        assert_eq!(bits(&y), bits(&burn_y), "y, transposed input: {transposed}");
        assert_eq!(bits(&dx), bits(&burn_dx), "dx, transposed input: {transposed}");
    }
    let (y, dx) = run(relu, &x, &w, shape, false, &device);
    assert_eq!(dx[7], 0.0, "an infinite gradient below zero is masked, not multiplied by 0");
    for i in 0..x.len() {
        let (xi, wi) = (f64::from(x[i]), f64::from(w[i]));
        let (y_ref, dx_ref) = if xi.is_nan() || xi > 0.0 { (xi, wi) } else { (0.0, 0.0) };
        let same = |a: f32, b: f64| (a.is_nan() && b.is_nan()) || f64::from(a) == b;
        assert!(same(y[i], y_ref) && (y[i].is_nan() || y[i].is_sign_positive()), "y[{i}] {} for x {xi}", y[i]);
        assert!(same(dx[i], dx_ref), "dx[{i}] {} for x {xi}, w {wi}", dx[i]);
    }
}

#[test]
fn relu_without_autodiff_is_the_forward_alone() {
    let device = Device::flex();
    let x = samples(1000, 10);
    let t = Tensor::<1>::from_data(TensorData::new(x.clone(), [1000]), &device);
    assert_eq!(bits(&values(relu(t.clone()))), bits(&values(burn::tensor::activation::relu(t.clone()))));
    assert_eq!(values(t), x, "the caller's input is untouched");
}
