//! The dSprites factor classifier whose features score generated shapes' image quality, as the
//! MNIST classifier's do for digits: FID between Gaussians fitted to its 128 features of real
//! dSprites images and of generated ones. Its network is InfoGAN-CR's dSprites D (four
//! convolutions and FC 128, the features) with a head of one softmax per factor (3 shapes,
//! 6 scales, 40 orientations, 32 x 32 positions: 113 logits), trained from scratch on images
//! rendered from uniformly drawn factors with the sum of the five cross-entropies. Trained once
//! (`hsic-infogan classifier train --dataset shapes`) and cached beside the MNIST classifier
//! with each factor's test accuracy.

use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use hsic_infogan_data::shapes::{Factor, Factors, SHAPES_LEN, SHAPES_SIZE, render_batch};
use hsic_infogan_models::{Discriminator, DiscriminatorConfig, Networks, Rng};
use hsic_infogan_run::files;
use ndarray::Array2;

use crate::EvalError;
use crate::fid::Gaussian;

/// Width of the feature layer (the dSprites D's trunk).
pub const FEATURES: usize = 128;

/// Images per forward pass when features are read.
const CHUNK: usize = 500;

/// The classifier: the dSprites D whose Q head gives the factors' logits, one slice per factor.
#[derive(Module, Debug)]
pub struct FactorClassifier {
    network: Discriminator,
}

impl FactorClassifier {
    /// A fresh network, its weights drawn from `seed` as the GAN's are.
    pub fn new(seed: u64, device: &Device) -> Self {
        let outputs = Factor::ALL.iter().map(|f| f.count()).sum();
        let network = DiscriminatorConfig::new([1, SHAPES_SIZE, SHAPES_SIZE])
            .with_q_outputs(Some(outputs))
            .with_networks(Networks::Dsprites)
            .init(&mut Rng::new(seed), device);
        Self { network }
    }

    /// Images `[B, 1, 64, 64]` in [0, 1] -> features `[B, 128]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        self.network.forward(images).features
    }

    /// Images -> per factor, in [`Factor::ALL`] order, its log-probabilities `[B, count]`.
    pub fn log_probabilities(&self, images: Tensor<4>) -> Vec<Tensor<2>> {
        let logits = self.network.forward(images).q.expect("the classifier has its factor head");
        let mut start = 0;
        Factor::ALL
            .iter()
            .map(|factor| {
                let slice = logits.clone().narrow(1, start, factor.count());
                start += factor.count();
                log_softmax(slice, 1)
            })
            .collect()
    }
}

/// `n` factor draws, each image of dSprites equally likely.
pub fn draw_factors(n: usize, rng: &mut Rng) -> Vec<Factors> {
    (0..n).map(|_| Factors::from_index(rng.below(SHAPES_LEN))).collect()
}

/// Each factor's value numbers `[n]`, in [`Factor::ALL`] order.
fn targets(factors: &[Factors], device: &Device) -> Vec<Tensor<1, Int>> {
    Factor::ALL
        .iter()
        .map(|&factor| {
            let values: Vec<i64> = factors.iter().map(|f| f.get(factor) as i64).collect();
            Tensor::from_data(TensorData::new(values, [factors.len()]), device)
        })
        .collect()
}

/// The training recipe.
#[derive(Config, Debug, PartialEq)]
pub struct FactorClassifierConfig {
    /// Adam steps, each on a fresh batch of rendered images.
    #[config(default = 3000)]
    pub steps: usize,
    #[config(default = 128)]
    pub batch_size: usize,
    /// Adam's learning rate; divided by 10 for the last quarter of the steps.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Seeds the initial weights and the factor draws.
    #[config(default = 0)]
    pub seed: u64,
}

