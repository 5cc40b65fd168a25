//! The HSIC test of independence (Gretton et al. 2008, "A Kernel Statistical Test of
//! Independence"): for H0 "x and y are independent", the statistic
//!
//! ```text
//! T = m HSIC_b' = (1/m) sum((HKH) o (HLH))      (HSIC_b' with Gretton's 1/m^2 normalisation)
//! ```
//!
//! is large under dependence. Its p-value comes from either null distribution:
//!
//! - **gamma approximation**: T ~ Gamma(shape = E[T]^2 / Var[T], scale = Var[T] / E[T]) with the
//!   moments under H0 estimated from the same sample (their eq. 9 and Theorem 3). O(m^2), one
//!   read-back; accurate for m from about 50 up.
//! - **permutation**: T recomputed with y's samples shuffled `permutations` times;
//!   `p = (1 + #{T_perm >= T}) / (1 + permutations)`. Exact in level for any m, O(m^2) per
//!   permutation.

use burn::prelude::*;

use crate::estimator::gram_size;
use crate::gamma::upper_tail;
use crate::loss::paired_samples;
use crate::rng::SplitMix64;
use crate::{HsicError, Kernel, center};

/// How the p-value is computed.
#[derive(Config, Debug, PartialEq)]
pub enum NullDistribution {
    /// Gretton et al.'s two-moment gamma fit. Needs `m >= 6`.
    Gamma,
    /// `permutations` shuffles of y, drawn from `seed`. Needs `m >= 2` and `permutations >= 1`;
    /// the smallest p-value it can give is `1 / (1 + permutations)`.
    Permutation { permutations: usize, seed: u64 },
}

impl NullDistribution {
    /// The permutation test with `permutations` shuffles drawn from `seed`.
    pub fn permutation(permutations: usize, seed: u64) -> Self {
        Self::Permutation { permutations, seed }
    }

    fn min_samples(&self) -> usize {
        match self {
            Self::Gamma => 6,
            Self::Permutation { .. } => 2,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Gamma => "gamma",
            Self::Permutation { .. } => "permutation",
        }
    }

    fn check_samples(&self, m: usize) -> Result<(), HsicError> {
        let min = self.min_samples();
        if m < min {
            return Err(HsicError::TestTooSmall { null: self.name(), m, min });
        }
        Ok(())
    }
}

/// Configuration of an [`IndependenceTest`]: one kernel per input and the null distribution.
/// The defaults are the usual ones for a test: median-heuristic Gaussian kernels, gamma p-values.
#[derive(Config, Debug)]
pub struct IndependenceTestConfig {
    /// Kernel on the first input.
    #[config(default = "Kernel::GaussianMedian")]
    pub kernel_x: Kernel,
    /// Kernel on the second input.
    #[config(default = "Kernel::GaussianMedian")]
    pub kernel_y: Kernel,
    /// How the p-value is computed.
    #[config(default = "NullDistribution::Gamma")]
    pub null: NullDistribution,
}

impl IndependenceTestConfig {
    /// Builds the test, or says which argument is wrong.
    pub fn try_init(&self) -> Result<IndependenceTest, HsicError> {
        Kernel::validate_pair(&self.kernel_x, &self.kernel_y)?;
        if let NullDistribution::Permutation { permutations: 0, .. } = self.null {
            return Err(HsicError::NoPermutations);
        }
        Ok(IndependenceTest {
            kernel_x: self.kernel_x.clone(),
            kernel_y: self.kernel_y.clone(),
            null: self.null.clone(),
        })
    }

    /// Builds the test.
    ///
    /// # Panics
    /// If a kernel width is not a finite positive number, or there are 0 permutations.
    pub fn init(&self) -> IndependenceTest {
        self.try_init().unwrap_or_else(|err| panic!("{err}"))
    }
}

/// The HSIC independence test; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct IndependenceTest {
    kernel_x: Kernel,
    kernel_y: Kernel,
    null: NullDistribution,
}

/// The outcome of an independence test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TestOutcome {
    /// `T = (1/m) sum((HKH) o (HLH))`.
    pub statistic: f64,
    /// The probability under H0 of a statistic at least this large.
    pub p_value: f64,
}

impl TestOutcome {
    /// Whether H0 (independence) is rejected at level `alpha`.
    pub fn rejects(&self, alpha: f64) -> bool {
        self.p_value < alpha
    }
}

impl IndependenceTest {
    /// Tests x (`[m, ...]`) against y (`[m, ...]`), the batch on dim 0 as for [`crate::Hsic`].
    /// Half-precision inputs are computed in f32. Reads a few values (gamma) or one value per
    /// permutation back to the host, in one transfer.
    pub fn run<const DX: usize, const DY: usize>(
        &self,
        x: Tensor<DX>,
        y: Tensor<DY>,
    ) -> Result<TestOutcome, HsicError> {
        let (x, y, _) = paired_samples(x, y, |m| self.null.check_samples(m))?;
        Kernel::check_pair_widths(&self.kernel_x, &self.kernel_y, &x, &y)?;
        let (k, l) = (self.kernel_x.gram(x, false), self.kernel_y.gram(y, false));
        Ok(match self.null {
            NullDistribution::Gamma => gamma_test(k, l),
            NullDistribution::Permutation { permutations, seed } => permutation_test(k, l, permutations, seed),
        })
    }
}

