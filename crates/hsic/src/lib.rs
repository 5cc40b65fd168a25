//! # hsic
//!
//! The Hilbert-Schmidt Independence Criterion as a differentiable loss for Burn, on every
//! backend (it is composed of Burn tensor ops, so autodiff differentiates it anywhere).
//!
//! For samples `x_1..x_m` and `y_1..y_m` (the batch on dim 0 of each input, the rest flattened),
//! Gram matrices `K_ij = k(x_i, x_j)`, `L_ij = l(y_i, y_j)` and `H = I - 11^T / m`:
//!
//! ```text
//! biased (HSIC-InfoGAN eq. 5):  HSIC_b = (m - 1)^-2 tr(K H L H)
//! unbiased (Song et al. 2012):  HSIC_u = [tr(K~L~) + 1'K~1 1'L~1 / ((m-1)(m-2)) - 2/(m-2) 1'K~L~1] / (m(m-3))
//! normalised (CKA):             tr(KHLH) / sqrt(tr(KHKH) tr(LHLH))  in [0, 1]
//! Gaussian kernel:              k(a, b) = exp(-||a - b||^2 / (2 sigma^2))
//! ```
//!
//! `K~` is `K` with its diagonal set to 0. Nothing `m x m x m` is ever computed: centring uses
//! row and column means and traces of products become elementwise sums (see [`estimator`]).
//!
//! [`HsicConfig`] builds the loss; the pieces are public for composing your own, e.g. HSIC
//! between a feature map and its CKA with a reference representation:
//!
//! ```
//! use burn::prelude::*;
//! use burn::tensor::Distribution;
//! use hsic::{Kernel, cka, flatten_samples, hsic_biased};
//!
//! let device = Device::default();
//! let features = Tensor::<4>::random([32, 8, 5, 5], Distribution::Default, &device);
//! let reference = Tensor::<2>::random([32, 16], Distribution::Default, &device);
//! let k = Kernel::GaussianMedian.gram(flatten_samples(features), false);
//! let l = Kernel::Linear.gram(reference, false);
//! let dependence = hsic_biased(k.clone(), l.clone()).into_scalar::<f32>();
//! let alignment = cka(k, l).into_scalar::<f32>();
//! assert!(dependence >= 0.0 && (0.0..=1.0).contains(&alignment));
//! ```

mod error;
pub mod estimator;
pub mod kernel;
mod loss;

pub use error::HsicError;
pub use estimator::{Estimator, center, cka, hsic_biased, hsic_unbiased, u_center};
pub use kernel::{Kernel, gaussian_gram, median_distance, squared_distances};
pub use loss::{Hsic, HsicConfig, flatten_samples};
