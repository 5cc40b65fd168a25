//! The post-hoc encoder protocol on real MNIST digits, with stand-in generators whose answer is
//! known: one that draws a real training digit of the class its code value names (a perfect
//! conditional generator, so the encoder must recover the digits), and one that ignores its code.

use std::path::Path;

use burn::data::dataset::Dataset;
use burn::prelude::*;
use hsic_infogan_data::mnist::{MnistKind, Split, load_split};
use hsic_infogan_data::{ImageSet, unit_tensor};
use hsic_infogan_eval::classifier::Classifier;
use hsic_infogan_eval::encoder::{self, EncoderConfig};
use hsic_infogan_eval::scores::{RealDigitScore, real_digit_score};
use hsic_infogan_models::{Latent, LatentConfig, Rng};

mod common;

use common::{MNIST_DIR, head, mnist_present};

/// A stand-in generator: for each latent row, a random training digit of class
/// `class_of(code value)`.
fn real_digit_sampler<'a>(
    train: &'a ImageSet,
    mut class_of: impl FnMut(usize) -> usize + 'a,
    device: &'a Device,
) -> impl FnMut(&Latent) -> Tensor<4> + 'a {
    let labels = train.labels().unwrap();
    let by_class: Vec<Vec<usize>> = (0..10).map(|d| (0..train.len()).filter(|&i| labels[i] == d).collect()).collect();
    let mut rng = Rng::new(11);
    move |latent: &Latent| {
        let mut pixels = Vec::with_capacity(latent.batch * 784);
        for &value in &latent.categories {
            let pool = &by_class[class_of(value)];
            pixels.extend_from_slice(train.image(pool[rng.below(pool.len())]));
        }
        unit_tensor(pixels, [latent.batch, 1, 28, 28], device)
    }
}

/// The encoder's outputs for all of `test`, scored against its labels (slant and thickness
/// left out: zeros).
fn score_on(encoder: &Classifier, test: &ImageSet, layout: &LatentConfig, device: &Device) -> RealDigitScore {
    let mut outputs = Vec::new();
    for start in (0..test.len()).step_by(1000) {
        let images =
            unit_tensor(test.pixels()[start * 784..(start + 1000) * 784].iter().copied(), [1000, 1, 28, 28], device);
        outputs.extend(encoder.forward(images).into_data().convert::<f32>().try_into_vec::<f32>().unwrap());
    }
    let zeros = vec![0.0; test.len()];
    real_digit_score(&outputs, layout, test.labels().unwrap(), &zeros, &zeros)
}

#[test]
fn the_encoder_recovers_the_digits_a_code_controls_and_not_those_it_ignores() {
    if !mnist_present() {
        return;
    }
    let dir = Path::new(MNIST_DIR);
    let train = head(&load_split(MnistKind::Mnist, Split::Train, dir).unwrap(), 10_000);
    let test = load_split(MnistKind::Mnist, Split::Test, dir).unwrap();
    let device = hsic_infogan_device::open("flex").unwrap().inner();
    let layout = LatentConfig::new();
    let recipe = EncoderConfig::new().with_steps(150).with_batch_size(64);

    // Code value v draws digit (v + 3) mod 10: the matching must undo the permutation.
    let faithful = real_digit_sampler(&train, |v| (v + 3) % 10, &device);
    let (encoder, loss) = encoder::train(&layout, &recipe, &device, faithful, |_| {});
    let score = score_on(&encoder, &test, &layout, &device);
    let categorical = &score.categorical[0];
    println!("faithful generator: accuracy {:.4}, final loss {loss:.3}", categorical.accuracy);
    assert!(categorical.accuracy > 0.85, "{categorical:?}");
    assert_eq!(categorical.mapping, (0..10).map(|v| Some((v + 3) % 10)).collect::<Vec<_>>());
    assert_eq!(categorical.confusion.iter().flatten().sum::<usize>(), 10_000);

    // A generator that ignores its code (as a plain GAN's does) leaves nothing to learn: a
    // random digit whatever the code value scores near chance on the real digits.
    let mut any = Rng::new(3);
    let blind = real_digit_sampler(&train, move |_| any.below(10), &device);
    let (encoder, _) = encoder::train(&layout, &recipe, &device, blind, |_| {});
    let chance = score_on(&encoder, &test, &layout, &device).categorical[0].accuracy;
    println!("generator that ignores its code: accuracy {chance:.4}");
    assert!(chance < 0.2, "{chance}");
}

#[test]
fn the_encoder_recipe_is_deterministic_for_a_seed() {
    if !mnist_present() {
        return;
    }
    let train = head(&load_split(MnistKind::Mnist, Split::Train, Path::new(MNIST_DIR)).unwrap(), 2_000);
    let device = hsic_infogan_device::open("flex").unwrap().inner();
    let layout = LatentConfig::new();
    let outputs = |seed: u64| {
        let recipe = EncoderConfig::new().with_steps(8).with_batch_size(32).with_seed(seed);
        let (encoder, loss) =
            encoder::train(&layout, &recipe, &device, real_digit_sampler(&train, |v| v, &device), |_| {});
        let images = unit_tensor(train.pixels()[..50 * 784].iter().copied(), [50, 1, 28, 28], &device);
        (encoder.forward(images).into_data().convert::<f32>().try_into_vec::<f32>().unwrap(), loss)
    };
    let (first, loss) = outputs(0);
    assert_eq!(outputs(0), (first.clone(), loss), "same seed, same encoder");
    let (other, _) = outputs(1);
    assert_ne!(other, first, "another seed draws other weights and latents");
}
