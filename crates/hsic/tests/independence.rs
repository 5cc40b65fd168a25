//! The HSIC independence test does what a test must: uniform p-values when H0 holds, power that
//! grows to 1 with m under dependence, and the gamma approximation agreeing with permutations.

mod common;

use burn::prelude::*;
use common::reference::{RefKernel, gram, resolve, trace_khlh};
use common::{Backend, Matrix, Rng, backends, rounded, tensor};
use hsic::{HsicError, IndependenceTestConfig, Kernel, NullDistribution, TestOutcome, gamma_test, permutation_test};

fn gaussian_columns(rng: &mut Rng, m: usize, d: usize) -> Matrix {
    (0..m).map(|_| (0..d).map(|_| rng.normal()).collect()).collect()
}

/// `y = x_1^2 + noise * N(0, 1)`: dependent, but uncorrelated with x (`E[x^3] = 0` for
/// standard normal x), so a linear test sees nothing.
fn square_of(rng: &mut Rng, x: &Matrix, noise: f64) -> Matrix {
    x.iter().map(|row| vec![row[0] * row[0] + noise * rng.normal()]).collect()
}

fn run(null: NullDistribution, x: &Matrix, y: &Matrix, device: &Device) -> TestOutcome {
    IndependenceTestConfig::new().with_null(null).init().run(tensor(x, device), tensor(y, device)).unwrap()
}

/// `count` out of `n` trials against `Binomial(n, p)`: within 3.3 standard deviations (a
/// two-sided 99.9% interval), so a correct test fails this check once in a thousand seeds.
fn assert_binomial(count: usize, n: usize, p: f64, what: &str) {
    let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
    assert!(
        (count as f64 - mean).abs() <= 3.3 * sd,
        "{what}: {count} of {n}, expected {mean:.1} ± {:.1} (3.3 sd)",
        3.3 * sd
    );
}

#[test]
fn gamma_p_values_are_uniform_under_independence() {
    let Backend { device, .. } = backends().remove(0);
    let mut rng = Rng::new(20);
    let trials = 400;
    let p_values: Vec<f64> = (0..trials)
        .map(|_| {
            let x = gaussian_columns(&mut rng, 100, 2);
            let y = gaussian_columns(&mut rng, 100, 1);
            run(NullDistribution::Gamma, &x, &y, &device).p_value
        })
        .collect();
    for level in [0.01, 0.05, 0.25, 0.5, 0.75] {
        let below = p_values.iter().filter(|&&p| p < level).count();
        println!("gamma, m = 100: {below} of {trials} p-values below {level}");
        assert_binomial(below, trials, level, &format!("gamma p-values below {level}"));
    }
}

#[test]
fn permutation_p_values_are_uniform_under_independence() {
    let Backend { device, .. } = backends().remove(0);
    let mut rng = Rng::new(21);
    let trials = 400;
    let p_values: Vec<f64> = (0..trials)
        .map(|trial| {
            let x = gaussian_columns(&mut rng, 30, 2);
            let y = gaussian_columns(&mut rng, 30, 1);
            run(NullDistribution::permutation(99, trial as u64), &x, &y, &device).p_value
        })
        .collect();
    // With 99 permutations p takes the values k / 100, and P(p <= k / 100) = k / 100 exactly.
    for level in [0.05, 0.25, 0.5] {
        let at_most = p_values.iter().filter(|&&p| p <= level + 1e-9).count();
        println!("permutation, m = 30: {at_most} of {trials} p-values at most {level}");
        assert_binomial(at_most, trials, level, &format!("permutation p-values at most {level}"));
    }
}

#[test]
fn power_grows_to_one_with_the_sample_size() {
    let Backend { device, .. } = backends().remove(0);
    let mut rng = Rng::new(22);
    let trials = 40;
    let power: Vec<f64> = [12, 25, 50, 100, 200]
        .into_iter()
        .map(|m| {
            let rejected = (0..trials)
                .filter(|_| {
                    let x = gaussian_columns(&mut rng, m, 1);
                    let y = square_of(&mut rng, &x, 2.0);
                    run(NullDistribution::Gamma, &x, &y, &device).rejects(0.05)
                })
                .count();
            rejected as f64 / trials as f64
        })
        .collect();
    println!("power at m = 12, 25, 50, 100, 200 (level 0.05, {trials} trials each): {power:?}");
    assert!(power[0] < 0.5, "power at m = 12 already {}", power[0]);
    assert!(power.windows(2).all(|w| w[1] >= w[0] - 0.1), "power should grow with m: {power:?}");
    assert_eq!(power[4], 1.0, "power at m = 200: {power:?}");
}

