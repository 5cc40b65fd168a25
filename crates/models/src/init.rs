//! DCGAN/InfoGAN initialisation: weights N(0, 0.02), biases 0, BN gamma N(1, 0.02), beta 0.
//!
//! The values come from the host [`Rng`], not from Burn's per-device generator: a run is then
//! reproducible on any backend and regardless of other threads drawing random numbers.

use burn::module::{Initializer, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;

use crate::Rng;

const STD: f64 = 0.02;

fn normal<const D: usize>(shape: [usize; D], mean: f64, rng: &mut Rng, device: &Device) -> Param<Tensor<D>> {
    let count = shape.iter().product();
    let values: Vec<f32> = (0..count).map(|_| (mean + STD * rng.normal()) as f32).collect();
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

/// A linear layer; `bias` only where no batch norm follows (BN's beta replaces it).
pub(crate) fn fully_connected(inputs: usize, outputs: usize, bias: bool, rng: &mut Rng, device: &Device) -> Linear {
    let mut layer =
        LinearConfig::new(inputs, outputs).with_bias(bias).with_initializer(Initializer::Zeros).init(device);
    layer.weight = normal([inputs, outputs], 0.0, rng, device);
    layer
}

/// A 4x4 convolution with stride 2 and padding 1 (halves the side).
pub(crate) fn conv(inputs: usize, outputs: usize, bias: bool, rng: &mut Rng, device: &Device) -> Conv2d {
    let mut layer = Conv2dConfig::new([inputs, outputs], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_bias(bias)
        .with_initializer(Initializer::Zeros)
        .init(device);
    layer.weight = normal([outputs, inputs, 4, 4], 0.0, rng, device);
    layer
}

/// A 4x4 transposed convolution with stride 2 and padding 1 (doubles the side).
pub(crate) fn up_conv(inputs: usize, outputs: usize, bias: bool, rng: &mut Rng, device: &Device) -> ConvTranspose2d {
    let mut layer = ConvTranspose2dConfig::new([inputs, outputs], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .with_bias(bias)
        .with_initializer(Initializer::Zeros)
        .init(device);
    layer.weight = normal([inputs, outputs, 4, 4], 0.0, rng, device);
    layer
}

/// Batch norm with gamma ~ N(1, 0.02) and beta = 0.
pub(crate) fn batch_norm(features: usize, rng: &mut Rng, device: &Device) -> BatchNorm {
    let mut bn = BatchNormConfig::new(features).init(device);
    bn.gamma = normal([features], 1.0, rng, device);
    bn
}
