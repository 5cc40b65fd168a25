//! The dSprites networks of InfoGAN-CR (Lin et al., ICML 2020; their repository
//! fjxmlzn/InfoGAN-CR, `InfoGAN-CR_dSprites`, network.py), the GAN setup its dSprites numbers
//! (and InfoGAN's 0.59 FactorVAE score there) were measured with, sized by the image:
//!
//! - G: FC 128-ReLU-BN, FC (H/16)(W/16)·64-ReLU-BN, then 4x4 up-convs stride 2 to 64, 32 and 32
//!   channels, each lReLU(0.2)-BN, and a 4x4 up-conv to C channels-sigmoid (64x64 from 4x4).
//! - D: four 4x4 convs stride 2 to 32, 32, 64 and 64 channels, each lReLU(0.2), FC 128-lReLU
//!   (the trunk), FC 1 (a logit). Q shares the trunk: FC 128-lReLU, FC (codes).
//!
//! As in the source, G's activation comes before its batch norm, so every layer has a bias, and D
//! has no batch norm. Not reproduced: the spectral normalisation InfoGAN-CR applies to D's
//! weights (a power iteration per step; D trains without it here, like the other models).

use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::nn::{BatchNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use hsic_infogan_flex_ops::{
    batch_norm, conv_transpose2d, conv_transpose2d_leaky_relu, conv2d_leaky_relu, leaky_relu, linear, relu,
};

use crate::Rng;
use crate::discriminator::DOutput;
use crate::init::{self, conv, fully_connected, up_conv};

const SLOPE: f64 = 0.2;
/// G's first feature map is the image's side / 16 (four doublings).
pub(crate) const SCALE: usize = 16;

#[derive(Module, Debug)]
pub struct Generator {
    fc1: Linear,
    bn1: BatchNorm,
    fc2: Linear,
    bn2: BatchNorm,
    up1: ConvTranspose2d,
    bn3: BatchNorm,
    up2: ConvTranspose2d,
    bn4: BatchNorm,
    up3: ConvTranspose2d,
    bn5: BatchNorm,
    up4: ConvTranspose2d,
    height: usize,
    width: usize,
}

impl Generator {
    pub(crate) fn init(latent_size: usize, image: [usize; 3], rng: &mut Rng, device: &Device) -> Self {
        let [channels, height, width] = image;
        let cells = (height / SCALE) * (width / SCALE);
        Self {
            fc1: fully_connected(latent_size, 128, true, rng, device),
            bn1: init::batch_norm(128, rng, device),
            fc2: fully_connected(128, cells * 64, true, rng, device),
            bn2: init::batch_norm(cells * 64, rng, device),
            up1: up_conv(64, 64, true, rng, device),
            bn3: init::batch_norm(64, rng, device),
            up2: up_conv(64, 32, true, rng, device),
            bn4: init::batch_norm(32, rng, device),
            up3: up_conv(32, 32, true, rng, device),
            bn5: init::batch_norm(32, rng, device),
            up4: up_conv(32, channels, true, rng, device),
            height,
            width,
        }
    }

    /// The weights of the two dense layers, a lower bound on G's parameters.
    pub(crate) fn dense_weights(latent_size: usize, image: [usize; 3]) -> u128 {
        let [_, height, width] = image.map(|n| (n / SCALE) as u128);
        height.saturating_mul(width).saturating_mul(64).saturating_add(latent_size as u128).saturating_mul(128)
    }

    pub(crate) fn forward(&self, latent: Tensor<2>) -> Tensor<4> {
        let batch = latent.dims()[0];
        let x = batch_norm(&self.bn1, relu(linear(&self.fc1, latent)));
        let x = batch_norm(&self.bn2, relu(linear(&self.fc2, x)));
        let x = x.reshape([batch, 64, self.height / SCALE, self.width / SCALE]);
        let x = batch_norm(&self.bn3, conv_transpose2d_leaky_relu(&self.up1, x, SLOPE));
        let x = batch_norm(&self.bn4, conv_transpose2d_leaky_relu(&self.up2, x, SLOPE));
        let x = batch_norm(&self.bn5, conv_transpose2d_leaky_relu(&self.up3, x, SLOPE));
        sigmoid(conv_transpose2d(&self.up4, x))
    }
}

#[derive(Module, Debug)]
pub struct QHead {
    fc1: Linear,
    fc2: Linear,
}

#[derive(Module, Debug)]
pub struct Discriminator {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    conv4: Conv2d,
    fc1: Linear,
    fc2: Linear,
    q: Option<QHead>,
}

impl Discriminator {
    pub(crate) fn init(image: [usize; 3], q_outputs: Option<usize>, rng: &mut Rng, device: &Device) -> Self {
        let [channels, height, width] = image;
        let conv1 = conv(channels, 32, true, rng, device);
        let conv2 = conv(32, 32, true, rng, device);
        let conv3 = conv(32, 64, true, rng, device);
        let conv4 = conv(64, 64, true, rng, device);
        let fc1 = fully_connected((height / SCALE) * (width / SCALE) * 64, 128, true, rng, device);
        let fc2 = fully_connected(128, 1, true, rng, device);
        let q = q_outputs.map(|outputs| QHead {
            fc1: fully_connected(128, 128, true, rng, device),
            fc2: fully_connected(128, outputs, true, rng, device),
        });
        Self { conv1, conv2, conv3, conv4, fc1, fc2, q }
    }

    /// The weights of the first dense layer, a lower bound on D's parameters.
    pub(crate) fn dense_weights(image: [usize; 3]) -> u128 {
        let [_, height, width] = image.map(|n| (n / SCALE) as u128);
        height.saturating_mul(width).saturating_mul(64 * 128)
    }

    pub(crate) fn forward(&self, images: Tensor<4>) -> DOutput {
        let batch = images.dims()[0];
        let x = conv2d_leaky_relu(&self.conv1, images, SLOPE);
        let x = conv2d_leaky_relu(&self.conv2, x, SLOPE);
        let x = conv2d_leaky_relu(&self.conv3, x, SLOPE);
        let x = conv2d_leaky_relu(&self.conv4, x, SLOPE);
        let trunk = leaky_relu(linear(&self.fc1, x.reshape([batch as i32, -1])), SLOPE);
        let q = self.q.as_ref().map(|q| linear(&q.fc2, leaky_relu(linear(&q.fc1, trunk.clone()), SLOPE)));
        DOutput { logits: linear(&self.fc2, trunk.clone()).reshape([batch]), q, features: trunk }
    }
}
