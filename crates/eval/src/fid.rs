//! Fréchet distance between Gaussians fitted to two feature sets (FID, Heusel et al. 2017):
//!
//! `FID = |mu_1 - mu_2|^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))`.
//!
//! `S_1 S_2` is not symmetric, but it is similar to `M = S_1^(1/2) S_2 S_1^(1/2)`, which is
//! symmetric positive semi-definite; so `Tr (S_1 S_2)^(1/2) = sum_i sqrt(eig_i(M))`, and two
//! symmetric eigendecompositions (linfa-linalg, in float64) give it without a general matrix
//! square root.

use linfa_linalg::eigh::{EigValsh, Eigh};
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// Mean and sample covariance (denominator n - 1) of a feature set.
#[derive(Debug, Clone)]
pub struct Gaussian {
    pub mean: Array1<f64>,
    pub cov: Array2<f64>,
}

impl Gaussian {
    /// Fits `features`, one row per sample, at least 2 rows.
    pub fn fit(features: ArrayView2<f32>) -> Self {
        let n = features.nrows();
        assert!(n >= 2, "a covariance needs at least 2 samples, got {n}");
        let x = features.mapv(f64::from);
        let mean = x.mean_axis(Axis(0)).expect("rows checked above");
        let centred = &x - &mean;
        let cov = centred.t().dot(&centred) / (n - 1) as f64;
        Self { mean, cov }
    }
}

/// `V diag(sqrt(max(lambda, 0))) V^T` of a symmetric positive semi-definite matrix (negative
/// eigenvalues are rounding noise).
fn psd_sqrt(a: &Array2<f64>) -> Array2<f64> {
    let (values, vectors) = a.eigh().expect("a covariance matrix is square");
    let roots = values.mapv(|v| v.max(0.0).sqrt());
    (&vectors * &roots).dot(&vectors.t())
}

/// The Fréchet distance between `a` and `b` (same dimension).
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> f64 {
    assert_eq!(a.mean.len(), b.mean.len(), "feature dimensions differ");
    let diff = &a.mean - &b.mean;
    let root_a = psd_sqrt(&a.cov);
    let m = root_a.dot(&b.cov).dot(&root_a);
    let m = (&m + &m.t()) / 2.0; // symmetric up to rounding
    let trace_sqrt: f64 = m.eigvalsh().expect("square").iter().map(|v| v.max(0.0).sqrt()).sum();
    diff.dot(&diff) + a.cov.diag().sum() + b.cov.diag().sum() - 2.0 * trace_sqrt
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, array};

    use super::*;
    use hsic_infogan_models::Rng;

    fn gaussian(mean: Array1<f64>, cov: Array2<f64>) -> Gaussian {
        Gaussian { mean, cov }
    }

    /// A random symmetric positive definite n x n matrix, B B^T + 0.1 I.
    fn spd(n: usize, rng: &mut Rng) -> Array2<f64> {
        let b = Array2::from_shape_fn((n, n), |_| rng.normal());
        b.dot(&b.t()) + Array2::<f64>::eye(n) * 0.1
    }

    #[test]
    fn square_root_squares_back() {
        let mut rng = Rng::new(3);
        let a = spd(12, &mut rng);
        let root = psd_sqrt(&a);
        let error = (&root.dot(&root) - &a).mapv(f64::abs).iter().copied().fold(0.0, f64::max);
        assert!(error < 1e-9, "max |R R - A| = {error}");
    }

    #[test]
    fn commuting_covariances_match_the_closed_form() {
        // Diagonal covariances commute: FID = |mu|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
        let (a, b) = ([1.0, 4.0, 0.25], [9.0, 1.0, 0.25]);
        let fid = frechet_distance(
            &gaussian(array![0.0, 0.0, 0.0], Array2::from_diag(&array![a[0], a[1], a[2]])),
            &gaussian(array![1.0, -2.0, 0.0], Array2::from_diag(&array![b[0], b[1], b[2]])),
        );
        let expected = 5.0 + (0..3).map(|i| a[i].sqrt() - b[i].sqrt()).map(|d| d * d).sum::<f64>();
        assert!((fid - expected).abs() < 1e-10, "{fid} vs {expected}");
    }

    #[test]
    fn non_commuting_2x2_matches_the_closed_form() {
        // For 2x2 matrices, Tr sqrt(P) = sqrt(Tr P + 2 sqrt(det P)) with P = S_1 S_2.
        let mut rng = Rng::new(8);
        for _ in 0..50 {
            let (s1, s2) = (spd(2, &mut rng), spd(2, &mut rng));
            let p = s1.dot(&s2);
            let det = p[[0, 0]] * p[[1, 1]] - p[[0, 1]] * p[[1, 0]];
            let trace_sqrt = (p[[0, 0]] + p[[1, 1]] + 2.0 * det.sqrt()).sqrt();
            let expected = s1.diag().sum() + s2.diag().sum() - 2.0 * trace_sqrt;
            let fid = frechet_distance(&gaussian(array![0.0, 0.0], s1), &gaussian(array![0.0, 0.0], s2));
            assert!((fid - expected).abs() < 1e-9 * expected.abs().max(1.0), "{fid} vs {expected}");
        }
    }

    #[test]
    fn a_set_against_itself_is_zero_and_noise_increases_it() {
        let mut rng = Rng::new(1);
        let (n, d) = (2000, 16);
        let base = Array2::from_shape_fn((n, d), |(_, j)| (rng.normal() * (1.0 + j as f64 / 4.0)) as f32);
        let reference = Gaussian::fit(base.view());
        let self_distance = frechet_distance(&reference, &reference);
        assert!(self_distance.abs() < 1e-8, "FID(x, x) = {self_distance}");
        let mut last = self_distance;
        for scale in [0.1, 0.5, 1.0, 2.0] {
            let noisy = base.mapv(|v| v + (scale * rng.normal()) as f32);
            let fid = frechet_distance(&reference, &Gaussian::fit(noisy.view()));
            assert!(fid > last, "noise {scale}: FID {fid} should exceed {last}");
            last = fid;
        }
    }

    #[test]
    fn fit_gives_the_sample_mean_and_covariance() {
        let x = array![[1.0f32, 2.0], [3.0, 6.0], [5.0, 4.0]];
        let g = Gaussian::fit(x.view());
        assert_eq!(g.mean, array![3.0, 4.0]);
        assert_eq!(g.cov, array![[4.0, 2.0], [2.0, 4.0]]);
    }
}
