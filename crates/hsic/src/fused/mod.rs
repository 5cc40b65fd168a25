//! Gaussian HSIC fused into a few CubeCL kernels, as a Burn backend extension; compiled with the
//! `wgpu` or `cuda` feature, and used by [`Hsic`](crate::Hsic) by itself on such a device.
//!
//! The composed estimate (the rest of this crate) launches a kernel per tensor op and writes every
//! intermediate `m x m` matrix: distances, `K`, `L`, their row means, `HKH`, `HLH`, their product,
//! and as many again in the backward pass. Here, from the inner products `P = Xc Xc^T` and
//! `Q = Yc Yc^T` (one matmul each), two kernels make the Gram entries on the fly and reduce them to
//! what the biased and normalised estimators need:
//!
//! - `a_i = mean_j K_ij`, `b_i = mean_j L_ij` (one cube per row);
//! - the three sums `S = (<HKH, HLH>, <HKH, HKH>, <HLH, HLH>)`, each centred entry
//!   `(HKH)_ij = K_ij - a_i - a_j + mean(a)` formed in registers.
//!
//! Then eq. (5)'s biased HSIC is `S_0 / (m - 1)^2` and CKA `S_0 / sqrt(S_1 S_2)`.
//!
//! The backward pass is written out rather than traced. `H` is a symmetric projection, so
//! `<HKH, HLH> = <K, HLH>` and `dS_0/dK = HLH`, `dS_1/dK = 2 HKH`. With `g` the incoming gradient
//! of `S`, the weight on each pair is `W = (g_0 HLH + 2 g_1 HKH) o K` (one elementwise kernel),
//! and since `dK_ij/dx_i = -2 gamma K_ij (x_i - x_j)` for `K_ij = exp(-gamma ||x_i - x_j||^2)`,
//!
//! `dS/dX = -4 gamma (diag(W 1) X - W X)`,
//!
//! one matmul; `y` alike with `W = (g_0 HKH + 2 g_2 HLH) o L`.

use burn::backend::Dispatch;
use burn::backend::{Backend, DispatchDevice, backend_extension, tensor::FloatTensor};
use burn::prelude::*;
use burn::tensor::DType;

use crate::kernel::fixed_width;
use crate::{Estimator, Kernel};

mod autodiff;
mod cube;
mod fusion;

/// The fused HSIC operations; implemented for CubeCL, its fusion wrapper and autodiff.
///
/// `gamma = 1 / (2 sigma^2)`. Inputs are `[m, d]` f32 sample rows.
#[backend_extension(Cube, Autodiff)]
pub trait HsicOps: Backend {
    /// `(S, means, P, Q)`: the three centred sums `S` (`[3]`), the row means of `K` and `L`
    /// (`[2, m]`), and the inner products `P = Xc Xc^T`, `Q = Yc Yc^T` (`[m, m]`), which the
    /// backward pass reuses.
    fn gaussian_hsic_sums(
        x: FloatTensor<Self>,
        y: FloatTensor<Self>,
        gamma_x: f32,
        gamma_y: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);

    /// `(dS/dx, dS/dy)` given `grad` (`[3]`), the gradient of `S`, and the forward's outputs.
    #[allow(clippy::too_many_arguments)]
    fn gaussian_hsic_backward(
        x: FloatTensor<Self>,
        y: FloatTensor<Self>,
        p: FloatTensor<Self>,
        q: FloatTensor<Self>,
        means: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        gamma_x: f32,
        gamma_y: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// The three centred sums `(<HKH, HLH>, <HKH, HKH>, <HLH, HLH>)` of Gaussian Gram matrices of
/// the rows of `x` (`[m, d_x]`) and `y` (`[m, d_y]`), from the fused kernels; differentiable when
/// the inputs are tracked.
///
/// # Panics
/// Where [`runs_on`] is false for `x`.
pub fn gaussian_centred_sums(x: Tensor<2>, y: Tensor<2>, sigma_x: f64, sigma_y: f64) -> Tensor<1> {
    assert!(runs_on(&x), "fused HSIC needs an f32 tensor on a CubeCL device (wgpu, CUDA)");
    let gamma = |sigma: f64| (0.5 / (sigma * sigma)) as f32;
    let (sums, _, _, _) =
        Dispatch::gaussian_hsic_sums(x.into_dispatch(), y.into_dispatch(), gamma(sigma_x), gamma(sigma_y));
    Tensor::from_dispatch(sums)
}

/// Whether the fused kernels run for `x`: an f32 tensor on a CubeCL device.
pub fn runs_on(x: &Tensor<2>) -> bool {
    x.dtype() == DType::F32 && matches!(x.device().inner().as_dispatch(), DispatchDevice::Cube(_))
}

/// The estimate from the fused kernels where they apply (fixed-width Gaussian kernels, the biased
/// or normalised estimator, f32 on a CubeCL device), else `None`.
pub(crate) fn estimate(
    kernel_x: &Kernel,
    kernel_y: &Kernel,
    estimator: &Estimator,
    scale_by_dim: bool,
    x: &Tensor<2>,
    y: &Tensor<2>,
) -> Option<Tensor<1>> {
    let (Kernel::Gaussian { sigma: sigma_x }, Kernel::Gaussian { sigma: sigma_y }) = (kernel_x, kernel_y) else {
        return None;
    };
    if matches!(estimator, Estimator::Unbiased) || !runs_on(x) || y.dtype() != DType::F32 {
        return None;
    }
    let [m, d_x] = x.dims();
    let (sigma_x, sigma_y) =
        (fixed_width(*sigma_x, d_x, scale_by_dim), fixed_width(*sigma_y, y.dims()[1], scale_by_dim));
    let sums = gaussian_centred_sums(x.clone(), y.clone(), sigma_x, sigma_y);
    Some(estimator.estimate_from_centred_sums(sums, m))
}
