//! ReLU followed by max-pooling over windows that tile the image (the classifier's and the
//! post-hoc encoder's `pool(relu(conv(x)))`), with passes of its own on flex.
//!
//! Burn runs this as two ops: ReLU, a pass each way over the convolution's output, and a max-pool
//! that stores the winner of each window as an i64 index and whose backward pass scatters the
//! gradient into a zeroed buffer. Max-pooling commutes with ReLU (`max(0, max w) = max over w of
//! max(0, ·)`), so on flex a backend extension (`flex::ReluMaxPoolOps`) does both in one pass each
//! way: forward `y = max(0, m)` with `m` the window's maximum; backward `dx = dy` at the window's
//! first maximum where `m > 0`, and 0 elsewhere, finding the maximum again from `x` instead of
//! keeping an index per window, and writing each plane of `dx` once. Values and gradients are
//! Burn's bit for bit: Burn's pool also takes the first maximum in row-major order (and the last
//! NaN), and ReLU's gradient is 0 where `x <= 0`. `cargo bench -p hsic-infogan-flex-ops --bench
//! layers` (rows `C`): forward 0.57x Burn's time over 100 maps of 32 x 28 x 28, forward and
//! backward level with it on random inputs; the encoder's training step took 0.74x its time.
//! Elsewhere (ndarray, wgpu, CUDA, f64), and for overlapping windows, padding, dilation or
//! `ceil_mode`, it is Burn's two ops.

use burn::nn::pool::MaxPool2d;
use burn::prelude::*;
use burn::tensor::activation::relu;
#[cfg(feature = "flex")]
use burn::{nn::PaddingConfig2d, tensor::DType};

#[cfg(feature = "flex")]
mod flex;

/// `layer.forward(relu(x))`; one pass each way for f32 on flex where the windows tile the image.
pub fn relu_max_pool2d(layer: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    if layer.stride == layer.kernel_size
        && matches!(layer.padding, PaddingConfig2d::Valid)
        && layer.dilation == [1, 1]
        && !layer.ceil_mode
        && x.dtype() == DType::F32
        && crate::is_flex(&x.device())
    {
        return flex::relu_max_pool2d(x, layer.kernel_size);
    }
    layer.forward(relu(x))
}
