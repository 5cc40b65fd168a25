//! The fused CubeCL HSIC (`hsic::fused`, compiled with the `wgpu` or `cuda` feature) against the
//! float64 reference and against the composed tensor-op version on the same device: values of
//! the biased estimator and CKA, and gradients with respect to both inputs, on sizes that are and
//! are not multiples of a workgroup, from one feature (`d = 1`) to an MNIST image (`d = 784`).
#![cfg(any(feature = "wgpu", feature = "cuda"))]

mod common;

use burn::prelude::*;
use common::reference::{RefKernel, estimate, finite_difference};
use common::{Backend, Matrix, Rng, backends, rounded, scalar, tensor, values};
use hsic::{Estimator, HsicConfig, Kernel, cka, hsic_biased};

/// (m, d_x, d_y, sigma_x, sigma_y): widths near each input's typical pair distance.
const SHAPES: [(usize, usize, usize, f64, f64); 5] = [
    (4, 1, 1, 0.5, 0.5),
    (33, 5, 3, 1.0, 1.0),
    (100, 784, 12, 8.0, 1.0),
    (257, 1, 12, 0.5, 1.0),
    (1000, 784, 12, 8.0, 1.0),
];

const ESTIMATORS: [Estimator; 2] = [Estimator::Biased, Estimator::Normalized];

/// The CubeCL backends among the compiled ones (the fused kernels run nowhere else). This file
/// is compiled only with `wgpu` or `cuda`, so none usable is a failure under CI (which has
/// lavapipe) rather than tests passing on zero backends, and said elsewhere.
fn cube_backends() -> Vec<Backend> {
    let cube: Vec<Backend> =
        backends().into_iter().filter(|b| hsic::fused::runs_on(&Tensor::<2>::zeros([1, 1], &b.device))).collect();
    if cube.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "wgpu or cuda is compiled in but no CubeCL device runs, and CI is set"
        );
        eprintln!("SKIPPED: no CubeCL device here; the fused kernels are not tested");
    }
    cube
}

fn loss(estimator: &Estimator, sigma_x: f64, sigma_y: f64) -> hsic::Hsic {
    HsicConfig::new()
        .with_kernel_x(Kernel::gaussian(sigma_x))
        .with_kernel_y(Kernel::gaussian(sigma_y))
        .with_estimator(estimator.clone())
        .init()
}

/// The crate's composed tensor-op estimate, which never takes the fused path.
fn composed(estimator: &Estimator, sigma_x: f64, sigma_y: f64, x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    let (k, l) = (Kernel::gaussian(sigma_x).gram(x, false), Kernel::gaussian(sigma_y).gram(y, false));
    match estimator {
        Estimator::Biased => hsic_biased(k, l),
        _ => cka(k, l),
    }
}

fn pair(rng: &mut Rng, m: usize, d_x: usize, d_y: usize) -> (Matrix, Matrix) {
    let (x, y) = rng.generated_pair(m, d_x, d_y);
    (rounded(&x), rounded(&y))
}

#[test]
fn hsic_takes_the_fused_path_on_a_cube_device() {
    for Backend { name, device } in cube_backends() {
        let (x, y) = pair(&mut Rng::new(3), 50, 20, 4);
        let (x, y) = (tensor(&x, &device), tensor(&y, &device));
        let through_loss = scalar(loss(&Estimator::Biased, 2.0, 1.0).forward(x.clone(), y.clone()));
        let sums = hsic::fused::gaussian_centred_sums(x, y, 2.0, 1.0);
        let by_hand = scalar(sums.narrow(0, 0, 1) / (49.0 * 49.0));
        assert_eq!(through_loss, by_hand, "{name}: Hsic::forward did not use the fused kernels");
    }
}

