//! HSIC estimators from two `[m, m]` Gram matrices, in O(m^2) once the Gram matrices exist:
//! centring is done with row and column means (`H` is never formed) and every trace of a
//! product becomes an elementwise sum, `tr(A B) = sum(A o B)` for symmetric `A`, `B`.

use burn::prelude::*;

use crate::HsicError;

/// Which HSIC estimate to compute.
///
/// For a loss that a network maximises or minimises through its outputs, use [`Normalized`]:
/// the other two have no fixed scale, so a network can grow them by pushing its outputs apart
/// (the biased one wrecked HSIC-InfoGAN's generator where CKA trained it; see the crate README).
/// For a test statistic or a measurement use [`Biased`] (what the HSIC test is built on), or
/// [`Unbiased`] when averaging over many batches.
///
/// [`Normalized`]: Estimator::Normalized
/// [`Biased`]: Estimator::Biased
/// [`Unbiased`]: Estimator::Unbiased
#[derive(Config, Debug, PartialEq)]
pub enum Estimator {
    /// Gretton et al. (2005), the paper's eq. (5): `(m - 1)^-2 tr(K H L H)`, `H = I - 11^T / m`.
    /// Non-negative; biased upwards by O(1/m). Needs `m >= 2`.
    Biased,
    /// Song et al. (2012): unbiased, can be negative. Needs `m >= 4`.
    Unbiased,
    /// Centred kernel alignment (CKA): `tr(KHLH) / sqrt(tr(KHKH) tr(LHLH))`, in `[0, 1]` and
    /// independent of the kernels' scale. Needs `m >= 2`.
    Normalized,
}

impl Estimator {
    /// The smallest batch the estimator is defined for.
    pub fn min_samples(&self) -> usize {
        match self {
            Self::Biased | Self::Normalized => 2,
            Self::Unbiased => 4,
        }
    }

    /// The estimator's name as it appears in messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Biased => "biased",
            Self::Unbiased => "unbiased",
            Self::Normalized => "normalized (CKA)",
        }
    }

    /// Checks that two Gram matrices are square, alike, and large enough for this estimator.
    pub fn check(&self, k: &Tensor<2>, l: &Tensor<2>) -> Result<(), HsicError> {
        self.check_samples(gram_size(k, l)?)
    }

    /// Checks that a batch of `m` samples is large enough for this estimator.
    pub fn check_samples(&self, m: usize) -> Result<(), HsicError> {
        let min = self.min_samples();
        if m < min {
            return Err(HsicError::TooFewSamples { estimator: self.name(), m, min });
        }
        Ok(())
    }

    /// The estimate from Gram matrices `k` and `l`: a one-element tensor.
    ///
    /// # Panics
    /// If [`check`](Self::check) fails.
    pub fn estimate(&self, k: Tensor<2>, l: Tensor<2>) -> Tensor<1> {
        if let Err(err) = self.check(&k, &l) {
            panic!("{err}");
        }
        match self {
            Self::Biased => hsic_biased(k, l),
            Self::Unbiased => hsic_unbiased(k, l),
            Self::Normalized => cka(k, l),
        }
    }

    /// The estimate from the centred sums `S = (<HKH, HLH>, <HKH, HKH>, <HLH, HLH>)` of `m`
    /// samples (what the fused kernels give).
    ///
    /// # Panics
    /// For [`Unbiased`](Self::Unbiased), which needs U-centred sums.
    #[cfg(any(feature = "wgpu", feature = "cuda"))]
    pub(crate) fn estimate_from_centred_sums(&self, sums: Tensor<1>, m: usize) -> Tensor<1> {
        let sum = |index| sums.clone().narrow(0, index, 1);
        match self {
            Self::Biased => biased_from_inner(sum(0), m),
            Self::Normalized => cka_from_inners(sum(0), sum(1), sum(2)),
            Self::Unbiased => panic!("the unbiased estimator needs U-centred sums"),
        }
    }
}

