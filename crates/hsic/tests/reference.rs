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

/// `forward_each` (one Gram matrix of `x` for several `y`) against the reference term by term:
/// each value, and the gradient of a weighted sum of the terms with respect to `x` and to each
/// `y`, as a regulariser with one term per code takes it.
#[test]
fn forward_each_matches_the_reference_term_by_term() {
    for Backend { name, device } in backends() {
        let mut rng = Rng::new(13);
        let (m, d_x) = (8, 5);
        let x = rounded(&rng.uniform_matrix(m, d_x));
        let ys: Vec<_> = [1, 1, 3].iter().map(|&d_y| rounded(&rng.dependent_on(&x, d_y, 0.5))).collect();
        let weights = [0.5, 2.0, 1.0];
        for (kx, ky) in [(Kernel::gaussian(1.3), Kernel::gaussian(0.7)), (Kernel::GaussianMedian, Kernel::Linear)] {
            for estimator in &ESTIMATORS {
                let what = format!("{name} {kx:?}/{ky:?} {estimator:?}");
                let hsic = config(&kx, &ky, false, estimator).init();
                let xt = tensor(&x, &device).require_grad();
                let yts: Vec<_> = ys.iter().map(|y| tensor(y, &device).require_grad()).collect();
                let estimates = hsic.forward_each(xt.clone(), yts.clone());
                assert_eq!(estimates.len(), ys.len(), "{what}");
                let rx = resolve(&kx, &x, false);
                let mut total = None;
                let mut expected_dx = vec![0.0; m * d_x];
                for (t, (value, y)) in estimates.into_iter().zip(&ys).enumerate() {
                    let ry = resolve(&ky, y, false);
                    let expected = estimate(estimator, rx, ry, &x, y);
                    let got = scalar(value.clone());
                    assert!(
                        (got - expected).abs() <= 1e-5 * expected.abs(),
                        "{what} term {t}: {got:e} vs {expected:e}"
                    );
                    let dx = finite_difference(estimator, (rx, ry), &x, y, true);
                    expected_dx.iter_mut().zip(dx).for_each(|(sum, d)| *sum += weights[t] * d);
                    let weighted = value * weights[t];
                    total = Some(match total {
                        Some(sum) => sum + weighted,
                        None => weighted,
                    });
                }
                let gradients = total.expect("terms").backward();
                let mut checks = vec![(values(xt.grad(&gradients).expect("d/dx")), expected_dx, "x".to_string())];
                for (t, (yt, y)) in yts.iter().zip(&ys).enumerate() {
                    let dy = finite_difference(estimator, (rx, resolve(&ky, y, false)), &x, y, false);
                    let expected = dy.iter().map(|d| weights[t] * d).collect();
                    checks.push((values(yt.grad(&gradients).expect("d/dy")), expected, format!("y{t}")));
                }
                for (got, expected, wrt) in checks {
                    let scale = expected.iter().fold(0.0f64, |a: f64, v: &f64| a.max(v.abs()));
                    let error = got.iter().zip(&expected).fold(0.0f64, |a, (g, e)| a.max((g - e).abs()));
                    assert!(error <= 1e-3 * scale + 1e-7, "{what} d/d{wrt}: max error {error:e} vs {scale:e}");
                }
            }
        }
    }
}
