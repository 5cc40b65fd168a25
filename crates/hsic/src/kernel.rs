//! Kernels and their Gram matrices over the rows of a `[m, d]` tensor.

use burn::prelude::*;

use crate::HsicError;

/// A positive-definite kernel on flattened samples.
#[derive(Config, Debug, PartialEq)]
pub enum Kernel {
    /// `k(a, b) = exp(-||a - b||^2 / (2 sigma^2))` with a fixed width `sigma`
    /// (multiplied by `sqrt(d)` when [`HsicConfig::scale_by_dim`](crate::HsicConfig) is set).
    Gaussian { sigma: f64 },
    /// The Gaussian kernel with the median heuristic: `sigma` is the median of the Euclidean
    /// distances `||a_i - a_j||` over all pairs `i < j` of the batch (the mean of the two middle
    /// distances when the number of pairs is even). It is recomputed for every batch, read back to
    /// the host (one device sync), and treated as a constant: no gradient flows through it. If more
    /// than half of the pairs coincide the median is 0 and the mean pair distance is used instead;
    /// if every sample is the same, `sigma = 1` (any width then gives the same all-ones Gram matrix).
    GaussianMedian,
    /// `k(a, b) = <a, b>`. On one-hot columns this is the delta kernel: 1 for the same
    /// category, 0 otherwise.
    Linear,
    /// The product `k(a, b) = k_head(a[..split], b[..split]) * k_tail(a[split..], b[split..])`
    /// of a kernel on the first `split` columns and one on the rest: two samples count as
    /// similar only when both parts are. HSIC with it measures dependence on the pair of parts
    /// jointly; e.g. the delta kernel on a one-hot categorical code times a Gaussian on
    /// continuous codes asks for dependence on the continuous codes *within* each category.
    Product { split: usize, head: Box<Kernel>, tail: Box<Kernel> },
}

impl Kernel {
    /// The Gaussian kernel with a fixed width.
    pub fn gaussian(sigma: f64) -> Self {
        Self::Gaussian { sigma }
    }

    /// The product of `head` on the first `split` columns and `tail` on the rest.
    pub fn product(split: usize, head: Kernel, tail: Kernel) -> Self {
        Self::Product { split, head: Box::new(head), tail: Box::new(tail) }
    }

    /// Checks the kernel's parameters; `argument` names it in the error (e.g. `"kernel_x"`).
    pub fn validate(&self, argument: &'static str) -> Result<(), HsicError> {
        match self {
            &Self::Gaussian { sigma } if !(sigma.is_finite() && sigma > 0.0) => {
                Err(HsicError::InvalidSigma { argument, value: sigma })
            }
            Self::Product { head, tail, .. } => {
                head.validate(argument)?;
                tail.validate(argument)
            }
            _ => Ok(()),
        }
    }

    /// Checks that samples `width` values wide fit the kernel (a product's split must leave
    /// columns on both sides); `argument` names the input in the error.
    pub fn check_width(&self, width: usize, argument: &'static str) -> Result<(), HsicError> {
        match self {
            &Self::Product { split, .. } if split == 0 || split >= width => {
                Err(HsicError::ProductSplit { argument, split, width })
            }
            // A product's factors may be products too, each splitting its own columns.
            Self::Product { split, head, tail } => {
                head.check_width(*split, argument)?;
                tail.check_width(width - split, argument)
            }
            _ => Ok(()),
        }
    }

    /// Checks the two kernels of a configuration, named `kernel_x` and `kernel_y` in the error.
    pub(crate) fn validate_pair(kernel_x: &Kernel, kernel_y: &Kernel) -> Result<(), HsicError> {
        kernel_x.validate("kernel_x sigma")?;
        kernel_y.validate("kernel_y sigma")
    }

    /// [`check_width`](Self::check_width) for the two kernels of a configuration and their
    /// inputs' sample rows `x` and `y` (`[m, d]`).
    pub(crate) fn check_pair_widths(
        kernel_x: &Kernel,
        kernel_y: &Kernel,
        x: &Tensor<2>,
        y: &Tensor<2>,
    ) -> Result<(), HsicError> {
        kernel_x.check_width(x.dims()[1], "kernel_x")?;
        kernel_y.check_width(y.dims()[1], "kernel_y")
    }