#[test]
fn values_match_the_float64_reference_and_the_composed_version() {
    for Backend { name, device } in cube_backends() {
        let mut rng = Rng::new(5);
        for (m, d_x, d_y, sigma_x, sigma_y) in SHAPES {
            let (x, y) = pair(&mut rng, m, d_x, d_y);
            for estimator in &ESTIMATORS {
                let expected = estimate(estimator, RefKernel::Gaussian(sigma_x), RefKernel::Gaussian(sigma_y), &x, &y);
                let (xt, yt) = (tensor(&x, &device), tensor(&y, &device));
                let fused = scalar(loss(estimator, sigma_x, sigma_y).forward(xt.clone(), yt.clone()));
                let composed = scalar(composed(estimator, sigma_x, sigma_y, xt, yt));
                let relative = |v: f64| (v - expected).abs() / expected.abs();
                println!(
                    "{name} m={m} d={d_x}/{d_y} {estimator:?}: reference {expected:e}, fused off by {:.1e}, composed by {:.1e}",
                    relative(fused),
                    relative(composed)
                );
                assert!(
                    relative(fused) < 1e-5,
                    "{name} m={m} d={d_x}/{d_y} {estimator:?}: fused {fused:e} vs float64 {expected:e}"
                );
            }
        }
    }
}

/// The largest absolute difference between two gradients, and the larger of their largest entries.
fn gradient_error(got: &[f64], expected: &[f64]) -> (f64, f64) {
    let scale = expected.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let error = got.iter().zip(expected).fold(0.0f64, |a, (g, e)| a.max((g - e).abs()));
    (error, scale)
}

/// Gradients of the estimate with respect to `x` and `y`.
fn gradients(
    estimate: impl FnOnce(Tensor<2>, Tensor<2>) -> Tensor<1>,
    x: &Matrix,
    y: &Matrix,
    device: &Device,
) -> [Vec<f64>; 2] {
    let (xt, yt) = (tensor(x, device).require_grad(), tensor(y, device).require_grad());
    let grads = estimate(xt.clone(), yt.clone()).backward();
    [xt, yt].map(|t| values(t.grad(&grads).expect("a gradient")))
}

/// Gradients against central differences of the float64 reference where that is affordable
/// (`m <= 33`), and against autodiff through the composed version on the same device from
/// `m = 33` on.
#[test]
fn gradients_match_finite_differences_and_the_composed_version() {
    for Backend { name, device } in cube_backends() {
        let mut rng = Rng::new(9);
        for (m, d_x, d_y, sigma_x, sigma_y) in SHAPES {
            let (x, y) = pair(&mut rng, m, d_x, d_y);
            for estimator in &ESTIMATORS {
                let hsic = loss(estimator, sigma_x, sigma_y);
                let fused = gradients(|x, y| hsic.forward(x, y), &x, &y, &device);
                let mut references = Vec::new();
                if m <= 33 {
                    let widths = (RefKernel::Gaussian(sigma_x), RefKernel::Gaussian(sigma_y));
                    let differences = [true, false].map(|wrt_x| finite_difference(estimator, widths, &x, &y, wrt_x));
                    references.push(("float64 finite differences", differences));
                }
                if m >= 33 {
                    let traced = gradients(|x, y| composed(estimator, sigma_x, sigma_y, x, y), &x, &y, &device);
                    references.push(("the composed version", traced));
                }
                for (reference, expected) in references {
                    for (input, (got, expected)) in ["x", "y"].iter().zip(fused.iter().zip(&expected)) {
                        let (error, scale) = gradient_error(got, expected);
                        assert!(
                            error <= 1e-3 * scale + 1e-7,
                            "{name} m={m} {estimator:?} d/d{input}: fused off {reference} by {error:e}, max |gradient| {scale:e}"
                        );
                    }
                }
            }
        }
    }
}

/// Why the gradient test compares with the composed version only from `m = 33` on.
#[test]
#[ignore = "fails on wgpu with Burn 0.22.1: the fusion backend cannot expand a fused reduce kernel \
            ('Cast element count must match if input is not scalar'); run with --ignored to see whether Burn fixed it"]
fn composed_gradient_of_four_samples() {
    for Backend { name, device } in cube_backends() {
        let (x, y) = pair(&mut Rng::new(9), 4, 2, 1);
        let [dx, dy] = gradients(|x, y| composed(&Estimator::Biased, 0.5, 0.5, x, y), &x, &y, &device);
        assert!(dx.iter().chain(&dy).all(|v| v.is_finite()), "{name}: {dx:?} {dy:?}");
    }
}
