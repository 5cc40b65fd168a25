//! D (InfoGAN appendix C.1, MNIST): 4x4 conv 64 stride 2-lReLU(0.1), 4x4 conv 128 stride 2-BN-lReLU,
//! FC 1024-BN-lReLU, FC 1 (a logit). InfoGAN's Q head shares the 1024-wide trunk:
//! FC 128-BN-lReLU, FC (categorical logits | continuous means).

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, Linear};
use burn::prelude::*;
use hsic_infogan_flex_ops::{batch_norm, conv2d, leaky_relu, linear};

use crate::Rng;
use crate::init::{self, conv, fully_connected};

const SLOPE: f64 = 0.1;

#[derive(Config, Debug)]
pub struct DiscriminatorConfig {
    /// Input image shape `[channels, height, width]`; height and width divisible by 4.
    pub image: [usize; 3],
    /// Width of the Q head's output (InfoGAN: one-hot size + continuous codes); `None` for no Q head.
    pub q_outputs: Option<usize>,
}

#[derive(Module, Debug)]
pub struct QHead {
    fc1: Linear,
    bn1: BatchNorm,
    fc2: Linear,
}

#[derive(Module, Debug)]
pub struct Discriminator {
    conv1: Conv2d,
    conv2: Conv2d,
    bn2: BatchNorm,
    fc1: Linear,
    bn3: BatchNorm,
    fc2: Linear,
    q: Option<QHead>,
}

/// D's outputs for one batch.
pub struct DOutput {
    /// Real/fake logits `[B]` (positive = real).
    pub logits: Tensor<1>,
    /// Q head output `[B, q_outputs]` when the network has one.
    pub q: Option<Tensor<2>>,
    /// The shared trunk's features `[B, 1024]` (after FC 1024-BN-lReLU), from which the logit
    /// and Q are read: a learnt representation of the images.
    pub features: Tensor<2>,
}

impl DiscriminatorConfig {
    /// The weights of D's first dense layer, a lower bound on its parameters: what a reader of
    /// a saved D checks the file's size against before [`init`](Self::init) allocates them
    /// (saturating: the sizes may come from a corrupted file).
    pub fn dense_weights(&self) -> u128 {
        let [_, height, width] = self.image.map(|n| n as u128 / 4);
        height.saturating_mul(width).saturating_mul(128 * 1024)
    }

    /// Draws the initial weights from `rng`. Panics on an unsupported image shape; check it
    /// first with [`check_image_dims`](crate::check_image_dims).
    pub fn init(&self, rng: &mut Rng, device: &Device) -> Discriminator {
        crate::check_image_dims(self.image).unwrap_or_else(|e| panic!("{e}"));
        let [channels, height, width] = self.image;
        let conv1 = conv(channels, 64, true, rng, device);
        let conv2 = conv(64, 128, false, rng, device);
        let bn2 = init::batch_norm(128, rng, device);
        let fc1 = fully_connected((height / 4) * (width / 4) * 128, 1024, false, rng, device);
        let bn3 = init::batch_norm(1024, rng, device);
        let fc2 = fully_connected(1024, 1, true, rng, device);
        let q = self.q_outputs.map(|outputs| QHead {
            fc1: fully_connected(1024, 128, false, rng, device),
            bn1: init::batch_norm(128, rng, device),
            fc2: fully_connected(128, outputs, true, rng, device),
        });
        Discriminator { conv1, conv2, bn2, fc1, bn3, fc2, q }
    }
}

impl Discriminator {
    /// Images `[B, C, H, W]` in [0, 1] -> logits and, with a Q head, Q's output.
    pub fn forward(&self, images: Tensor<4>) -> DOutput {
        let batch = images.dims()[0];
        let x = leaky_relu(conv2d(&self.conv1, images), SLOPE);
        let x = leaky_relu(batch_norm(&self.bn2, conv2d(&self.conv2, x)), SLOPE);
        let trunk = leaky_relu(batch_norm(&self.bn3, linear(&self.fc1, x.reshape([batch as i32, -1]))), SLOPE);
        let q = self
            .q
            .as_ref()
            .map(|q| linear(&q.fc2, leaky_relu(batch_norm(&q.bn1, linear(&q.fc1, trunk.clone())), SLOPE)));
        DOutput { logits: linear(&self.fc2, trunk.clone()).reshape([batch]), q, features: trunk }
    }
}
