#![doc = include_str!("../README.md")]

mod error;
pub mod estimator;
#[cfg(any(feature = "wgpu", feature = "cuda"))]
pub mod fused;
mod gamma;
pub mod independence;
pub mod kernel;
mod loss;
pub mod random_features;
pub mod rng;

pub use error::HsicError;
pub use estimator::{Estimator, center, cka, hsic_biased, hsic_unbiased, u_center};
pub use independence::{
    IndependenceTest, IndependenceTestConfig, NullDistribution, TestOutcome, gamma_test, permutation_test,
};
pub use kernel::{Kernel, gaussian_gram, median_distance, squared_distances};
pub use loss::{Hsic, HsicConfig, flatten_samples};
pub use random_features::{RandomFeatureHsic, RandomFeatureHsicConfig};
