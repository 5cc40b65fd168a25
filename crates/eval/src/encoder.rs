//! The literature's protocol for categorical-code accuracy (InfoGAN, Chen et al. 2016 sec. 5;
//! Bidirectional-InfoGAN; ClusterGAN): an encoder assigns code values to the real MNIST test
//! digits, and the values are matched to the labels. HSIC-InfoGAN has no encoder, so every model
//! gets the same one after training: the classifier's network ([`Classifier::with_outputs`])
//! with the codes as outputs, trained on fresh pairs (G(z, c), c) from the run's generator in
//! eval mode to minimise InfoGAN's L_I surrogate with continuous weight 1 (cross-entropy per
//! categorical code + 0.5 (c - ĉ)² per continuous code), then read on the real test digits.

use std::path::Path;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use hsic_infogan_models::info_loss;
use hsic_infogan_models::{Latent, LatentConfig, Rng};
use hsic_infogan_run::files;

use crate::EvalError;
use crate::classifier::{Classifier, seeded};
use crate::scores::RealDigitScore;

/// The encoder's fixed recipe. Every model is scored with the same one.
#[derive(Config, Debug, PartialEq)]
pub struct EncoderConfig {
    /// Adam steps, each on a fresh batch from the generator.
    #[config(default = 1000)]
    pub steps: usize,
    #[config(default = 128)]
    pub batch_size: usize,
    /// Adam's learning rate (betas 0.9, 0.999); divided by 10 for the last quarter of the steps.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Seeds the encoder's initial weights and the latent draws.
    #[config(default = 0)]
    pub seed: u64,
}

/// The encoder's scores for one checkpoint, saved as the run's `encoder.json` and reused while
/// the checkpoint and the recipe stay the same.
#[derive(Config, Debug)]
pub struct EncoderScore {
    pub recipe: EncoderConfig,
    /// The checkpoint's training iteration.
    pub iteration: usize,
    /// Mean loss over the last 10% of the steps (on generated images).
    pub final_loss: f64,
    /// Wall time of the encoder's training.
    pub train_seconds: f64,
    /// On the 10,000 real MNIST test digits.
    pub real: RealDigitScore,
}

/// Trains the encoder for `layout`'s codes on images drawn by `images` (for the generator,
/// G(z, c) in eval mode) from latents of the recipe's seed, on `device` with autodiff;
/// `on_step(step)` after each (1-based) step. Returns it in eval mode with its mean loss over the
/// last 10% of the steps.
pub fn train(
    layout: &LatentConfig,
    recipe: &EncoderConfig,
    device: &Device,
    images: impl FnMut(&Latent) -> Tensor<4>,
    on_step: impl FnMut(usize),
) -> (Classifier, f64) {
    let autodiff = device.clone().autodiff();
    let model = seeded(&autodiff, recipe.seed, || Classifier::with_outputs(layout.code_size(), &autodiff));
    fit(model, Classifier::forward, layout, recipe, images, on_step)
}

/// [`train`] for any network `model` (on an autodiff device) whose `forward` reads the codes
/// from images: the recipe's Adam steps minimising InfoGAN's L_I surrogate with continuous
/// weight 1.
pub fn fit<M: Module>(
    mut model: M,
    forward: impl Fn(&M, Tensor<4>) -> Tensor<2>,
    layout: &LatentConfig,
    recipe: &EncoderConfig,
    mut images: impl FnMut(&Latent) -> Tensor<4>,
    mut on_step: impl FnMut(usize),
) -> (M, f64) {
    let mut optim = AdamConfig::new().init();
    let mut rng = Rng::new(recipe.seed);
    let decay_from = recipe.steps - recipe.steps / 4;
    let tail = (recipe.steps / 10).max(1).min(recipe.steps);
    let mut tail_sum = 0.0;
    for step in 0..recipe.steps {
        let latent = layout.sample(recipe.batch_size, &mut rng);
        let batch = images(&latent).without_autodiff().autodiff();
        let loss = info_loss(forward(&model, batch), &latent, 1.0);
        if step >= recipe.steps - tail {
            tail_sum += f64::from(loss.clone().into_scalar::<f32>());
        }
        let lr = if step < decay_from { recipe.learning_rate } else { recipe.learning_rate / 10.0 };
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
        on_step(step + 1);
    }
    (model.valid(), tail_sum / tail.max(1) as f64)
}

/// The cached score of `run` for this checkpoint iteration and recipe, if there is one.
pub fn cached(run: &Path, iteration: usize, recipe: &EncoderConfig) -> Option<EncoderScore> {
    EncoderScore::load(hsic_infogan_run::encoder_path(run))
        .ok()
        .filter(|score| score.iteration == iteration && &score.recipe == recipe)
}

/// Writes `score` to `run/encoder.json` through a temporary name.
pub fn save(score: &EncoderScore, run: &Path) -> Result<(), EvalError> {
    Ok(files::save_config(score, &hsic_infogan_run::encoder_path(run))?)
}
