//! Leaky ReLU, `y = x` for `x >= 0` and `y = s x` below (InfoGAN's D: `s = 0.1`), with a backward
//! pass of its own on flex.
//!
//! Burn's autodiff has no leaky ReLU: it traces the backend's default composition (a comparison,
//! a scaled copy, a masked select), and its backward pass sends the gradient through both branches
//! of the select, scales one and adds them: about seven passes over each activation of D, twice
//! per training step. On flex, a backend extension (`flex::LeakyReluOps`) runs a one-pass forward
//! (flex's formula, on all threads) and a one-pass backward, `dx = dy` where `x >= 0` and
//! `dx = s dy` where `x < 0`.
//! Both are the composition's values bit for bit (it adds an exact zero from the other branch).
//! Elsewhere (ndarray, wgpu, CUDA, f64) the activation is Burn's own.

use burn::prelude::*;
#[cfg(feature = "flex")]
use burn::tensor::DType;

#[cfg(feature = "flex")]
mod flex;

/// Leaky ReLU with slope `slope` below zero, differentiable; one pass each way for f32 on flex.
pub fn leaky_relu<const D: usize>(x: Tensor<D>, slope: f64) -> Tensor<D> {
    #[cfg(feature = "flex")]
    if x.dtype() == DType::F32 && crate::is_flex(&x.device()) {
        return flex::leaky_relu(x, slope as f32);
    }
    burn::tensor::activation::leaky_relu(x, slope)
}
