//! Batch normalisation in training mode, with passes of its own on flex.
//!
//! With the batch's own statistics (Ioffe & Szegedy 2015, algorithm 1), per channel `c` over the
//! `M` values of the batch and positions:
//!
//! ```text
//! μ = Σ x / M,   σ² = Σ (x - μ)² / M,   x̂ = (x - μ) / sqrt(σ² + ε),   y = γ x̂ + β
//! dβ = Σ dy,     dγ = Σ dy x̂,          dx = γ / sqrt(σ² + ε) (dy - dβ / M - x̂ dγ / M)
//! ```
//!
//! Burn's default composes these from tensor operations: each statistic and each sum swaps the
//! batch and channel axes into a copy first, and the rest are a dozen elementwise passes, about
//! 25 passes over the activation per forward and backward. On flex a backend extension
//! (`flex::BatchNormOps`) takes one pass for the statistics and one for `y`, and one for the two
//! sums and one for `dx` backward. The running statistics are updated as Burn's layer does.
//! `cargo bench -p hsic-infogan-flex-ops --bench layers` times it against Burn's: forward and
//! backward of D's and G's batch norms took 0.17-0.34x Burn's time at batch 100 on the 2-core
//! development VM (the crate's README).
//! Elsewhere (ndarray, wgpu, CUDA, f64), and in inference mode, the layer is Burn's own.

use burn::nn::BatchNorm;
use burn::prelude::*;
#[cfg(feature = "flex")]
use burn::tensor::DType;

#[cfg(feature = "flex")]
mod flex;

/// `layer.forward(x)` for `x` `[batch, channels, ...]`; its own passes in training on flex.
pub fn batch_norm<const D: usize>(layer: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    if x.dtype() == DType::F32 && x.device().is_autodiff() && layer.training.is_enabled() && crate::is_flex(&x.device())
    {
        let statistics = flex::statistics(x.clone());
        update_running_statistics(layer, statistics.clone());
        return flex::normalize(x, layer.gamma.val(), layer.beta.val(), statistics, layer.epsilon);
    }
    layer.forward(x)
}

/// `running ← (1 - momentum) running + momentum batch` for the mean and the biased variance,
/// as Burn's layer does; `statistics` is `[2, channels]`, the batch's mean and variance.
#[cfg(feature = "flex")]
fn update_running_statistics(layer: &BatchNorm, statistics: Tensor<2>) {
    let [channels] = layer.gamma.shape().dims();
    let device = statistics.device();
    for (row, running) in [&layer.running_mean, &layer.running_var].into_iter().enumerate() {
        let batch = statistics.clone().narrow(0, row, 1).reshape([channels]);
        let value = running.value_sync().to_device(&device);
        running.update((value * (1.0 - layer.momentum) + batch * layer.momentum).detach());
    }
}