#[test]
fn gamma_and_permutation_p_values_agree() {
    let Backend { device, .. } = backends().remove(0);
    let mut rng = Rng::new(23);
    let mut worst = 0.0f64;
    for case in 0..20 {
        let x = gaussian_columns(&mut rng, 100, 1);
        // Noise levels from strong to no dependence, so the p-values spread over (0, 1).
        let y = square_of(&mut rng, &x, 1.0 + case as f64);
        let gamma = run(NullDistribution::Gamma, &x, &y, &device);
        let permutation = run(NullDistribution::permutation(2000, case as u64), &x, &y, &device);
        assert!((gamma.statistic - permutation.statistic).abs() <= 1e-5 * gamma.statistic, "same statistic");
        let difference = (gamma.p_value - permutation.p_value).abs();
        println!("case {case}: gamma p {:.4}, permutation p {:.4}", gamma.p_value, permutation.p_value);
        worst = worst.max(difference);
    }
    // The gamma fit is an approximation (it matches two moments): at m = 100 it measured up to
    // 0.058 above the permutation p-value around p = 0.5, closer in the tails. The permutation
    // p-value's own Monte Carlo error is at most 0.5 / sqrt(2000) = 0.011.
    assert!(worst < 0.08, "gamma and permutation p-values differ by up to {worst}");
}

#[test]
fn statistic_matches_float64_reference_and_backends_agree() {
    let mut rng = Rng::new(24);
    let x = rounded(&gaussian_columns(&mut rng, 60, 2));
    let y = rounded(&square_of(&mut rng, &x, 0.2));
    let independent = rounded(&gaussian_columns(&mut rng, 60, 2));
    // T = tr(KHLH) / m, with the median widths, brute force.
    let reference = |y: &Matrix| {
        let (k, l) = (
            gram(resolve(&Kernel::GaussianMedian, &x, false), &x),
            gram(resolve(&Kernel::GaussianMedian, y, false), y),
        );
        trace_khlh(&k, &l) / 60.0
    };
    let mut first: Option<Vec<TestOutcome>> = None;
    for Backend { name, device } in backends() {
        let outcomes: Vec<TestOutcome> = [&y, &independent]
            .into_iter()
            .flat_map(|y| {
                [
                    run(NullDistribution::Gamma, &x, y, &device),
                    run(NullDistribution::permutation(200, 5), &x, y, &device),
                ]
            })
            .collect();
        for (outcome, y) in outcomes.iter().zip([&y, &y, &independent, &independent]) {
            let expected = reference(y);
            assert!(
                (outcome.statistic - expected).abs() < 1e-5 * expected,
                "{name}: {} vs {expected}",
                outcome.statistic
            );
        }
        assert!(outcomes[0].rejects(0.001) && outcomes[1].rejects(0.01), "{name}: {outcomes:?}");
        assert!(!outcomes[2].rejects(0.05) && !outcomes[3].rejects(0.05), "{name}: {outcomes:?}");
        match &first {
            None => first = Some(outcomes),
            Some(flex) => {
                for (a, b) in flex.iter().zip(&outcomes) {
                    assert!(
                        (a.p_value - b.p_value).abs() < 1e-3 + 1e-3 * a.p_value,
                        "{name} against flex: {b:?} vs {a:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn gram_functions_take_fixed_kernels() {
    let Backend { device, .. } = backends().remove(0);
    let mut rng = Rng::new(25);
    let x = rounded(&gaussian_columns(&mut rng, 40, 2));
    let y = rounded(&square_of(&mut rng, &x, 0.2));
    let k = gram(RefKernel::Gaussian(1.0), &x);
    let l = gram(RefKernel::Linear, &y);
    let expected = trace_khlh(&k, &l) / 40.0;
    let gamma = gamma_test(tensor(&k, &device), tensor(&l, &device));
    let permutation = permutation_test(tensor(&k, &device), tensor(&l, &device), 50, 1);
    assert!((gamma.statistic - expected).abs() < 1e-5 * expected, "{} vs {expected}", gamma.statistic);
    assert!((permutation.statistic - expected).abs() < 1e-5 * expected);
    // Strongly dependent: every shuffle falls below the observed statistic.
    assert_eq!(permutation.p_value, 1.0 / 51.0);
    assert!(gamma.p_value < 1e-3, "{gamma:?}");
}

#[test]
fn bad_arguments_name_the_problem() {
    let Backend { device, .. } = backends().remove(0);
    let five = tensor(&Rng::new(26).uniform_matrix(5, 2), &device);
    let test = IndependenceTestConfig::new().init();
    let err = test.run(five.clone(), five.clone()).unwrap_err();
    assert_eq!(err.to_string(), "the HSIC independence test with gamma p-values needs at least 6 samples, got m = 5");
    let four = five.clone().slice([0..4, 0..2]);
    assert_eq!(test.run(five.clone(), four).unwrap_err(), HsicError::BatchMismatch { x: 5, y: 4 });
    let err = IndependenceTestConfig::new().with_null(NullDistribution::permutation(0, 1)).try_init().unwrap_err();
    assert_eq!(err.to_string(), "a permutation test needs at least 1 permutation, got 0");
    // The permutation test runs from m = 2 (where the only other ordering is the swap).
    let two = five.slice([0..2, 0..2]);
    let outcome =
        IndependenceTestConfig::new().with_null(NullDistribution::permutation(10, 1)).init().run(two.clone(), two);
    assert!(outcome.is_ok(), "{outcome:?}");
}
