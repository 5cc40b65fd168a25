//! Burn's fully connected layer, with passes of its own on flex.
//!
//! Burn's linear layer on flex runs its three products through flex's `matmul`, whose result is
//! zeroed, then copied once more to align it, and whose `dY Wᵀ` (the input gradient; `W` is
//! `[in, out]`) reads `Wᵀ` in the layout it runs slowest on: 16 ms against 7.5 for the forward
//! product of D's 6272→1024 layer, batch 100, on the 2-core development VM. On flex a backend
//! extension (`flex::LinearOps`) runs them with [`crate::product`] instead:
//! `Y = X W`, `dX = dY Wᵀ` (written by columns, then reordered) and `dW = Xᵀ dY`.
//! Elsewhere (ndarray, wgpu, CUDA, f64), the layer is Burn's own.

use burn::nn::Linear;
use burn::prelude::*;
#[cfg(feature = "flex")]
use burn::tensor::DType;

#[cfg(feature = "flex")]
mod flex;

/// `layer.forward(x)` for a batch `x` `[B, in]`; its own products for f32 on flex.
pub fn linear(layer: &Linear, x: Tensor<2>) -> Tensor<2> {
    #[cfg(feature = "flex")]
    if x.dtype() == DType::F32 && crate::is_flex(&x.device()) {
        let y = flex::linear(x, layer.weight.val());
        return match &layer.bias {
            Some(bias) => y + bias.val().unsqueeze(),
            None => y,
        };
    }
    layer.forward(x)
}
