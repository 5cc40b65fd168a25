//! The HSIC loss in Burn's `Config` / `init` / `forward` style.

use burn::prelude::*;

use crate::{Estimator, HsicError, Kernel};

/// Configuration of an [`Hsic`] loss: one kernel per input, the estimator, and the width
/// convention.
#[derive(Config, Debug)]
pub struct HsicConfig {
    /// Kernel on the first input (e.g. the images).
    #[config(default = "Kernel::GaussianMedian")]
    pub kernel_x: Kernel,
    /// Kernel on the second input (e.g. the latent codes).
    #[config(default = "Kernel::GaussianMedian")]
    pub kernel_y: Kernel,
    /// Which estimate to compute.
    #[config(default = "Estimator::Biased")]
    pub estimator: Estimator,
    /// Use `sigma * sqrt(d)` as the width of a fixed Gaussian kernel on `d`-wide samples, as the
    /// HSIC-Bottleneck code (Ma et al. 2020) does.
    #[config(default = false)]
    pub scale_by_dim: bool,
}

impl HsicConfig {
    /// Builds the loss, or says which argument is wrong.
    pub fn try_init(&self) -> Result<Hsic, HsicError> {
        self.kernel_x.validate("kernel_x sigma")?;
        self.kernel_y.validate("kernel_y sigma")?;
        Ok(Hsic {
            kernel_x: self.kernel_x.clone(),
            kernel_y: self.kernel_y.clone(),
            estimator: self.estimator.clone(),
            scale_by_dim: self.scale_by_dim,
        })
    }

    /// Builds the loss.
    ///
    /// # Panics
    /// If a kernel width is not a finite positive number.
    pub fn init(&self) -> Hsic {
        self.try_init().unwrap_or_else(|err| panic!("{err}"))
    }
}

/// The Hilbert-Schmidt Independence Criterion between two batches of samples.
///
/// Both inputs have the batch on dim 0 and any number of further dims, which are flattened:
/// `x: [m, ...]` (e.g. images `[m, C, H, W]`) and `y: [m, ...]` (e.g. codes `[m, k]`) may differ
/// in width. The output is a one-element tensor that autodiff differentiates with respect to both.
///
/// Cost: `O(m^2 (d_x + d_y))` for the Gram matrices (one matmul each), `O(m^2)` after.
///
/// NaN or infinite inputs are not checked for (that would force a device sync on every call):
/// they propagate, and the result is NaN.
#[derive(Clone, Debug)]
pub struct Hsic {
    kernel_x: Kernel,
    kernel_y: Kernel,
    estimator: Estimator,
    scale_by_dim: bool,
}

impl Hsic {
    /// HSIC(x, y), or an error naming the bad argument (batch sizes differ, too few samples).
    pub fn try_forward<const DX: usize, const DY: usize>(
        &self,
        x: Tensor<DX>,
        y: Tensor<DY>,
    ) -> Result<Tensor<1>, HsicError> {
        let (m, m_y) = (x.dims()[0], y.dims()[0]);
        if m != m_y {
            return Err(HsicError::BatchMismatch { x: m, y: m_y });
        }
        self.estimator.check_samples(m)?;
        let k = self.kernel_x.gram(flatten_samples(x), self.scale_by_dim);
        let l = self.kernel_y.gram(flatten_samples(y), self.scale_by_dim);
        Ok(self.estimator.estimate(k, l))
    }

    /// HSIC(x, y) as a one-element tensor.
    ///
    /// # Panics
    /// If the batch sizes differ or the batch is too small for the estimator.
    pub fn forward<const DX: usize, const DY: usize>(
        &self,
        x: Tensor<DX>,
        y: Tensor<DY>,
    ) -> Tensor<1> {
        self.try_forward(x, y).unwrap_or_else(|err| panic!("{err}"))
    }
}

/// `[m, d1, d2, ...]` to `[m, d1 * d2 * ...]` (a rank-1 batch becomes `[m, 1]`).
pub fn flatten_samples<const D: usize>(x: Tensor<D>) -> Tensor<2> {
    let dims = x.dims();
    let width = dims[1..].iter().product::<usize>();
    x.reshape([dims[0], width])
}
