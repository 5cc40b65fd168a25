//! InfoGAN's Q loss against values worked out by hand from its definition; the HSIC terms
//! against a float64 brute-force HSIC of the input they are set to read, weighted by their
//! schedule; and the gradients of both reaching the networks the trainer updates with them.

mod common;

use burn::optim::GradientsParams;
use burn::prelude::*;
use hsic::{Estimator, HsicConfig, Kernel};
use hsic_infogan_models::{Discriminator, DiscriminatorConfig, Generator, GeneratorConfig, Latent, LatentConfig, Rng};
use hsic_infogan_train::losses::{HsicInputs, HsicTerms, effect_alignment, info_loss};
use hsic_infogan_train::{CodeGroup, HsicInput, HsicTerm, LambdaSchedule};

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
    let q: [[f64; 7]; 2] = [[0.1, -0.4, 1.2, 0.3, -0.2, 0.4, -0.5], [2.0, 0.0, -1.0, -0.7, 0.9, 0.0, 1.5]];
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
    let Networks { device, generator, discriminator, latent } = networks(true);
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
    every_tensor_has_a_gradient(&generator, g_step());
}

/// A small G and D (with InfoGAN's Q head if `q`) on an autodiff device, and a batch of 8 codes.
struct Networks {
    device: Device,
    generator: Generator,
    discriminator: Discriminator,
    latent: Latent,
}

fn networks(q: bool) -> Networks {
    let device = Device::flex().autodiff();
    let layout = LatentConfig::new().with_noise(4).with_categorical(vec![3]).with_continuous(2);
    let mut rng = Rng::new(3);
    let generator = GeneratorConfig::new(layout.input_size(), DIMS).init(&mut rng, &device);
    let discriminator =
        DiscriminatorConfig::new(DIMS).with_q_outputs(q.then(|| layout.code_size())).init(&mut rng, &device);
    let latent = layout.sample(8, &mut rng);
    Networks { device, generator, discriminator, latent }
}

/// Every trainable tensor of `generator` has a gradient in `grads`.
fn every_tensor_has_a_gradient(generator: &Generator, grads: burn::tensor::Gradients) {
    let to_g = GradientsParams::from_grads(grads, generator);
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

/// The biased HSIC with linear kernels, (m-1)^-2 tr(K H L H), K = X Xᵀ and L = Y Yᵀ, by brute
/// force in f64 (rows are samples).
fn linear_hsic(x: &[Vec<f64>], y: &[Vec<f64>]) -> f64 {
    let m = x.len();
    let gram = |rows: &[Vec<f64>]| -> Vec<Vec<f64>> {
        let dot = |a: &Vec<f64>, b: &Vec<f64>| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
        rows.iter().map(|a| rows.iter().map(|b| dot(a, b)).collect()).collect()
    };
    let centre = |k: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        let row: Vec<f64> = k.iter().map(|r| r.iter().sum::<f64>() / m as f64).collect();
        let all = row.iter().sum::<f64>() / m as f64;
        (0..m).map(|i| (0..m).map(|j| k[i][j] - row[i] - row[j] + all).collect()).collect()
    };
    let (k, l) = (centre(gram(x)), centre(gram(y)));
    // tr(HKH HLH) = sum_ij (HKH)_ij (HLH)_ij, and H is idempotent.
    let trace: f64 = (0..m).flat_map(|i| (0..m).map(move |j| (i, j))).map(|(i, j)| k[i][j] * l[i][j]).sum();
    trace / ((m - 1) * (m - 1)) as f64
}

fn rows(values: &[f64], width: usize) -> Vec<Vec<f64>> {
    values.chunks(width).map(<[f64]>::to_vec).collect()
}

fn tensor(values: &[f64], shape: [usize; 2], device: &Device) -> Tensor<2> {
    let flat: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(flat, shape), device)
}

/// A batch of latents (2 noise, one 3-way code, 2 continuous codes) with random pixels in
/// [0, 1] and normal D features, for the HSIC terms.
struct Batch {
    layout: LatentConfig,
    latent: Latent,
    batch: usize,
    pixels_wide: usize,
    pixels: Vec<f64>,
    features_wide: usize,
    features: Vec<f64>,
}

