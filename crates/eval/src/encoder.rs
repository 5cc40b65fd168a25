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
use hsic_infogan_models::{Latent, LatentConfig, Rng, stream};
use hsic_infogan_run::files;

use crate::EvalError;
use crate::classifier::{Classifier, random_shifts, seeded, shift_into};
use crate::scores::RealDigitScore;

/// The encoder's fixed recipe. Every model is scored with the same one: [`mnist_recipe`] on
/// MNIST, [`crate::dsprites::encoder_recipe`] on dSprites.
#[derive(Config, Debug, PartialEq)]
pub struct EncoderConfig {
    /// Adam steps, each on a fresh batch from the generator.
    #[config(default = 400)]
    pub steps: usize,
    #[config(default = 128)]
    pub batch_size: usize,
    /// Adam's learning rate (betas 0.9, 0.999); divided by 10 for the last quarter of the steps.
    #[config(default = 2e-3)]
    pub learning_rate: f64,
    /// Seeds the encoder's initial weights and the latent draws.
    #[config(default = 0)]
    pub seed: u64,
    /// Largest random shift, in pixels along x and along y, of each generated digit the MNIST
    /// encoder trains on (zeros fill in): the classifier's augmentation. The dSprites encoder
    /// ignores it, as position is one of dSprites' factors. `None`, as in the files written
    /// before the field existed, is unshifted.
    #[config(default = "None")]
    pub shift: Option<usize>,
}

/// MNIST's recipe since 2026-12-05: 400 steps at 2e-3 read the codes of two 10-epoch runs as well
/// as the earlier 1,000 at 1e-3 (within the spread of the encoder's own seeds), and shifts of up
/// to 2 pixels add 1-3 points on the real digits (docs/evaluation.md).
pub fn mnist_recipe() -> EncoderConfig {
    EncoderConfig::new().with_shift(Some(2))
}

impl EncoderConfig {
    /// `400 steps of 128 generated digits at lr 0.002, shifted up to 2 px`, the images named
    /// `images`.
    pub fn describe(&self, images: &str) -> String {
        let shift = match self.shift {
            None | Some(0) => String::new(),
            Some(max) => format!(", shifted up to {max} px"),
        };
        format!("{} steps of {} generated {images} at lr {}{shift}", self.steps, self.batch_size, self.learning_rate)
    }
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
    mut images: impl FnMut(&Latent) -> Tensor<4>,
    on_step: impl FnMut(usize),
) -> (Classifier, f64) {
    let autodiff = device.clone().autodiff();
    let model = seeded(&autodiff, recipe.seed, || Classifier::with_outputs(layout.code_size(), &autodiff));
    let mut rng = Rng::fork(recipe.seed, stream::ENCODER_SHIFTS);
    let shifted = |latent: &Latent| match recipe.shift {
        None | Some(0) => images(latent),
        Some(max) => shifted(images(latent), max, &mut rng),
    };
    fit(model, Classifier::forward, layout, recipe, shifted, on_step)
}

/// Each of the `[B, 1, side, side]` `images` moved by up to `max` pixels along x and y.
fn shifted(images: Tensor<4>, max: usize, rng: &mut Rng) -> Tensor<4> {
    let (dims @ [batch, _, side, _], device) = (images.dims(), images.device());
    let pixels: Vec<f32> = images.into_data().convert::<f32>().try_into_vec().expect("f32 after convert");
    let mut moved = vec![0.0; pixels.len()];
    let planes = pixels.chunks(side * side).zip(moved.chunks_mut(side * side));
    for ((image, out), shift) in planes.zip(random_shifts(batch, max, rng)) {
        shift_into(image, side, shift, out);
    }
    Tensor::from_data(TensorData::new(moved, dims), &device)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recipe_written_before_the_shift_existed_loads_as_unshifted() {
        let json = r#"{"steps": 1000, "batch_size": 128, "learning_rate": 0.001, "seed": 0}"#;
        let recipe = EncoderConfig::load_binary(json.as_bytes()).unwrap();
        assert_eq!((recipe.steps, recipe.shift), (1000, None));
        assert_eq!(mnist_recipe().shift, Some(2));
    }

    #[test]
    fn shifted_moves_each_digit_by_its_own_draw() {
        // One lit pixel in the middle of each 5 x 5 image lands at (2 + dx, 2 + dy).
        let (batch, side) = (40, 5);
        let mut pixels = vec![0.0f32; batch * side * side];
        (0..batch).for_each(|b| pixels[b * side * side + 2 * side + 2] = b as f32 + 1.0);
        let images = Tensor::<1>::from_floats(pixels.as_slice(), &Device::default()).reshape([batch, 1, side, side]);
        let moved: Vec<f32> = shifted(images, 2, &mut Rng::new(9)).into_data().try_into_vec().unwrap();
        let mut seen = Vec::new();
        for (b, image) in moved.chunks(side * side).enumerate() {
            let lit: Vec<usize> = (0..side * side).filter(|&i| image[i] != 0.0).collect();
            assert_eq!(lit.len(), 1, "image {b}: {image:?}");
            assert_eq!(image[lit[0]], b as f32 + 1.0);
            seen.push((lit[0] % side, lit[0] / side));
        }
        let shifts = random_shifts(batch, 2, &mut Rng::new(9));
        let expected: Vec<(usize, usize)> =
            shifts.iter().map(|&(dx, dy)| ((2 + dx) as usize, (2 + dy) as usize)).collect();
        assert_eq!(seen, expected);
        let distinct: std::collections::HashSet<_> = seen.iter().collect();
        assert!(distinct.len() > 10, "40 draws over 25 positions: {distinct:?}");
    }
}
