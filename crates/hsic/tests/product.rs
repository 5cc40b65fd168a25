//! The product kernel `k_head(a[..split], b[..split]) * k_tail(a[split..], b[split..])` against a
//! float64 reference on every backend, and its refusals.

mod common;

use common::reference::{RefKernel, estimate_from_grams, gram};
use common::{Backend, Matrix, Rng, backends, rounded, scalar, tensor};
use hsic::{Estimator, HsicConfig, HsicError, Kernel, RandomFeatureHsicConfig};

/// Codes as HSIC-InfoGAN draws them: a one-hot categorical code of `categories` values and
/// `continuous` U(-1, 1) codes, `[one-hot | continuous]`.
fn codes(rng: &mut Rng, m: usize, categories: usize, continuous: usize) -> Matrix {
    (0..m)
        .map(|_| {
            let category = rng.range(0, categories - 1);
            let one_hot = (0..categories).map(|c| f64::from(u8::from(c == category)));
            one_hot.chain((0..continuous).map(|_| 2.0 * rng.uniform() - 1.0)).collect()
        })
        .collect()
}

fn columns(x: &Matrix, range: std::ops::Range<usize>) -> Matrix {
    x.iter().map(|row| row[range.clone()].to_vec()).collect()
}

#[test]
fn product_kernel_matches_the_float64_reference() {
    let (categories, continuous) = (10, 2);
    let kernel_y = Kernel::product(categories, Kernel::Linear, Kernel::gaussian(0.5));
    for Backend { name, device } in backends() {
        let mut rng = Rng::new(21);
        for m in [12, 40] {
            let y = rounded(&codes(&mut rng, m, categories, continuous));
            let x = rounded(&rng.dependent_on(&y, 30, 0.2));
            let k = gram(RefKernel::Gaussian(2.0), &x);
            let delta = gram(RefKernel::Linear, &columns(&y, 0..categories));
            let gaussian = gram(RefKernel::Gaussian(0.5), &columns(&y, categories..categories + continuous));
            let l: Matrix =
                delta.iter().zip(&gaussian).map(|(d, g)| d.iter().zip(g).map(|(a, b)| a * b).collect()).collect();
            // The delta factor zeroes every pair from different categories.
            assert!((0..m).all(|i| (0..m).all(|j| (l[i][j] == 0.0) == (y[i][..categories] != y[j][..categories]))));
            for estimator in [Estimator::Biased, Estimator::Unbiased, Estimator::Normalized] {
                let expected = estimate_from_grams(&estimator, &k, &l);
                let hsic = HsicConfig::new()
                    .with_kernel_x(Kernel::gaussian(2.0))
                    .with_kernel_y(kernel_y.clone())
                    .with_estimator(estimator.clone())
                    .init();
                let got = scalar(hsic.forward(tensor(&x, &device), tensor(&y, &device)));
                let error = (got - expected).abs() / expected.abs();
                assert!(error < 1e-4, "{name} m={m} {estimator:?}: {got:e} vs float64 {expected:e}");
            }
        }
    }
}

#[test]
fn a_split_outside_the_samples_or_random_features_are_refused() {
    let device = burn::prelude::Device::flex();
    let x = tensor(&Rng::new(1).uniform_matrix(8, 5), &device);
    let y = tensor(&Rng::new(2).uniform_matrix(8, 3), &device);
    for split in [0, 3, 4] {
        let hsic =
            HsicConfig::new().with_kernel_y(Kernel::product(split, Kernel::Linear, Kernel::gaussian(1.0))).init();
        let err = hsic.try_forward(x.clone(), y.clone()).unwrap_err();
        assert_eq!(err, HsicError::ProductSplit { argument: "kernel_y", split, width: 3 });
        assert!(err.to_string().contains(&format!("split at column {split}")), "{err}");
    }
    let bad_width = Kernel::product(1, Kernel::Linear, Kernel::gaussian(-1.0));
    let err = HsicConfig::new().with_kernel_x(bad_width).try_init().unwrap_err();
    assert_eq!(err, HsicError::InvalidSigma { argument: "kernel_x sigma", value: -1.0 });
    let rff = RandomFeatureHsicConfig::new().with_kernel_y(Kernel::product(1, Kernel::Linear, Kernel::Linear));
    let err = rff.try_init(5, 3, &device).unwrap_err();
    assert!(matches!(err, HsicError::UnsupportedKernel { argument: "kernel_y", .. }), "{err}");
}
