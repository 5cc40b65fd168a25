//! Leaky ReLU, `y = x` for `x >= 0` and `y = s x` below (InfoGAN's D: `s = 0.1`), with a backward
//! pass of its own on flex, and with a convolution's bias added in the same pass.
//!
//! Burn's autodiff has no leaky ReLU: it traces the backend's default composition (a comparison,
//! a scaled copy, a masked select), and its backward pass sends the gradient through both branches
//! of the select, scales one and adds them: about seven passes over each activation of D, twice
//! per training step. On flex, a backend extension (`flex::LeakyReluOps`) runs a one-pass forward
//! (flex's formula, on all threads, in the input's own buffer where nothing else holds it) and a
//! one-pass backward in the gradient's buffer, `dx = dy` where `y >= 0` and `dx = s dy` where
//! `y < 0` (for `s > 0`, `y` has `x`'s sign, so the step keeps the output it returned, not a
//! second activation). Both are the composition's values bit for bit, except where `x` is so
//! close below 0 (`|x| < 1.4e-45 / s`, subnormal) that `s x` rounds to `-0`: there `dx = dy`,
//! the derivative at 0.
//!
//! [`crate::conv2d_leaky_relu`] and its transposed twin hand the convolution's output and bias
//! to [`biased`]: the bias add, `t = x + b` per channel, runs in the activation's pass, where
//! Burn's broadcast add ran a pass of its own on one thread (2.7% of a dSprites step's samples,
//! and the activation's fresh buffer 2.5% more); the bias's gradient is Burn's, the sum of `dt`
//! over batch and pixels. Every value is then the composition's bit for bit.
//! Elsewhere (ndarray, wgpu, CUDA, f64, and slopes `s <= 0`) the activation is Burn's own.

use burn::prelude::*;
#[cfg(feature = "flex")]
use burn::tensor::DType;

#[cfg(feature = "flex")]
mod flex;

/// Leaky ReLU with slope `slope` below zero, differentiable; one pass each way for f32 on flex.
pub fn leaky_relu<const D: usize>(x: Tensor<D>, slope: f64) -> Tensor<D> {
    #[cfg(feature = "flex")]
    if slope > 0.0 && x.dtype() == DType::F32 && crate::is_flex(&x.device()) {
        return flex::leaky_relu(x, None, slope as f32);
    }
    burn::tensor::activation::leaky_relu(x, slope)
}

/// ReLU, `y = max(x, 0)` as Burn's `relu` computes it (`+0` below zero, NaN passed through),
/// differentiable: on flex (f32) the leaky passes with slope 0, in place and on all threads, where
/// flex's own run on one thread into fresh buffers (1.5% of an MNIST step's samples, on the main
/// thread while the workers wait); the values are Burn's bit for bit.
pub fn relu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    if x.dtype() == DType::F32 && crate::is_flex(&x.device()) {
        return flex::leaky_relu(x, None, 0.0);
    }
    burn::tensor::activation::relu(x)
}

/// `leaky_relu(x + bias, slope)` with `bias` `[C]` added to channel `c` of `x` `[B, C, H, W]`
/// (f32 on flex), and `slope` 1 for the bias alone: one pass each way (none backward for the bias
/// alone), and the sum for the bias's gradient.
#[cfg(feature = "flex")]
pub(crate) fn biased(x: Tensor<4>, bias: Option<Tensor<1>>, slope: f64) -> Tensor<4> {
    if slope > 0.0 {
        return flex::leaky_relu(x, bias, slope as f32);
    }
    let x = match bias {
        Some(bias) => x + bias.reshape([1, -1, 1, 1]),
        None => x,
    };
    burn::tensor::activation::leaky_relu(x, slope)
}
