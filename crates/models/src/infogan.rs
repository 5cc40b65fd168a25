//! InfoGAN's MNIST networks (Chen et al. 2016, appendix C.1), sized by the image:
//!
//! - G: FC 1024-BN-ReLU, FC (H/4)(W/4)·128-BN-ReLU, 4x4 up-conv 64 stride 2-BN-ReLU,
//!   4x4 up-conv C stride 2-sigmoid (images in [0, 1]).
//! - D: 4x4 conv 64 stride 2-lReLU(0.1), 4x4 conv 128 stride 2-BN-lReLU, FC 1024-BN-lReLU (the
//!   trunk), FC 1 (a logit). Q shares the trunk: FC 128-BN-lReLU, FC (codes).
//!
//! Layers followed by batch norm carry no bias (BN's beta replaces it). The field names are the
//! checkpoints' and the PyTorch export's tensor names.

use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::nn::{BatchNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use hsic_infogan_flex_ops::{batch_norm, conv_transpose2d, conv2d, conv2d_leaky_relu, leaky_relu, linear, relu};

use crate::Rng;
use crate::discriminator::DOutput;
use crate::init::{self, conv, fully_connected, up_conv};

const SLOPE: f64 = 0.1;

#[derive(Module, Debug)]
pub struct Generator {
    fc1: Linear,
    bn1: BatchNorm,
    fc2: Linear,
    bn2: BatchNorm,
    up1: ConvTranspose2d,
    bn3: BatchNorm,
    up2: ConvTranspose2d,
    height: usize,
    width: usize,
}

impl Generator {
    pub(crate) fn init(latent_size: usize, image: [usize; 3], rng: &mut Rng, device: &Device) -> Self {
        let [channels, height, width] = image;
        let cells = (height / 4) * (width / 4);
        Self {
            fc1: fully_connected(latent_size, 1024, false, rng, device),
            bn1: init::batch_norm(1024, rng, device),
            fc2: fully_connected(1024, cells * 128, false, rng, device),
            bn2: init::batch_norm(cells * 128, rng, device),
            up1: up_conv(128, 64, false, rng, device),
            bn3: init::batch_norm(64, rng, device),
            up2: up_conv(64, channels, true, rng, device),
            height,
            width,
        }
    }

    /// The weights of the two dense layers, a lower bound on G's parameters.
    pub(crate) fn dense_weights(latent_size: usize, image: [usize; 3]) -> u128 {
        let [_, height, width] = image.map(|n| n as u128 / 4);
        height.saturating_mul(width).saturating_mul(128).saturating_add(latent_size as u128).saturating_mul(1024)
    }

    pub(crate) fn forward(&self, latent: Tensor<2>) -> Tensor<4> {
        let batch = latent.dims()[0];
        let x = relu(batch_norm(&self.bn1, linear(&self.fc1, latent)));
        let x = relu(batch_norm(&self.bn2, linear(&self.fc2, x)));
        let x = x.reshape([batch, 128, self.height / 4, self.width / 4]);
        let x = relu(batch_norm(&self.bn3, conv_transpose2d(&self.up1, x)));
        sigmoid(conv_transpose2d(&self.up2, x))
    }
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

impl Discriminator {
    pub(crate) fn init(image: [usize; 3], q_outputs: Option<usize>, rng: &mut Rng, device: &Device) -> Self {
        let [channels, height, width] = image;
        let conv1 = conv(channels, 64, true, rng, device);
        let conv2 = conv(64, 128, false, rng, device);
        let bn2 = init::batch_norm(128, rng, device);
        let fc1 = fully_connected((height / 4) * (width / 4) * 128, 1024, false, rng, device);
        let bn3 = init::batch_norm(1024, rng, device);
        let fc2 = fully_connected(1024, 1, true, rng, device);
        let q = q_outputs.map(|outputs| QHead {
            fc1: fully_connected(1024, 128, false, rng, device),
            bn1: init::batch_norm(128, rng, device),
            fc2: fully_connected(128, outputs, true, rng, device),
        });
        Self { conv1, conv2, bn2, fc1, bn3, fc2, q }
    }

    /// The weights of the first dense layer, a lower bound on D's parameters.
    pub(crate) fn dense_weights(image: [usize; 3]) -> u128 {
        let [_, height, width] = image.map(|n| n as u128 / 4);
        height.saturating_mul(width).saturating_mul(128 * 1024)
    }

    pub(crate) fn forward(&self, images: Tensor<4>) -> DOutput {
        let batch = images.dims()[0];
        let x = conv2d_leaky_relu(&self.conv1, images, SLOPE);
        let x = leaky_relu(batch_norm(&self.bn2, conv2d(&self.conv2, x)), SLOPE);
        let trunk = leaky_relu(batch_norm(&self.bn3, linear(&self.fc1, x.reshape([batch as i32, -1]))), SLOPE);
        let q = self
            .q
            .as_ref()
            .map(|q| linear(&q.fc2, leaky_relu(batch_norm(&q.bn1, linear(&q.fc1, trunk.clone())), SLOPE)));
        DOutput { logits: linear(&self.fc2, trunk.clone()).reshape([batch]), q, features: trunk }
    }
}
