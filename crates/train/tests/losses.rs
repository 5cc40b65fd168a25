//! InfoGAN's Q loss against values worked out by hand from its definition, and its gradient
//! reaching the networks the trainer updates with it.

mod common;

use burn::optim::GradientsParams;
use burn::prelude::*;
use hsic_infogan_models::{DiscriminatorConfig, GeneratorConfig, Latent, LatentConfig, Rng};
use hsic_infogan_train::losses::info_loss;

use common::DIMS;

/// `log sum_j exp(row_j) - row_target`: the cross-entropy of one sample's logits, in f64.
fn cross_entropy(row: &[f64], target: usize) -> f64 {
    row.iter().map(|v| v.exp()).sum::<f64>().ln() - row[target]
}

#[test]
fn q_loss_is_the_categorical_cross_entropies_plus_the_weighted_gaussian_nll() {
    let device = Device::flex();
    // Two categorical groups (3 and 2 values) and two continuous codes: Q's output is laid out as
    // [group A logits | group B logits | continuous means], 7 columns.
    let layout = LatentConfig::new().with_noise(1).with_categorical(vec![3, 2]).with_continuous(2);
    let latent = Latent {
        layout,
        batch: 2,
        noise: vec![0.0, 0.0],
        categories: vec![2, 0, 0, 1], // sample 0: A = 2, B = 0; sample 1: A = 0, B = 1
        continuous: vec![0.5, -1.0, 0.25, 0.75],
    };
    let q: [[f64; 7]; 2] = [
        [0.1, -0.4, 1.2, 0.3, -0.2, 0.4, -0.5],
        [2.0, 0.0, -1.0, -0.7, 0.9, 0.0, 1.5],
    ];
    let weight = 0.3;
    let group_a = (cross_entropy(&q[0][0..3], 2) + cross_entropy(&q[1][0..3], 0)) / 2.0;
    let group_b = (cross_entropy(&q[0][3..5], 0) + cross_entropy(&q[1][3..5], 1)) / 2.0;
    // 0.5 (c - mu)^2 summed over the codes, averaged over the batch.
    let squares = (0.5f64 - 0.4).powi(2) + (-1.0f64 + 0.5).powi(2) + (0.25f64 - 0.0).powi(2) + (0.75f64 - 1.5).powi(2);
    let expected = group_a + group_b + weight * 0.5 * squares / 2.0;

    let flat: Vec<f32> = q.iter().flatten().map(|&v| v as f32).collect();
    let q = Tensor::<2>::from_data(TensorData::new(flat, [2, 7]), &device);
    let got = info_loss(q, &latent, weight).into_scalar::<f32>() as f64;
    assert!((got - expected).abs() < 1e-5 * expected, "{got} vs {expected}");
}

#[test]
fn q_gradient_reaches_q_in_the_d_step_and_g_in_the_g_step() {
    let device = Device::flex().autodiff();
    let layout = LatentConfig::new().with_noise(4).with_categorical(vec![3]).with_continuous(2);
    let mut rng = Rng::new(3);
    let generator = GeneratorConfig::new(layout.input_size(), DIMS).init(&mut rng, &device);
    let discriminator = DiscriminatorConfig::new(DIMS).with_q_outputs(Some(layout.code_size())).init(&mut rng, &device);
    let latent = layout.sample(8, &mut rng);
    // Burn's tape is consumed by a backward pass: every pass below runs its own forward.
    let fake = || generator.forward(latent.input(&device));

    // D step: fake images detached, so the loss trains D's trunk and Q head, not G.
    let d_step = || info_loss(discriminator.forward(fake().detach()).q.expect("a Q head"), &latent, 1.0).backward();
    assert!(!GradientsParams::from_grads(d_step(), &discriminator).is_empty(), "no gradient reached D and Q");
    assert!(GradientsParams::from_grads(d_step(), &generator).is_empty(), "the D step reached G");

    // G step: D frozen, so the loss trains G only, every one of its parameter tensors.
    let frozen = discriminator.clone().no_grad();
    let g_step = || info_loss(frozen.forward(fake()).q.expect("a Q head"), &latent, 1.0).backward();
    assert!(GradientsParams::from_grads(g_step(), &discriminator).is_empty(), "the G step reached D");
    let to_g = GradientsParams::from_grads(g_step(), &generator);
    let mut tensors = 0;
    generator.visit(&mut CountParams(&mut tensors));
    assert_eq!(to_g.len(), tensors, "G's parameter tensors with a gradient");
}

/// Counts a module's trainable tensors (not batch norm's running statistics).
struct CountParams<'a>(&'a mut usize);

impl burn::module::ModuleVisitor for CountParams<'_> {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        if param.val().is_require_grad() {
            *self.0 += 1;
        }
    }
}