impl Batch {
    fn draw(seed: u64, batch: usize, features_wide: usize) -> Self {
        let layout = LatentConfig::new().with_noise(2).with_categorical(vec![3]).with_continuous(2);
        let mut rng = Rng::new(seed);
        let pixels_wide = DIMS.iter().product::<usize>();
        let latent = layout.sample(batch, &mut rng);
        let pixels = (0..batch * pixels_wide).map(|_| rng.uniform()).collect();
        let features = (0..batch * features_wide).map(|_| rng.normal()).collect();
        Self { layout, latent, batch, pixels_wide, pixels, features_wide, features }
    }
}

#[test]
fn hsic_terms_read_pixels_or_d_features_and_weigh_them_by_the_schedule() {
    let device = Device::flex();
    let Batch { layout, latent, batch, pixels_wide, pixels, features_wide, features } = Batch::draw(9, 6, 5);
    let codes: Vec<f64> = latent.codes().into_iter().map(f64::from).collect();
    let code_rows = rows(&codes, layout.code_size());
    let on_pixels = linear_hsic(&rows(&pixels, pixels_wide), &code_rows);
    let on_features = linear_hsic(&rows(&features, features_wide), &code_rows);

    let linear =
        HsicConfig::new().with_kernel_x(Kernel::Linear).with_kernel_y(Kernel::Linear).with_estimator(Estimator::Biased);
    // Pixels: lambda 2, full for 1 epoch, then down to a quarter over 2 epochs; D features:
    // lambda 0.5 throughout.
    let schedule = LambdaSchedule::new(1.0).with_decay(2.0).with_floor(0.25);
    let terms = HsicTerms::new(&[
        HsicTerm::new().with_lambda(2.0).with_hsic(linear.clone()).with_schedule(Some(schedule)),
        HsicTerm::new().with_lambda(0.5).with_hsic(linear).with_input(HsicInput::Features),
    ]);
    let [c, h, w] = DIMS;
    for (epoch, factor) in [(0.0, 1.0), (0.99, 1.0), (2.0, 0.625), (3.0, 0.25), (40.0, 0.25)] {
        let inputs = HsicInputs {
            images: tensor(&pixels, [batch, pixels_wide], &device).reshape([batch, c, h, w]),
            features: Some(tensor(&features, [batch, features_wide], &device)),
        };
        let value = terms.forward(inputs, &latent, epoch);
        let (weighted, unweighted) =
            (value.weighted.into_scalar::<f32>() as f64, value.unweighted.into_scalar::<f32>() as f64);
        let expected = 2.0 * factor * on_pixels + 0.5 * on_features;
        assert!((weighted - expected).abs() < 1e-4 * expected, "epoch {epoch}: {weighted} vs {expected}");
        let sum = on_pixels + on_features;
        assert!((unweighted - sum).abs() < 1e-4 * sum, "epoch {epoch}: {unweighted} vs {sum}");
    }
}

/// Terms with the same settings on the same input share the images' Gram matrix: each term's
/// value must still be its own code's, in the config's order, whatever terms lie between.
#[test]
fn terms_that_share_a_gram_matrix_keep_their_own_codes_and_order() {
    let device = Device::flex();
    let Batch { layout, latent, batch, pixels_wide, pixels, features_wide, features } = Batch::draw(21, 7, 4);
    let continuous = rows(&latent.continuous.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(), 2);
    let code = |j: usize| continuous.iter().map(|row| vec![row[j]]).collect::<Vec<_>>();
    let all = rows(&latent.codes().into_iter().map(f64::from).collect::<Vec<_>>(), layout.code_size());
    let expected = [
        linear_hsic(&rows(&pixels, pixels_wide), &code(1)),
        linear_hsic(&rows(&features, features_wide), &all),
        linear_hsic(&rows(&pixels, pixels_wide), &code(0)),
    ];

    let linear =
        HsicConfig::new().with_kernel_x(Kernel::Linear).with_kernel_y(Kernel::Linear).with_estimator(Estimator::Biased);
    let terms = HsicTerms::new(&[
        HsicTerm::new().with_hsic(linear.clone()).with_codes(CodeGroup::ContinuousCode(1)),
        HsicTerm::new().with_hsic(linear.clone()).with_input(HsicInput::Features),
        HsicTerm::new().with_hsic(linear).with_codes(CodeGroup::ContinuousCode(0)),
    ]);
    let [c, h, w] = DIMS;
    let inputs = HsicInputs {
        images: tensor(&pixels, [batch, pixels_wide], &device).reshape([batch, c, h, w]),
        features: Some(tensor(&features, [batch, features_wide], &device)),
    };
    let value = terms.forward(inputs, &latent, 0.0);
    assert_eq!(value.terms.len(), expected.len());
    for (t, (got, expected)) in value.terms.into_iter().zip(expected).enumerate() {
        let got = got.into_scalar::<f32>() as f64;
        assert!((got - expected).abs() < 1e-4 * expected.abs(), "term {t}: {got} vs {expected}");
    }
}

