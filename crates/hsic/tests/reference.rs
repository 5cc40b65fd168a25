//! The HSIC crate against a float64 brute-force reference: the textbook `tr(K H L H)` with an
//! explicit `H`, plain loops, m^3 matrix products. Values on random shapes, and gradients
//! against central finite differences of the reference.

mod common;

use common::reference::{estimate, finite_difference, resolve};
use common::{Backend, Rng, backends, rounded, scalar, tensor, values};
use hsic::{Estimator, HsicConfig, Kernel};

const ESTIMATORS: [Estimator; 3] = [Estimator::Biased, Estimator::Unbiased, Estimator::Normalized];

/// The kernel pairs every test runs: fixed widths, the HSIC-Bottleneck widths, the median
/// heuristic, linear, and a mixed pair. Widths are drawn around the data's typical distance.
fn kernel_settings(rng: &mut Rng, d_x: usize, d_y: usize) -> Vec<(Kernel, Kernel, bool)> {
    let around = |rng: &mut Rng, d: usize| (d as f64 / 6.0).sqrt() * (0.5 + 1.5 * rng.uniform());
    vec![
        (Kernel::gaussian(around(rng, d_x)), Kernel::gaussian(around(rng, d_y)), false),
        (Kernel::gaussian(0.2 + 0.8 * rng.uniform()), Kernel::gaussian(0.2 + 0.8 * rng.uniform()), true),
        (Kernel::GaussianMedian, Kernel::GaussianMedian, false),
        (Kernel::Linear, Kernel::Linear, false),
        (Kernel::GaussianMedian, Kernel::Linear, false),
    ]
}

fn config(kx: &Kernel, ky: &Kernel, scale_by_dim: bool, estimator: &Estimator) -> HsicConfig {
    HsicConfig::new()
        .with_kernel_x(kx.clone())
        .with_kernel_y(ky.clone())
        .with_scale_by_dim(scale_by_dim)
        .with_estimator(estimator.clone())
}

#[test]
fn values_match_float64_reference_on_random_shapes() {
    for backend in backends() {
        let Backend { name, device } = &backend;
        let mut rng = Rng::new(7);
        let (cases, max_m, max_d) = if backend.is_slow() { (3, 40, 100) } else { (10, 130, 800) };
        let mut worst = (0.0f64, String::new());
        for case in 0..cases {
            let m = if case == 0 { 4 } else { rng.range(4, max_m) };
            let (d_x, d_y) = (rng.range(1, max_d), rng.range(1, max_d));
            let (x, y) = rng.generated_pair(m, d_x, d_y);
            let (x, y) = (rounded(&x), rounded(&y));
            for (kx, ky, scale_by_dim) in kernel_settings(&mut rng, d_x, d_y) {
                let (rx, ry) = (resolve(&kx, &x, scale_by_dim), resolve(&ky, &y, scale_by_dim));
                for estimator in &ESTIMATORS {
                    let expected = estimate(estimator, rx, ry, &x, &y);
                    let hsic = config(&kx, &ky, scale_by_dim, estimator).init();
                    let got = scalar(hsic.forward(tensor(&x, device), tensor(&y, device)));
                    let rel = (got - expected).abs() / expected.abs();
                    let what = format!(
                        "{name} m={m} d_x={d_x} d_y={d_y} {kx:?}/{ky:?} scale_by_dim={scale_by_dim} \
                         {estimator:?}: got {got:e}, reference {expected:e}"
                    );
                    assert!(rel < 1e-5, "relative error {rel:e}: {what}");
                    if rel >= worst.0 {
                        worst = (rel, what);
                    }
                }
            }
        }
        println!("{name}: worst relative error {:e} ({})", worst.0, worst.1);
    }
}

#[test]
fn gradients_match_finite_differences_of_the_reference() {
    for Backend { name, device } in backends() {
        let mut rng = Rng::new(11);
        for (m, d_x, d_y) in [(6, 4, 3), (9, 2, 5)] {
            let x = rounded(&rng.uniform_matrix(m, d_x));
            let y = rounded(&rng.dependent_on(&x, d_y, 0.5));
            let start = std::time::Instant::now();
            for (kx, ky, scale_by_dim) in kernel_settings(&mut rng, d_x, d_y) {
                let widths = (resolve(&kx, &x, scale_by_dim), resolve(&ky, &y, scale_by_dim));
                for estimator in &ESTIMATORS {
                    let hsic = config(&kx, &ky, scale_by_dim, estimator).init();
                    let (xt, yt) = (tensor(&x, &device).require_grad(), tensor(&y, &device).require_grad());
                    let gradients = hsic.forward(xt.clone(), yt.clone()).backward();
                    for (wrt_x, input) in [(true, xt.clone()), (false, yt.clone())] {
                        let got = values(input.grad(&gradients).expect("a gradient"));
                        let expected = finite_difference(estimator, widths, &x, &y, wrt_x);
                        let scale = expected.iter().fold(0.0f64, |a, v| a.max(v.abs()));
                        let error = got.iter().zip(&expected).fold(0.0f64, |a, (g, e)| a.max((g - e).abs()));
                        assert!(
                            error <= 1e-3 * scale + 1e-7,
                            "{name} m={m} {kx:?}/{ky:?} scale_by_dim={scale_by_dim} {estimator:?} \
                             d/d{}: max error {error:e} vs max |gradient| {scale:e}\n got {got:?}\n expected {expected:?}",
                            if wrt_x { "x" } else { "y" }
                        );
                    }
                }
            }
            println!("{name} m={m}: gradients checked in {:.1?}", start.elapsed());
        }
    }
}
