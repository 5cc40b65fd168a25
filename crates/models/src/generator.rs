//! G (InfoGAN appendix C.1, MNIST): FC 1024-BN-ReLU, FC (H/4)(W/4)·128-BN-ReLU,
//! 4x4 up-conv 64 stride 2-BN-ReLU, 4x4 up-conv C stride 2-sigmoid (images in [0, 1]).

use burn::nn::conv::ConvTranspose2d;
use burn::nn::{BatchNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};
use hsic_infogan_flex_ops::{batch_norm, conv_transpose2d, linear};

use crate::init::{self, fully_connected, up_conv};
use crate::{Latent, LatentConfig, Rng};

#[derive(Config, Debug)]
pub struct GeneratorConfig {
    /// Width of the latent input (see [`LatentConfig::input_size`](crate::LatentConfig::input_size)).
    pub latent_size: usize,
    /// Output image shape `[channels, height, width]`; height and width divisible by 4.
    pub image: [usize; 3],
}

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

impl GeneratorConfig {
    /// The weights of G's two dense layers, a lower bound on its parameters: what a reader of
    /// a saved G checks the file's size against before [`init`](Self::init) allocates them
    /// (saturating: the sizes may come from a corrupted file).
    pub fn dense_weights(&self) -> u128 {
        let [_, height, width] = self.image.map(|n| n as u128 / 4);
        height.saturating_mul(width).saturating_mul(128).saturating_add(self.latent_size as u128).saturating_mul(1024)
    }

    /// Draws the initial weights from `rng`. Panics on an unsupported image shape; check it
    /// first with [`check_image_dims`](crate::check_image_dims).
    pub fn init(&self, rng: &mut Rng, device: &Device) -> Generator {
        crate::check_image_dims(self.image).unwrap_or_else(|e| panic!("{e}"));
        let [channels, height, width] = self.image;
        let cells = (height / 4) * (width / 4);
        Generator {
            fc1: fully_connected(self.latent_size, 1024, false, rng, device),
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
}

impl Generator {
    /// `[B, latent_size]` -> images `[B, C, H, W]` in (0, 1).
    pub fn forward(&self, latent: Tensor<2>) -> Tensor<4> {
        let batch = latent.dims()[0];
        let x = relu(batch_norm(&self.bn1, linear(&self.fc1, latent)));
        let x = relu(batch_norm(&self.bn2, linear(&self.fc2, x)));
        let x = x.reshape([batch, 128, self.height / 4, self.width / 4]);
        let x = relu(batch_norm(&self.bn3, conv_transpose2d(&self.up1, x)));
        sigmoid(conv_transpose2d(&self.up2, x))
    }

    /// `n` latents drawn from the prior with `rng` and the images they generate, `chunk` at a
    /// time (the last chunk holds the rest), for sample sets too large for one forward pass.
    pub fn sample_chunks<'a>(
        &'a self,
        layout: &'a LatentConfig,
        n: usize,
        chunk: usize,
        rng: &'a mut Rng,
        device: &'a Device,
    ) -> impl Iterator<Item = (Latent, Tensor<4>)> + 'a {
        assert!(chunk > 0, "chunks of at least one sample");
        let mut done = 0;
        std::iter::from_fn(move || {
            (done < n).then(|| {
                let latent = layout.sample(chunk.min(n - done), rng);
                done += latent.batch;
                let images = self.forward(latent.input(device));
                (latent, images)
            })
        })
    }
}
