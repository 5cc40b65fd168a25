//! The backends agree with flex on D's gradients: MNIST's discriminator (InfoGAN's, the same
//! initial weights on every backend) on fixed real and fake batches of 100, D's loss, and the
//! gradient of every parameter. Adam's first step moves each parameter by about `lr * sign(g)`,
//! so a gradient off by more than rounding changes the first update, and then the run.

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use hsic_infogan_models::{DiscriminatorConfig, Rng};
use hsic_infogan_train::losses::discriminator_loss;

/// Largest gradient difference allowed, relative to the parameter's largest gradient: flex and
/// ndarray differ by at most 4e-6 (their sums run in other orders).
const TOLERANCE: f32 = 1e-4;

/// Each parameter's name and gradient.
struct Gradients<'a> {
    grads: &'a burn::tensor::Gradients,
    path: Vec<String>,
    out: Vec<(String, Vec<f32>)>,
}

impl ModuleVisitor for Gradients<'_> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        // Batch norm's running statistics are parameters without gradients.
        if let Some(grad) = param.val().grad(self.grads) {
            self.out.push((self.path.join("."), grad.into_data().try_to_vec::<f32>().unwrap()));
        }
    }
}

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
    let loss = discriminator_loss(d.forward(images(1, &device)).logits, d.forward(images(2, &device)).logits);
    let value = loss.clone().into_scalar::<f32>();
    let grads = loss.backward();
    let mut visitor = Gradients { grads: &grads, path: Vec::new(), out: Vec::new() };
    d.visit(&mut visitor);
    (value, visitor.out)
}

/// Asserts `backend` gives flex's loss and gradients within [`TOLERANCE`], or skips (failing
/// under CI) where it has no working device.
fn agrees_with_flex(backend: &str) {
    let device = hsic_infogan_device::parse_device(backend).unwrap();
    if let Err(reason) = hsic_infogan_device::probe(&device) {
        assert!(std::env::var_os("CI").is_none(), "{backend} is compiled in but does not run under CI: {reason}");
        println!("SKIPPED backend {backend}: {reason}");
        return;
    }
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

/// On lavapipe (2026-12-04): every parameter within 6e-6 but conv1's weight (1.4e-3 of its largest
/// gradient) and bias (2.3e-3). conv2's input gradient alone, and conv1 -> leaky ReLU -> conv2
/// alone, agree to 1e-6 on the same shapes: the error arises in D's whole graph.
#[cfg(feature = "wgpu")]
#[test]
#[ignore = "Burn 0.22.1's wgpu: conv1's gradients differ from flex's by 1e-3 (docs/backends.md)"]
fn wgpu_gives_flexs_gradients() {
    agrees_with_flex("wgpu");
}
