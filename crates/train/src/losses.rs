//! The loss terms of the three models. Logits are D's outputs before the sigmoid, so
//! -log sigmoid(t) = softplus(-t) and -log(1 - sigmoid(t)) = softplus(t).

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::activation::softplus;
use hsic::{Hsic, flatten_samples};
use hsic_infogan_models::Latent;

use crate::config::{CodeGroup, HsicTerm};

/// D's loss: -E[log D(x)] - E[log(1 - D(G(z, c)))].
pub fn discriminator_loss(real_logits: Tensor<1>, fake_logits: Tensor<1>) -> Tensor<1> {
    softplus(-real_logits, 1.0).mean() + softplus(fake_logits, 1.0).mean()
}

/// G's non-saturating loss: -E[log D(G(z, c))].
pub fn generator_loss(fake_logits: Tensor<1>) -> Tensor<1> {
    softplus(-fake_logits, 1.0).mean()
}

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

/// The codes an HSIC term compares the images with.
pub fn codes(latent: &Latent, group: CodeGroup, device: &Device) -> Tensor<2> {
    match group {
        CodeGroup::All => latent.codes_tensor(device),
        CodeGroup::Categorical => latent.one_hot_tensor(device),
        CodeGroup::Continuous => latent.continuous_tensor(device),
    }
}

/// The HSIC terms of a run, built once.
pub struct HsicTerms {
    terms: Vec<(CodeGroup, f64, Hsic)>,
}

/// `sum_t lambda_t * HSIC_t` and the unweighted sum of the HSIC values.
pub struct HsicValue {
    pub weighted: Tensor<1>,
    pub unweighted: Tensor<1>,
}

impl HsicTerms {
    /// The configs were validated by [`TrainConfig::validate`](crate::TrainConfig::validate).
    pub fn new(terms: &[HsicTerm]) -> Self {
        let terms = terms.iter().map(|t| (t.codes, t.lambda, t.hsic.init())).collect();
        Self { terms }
    }

    pub fn forward(&self, images: Tensor<4>, latent: &Latent) -> HsicValue {
        let device = images.device();
        let x = flatten_samples(images);
        let mut weighted = Tensor::<1>::zeros([1], &device);
        let mut unweighted = Tensor::<1>::zeros([1], &device);
        for (group, lambda, hsic) in &self.terms {
            let value = hsic.forward(x.clone(), codes(latent, *group, &device));
            weighted = weighted + value.clone().mul_scalar(*lambda);
            unweighted = unweighted + value;
        }
        HsicValue { weighted, unweighted }
    }
}