/// Trains the classifier on `device` with autodiff; `on_step(step, loss)` after each (1-based)
/// step. Returns it in eval mode.
pub fn train(
    recipe: &FactorClassifierConfig,
    device: &Device,
    mut on_step: impl FnMut(usize, f64),
) -> FactorClassifier {
    let autodiff = device.clone().autodiff();
    let mut model = FactorClassifier::new(recipe.seed, &autodiff);
    let mut optim = AdamConfig::new().init();
    let mut rng = Rng::new(recipe.seed);
    let decay_from = recipe.steps - recipe.steps / 4;
    for step in 0..recipe.steps {
        let factors = draw_factors(recipe.batch_size, &mut rng);
        let log_probs = model.log_probabilities(render_batch(&factors, &autodiff));
        let loss = log_probs
            .into_iter()
            .zip(targets(&factors, &autodiff))
            .map(|(log_p, target)| {
                let [batch, _] = log_p.dims();
                -log_p.gather(1, target.reshape([batch, 1])).mean()
            })
            .reduce(|a, b| a + b)
            .expect("five factors");
        on_step(step + 1, f64::from(loss.clone().into_scalar::<f32>()));
        let lr = if step < decay_from { recipe.learning_rate } else { recipe.learning_rate / 10.0 };
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    model.valid()
}

/// Per factor, in [`Factor::ALL`] order, the fraction of `n` images drawn with `seed` whose value
/// the classifier names exactly.
pub fn accuracy(classifier: &FactorClassifier, n: usize, seed: u64, device: &Device) -> Vec<f64> {
    let factors = draw_factors(n, &mut Rng::new(seed));
    let mut correct = vec![0usize; Factor::ALL.len()];
    for chunk in factors.chunks(CHUNK) {
        let log_probs = classifier.log_probabilities(render_batch(chunk, device));
        for ((count, log_p), target) in correct.iter_mut().zip(log_probs).zip(targets(chunk, device)) {
            let predicted = log_p.argmax(1).reshape([chunk.len()]);
            *count += predicted.equal(target).int().sum().into_scalar::<i64>() as usize;
        }
    }
    correct.iter().map(|&c| c as f64 / n as f64).collect()
}

/// The classifier's features `[n, 128]` of the images `chunks` gives.
pub fn features(
    classifier: &FactorClassifier,
    chunks: impl Iterator<Item = Tensor<4>>,
) -> Result<Array2<f32>, EvalError> {
    let mut values = Vec::new();
    for images in chunks {
        let batch = classifier.features(images);
        values.extend(batch.into_data().convert::<f32>().try_into_vec::<f32>().expect("f32 after convert"));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(EvalError::NonFinite("the images give non-finite factor-classifier features".into()));
    }
    let rows = values.len() / FEATURES;
    Ok(Array2::from_shape_vec((rows, FEATURES), values).expect("rows of FEATURES"))
}

/// The Gaussian of the features of `n` real images drawn with `seed`.
pub fn real_gaussian(
    classifier: &FactorClassifier,
    n: usize,
    seed: u64,
    device: &Device,
) -> Result<Gaussian, EvalError> {
    let factors = draw_factors(n, &mut Rng::new(seed));
    let chunks = factors.chunks(CHUNK).map(|chunk| render_batch(chunk, device));
    Ok(Gaussian::fit(features(classifier, chunks)?.view()))
}

/// What is cached beside the weights (`shapes.json`).
#[derive(Config, Debug)]
pub struct FactorClassifierInfo {
    pub recipe: FactorClassifierConfig,
    /// Per factor, in [`Factor::ALL`] order, the accuracy on fresh rendered images.
    pub test_accuracy: Vec<f64>,
    /// Images the accuracy was measured on.
    pub test_images: usize,
}

/// Writes `shapes.bpk` and `shapes.json` into `dir`, each through a temporary name.
pub fn save(classifier: &FactorClassifier, info: &FactorClassifierInfo, dir: &Path) -> Result<(), EvalError> {
    crate::classifier::save_cached(classifier, info, dir, "shapes")
}

/// The cached classifier (eval mode) and its info; `None` when `dir` holds none.
pub fn load(dir: &Path, device: &Device) -> Result<Option<(FactorClassifier, FactorClassifierInfo)>, EvalError> {
    let (weights, json) = (dir.join("shapes.bpk"), dir.join("shapes.json"));
    if !weights.is_file() || !json.is_file() {
        return Ok(None);
    }
    let info: FactorClassifierInfo = files::load_json(&json)?;
    let classifier = files::load_module(&weights, FactorClassifier::new(info.recipe.seed, device))?;
    Ok(Some((classifier.valid(), info)))
}