    /// The `[m, m]` Gram matrix `K_ij = k(x_i, x_j)` of the rows of `x` (`[m, d]`).
    /// With `scale_by_dim`, a fixed width becomes `sigma * sqrt(d)` (the HSIC-Bottleneck convention).
    ///
    /// # Panics
    /// If the kernel's width is not a finite positive number, or a product's split leaves no
    /// column on one side.
    pub fn gram(&self, x: Tensor<2>, scale_by_dim: bool) -> Tensor<2> {
        match *self {
            Self::Gaussian { sigma } => {
                let width = fixed_width(sigma, x.dims()[1], scale_by_dim);
                gaussian_gram(squared_distances(x), width)
            }
            Self::GaussianMedian => {
                let distances = squared_distances(x);
                let sigma = median_distance(distances.clone());
                gaussian_gram(distances, sigma)
            }
            Self::Linear => x.clone().matmul(x.transpose()),
            Self::Product { split, ref head, ref tail } => {
                let [_, d] = x.dims();
                if let Err(err) = self.check_width(d, "x") {
                    panic!("{err}");
                }
                let head = head.gram(x.clone().narrow(1, 0, split), scale_by_dim);
                head * tail.gram(x.narrow(1, split, d - split), scale_by_dim)
            }
        }
    }
}

/// The width of a fixed Gaussian kernel on `d`-wide samples: `sigma`, or `sigma * sqrt(d)` with
/// `scale_by_dim` (the HSIC-Bottleneck convention).
pub(crate) fn fixed_width(sigma: f64, d: usize, scale_by_dim: bool) -> f64 {
    if scale_by_dim { sigma * (d as f64).sqrt() } else { sigma }
}

/// Pairwise squared Euclidean distances `D_ij = ||x_i||^2 + ||x_j||^2 - 2 <x_i, x_j>` of the rows
/// of `x` (`[m, d]`), from one `m x m x d` matmul, clamped at 0 against rounding.
///
/// The rows are first centred on their mean: distances do not change, and smaller norms lose
/// less to cancellation in f32.
pub fn squared_distances(x: Tensor<2>) -> Tensor<2> {
    let x = x.clone() - x.mean_dim(0);
    let norms = x.clone().square().sum_dim(1);
    let inner = x.clone().matmul(x.transpose());
    (norms.clone() + norms.transpose() - inner * 2.0).clamp_min(0.0)
}

/// `K = exp(-D / (2 sigma^2))` from squared distances `D`.
///
/// # Panics
/// If `sigma` is not a finite positive number.
pub fn gaussian_gram(squared_distances: Tensor<2>, sigma: f64) -> Tensor<2> {
    if let Err(err) = Kernel::gaussian(sigma).validate("sigma") {
        panic!("{err}");
    }
    (squared_distances * (-0.5 / (sigma * sigma))).exp()
}

/// The median heuristic's width from a matrix of squared distances (see
/// [`Kernel::GaussianMedian`] for the exact convention and its fallbacks). Reads the matrix back
/// to the host.
pub fn median_distance(squared_distances: Tensor<2>) -> f64 {
    let [m, _] = squared_distances.dims();
    let data = squared_distances.into_data();
    let squared: Vec<f64> = data.iter::<f64>().collect();
    let mut pairs: Vec<f64> =
        (0..m).flat_map(|i| (i + 1..m).map(move |j| (i, j))).map(|(i, j)| squared[i * m + j].max(0.0).sqrt()).collect();
    let median = median(&mut pairs);
    if median > 0.0 {
        return median;
    }
    let mean = pairs.iter().sum::<f64>() / pairs.len().max(1) as f64;
    if mean > 0.0 { mean } else { 1.0 }
}

/// The median of `values` (mean of the two middle ones for an even count; 0 when empty).
fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let (lower, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        upper
    } else {
        let lower = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lower + upper)
    }
}
