//! Faster CPU passes for [Burn](https://burn.dev)'s flex backend, as drop-in functions over
//! Burn's own modules: [`conv2d`], [`conv_transpose2d`], [`linear`], [`batch_norm`],
//! [`leaky_relu`], [`relu`] and [`relu_max_pool2d`] take a layer (or a slope) and its input as
//! `layer.forward(x)` does, [`conv2d_leaky_relu`] and [`conv_transpose2d_leaky_relu`] are a
//! layer followed by leaky ReLU with its bias added in the activation's pass, and
//! [`adam::FusedAdam`] is Burn's `Adam` as an `Optimizer`.
//!
//! On flex (f32, with or without autodiff) each runs backend extensions of its own, forward and
//! backward, registered with Burn's autodiff as one op each; everywhere else (ndarray, wgpu,
//! CUDA, f64, and the layer settings a pass does not cover) it is Burn's own layer or optimiser,
//! so a model calls the same function on every backend. The values are Burn's to float rounding
//! (the sums run in another order) for the products and batch norm, and bit for bit for leaky
//! ReLU, ReLU (alone and with max-pooling), and Adam. What each pass saves, and its timing against Burn's at
//! batch 100, is in its module's documentation and in the crate's README (`cargo bench -p
//! hsic-infogan-flex-ops --bench layers`); D and G there are InfoGAN's MNIST discriminator and
//! generator (Chen et al. 2016), whose layers the bench times.
//!
//! ```
//! use burn::nn::conv::Conv2dConfig;
//! use burn::nn::{BatchNormConfig, LinearConfig, PaddingConfig2d};
//! use burn::prelude::*;
//! use hsic_infogan_flex_ops::{batch_norm, conv2d, leaky_relu, linear};
//!
//! let device = Device::flex().autodiff();
//! let conv = Conv2dConfig::new([1, 8], [4, 4])
//!     .with_stride([2, 2])
//!     .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
//!     .init(&device);
//! let (norm, fc) = (BatchNormConfig::new(8).init(&device), LinearConfig::new(8 * 14 * 14, 1).init(&device));
//! let images = Tensor::<4>::zeros([16, 1, 28, 28], &device).require_grad();
//! let x = leaky_relu(batch_norm(&norm, conv2d(&conv, images.clone())), 0.1);
//! let logits = linear(&fc, x.flatten(1, 3));
//! let grads = logits.sum().backward();
//! assert_eq!(images.grad(&grads).unwrap().dims(), [16, 1, 28, 28]);
//! ```

use burn::prelude::*;

pub mod adam;
mod batch_norm;
mod conv;
mod leaky_relu;
mod linear;
#[cfg(feature = "flex")]
mod product;
mod relu_max_pool;
#[cfg(feature = "flex")]
mod transpose;

pub use batch_norm::batch_norm;
pub use conv::{conv_transpose2d, conv_transpose2d_leaky_relu, conv2d, conv2d_leaky_relu};
pub use leaky_relu::{leaky_relu, relu};
pub use linear::linear;
pub use relu_max_pool::relu_max_pool2d;

/// Whether `device` is flex, with or without autodiff: where this crate's passes run (for f32
/// tensors).
#[cfg(feature = "flex")]
pub fn is_flex(device: &Device) -> bool {
    matches!(device.clone().inner().as_dispatch(), burn::backend::DispatchDevice::Flex(_))
}

/// Whether `device` is flex: never in a build without the `flex` feature.
#[cfg(not(feature = "flex"))]
pub fn is_flex(_: &Device) -> bool {
    false
}

/// Whether the CPU has AVX-512 (checked once, then cached by `std`): the direct convolution
/// passes and the transposes' register tiles need it.
#[cfg(all(feature = "flex", target_arch = "x86_64"))]
fn avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

#[cfg(all(feature = "flex", not(target_arch = "x86_64")))]
fn avx512() -> bool {
    false
}
