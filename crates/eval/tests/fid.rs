//! FID at the dimension the evaluation uses (128 classifier features), against a value computed
//! independently with scipy's general matrix square root.

use hsic_infogan_eval::fid::{Gaussian, frechet_distance};
use ndarray::Array2;

const D: usize = 128;
const N: usize = 400;

/// `count` uniforms in [0, 1) from a 64-bit LCG: integer arithmetic, so Python gets the same.
fn uniforms(seed: u64, count: usize) -> Vec<f64> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// 1 on the diagonal, `((31 j + 17 k + shift) mod 11 - 5) / 25` off it: correlated features.
fn mixing(shift: usize) -> Array2<f64> {
    Array2::from_shape_fn(
        (D, D),
        |(j, k)| if j == k { 1.0 } else { ((j * 31 + k * 17 + shift) % 11) as f64 / 25.0 - 0.2 },
    )
}

fn samples(seed: u64, shift: usize, scale: f64, offset: f64) -> Array2<f32> {
    let z = Array2::from_shape_vec((N, D), uniforms(seed, N * D)).unwrap() - 0.5;
    (z.dot(&mixing(shift)) * scale + offset).mapv(|v| v as f32)
}

#[test]
fn fid_of_128_d_samples_matches_scipy() {
    let a = Gaussian::fit(samples(1, 0, 1.0, 0.0).view());
    let b = Gaussian::fit(samples(2, 3, 1.5, 0.1).view());
    // crates/eval/tests/data/fid_reference.py: numpy 2.4.6, scipy 1.17.1, scipy.linalg.sqrtm of
    // S_1 S_2 (the route through eigvals agrees to 4e-15).
    let expected = 14.182066538431338;
    let got = frechet_distance(&a, &b);
    assert!((got - expected).abs() < 1e-9 * expected, "{got} vs scipy {expected}");
    assert!(frechet_distance(&a, &a).abs() < 1e-9, "{}", frechet_distance(&a, &a));
}
