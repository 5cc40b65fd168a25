//! Centring a Gram matrix, `HKH = K - r 1ᵀ - 1 rᵀ + g` for a symmetric `K` with row means `r`
//! and grand mean `g`, written two ways on every backend against a float64 reference:
//! - as [`hsic::center`] does it, with the row means and the column means as two tensors;
//! - with the row-mean tensor used twice, once as is (`[m, 1]`) and once transposed (`[1, m]`),
//!   in one expression. This gave wrong values on wgpu while the crate was written, and is why
//!   `center` takes the column means separately. It still does with Burn 0.22.1: when one
//!   fused elementwise kernel reads a `[m, 1]` column broadcast over `[m, m]` and then the same
//!   buffer as its `[1, m]` transpose, the column is indexed as if it were not broadcast, so
//!   element `(i, j)` reads `a[i + j]` (0 past the end) instead of `a[i]`. Reading the transpose
//!   first, or adding the two in their own expression first, gives the right values.

mod common;

use burn::prelude::*;
use common::{Backend, Matrix, Rng, backends, tensor, values};

/// A symmetric `m x m` Gram-like matrix `K_ij = exp(-|a_i - a_j|)` for uniform `a`.
fn symmetric(m: usize, rng: &mut Rng) -> Matrix {
    let a: Vec<f64> = (0..m).map(|_| rng.uniform()).collect();
    a.iter().map(|ai| a.iter().map(|aj| (-(ai - aj).abs()).exp()).collect()).collect()
}

/// `HKH` in float64, from the definition `H = I - 11ᵀ / m`.
fn reference(k: &Matrix) -> Vec<f64> {
    let m = k.len();
    let h = |i: usize, j: usize| f64::from(u8::from(i == j)) - 1.0 / m as f64;
    let hk: Matrix = (0..m).map(|i| (0..m).map(|j| (0..m).map(|l| h(i, l) * k[l][j]).sum()).collect()).collect();
    (0..m).flat_map(|i| (0..m).map(move |j| (i, j))).map(|(i, j)| (0..m).map(|l| hk[i][l] * h(l, j)).sum()).collect()
}

/// The largest absolute difference between what `centre` gives and the reference, for sizes that are and
/// are not multiples of a GPU workgroup.
fn worst_error(centre: impl Fn(Tensor<2>) -> Tensor<2>, device: &Device) -> f64 {
    let mut rng = Rng::new(7);
    [4, 33, 100]
        .into_iter()
        .map(|m| {
            let k = symmetric(m, &mut rng);
            let expected = reference(&k);
            let got = values(centre(tensor(&k, device)));
            got.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
        })
        .fold(0.0, f64::max)
}

#[test]
fn center_matches_the_float64_definition() {
    for Backend { name, device } in backends() {
        let error = worst_error(hsic::center, &device);
        assert!(error < 1e-6, "{name}: HKH off by {error}");
    }
}

#[test]
#[ignore = "wrong on wgpu with Burn 0.22.1 (see the module docs); run with --ignored to see whether Burn fixed it"]
fn one_column_read_as_is_then_transposed_in_one_expression() {
    for Backend { name, device } in backends() {
        let a = Tensor::<2>::from_floats([[1.0], [2.0], [3.0], [4.0]], &device);
        let sum = Tensor::<2>::zeros([4, 4], &device) + a.clone() + a.transpose();
        let expected: Vec<f64> = (1..=4).flat_map(|i| (1..=4).map(move |j| f64::from(i + j))).collect();
        // wgpu gives [2, 4, 6, 8, 3, 5, 7, 4, ...]: row i reads a[i + j] + a[j].
        assert_eq!(values(sum), expected, "{name}");
    }
    let twice = |k: Tensor<2>| {
        let row_means = k.clone().mean_dim(1);
        let grand_mean = row_means.clone().mean_dim(0);
        k - row_means.clone() - row_means.transpose() + grand_mean
    };
    for Backend { name, device } in backends() {
        let error = worst_error(twice, &device);
        assert!(error < 1e-6, "{name}: HKH off by {error}");
    }
}
