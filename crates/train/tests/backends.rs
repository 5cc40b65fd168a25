//! The backends agree with flex on D's gradients: MNIST's discriminator (InfoGAN's, the same
//! initial weights on every backend) on fixed real and fake batches of 100, D's loss, and the
//! gradient of every parameter. Adam's first step moves each parameter by about `lr * sign(g)`,
//! so a gradient off by more than rounding changes the first update, and then the run.
//!
//! Leaky ReLU has a kink at zero: a pre-activation within rounding of zero can fall on opposite
//! sides on two backends, and its gradient then differs by `(1 - slope)` times the gradient above
//! it, legitimately. With batches 1 and 2 one of conv1's 1.25 million pre-activations sat at 3e-9
//! on flex and -5e-10 on wgpu (lavapipe), and conv1's gradients differed by 1e-3 of their largest:
//! no backend fault. Batch 4 flips one unit after bn2 and one after bn3 in the same way. The
//! batches here keep every conv1 pre-activation 5e-8 from zero (checked below; the largest conv1
//! output difference measured between the backends is 3e-8), and a replica of D's layers found
//! no unit after bn2 or bn3 on opposite sides on flex and wgpu for them (2026-12-05). A failure
//! after a change to D's initialisation can be such a flip: check the signs before the backend.

mod common;

use burn::prelude::*;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use hsic_infogan_models::{DiscriminatorConfig, Rng};
use hsic_infogan_train::losses::discriminator_loss;

use common::{parameters, working_device};

/// Largest gradient difference allowed, relative to the parameter's largest gradient: flex and
/// ndarray differ by at most 4e-6 (their sums run in other orders).
const TOLERANCE: f32 = 1e-4;

/// The batches D sees as real and as fake.
const BATCHES: [u64; 2] = [2, 3];

/// Smallest distance from leaky ReLU's kink allowed for conv1's pre-activations.
const KINK_MARGIN: f32 = 5e-8;

/// 100 images of random bytes scaled to [0, 1].
fn images(seed: u64, device: &Device) -> Tensor<4> {
    let mut rng = Rng::new(seed);
    let pixels: Vec<f32> = (0..100 * 784).map(|_| rng.below(256) as f32 / 255.0).collect();
    Tensor::<1>::from_floats(pixels.as_slice(), device).reshape([100, 1, 28, 28])
}

/// D's loss and its parameters' gradients on `device`.
fn loss_and_gradients(device: &Device) -> (f32, Vec<(String, Vec<f32>)>) {
    let device = device.clone().autodiff();
    let d = DiscriminatorConfig::new([1, 28, 28]).init(&mut Rng::new(0), &device);
    let [real, fake] = BATCHES.map(|seed| d.forward(images(seed, &device)).logits);
    let loss = discriminator_loss(real, fake);
    let value = loss.clone().into_scalar::<f32>();
    let grads = loss.backward();
    let gradients = parameters(&d, Some(&grads)).into_iter().filter_map(|p| Some((p.name, p.grad?))).collect();
    (value, gradients)
}

/// The batches keep conv1's pre-activations (stride 2, padding 1, as in the model) away from
/// the kink, so that every backend takes the same branch of leaky ReLU at every unit.
#[test]
fn the_batches_keep_conv1_away_from_the_kink() {
    let device = hsic_infogan_device::parse_device("flex").unwrap();
    let d = DiscriminatorConfig::new([1, 28, 28]).init(&mut Rng::new(0), &device);
    let conv1 = |name: &str| {
        let p = parameters(&d, None).into_iter().find(|p| p.name == name).expect(name);
        TensorData::new(p.values, p.shape)
    };
    let weight = Tensor::<4>::from_data(conv1("InfoGan.conv1.weight"), &device);
    let bias = Tensor::<1>::from_data(conv1("InfoGan.conv1.bias"), &device);
    for seed in BATCHES {
        let options = ConvOptions::new([2, 2], [1, 1], [1, 1], 1);
        let pre = conv2d(images(seed, &device), weight.clone(), Some(bias.clone()), options);
        let nearest = pre.abs().min().into_scalar::<f32>();
        assert!(
            nearest >= KINK_MARGIN,
            "batch {seed}: a conv1 pre-activation is {nearest:e} from the kink; pick other batches"
        );
    }
}

/// Asserts `backend` gives flex's loss and gradients within [`TOLERANCE`], or skips (failing
/// under CI) where it has no working device.
fn agrees_with_flex(backend: &str) {
    let Some(device) = working_device(backend) else { return };
    let (flex_loss, flex) = loss_and_gradients(&hsic_infogan_device::parse_device("flex").unwrap());
    let (loss, other) = loss_and_gradients(&device);
    assert!((loss - flex_loss).abs() <= TOLERANCE * flex_loss, "D's loss: {backend} {loss}, flex {flex_loss}");
    assert_eq!(flex.len(), other.len());
    let mut failures = Vec::new();
    for ((name, want), (_, got)) in flex.iter().zip(&other) {
        let scale = want.iter().fold(0f32, |m, g| m.max(g.abs()));
        let diff = want.iter().zip(got).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        if diff > TOLERANCE * scale {
            failures.push(format!("{name}: largest difference {diff:e}, {:e} of its largest gradient", diff / scale));
        }
    }
    assert!(failures.is_empty(), "{backend}'s gradients differ from flex's:\n{}", failures.join("\n"));
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_gives_flexs_gradients() {
    agrees_with_flex("ndarray");
}

#[cfg(feature = "wgpu")]
#[test]
fn wgpu_gives_flexs_gradients() {
    agrees_with_flex("wgpu");
}
