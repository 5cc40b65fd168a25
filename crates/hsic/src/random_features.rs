//! HSIC without Gram matrices, for batches where an `m x m` matrix does not fit (m = 65,536 is
//! 17 GB per Gram matrix in f32): each Gaussian kernel is replaced by `D` random Fourier features
//! (Rahimi & Recht 2007),
//!
//! ```text
//! phi(a) = sqrt(2 / D) cos(a W / sigma + b),   W_ij ~ N(0, 1),  b_j ~ U[0, 2 pi),
//! E[phi(a) . phi(a')] = exp(-||a - a'||^2 / (2 sigma^2)),
//! ```
//!
//! and the linear kernel by the identity map. With `Phi` the `[m, D]` features of x and `Psi`
//! those of y, both centred on their column means (which leaves every estimator unchanged), the
//! Gram matrices are `K = Phi Phi^T`, `L = Psi Psi^T` and every trace becomes a `D x D` product:
//!
//! ```text
//! tr(KHLH) = ||Phi^T Psi||_F^2                                           -> biased, CKA
//! HSIC_u   = [||Phi^T Psi||_F^2 - m/(m-2) sum_i k_i l_i
//!             + sum_i k_i sum_i l_i / ((m-1)(m-2))] / (m(m-3)),  k_i = ||phi_i||^2, l_i = ||psi_i||^2
//! ```
//!
//! Cost `O(m D (d_x + d_y + D))`, memory `O(m D + D^2)`; the error against the exact kernel
//! shrinks as `1 / sqrt(D)`.

use burn::prelude::*;

use crate::kernel::fixed_width;
use crate::loss::paired_samples;
use crate::rng::SplitMix64;
use crate::{Estimator, HsicError, Kernel, median_distance, squared_distances};

/// The median heuristic looks at the first this many samples of the batch (its `O(n^2)` pairs).
pub const MEDIAN_SUBSAMPLE: usize = 1024;

/// Configuration of a [`RandomFeatureHsic`].
#[derive(Config, Debug)]
pub struct RandomFeatureHsicConfig {
    /// Kernel on the first input. A median-heuristic width is taken from the first
    /// [`MEDIAN_SUBSAMPLE`] samples of each batch.
    #[config(default = "Kernel::GaussianMedian")]
    pub kernel_x: Kernel,
    /// Kernel on the second input.
    #[config(default = "Kernel::GaussianMedian")]
    pub kernel_y: Kernel,
    /// Which estimate to compute.
    #[config(default = "Estimator::Biased")]
    pub estimator: Estimator,
    /// Random features `D` per Gaussian kernel.
    #[config(default = 1024)]
    pub features: usize,
    /// Seed of the features: the same seed gives the same features on every backend.
    #[config(default = 0)]
    pub seed: u64,
    /// Use `sigma * sqrt(d)` as a fixed Gaussian width, as [`crate::HsicConfig::scale_by_dim`].
    #[config(default = false)]
    pub scale_by_dim: bool,
}

impl RandomFeatureHsicConfig {
    /// Draws the features for inputs whose samples flatten to `d_x` and `d_y` values, on
    /// `device`, or says which argument is wrong.
    pub fn try_init(&self, d_x: usize, d_y: usize, device: &Device) -> Result<RandomFeatureHsic, HsicError> {
        Kernel::validate_pair(&self.kernel_x, &self.kernel_y)?;
        for (kernel, argument) in [(&self.kernel_x, "kernel_x"), (&self.kernel_y, "kernel_y")] {
            if matches!(kernel, Kernel::Product { .. }) {
                let what = "random features are drawn for Gaussian and linear kernels, not products";
                return Err(HsicError::UnsupportedKernel { argument, what });
            }
        }
        if self.features == 0 {
            return Err(HsicError::NoFeatures);
        }
        let mut rng = SplitMix64::new(self.seed);
        let mut map =
            |kernel: &Kernel, d| FeatureMap::draw(kernel, d, self.features, self.scale_by_dim, &mut rng, device);
        Ok(RandomFeatureHsic {
            map_x: map(&self.kernel_x, d_x),
            map_y: map(&self.kernel_y, d_y),
            estimator: self.estimator.clone(),
        })
    }

    /// Draws the features.
    ///
    /// # Panics
    /// If a kernel width is not a finite positive number, or `features` is 0.
    pub fn init(&self, d_x: usize, d_y: usize, device: &Device) -> RandomFeatureHsic {
        self.try_init(d_x, d_y, device).unwrap_or_else(|err| panic!("{err}"))
    }
}

/// HSIC through random Fourier features; see the [module docs](self). Differentiable with
/// respect to both inputs, like [`crate::Hsic`], and a parameter-free [`Module`]. Inputs on
/// another device than the one the features were drawn on get a copy of them per call.
#[derive(Module, Debug)]
pub struct RandomFeatureHsic {
    #[module(skip)]
    map_x: FeatureMap,
    #[module(skip)]
    map_y: FeatureMap,
    #[module(skip)]
    estimator: Estimator,
}