#[test]
fn hsic_on_d_features_trains_g_through_a_frozen_d() {
    let Networks { device, generator, discriminator, latent } = networks(false);
    let discriminator = discriminator.no_grad();
    let terms = HsicTerms::new(&[HsicTerm::new().with_input(HsicInput::Features)]);
    let step = || {
        let images = generator.forward(latent.input(&device));
        let features = discriminator.forward(images.clone()).features;
        terms.forward(HsicInputs { images, features: Some(features) }, &latent, 0.0).weighted.backward()
    };
    assert!(GradientsParams::from_grads(step(), &discriminator).is_empty(), "the term reached D");
    every_tensor_has_a_gradient(&generator, step());
}

/// cos²(a, b) in f64.
fn cos_squared(a: &[f64], b: &[f64]) -> f64 {
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(x, y)| x * y).sum::<f64>();
    dot(a, b).powi(2) / (dot(a, a) * dot(b, b))
}

#[test]
fn effect_alignment_is_the_mean_cos_squared_of_the_codes_effects() {
    let device = Device::flex();
    let (codes, samples, pixels) = (3, 2, 5);
    let mut rng = Rng::new(4);
    let values: Vec<f64> = (0..(codes + 1) * samples * pixels).map(|_| rng.normal()).collect();
    let images = rows(&values, pixels);
    let effect = |k: usize, i: usize| -> Vec<f64> {
        images[(k + 1) * samples + i].iter().zip(&images[i]).map(|(moved, base)| moved - base).collect()
    };
    let mut sum = 0.0;
    for i in 0..samples {
        for j in 0..codes {
            for k in j + 1..codes {
                sum += cos_squared(&effect(j, i), &effect(k, i));
            }
        }
    }
    let expected = sum / (samples * codes * (codes - 1) / 2) as f64;
    let images = tensor(&values, [(codes + 1) * samples, pixels], &device);
    let got = f64::from(effect_alignment(images, codes).into_scalar::<f32>());
    assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");

    // Effects at right angles score 0 and parallel ones 1, whatever their lengths.
    let base = [1.0, 2.0, 3.0, 4.0];
    let moved = |shift: [f64; 4]| base.iter().zip(shift).map(|(b, s)| b + s).collect::<Vec<f64>>();
    let alignment = |first: [f64; 4], second: [f64; 4]| {
        let values = [base.to_vec(), moved(first), moved(second)].concat();
        f64::from(effect_alignment(tensor(&values, [3, 4], &device), 2).into_scalar::<f32>())
    };
    assert!(alignment([0.1, 0.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0]).abs() < 1e-6);
    assert!((alignment([0.1, 0.2, 0.0, 0.0], [-3.0, -6.0, 0.0, 0.0]) - 1.0).abs() < 1e-5);
}

#[test]
fn codes_moved_copies_the_first_samples_and_moves_one_code_in_each_copy() {
    let layout = LatentConfig::new().with_noise(2).with_categorical(vec![3]).with_continuous(2);
    let latent = layout.sample(5, &mut Rng::new(1));
    let moved = latent.with_codes_moved(2, 0.25);
    assert_eq!(moved.batch, 6);
    let code = |l: &Latent, row: usize, k: usize| l.continuous[row * 2 + k];
    for copy in 0..3 {
        for i in 0..2 {
            let row = copy * 2 + i;
            assert_eq!(moved.noise[row * 2..row * 2 + 2], latent.noise[i * 2..i * 2 + 2]);
            assert_eq!(moved.categories[row], latent.categories[i]);
            for k in 0..2 {
                let step = if copy == k + 1 { 0.25 } else { 0.0 };
                assert_eq!(code(&moved, row, k), code(&latent, i, k) + step, "copy {copy}, sample {i}, code {k}");
            }
        }
    }
}