/// The gamma-approximation test from Gram matrices `k`, `l` (`[m, m]`, `m >= 6`).
///
/// Under H0 (Gretton et al. 2008, with `mu_x` the mean off-diagonal and `d_x` the mean diagonal
/// entry of K, likewise for L):
///
/// ```text
/// E[T]   = (d_x - mu_x)(d_y - mu_y)       (= 1 + mu_x mu_y - mu_x - mu_y for unit-diagonal kernels)
/// Var[T] = m^2 * 72 (m-4)(m-5) / (m(m-1)(m-2)(m-3)) * mean_{i != j}((HKH)_ij (HLH)_ij / 6)^2
/// ```
///
/// A sample with no variation in x or y (E[T] or Var[T] not positive) gives p = 1.
///
/// # Panics
/// If the matrices are not square and alike, or `m < 6`.
pub fn gamma_test(k: Tensor<2>, l: Tensor<2>) -> TestOutcome {
    let m = check_grams(&k, &l, &NullDistribution::Gamma);
    let mf = m as f64;
    let eye = Tensor::<2>::eye(m, &k.device());
    let total = |a: Tensor<2>| a.sum_dim(1).sum();
    let product = center(k.clone()) * center(l.clone());
    let moments = Tensor::cat(
        vec![
            total(product.clone()),
            total(product.square() * (eye.clone().neg() + 1.0)),
            total(k.clone() * eye.clone()),
            total(k),
            total(l.clone() * eye),
            total(l),
        ],
        0,
    );
    let v: Vec<f64> = moments.into_data().iter::<f64>().collect();
    let pairs = mf * (mf - 1.0);
    let statistic = v[0] / mf;
    // Diagonal means and off-diagonal means (the total less the diagonal).
    let (d_x, mu_x) = (v[2] / mf, (v[3] - v[2]) / pairs);
    let (d_y, mu_y) = (v[4] / mf, (v[5] - v[4]) / pairs);
    let mean = (d_x - mu_x) * (d_y - mu_y);
    let variance =
        mf * mf * 72.0 * (mf - 4.0) * (mf - 5.0) / (mf * (mf - 1.0) * (mf - 2.0) * (mf - 3.0)) * (v[1] / 36.0 / pairs);
    let p_value =
        if mean > 0.0 && variance > 0.0 { upper_tail(statistic, mean * mean / variance, variance / mean) } else { 1.0 };
    TestOutcome { statistic, p_value }
}

/// The permutation test from Gram matrices `k`, `l` (`[m, m]`, `m >= 2`): the statistic against
/// its values with y's samples shuffled by `permutations` seeded Fisher-Yates shuffles
/// (permuting the rows and columns of the centred L).
///
/// # Panics
/// If the matrices are not square and alike, `m < 2`, or `permutations == 0`.
pub fn permutation_test(k: Tensor<2>, l: Tensor<2>, permutations: usize, seed: u64) -> TestOutcome {
    assert!(permutations > 0, "{}", HsicError::NoPermutations);
    let m = check_grams(&k, &l, &NullDistribution::permutation(permutations, seed));
    let device = k.device();
    let (kc, lc) = (center(k), center(l));
    let statistic_of = |lc: Tensor<2>| (kc.clone() * lc).sum_dim(1).sum();
    let mut rng = SplitMix64::new(seed);
    let mut statistics = vec![statistic_of(lc.clone())];
    let mut order: Vec<i64> = (0..m as i64).collect();
    for _ in 0..permutations {
        for i in (1..m).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let index = Tensor::<1, Int>::from_data(TensorData::new(order.clone(), [m]), &device);
        statistics.push(statistic_of(lc.clone().select(0, index.clone()).select(1, index)));
    }
    let values: Vec<f64> = Tensor::cat(statistics, 0).into_data().iter::<f64>().collect();
    let observed = values[0];
    // Ties count as "at least as large": the same value up to f32 rounding of the sum.
    let tolerance = 1e-5 * observed.abs();
    let exceed = values[1..].iter().filter(|&&t| t >= observed - tolerance).count();
    TestOutcome { statistic: observed / m as f64, p_value: (1 + exceed) as f64 / (1 + permutations) as f64 }
}

/// The batch size of two square, alike Gram matrices with enough samples for `null`.
fn check_grams(k: &Tensor<2>, l: &Tensor<2>, null: &NullDistribution) -> usize {
    let checked = gram_size(k, l).and_then(|m| null.check_samples(m).map(|()| m));
    checked.unwrap_or_else(|err| panic!("{err}"))
}