/// The batch size `m` of two `[m, m]` Gram matrices, or the error saying they are not square
/// and alike.
pub(crate) fn gram_size(k: &Tensor<2>, l: &Tensor<2>) -> Result<usize, HsicError> {
    let (k, l) = (k.dims(), l.dims());
    if k[0] != k[1] || k != l {
        return Err(HsicError::GramShape { k, l });
    }
    Ok(k[0])
}

/// `H K H` for `H = I - 11^T / m`: `K_ij - mean_i. - mean_.j + mean_..`.
pub fn center(k: Tensor<2>) -> Tensor<2> {
    let row_means = k.clone().mean_dim(1);
    let col_means = k.clone().mean_dim(0);
    let grand_mean = row_means.clone().mean_dim(0);
    k - row_means - col_means + grand_mean
}

/// U-centring (Szekely & Rizzo 2014): with `K~` = `K` with a zero diagonal, row sums `a_i`,
/// column sums `b_j` and total `t`,
/// `U_ij = K~_ij - a_i / (m - 2) - b_j / (m - 2) + t / ((m - 1)(m - 2))` off the diagonal, 0 on it.
/// `sum(U(K) o U(L)) / (m (m - 3))` is exactly Song et al.'s unbiased HSIC.
pub fn u_center(k: Tensor<2>) -> Tensor<2> {
    let [m, _] = k.dims();
    let off_diagonal = Tensor::<2>::eye(m, &k.device()).neg() + 1.0;
    let k = k * off_diagonal.clone();
    let row_sums = k.clone().sum_dim(1);
    let col_sums = k.clone().sum_dim(0);
    let total = row_sums.clone().sum_dim(0);
    let m = m as f64;
    let centred = k - (row_sums + col_sums) / (m - 2.0) + total / ((m - 1.0) * (m - 2.0));
    centred * off_diagonal
}

/// Paper eq. (5): `(m - 1)^-2 tr(K H L H) = (m - 1)^-2 sum((HKH) o (HLH))`. Both matrices are
/// centred: equal to `sum((HKH) o L)` in exact arithmetic, but about 100x more accurate in f32.
pub fn hsic_biased(k: Tensor<2>, l: Tensor<2>) -> Tensor<1> {
    let [m, _] = k.dims();
    biased_from_inner(inner(center(k), center(l)), m)
}

/// Eq. (5)'s normalisation of `<HKH, HLH>` over `m` samples: `/ (m - 1)^2`.
fn biased_from_inner(inner: Tensor<1>, m: usize) -> Tensor<1> {
    inner / ((m as f64 - 1.0).powi(2))
}

/// Song et al. (2012), eq. (5):
/// `[tr(K~L~) + 1^T K~ 1 1^T L~ 1 / ((m-1)(m-2)) - 2/(m-2) 1^T K~ L~ 1] / (m (m-3))`,
/// computed as `sum(U(K) o U(L)) / (m (m - 3))` with [`u_center`]. Needs `m >= 4`.
pub fn hsic_unbiased(k: Tensor<2>, l: Tensor<2>) -> Tensor<1> {
    let [m, _] = k.dims();
    let m = m as f64;
    inner(u_center(k), u_center(l)) / (m * (m - 3.0))
}

/// Centred kernel alignment `<HKH, HLH> / (||HKH|| ||HLH||)`, in `[0, 1]`. A tiny `1e-12` is added
/// under each square root so that a batch with no variation in one input gives 0 (not 0/0) and
/// finite gradients.
pub fn cka(k: Tensor<2>, l: Tensor<2>) -> Tensor<1> {
    let (k, l) = (center(k), center(l));
    cka_from_inners(inner(k.clone(), l.clone()), inner(k.clone(), k), inner(l.clone(), l))
}

/// CKA from `<HKH, HLH>`, `<HKH, HKH>` and `<HLH, HLH>`.
fn cka_from_inners(kl: Tensor<1>, kk: Tensor<1>, ll: Tensor<1>) -> Tensor<1> {
    const EPS: f64 = 1e-12;
    kl / ((kk + EPS).sqrt() * (ll + EPS).sqrt())
}

/// `sum(A o B)`, reduced by rows first: a two-level sum keeps f32 rounding near `sqrt(m)` terms.
fn inner(a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
    (a * b).sum_dim(1).sum()
}
