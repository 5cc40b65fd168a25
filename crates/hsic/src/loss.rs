//! The HSIC loss in Burn's `Config` / `init` / `forward` style.

use burn::prelude::*;
use burn::tensor::{DType, FloatDType};

use crate::{Estimator, HsicError, Kernel};

/// Configuration of an [`Hsic`] loss: one kernel per input, the estimator, and the width
/// convention.
///
/// The defaults (biased estimator, median-heuristic kernels) are the textbook HSIC. For a
/// training loss choose [`Estimator::Normalized`] and fixed widths: the median kernel reads the
/// batch's distances back to the host on every call (one device sync).
#[derive(Config, Debug, PartialEq)]
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
        Kernel::validate_pair(&self.kernel_x, &self.kernel_y)?;
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
/// Half-precision inputs (f16, bf16) are computed in f32 and the result is returned in `x`'s
/// dtype: the Gram matrices' `exp` and the `m^2`-term sums would lose most of their digits in
/// 10 or 7 mantissa bits.
///
/// NaN or infinite inputs are not checked for (that would force a device sync on every call):
/// they propagate, and the result is NaN.
///
/// It is a [`Module`] without parameters, so it can be a field of a model like Burn's own losses.
#[derive(Module, Debug)]
pub struct Hsic {
    #[module(skip)]
    kernel_x: Kernel,
    #[module(skip)]
    kernel_y: Kernel,
    #[module(skip)]
    estimator: Estimator,
    #[module(skip)]
    scale_by_dim: bool,
}

impl Hsic {
    /// HSIC(x, y), or an error naming the bad argument (batch sizes differ, too few samples).
    pub fn try_forward<const DX: usize, const DY: usize>(
        &self,
        x: Tensor<DX>,
        y: Tensor<DY>,
    ) -> Result<Tensor<1>, HsicError> {
        let mut estimates = self.try_forward_each(x, vec![y])?;
        Ok(estimates.pop().expect("one estimate per y"))
    }

    /// HSIC(x, y_t) for each `y_t` of `ys`, with `x`'s Gram matrix computed once: a regulariser
    /// with one term per latent code measures every code against the same images, and `x`'s
    /// side (images of thousands of pixels against codes of one) is most of a term's cost. The
    /// values equal `try_forward(x, y_t)`'s; the gradients add up through the one Gram matrix
    /// instead of one per term, so they agree to float rounding. The fused kernels (wgpu,
    /// CUDA) run each pair whole.
    pub fn try_forward_each<const DX: usize, const DY: usize>(
        &self,
        x: Tensor<DX>,
        ys: Vec<Tensor<DY>>,
    ) -> Result<Vec<Tensor<1>>, HsicError> {
        let mut k = None;
        let mut estimates = Vec::with_capacity(ys.len());
        for y in ys {
            let (x, y, dtype) = paired_samples(x.clone(), y, |m| self.estimator.check_samples(m))?;
            Kernel::check_pair_widths(&self.kernel_x, &self.kernel_y, &x, &y)?;
            #[cfg(any(feature = "wgpu", feature = "cuda"))]
            if let Some(estimate) =
                crate::fused::estimate(&self.kernel_x, &self.kernel_y, &self.estimator, self.scale_by_dim, &x, &y)
            {
                estimates.push(estimate.cast(dtype));
                continue;
            }
            let k = k.get_or_insert_with(|| self.kernel_x.gram(x, self.scale_by_dim)).clone();
            let l = self.kernel_y.gram(y, self.scale_by_dim);
            estimates.push(self.estimator.estimate(k, l).cast(dtype));
        }
        Ok(estimates)
    }

    /// HSIC(x, y) as a one-element tensor.
    ///
    /// # Panics
    /// If the batch sizes differ or the batch is too small for the estimator.
    pub fn forward<const DX: usize, const DY: usize>(&self, x: Tensor<DX>, y: Tensor<DY>) -> Tensor<1> {
        self.try_forward(x, y).unwrap_or_else(|err| panic!("{err}"))
    }

    /// [`try_forward_each`](Self::try_forward_each): HSIC(x, y_t) for each `y_t`, `x`'s Gram
    /// matrix computed once.
    ///
    /// # Panics
    /// If a batch size differs from `x`'s or the batch is too small for the estimator.
    pub fn forward_each<const DX: usize, const DY: usize>(&self, x: Tensor<DX>, ys: Vec<Tensor<DY>>) -> Vec<Tensor<1>> {
        self.try_forward_each(x, ys).unwrap_or_else(|err| panic!("{err}"))
    }
}

/// `[m, d1, d2, ...]` to `[m, d1 * d2 * ...]` (a rank-1 batch becomes `[m, 1]`).
pub fn flatten_samples<const D: usize>(x: Tensor<D>) -> Tensor<2> {
    let dims = x.dims();
    let width = dims[1..].iter().product::<usize>();
    x.reshape([dims[0], width])
}

/// `x` and `y` as `[m, d]` sample rows, in f32 where they are in a narrower float type (f16,
/// bf16), with `x`'s dtype for the result; once their batch sizes agree and `check` accepts `m`.
pub(crate) fn paired_samples<const DX: usize, const DY: usize>(
    x: Tensor<DX>,
    y: Tensor<DY>,
    check: impl FnOnce(usize) -> Result<(), HsicError>,
) -> Result<(Tensor<2>, Tensor<2>, DType), HsicError> {
    let (m, m_y) = (x.dims()[0], y.dims()[0]);
    if m != m_y {
        return Err(HsicError::BatchMismatch { x: m, y: m_y });
    }
    check(m)?;
    let dtype = x.dtype();
    Ok((at_least_f32(flatten_samples(x)), at_least_f32(flatten_samples(y)), dtype))
}

/// `x` in f32 if it is in a narrower float type, else unchanged.
fn at_least_f32(x: Tensor<2>) -> Tensor<2> {
    if x.dtype().size() < 4 { x.cast(FloatDType::F32) } else { x }
}
