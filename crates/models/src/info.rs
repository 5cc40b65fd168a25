//! InfoGAN's mutual-information term (Chen et al. 2016, eq. 5): Q's prediction of the codes a
//! batch was generated from, scored against the latent layout. Here because it reads nothing
//! but Q's output and the [`Latent`]: the trainer adds it to D's and G's losses, and evaluation
//! trains its post-hoc encoder with it.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;

use crate::Latent;

/// InfoGAN's L_I surrogate (to minimise): for each categorical code, the cross-entropy of Q's
/// logits with the code drawn; plus `continuous_weight` x the Gaussian NLL of the continuous codes
/// under N(Q's mean, 1), i.e. 0.5 (c - mu)^2 summed over codes (the constant 0.5 log 2 pi dropped).
/// `q` is `[B, one_hot_size + continuous]`, laid out like the codes.
pub fn info_loss(q: Tensor<2>, latent: &Latent, continuous_weight: f64) -> Tensor<1> {
    let device = q.device();
    let layout = &latent.layout;
    let [batch, _] = q.dims();
    let mut loss = Tensor::<1>::zeros([1], &device);
    let mut offset = 0;
    for (group, &values) in layout.categorical.iter().enumerate() {
        let logits = q.clone().slice(s![.., offset..offset + values]);
        let targets = latent.category_tensor(group, &device);
        loss = loss + CrossEntropyLossConfig::new().init(&device).forward(logits, targets);
        offset += values;
    }
    if layout.continuous > 0 {
        let mean = q.slice(s![.., offset..offset + layout.continuous]);
        let diff = mean - latent.continuous_tensor(&device);
        let nll = (diff.clone() * diff).sum().div_scalar(2.0 * batch as f64);
        loss = loss + nll.mul_scalar(continuous_weight);
    }
    loss
}
