//! Properties every HSIC estimate must have, on every backend, and the errors for bad arguments.

mod common;

use burn::prelude::*;
use common::{Backend, Matrix, Rng, backends, scalar, tensor, values};
use hsic::{Estimator, HsicConfig, HsicError, Kernel, median_distance, squared_distances};

fn hsic(estimator: Estimator) -> hsic::Hsic {
    HsicConfig::new().with_estimator(estimator).init()
}

fn relative_difference(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

#[test]
fn each_kernel_applies_to_its_own_input() {
    for Backend { name, device } in backends() {
        let mut rng = Rng::new(1);
        let x = rng.uniform_matrix(20, 30);
        let y = rng.dependent_on(&x, 3, 0.3);
        let (x, y) = (tensor(&x, &device), tensor(&y, &device));
        for estimator in [Estimator::Biased, Estimator::Unbiased, Estimator::Normalized] {
            let config = |kx: Kernel, ky: Kernel| {
                HsicConfig::new().with_kernel_x(kx).with_kernel_y(ky).with_estimator(estimator.clone()).init()
            };
            let gaussian_linear = config(Kernel::gaussian(0.5), Kernel::Linear);
            let linear_gaussian = config(Kernel::Linear, Kernel::gaussian(0.5));
            let xy = scalar(gaussian_linear.forward(x.clone(), y.clone()));
            // Swapping the inputs and the kernels together gives the same value ...
            let yx = scalar(linear_gaussian.forward(y.clone(), x.clone()));
            assert!(relative_difference(xy, yx) < 1e-5, "{name} {estimator:?}: {xy} vs {yx}");
            // ... swapping only the inputs does not: kernel_x goes with x.
            let swapped = scalar(gaussian_linear.forward(y.clone(), x.clone()));
            assert!(relative_difference(xy, swapped) > 1e-2, "{name} {estimator:?}: {xy} vs {swapped}");
        }
    }
}

#[test]
fn invariant_to_permuting_both_inputs_together() {
    for Backend { name, device } in backends() {
        let mut rng = Rng::new(2);
        let x = rng.uniform_matrix(25, 12);
        let y = rng.dependent_on(&x, 4, 0.3);
        let order = rng.permutation(25);
        let permute = |a: &Matrix| -> Matrix { order.iter().map(|&i| a[i].clone()).collect() };
        for estimator in [Estimator::Biased, Estimator::Unbiased, Estimator::Normalized] {
            let hsic = hsic(estimator.clone());
            let before = scalar(hsic.forward(tensor(&x, &device), tensor(&y, &device)));
            let after = scalar(hsic.forward(tensor(&permute(&x), &device), tensor(&permute(&y), &device)));
            assert!(relative_difference(before, after) < 1e-5, "{name} {estimator:?}: {before} vs {after}");
        }
    }
}

#[test]
fn any_rank_is_flattened_per_sample() {
    for Backend { name, device } in backends() {
        let x = Rng::new(3).uniform_matrix(8, 2 * 3 * 4);
        let codes = Rng::new(4).uniform_matrix(8, 1);
        let hsic = hsic(Estimator::Biased);
        let flat = scalar(hsic.forward(tensor(&x, &device), tensor(&codes, &device)));
        let images: Tensor<4> = tensor(&x, &device).reshape([8, 2, 3, 4]);
        let scalars: Tensor<1> = tensor(&codes, &device).reshape([8]);
        let shaped = scalar(hsic.forward(images, scalars));
        assert!(relative_difference(flat, shaped) < 1e-6, "{name}: {flat} vs {shaped}");
    }
}

#[test]
fn biased_hsic_is_non_negative_and_cka_lies_in_unit_interval() {
    for Backend { name, device } in backends() {
        let mut rng = Rng::new(5);
        for draw in 0..10 {
            let x = rng.uniform_matrix(16, 5);
            let y = if draw % 2 == 0 { rng.uniform_matrix(16, 2) } else { rng.dependent_on(&x, 2, 0.2) };
            let biased = scalar(hsic(Estimator::Biased).forward(tensor(&x, &device), tensor(&y, &device)));
            let cka = scalar(hsic(Estimator::Normalized).forward(tensor(&x, &device), tensor(&y, &device)));
            assert!(biased >= 0.0, "{name} draw {draw}: biased HSIC {biased}");
            assert!((0.0..=1.0 + 1e-6).contains(&cka), "{name} draw {draw}: CKA {cka}");
        }
    }
}

#[test]
fn cka_ignores_scale_and_shift_where_the_kernel_does() {
    for Backend { name, device } in backends() {
        let x = Rng::new(6).uniform_matrix(30, 10);
        let moved: Matrix = x.iter().map(|row| row.iter().map(|v| 3.0 * v - 1.0).collect()).collect();
        let cka = |kernel: Kernel| {
            HsicConfig::new()
                .with_kernel_x(kernel.clone())
                .with_kernel_y(kernel)
                .with_estimator(Estimator::Normalized)
                .init()
        };
        // Centring removes the shift; the linear kernel's scale and the median width's scaling
        // with the data cancel in the normalisation, so 3x - 1 aligns with x perfectly.
        for kernel in [Kernel::GaussianMedian, Kernel::Linear] {
            let value = scalar(cka(kernel.clone()).forward(tensor(&x, &device), tensor(&moved, &device)));
            assert!((value - 1.0).abs() < 1e-5, "{name} {kernel:?}: CKA(x, 3x - 1) = {value}");
        }
        // A fixed width does not scale with the data: the alignment is no longer perfect.
        let fixed = scalar(cka(Kernel::gaussian(0.7)).forward(tensor(&x, &device), tensor(&moved, &device)));
        assert!(fixed < 0.99, "{name}: CKA(x, 3x - 1) with a fixed width = {fixed}");
    }
}

/// Mean and standard error of `estimator` over `draws` batches of 64 samples, y independent of
/// x or depending on it.
fn mean_and_standard_error(device: &Device, estimator: Estimator, dependent: bool, draws: usize) -> (f64, f64) {
    let mut rng = Rng::new(if dependent { 8 } else { 9 });
    let hsic = hsic(estimator);
    let samples: Vec<f64> = (0..draws)
        .map(|_| {
            let x = rng.uniform_matrix(64, 3);
            let y = if dependent { rng.dependent_on(&x, 2, 0.3) } else { rng.uniform_matrix(64, 2) };
            scalar(hsic.forward(tensor(&x, device), tensor(&y, device)))
        })
        .collect();
    let mean = samples.iter().sum::<f64>() / draws as f64;
    let variance = samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (draws - 1) as f64;
    (mean, (variance / draws as f64).sqrt())
}

#[test]
fn unbiased_hsic_averages_zero_for_independent_inputs_and_grows_with_dependence() {
    for Backend { name, device } in backends() {
        let draws = 40;
        let (independent, se) = mean_and_standard_error(&device, Estimator::Unbiased, false, draws);
        let (dependent, se_dep) = mean_and_standard_error(&device, Estimator::Unbiased, true, draws);
        let (biased, se_biased) = mean_and_standard_error(&device, Estimator::Biased, false, draws);
        println!(
            "{name}: unbiased independent {independent:e} ± {se:e}, dependent {dependent:e} ± {se_dep:e}; biased independent {biased:e} ± {se_biased:e}"
        );
        assert!(independent.abs() < 3.0 * se, "{name}: unbiased HSIC of independent inputs {independent:e} ± {se:e}");
        assert!(dependent > independent + 5.0 * (se + se_dep), "{name}: dependent {dependent:e} ± {se_dep:e}");
        assert!(
            biased > 5.0 * se_biased,
            "{name}: the biased estimate should sit above 0 ({biased:e} ± {se_biased:e})"
        );
    }
}

#[test]
fn median_width_follows_its_documented_convention() {
    for Backend { name, device } in backends() {
        // Four points on a line at 0, 1, 3, 7: pair distances 1 2 3 4 6 7, median (3 + 4) / 2.
        let line: Matrix = [0.0, 1.0, 3.0, 7.0].iter().map(|&v| vec![v]).collect();
        let median = median_distance(squared_distances(tensor(&line, &device)));
        assert!((median - 3.5).abs() < 1e-5, "{name}: {median}");
        // One-hot codes, 8 of class A and 2 of class B: 29 of 45 pairs coincide, so the median is 0
        // and the mean distance, 16 sqrt(2) / 45, is used.
        let codes: Matrix = (0..10).map(|i| if i < 8 { vec![1.0, 0.0] } else { vec![0.0, 1.0] }).collect();
        let fallback = median_distance(squared_distances(tensor(&codes, &device)));
        let expected = 16.0 * 2f64.sqrt() / 45.0;
        assert!((fallback - expected).abs() < 1e-5, "{name}: {fallback} vs {expected}");
        // All samples alike: width 1, and every estimator gives 0.
        let same = vec![vec![0.5, 0.5]; 6];
        assert_eq!(median_distance(squared_distances(tensor(&same, &device))), 1.0);
        let other = Rng::new(19).uniform_matrix(6, 2);
        for estimator in [Estimator::Biased, Estimator::Unbiased, Estimator::Normalized] {
            let value = scalar(hsic(estimator.clone()).forward(tensor(&same, &device), tensor(&other, &device)));
            assert!(value.abs() < 1e-6, "{name} {estimator:?}: {value}");
        }
    }
}

#[test]
fn constant_input_gives_zero_and_finite_gradients() {
    for Backend { name, device } in backends() {
        let x = Rng::new(10).uniform_matrix(12, 4);
        let constant = vec![vec![0.25, -1.0]; 12];
        for estimator in [Estimator::Biased, Estimator::Unbiased, Estimator::Normalized] {
            let xt = tensor(&x, &device).require_grad();
            let value = hsic(estimator.clone()).forward(xt.clone(), tensor(&constant, &device));
            let gradient = values(xt.grad(&value.clone().backward()).unwrap());
            let value = scalar(value);
            assert!(value.abs() < 1e-6, "{name} {estimator:?}: {value}");
            assert!(gradient.iter().all(|g| g.is_finite()), "{name} {estimator:?}: {gradient:?}");
        }
    }
}

#[test]
fn nan_input_gives_nan() {
    for Backend { name, device } in backends() {
        let mut x = Rng::new(12).uniform_matrix(6, 3);
        x[2][1] = f64::NAN;
        let y = Rng::new(13).uniform_matrix(6, 2);
        let value = scalar(hsic(Estimator::Biased).forward(tensor(&x, &device), tensor(&y, &device)));
        assert!(value.is_nan(), "{name}: {value}");
    }
}

#[test]
fn bad_arguments_name_the_argument_and_value() {
    let Backend { device, .. } = backends().remove(0);
    let x = tensor(&Rng::new(14).uniform_matrix(5, 3), &device);
    let y = tensor(&Rng::new(15).uniform_matrix(4, 2), &device);
    let err = hsic(Estimator::Biased).try_forward(x.clone(), y).unwrap_err();
    assert_eq!(err, HsicError::BatchMismatch { x: 5, y: 4 });
    assert!(err.to_string().contains("x has 5 samples, y has 4"), "{err}");

    let three = x.clone().slice([0..3, 0..3]);
    let err = hsic(Estimator::Unbiased).try_forward(three.clone(), three).unwrap_err();
    assert!(
        err.to_string().contains("unbiased HSIC estimator needs a batch of at least 4 samples, got m = 3"),
        "{err}"
    );

    for sigma in [0.0, -2.0, f64::NAN, f64::INFINITY] {
        let err = HsicConfig::new().with_kernel_y(Kernel::gaussian(sigma)).try_init().unwrap_err();
        assert_eq!(err.to_string(), format!("kernel_y sigma must be a finite number > 0, got {sigma}"));
    }
    let panic = std::panic::catch_unwind(|| HsicConfig::new().with_kernel_x(Kernel::gaussian(-1.0)).init());
    let message = *panic.unwrap_err().downcast::<String>().unwrap();
    assert_eq!(message, "kernel_x sigma must be a finite number > 0, got -1");
}

#[test]
fn is_a_parameter_free_module_field() {
    use burn::nn::{Linear, LinearConfig};

    #[derive(Module, Debug)]
    struct Model {
        layer: Linear,
        hsic: hsic::Hsic,
    }

    for Backend { name, device } in backends() {
        let model = Model { layer: LinearConfig::new(5, 3).init(&device), hsic: hsic(Estimator::Normalized) };
        assert_eq!(model.num_params(), 5 * 3 + 3, "{name}");
        let x = tensor(&Rng::new(16).uniform_matrix(12, 5), &device);
        let features = model.layer.forward(x.clone());
        let gradients = model.hsic.forward(features, x).backward();
        let weight = model.layer.weight.grad(&gradients).expect("HSIC's gradient reaches the layer");
        assert!(values(weight).iter().any(|g| *g != 0.0), "{name}");
        // A copy made for another device still computes the same loss.
        let moved = model.clone().fork(&device);
        let y = tensor(&Rng::new(17).uniform_matrix(12, 2), &device);
        let a = scalar(model.hsic.forward(y.clone(), y.clone()));
        assert!((a - scalar(moved.hsic.forward(y.clone(), y))).abs() < 1e-6, "{name}");
    }
}

/// Half-precision inputs give the f32 result for the values they hold, to the output's own
/// rounding (f16: 2^-11 relative, bf16: 2^-8), where computing in f16 would lose most digits.
#[test]
fn half_precision_inputs_are_computed_in_f32() {
    use burn::tensor::FloatDType;

    let Backend { device, .. } = backends().remove(0);
    let mut rng = Rng::new(18);
    let x = rng.uniform_matrix(100, 40);
    let y = rng.dependent_on(&x, 3, 0.3);
    for (dtype, rounding) in [(FloatDType::F16, 2f64.powi(-11)), (FloatDType::BF16, 2f64.powi(-8))] {
        let (xh, yh) = (tensor(&x, &device).cast(dtype), tensor(&y, &device).cast(dtype));
        // The f32 computation on exactly the values the half-precision tensors hold.
        let (x32, y32) = (xh.clone().cast(FloatDType::F32), yh.clone().cast(FloatDType::F32));
        for estimator in [Estimator::Biased, Estimator::Unbiased, Estimator::Normalized] {
            let hsic = HsicConfig::new()
                .with_kernel_x(Kernel::gaussian(2.0))
                .with_kernel_y(Kernel::gaussian(1.0))
                .with_estimator(estimator.clone())
                .init();
            let half = hsic.forward(xh.clone(), yh.clone());
            assert_eq!(half.dtype(), dtype.into(), "{estimator:?}: the result comes back in the input's dtype");
            let half = half.cast(FloatDType::F32).into_scalar::<f32>() as f64;
            let full = scalar(hsic.forward(x32.clone(), y32.clone()));
            assert!(relative_difference(half, full) <= rounding, "{dtype:?} {estimator:?}: {half} vs {full}");
        }
    }
}
