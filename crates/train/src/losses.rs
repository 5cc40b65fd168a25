//! The loss terms of the three models. Logits are D's outputs before the sigmoid, so
//! -log sigmoid(t) = softplus(-t) and -log(1 - sigmoid(t)) = softplus(t).

use burn::prelude::*;
use burn::tensor::activation::softplus;
use hsic::{Hsic, HsicConfig, flatten_samples};
use hsic_infogan_models::Latent;
/// InfoGAN's L_I, beside the losses it is added to.
pub use hsic_infogan_models::info_loss;

use crate::{CodeGroup, HsicInput, HsicTerm};

/// D's loss: -E[log D(x)] - E[log(1 - D(G(z, c)))].
pub fn discriminator_loss(real_logits: Tensor<1>, fake_logits: Tensor<1>) -> Tensor<1> {
    softplus(-real_logits, 1.0).mean() + softplus(fake_logits, 1.0).mean()
}

/// G's non-saturating loss: -E[log D(G(z, c))].
pub fn generator_loss(fake_logits: Tensor<1>) -> Tensor<1> {
    softplus(-fake_logits, 1.0).mean()
}

/// The mean cos²(Δ_j, Δ_k) over samples i and pairs of codes j < k, where Δ_k = x_ik - x_i
/// (see [`Orthogonality`](crate::Orthogonality)). `images` is `[(codes + 1) s, P]`: the s base
/// images x_i, then for each code k the s images x_ik of the latents with code k moved. In
/// [0, 1]; 0 for effects at right angles, 1 for parallel ones.
pub fn effect_alignment(images: Tensor<2>, codes: usize) -> Tensor<1> {
    let [rows, pixels] = images.dims();
    let samples = rows / (codes + 1);
    assert_eq!(rows, samples * (codes + 1), "{rows} images are not (codes + 1) x samples for {codes} codes");
    let device = images.device();
    let base = images.clone().narrow(0, 0, samples).unsqueeze_dim::<3>(0);
    let effects = images.narrow(0, samples, codes * samples).reshape([codes, samples, pixels]) - base;
    // sqrt(|Δ|² + 1e-12): a finite gradient where a code moves nothing.
    let norms = effects.clone().powi_scalar(2).sum_dim(2).add_scalar(1e-12).sqrt();
    let units = (effects / norms).swap_dims(0, 1);
    let cosines = units.clone().matmul(units.swap_dims(1, 2));
    let off_diagonal = Tensor::<2>::ones([codes, codes], &device) - Tensor::<2>::eye(codes, &device);
    let pairs = (samples * codes * (codes - 1)) as f64;
    (cosines.powi_scalar(2) * off_diagonal.unsqueeze_dim::<3>(0)).sum().div_scalar(pairs)
}

/// The codes an HSIC term compares the images with.
pub fn codes(latent: &Latent, group: CodeGroup, device: &Device) -> Tensor<2> {
    match group {
        CodeGroup::All => latent.codes_tensor(device),
        CodeGroup::Categorical => latent.one_hot_tensor(device),
        CodeGroup::Continuous => latent.continuous_tensor(device),
        CodeGroup::ContinuousCode(j) => latent.continuous_tensor(device).slice(s![.., j..j + 1]),
    }
}

/// The HSIC terms of a run, built once.
pub struct HsicTerms {
    terms: Vec<HsicTerm>,
    /// The terms with equal settings on the same input, by index, and their loss: one Gram
    /// matrix of the images per group ([`Hsic::forward_each`]), as for one term per code.
    groups: Vec<(Hsic, HsicInput, Vec<usize>)>,
}

/// `sum_t lambda_t(e) * HSIC_t`, the unweighted sum of the HSIC values, and each term's value.
pub struct HsicValue {
    pub weighted: Tensor<1>,
    pub unweighted: Tensor<1>,
    /// `HSIC_t`, in the config's order of the terms.
    pub terms: Vec<Tensor<1>>,
}

/// What the HSIC terms may measure the codes against, for one batch of generated images.
pub struct HsicInputs {
    /// G(z, c), `[B, C, H, W]`.
    pub images: Tensor<4>,
    /// D's trunk features of the same images, `[B, 1024]`, computed with D's parameters
    /// frozen; needed by terms on [`HsicInput::Features`].
    pub features: Option<Tensor<2>>,
}

impl HsicInputs {
    /// Images alone, for terms on pixels.
    pub fn pixels(images: Tensor<4>) -> Self {
        Self { images, features: None }
    }
}

impl HsicTerms {
    /// The configs were validated by [`TrainConfig::validate`](crate::TrainConfig::validate).
    pub fn new(terms: &[HsicTerm]) -> Self {
        let mut groups: Vec<(&HsicConfig, HsicInput, Vec<usize>)> = Vec::new();
        for (index, term) in terms.iter().enumerate() {
            match groups.iter_mut().find(|(hsic, input, _)| **hsic == term.hsic && *input == term.input) {
                Some((_, _, members)) => members.push(index),
                None => groups.push((&term.hsic, term.input, vec![index])),
            }
        }
        let groups = groups.into_iter().map(|(hsic, input, members)| (hsic.init(), input, members)).collect();
        Self { terms: terms.to_vec(), groups }
    }

    /// The terms at fractional epoch `epoch` (which sets each term's scheduled lambda).
    pub fn forward(&self, inputs: HsicInputs, latent: &Latent, epoch: f64) -> HsicValue {
        let device = inputs.images.device();
        let pixels = flatten_samples(inputs.images);
        let mut weighted = Tensor::<1>::zeros([1], &device);
        let mut unweighted = Tensor::<1>::zeros([1], &device);
        let mut values = vec![None; self.terms.len()];
        for (hsic, input, members) in &self.groups {
            let x = match input {
                HsicInput::Pixels => pixels.clone(),
                HsicInput::Features => {
                    inputs.features.clone().expect("an HSIC term on D's features is given D's features")
                }
            };
            let ys = members.iter().map(|&t| codes(latent, self.terms[t].codes, &device)).collect();
            for (&t, value) in members.iter().zip(hsic.forward_each(x, ys)) {
                values[t] = Some(value);
            }
        }
        let mut terms = Vec::with_capacity(self.terms.len());
        for (term, value) in self.terms.iter().zip(values) {
            let value = value.expect("every term is in a group");
            weighted = weighted + value.clone().mul_scalar(term.lambda_at(epoch));
            unweighted = unweighted + value.clone();
            terms.push(value.detach());
        }
        HsicValue { weighted, unweighted, terms }
    }
}