impl RandomFeatureHsic {
    /// The estimate for x (`[m, ...]`) and y (`[m, ...]`), or an error naming the bad argument.
    pub fn try_forward<const DX: usize, const DY: usize>(
        &self,
        x: Tensor<DX>,
        y: Tensor<DY>,
    ) -> Result<Tensor<1>, HsicError> {
        let (x, y, dtype) = paired_samples(x, y, |m| self.estimator.check_samples(m))?;
        let phi = self.map_x.features(x, "x")?;
        let psi = self.map_y.features(y, "y")?;
        Ok(estimate(&self.estimator, center_columns(phi), center_columns(psi)).cast(dtype))
    }

    /// The estimate as a one-element tensor.
    ///
    /// # Panics
    /// If the batch sizes differ, the batch is too small, or a sample width is not the one the
    /// features were drawn for.
    pub fn forward<const DX: usize, const DY: usize>(&self, x: Tensor<DX>, y: Tensor<DY>) -> Tensor<1> {
        self.try_forward(x, y).unwrap_or_else(|err| panic!("{err}"))
    }

    /// The `[m, D]` features of x's samples (`[m, d_x]`), before centring: `K ~ Phi Phi^T`.
    pub fn features_x(&self, x: Tensor<2>) -> Result<Tensor<2>, HsicError> {
        self.map_x.features(x, "x")
    }

    /// The `[m, D]` features of y's samples (`[m, d_y]`), before centring: `L ~ Psi Psi^T`.
    pub fn features_y(&self, y: Tensor<2>) -> Result<Tensor<2>, HsicError> {
        self.map_y.features(y, "y")
    }
}

/// One input's feature map: the kernel, and for a Gaussian kernel the standard normal `W`
/// (`[d, D]`) and phases `b` (`[1, D]`) drawn at init.
#[derive(Clone, Debug)]
struct FeatureMap {
    kernel: Kernel,
    width: usize,
    scale_by_dim: bool,
    draw: Option<(Tensor<2>, Tensor<2>)>,
}

impl FeatureMap {
    fn draw(
        kernel: &Kernel,
        width: usize,
        features: usize,
        scale_by_dim: bool,
        rng: &mut SplitMix64,
        device: &Device,
    ) -> Self {
        let draw = match kernel {
            Kernel::Linear => None,
            Kernel::Product { .. } => unreachable!("try_init turns products away"),
            Kernel::Gaussian { .. } | Kernel::GaussianMedian => {
                let w: Vec<f32> = (0..width * features).map(|_| rng.normal() as f32).collect();
                let b: Vec<f32> = (0..features).map(|_| (std::f64::consts::TAU * rng.uniform()) as f32).collect();
                Some((
                    Tensor::from_data(TensorData::new(w, [width, features]), device),
                    Tensor::from_data(TensorData::new(b, [1, features]), device),
                ))
            }
        };
        Self { kernel: kernel.clone(), width, scale_by_dim, draw }
    }

    fn features(&self, x: Tensor<2>, input: &'static str) -> Result<Tensor<2>, HsicError> {
        let [m, d] = x.dims();
        if d != self.width {
            return Err(HsicError::SampleWidth { input, expected: self.width, got: d });
        }
        let Some((w, b)) = &self.draw else {
            return Ok(x);
        };
        let sigma = match self.kernel {
            Kernel::Gaussian { sigma } => fixed_width(sigma, d, self.scale_by_dim),
            _ => median_distance(squared_distances(x.clone().slice(0..m.min(MEDIAN_SUBSAMPLE)))),
        };
        let [_, features] = w.dims();
        // A no-op on the device the features were drawn on; otherwise (e.g. that device's
        // autodiff twin) a copy.
        let (w, b) = (w.clone().to_device(&x.device()), b.clone().to_device(&x.device()));
        Ok(((x / sigma).matmul(w) + b).cos() * (2.0 / features as f64).sqrt())
    }
}

/// `a` less its column means.
fn center_columns(a: Tensor<2>) -> Tensor<2> {
    a.clone() - a.mean_dim(0)
}

/// `||A||_F^2`, reduced by rows first.
fn frobenius_squared(a: Tensor<2>) -> Tensor<1> {
    a.square().sum_dim(1).sum()
}

/// The estimator from centred features `phi` (`[m, D]`) and `psi` (`[m, E]`); see the module docs.
fn estimate(estimator: &Estimator, phi: Tensor<2>, psi: Tensor<2>) -> Tensor<1> {
    let m = phi.dims()[0] as f64;
    let cross = frobenius_squared(phi.clone().transpose().matmul(psi.clone()));
    match estimator {
        Estimator::Biased => cross / ((m - 1.0) * (m - 1.0)),
        Estimator::Normalized => {
            const EPS: f64 = 1e-12;
            let norm = |a: Tensor<2>| (frobenius_squared(a.clone().transpose().matmul(a)) + EPS).sqrt();
            cross / (norm(phi) * norm(psi))
        }
        Estimator::Unbiased => {
            let (k, l) = (phi.square().sum_dim(1), psi.square().sum_dim(1));
            let kl = (k.clone() * l.clone()).sum();
            let (k, l) = (k.sum(), l.sum());
            (cross - kl * (m / (m - 2.0)) + k * l / ((m - 1.0) * (m - 2.0))) / (m * (m - 3.0))
        }
    }
}
