//! Each layer of InfoGAN's MNIST networks (D, G) and the evaluation classifier's pooling (C) at
//! batch 100 on flex: this crate's passes (`conv2d`, `conv_transpose2d`, `linear`, `batch_norm`,
//! `relu_max_pool2d`) against Burn's layers, forward alone and forward plus backward (input and
//! weight gradients of `sum(y)`), in one run. Batch norm has its own passes in training only, so
//! its rows time forward plus backward alone. `--networks dsprites`: the layers of InfoGAN-CR's
//! dSprites networks (64 x 64 images) at batch 64 instead. `pytorch_layers.py` beside this file
//! times the same layers in PyTorch.
//!
//! ```text
//! cargo bench -p hsic-infogan-flex-ops --bench layers             # 5 s per cell
//! cargo bench -p hsic-infogan-flex-ops --bench layers -- --quick  # 3 samples per cell
//! cargo bench -p hsic-infogan-flex-ops --bench layers -- --networks dsprites --only conv
//! ```

/// The workspace's bench harness (command line, median timer), shared with its other benches.
#[path = "../../../benches/common/mod.rs"]
mod common;

use std::time::Duration;

use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::relu;
use hsic_infogan_flex_ops::{batch_norm, conv_transpose2d, conv2d, linear, relu_max_pool2d};

/// As in the workspace's training binaries and its `train_step` bench.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A forward pass, ours (`true`) or Burn's, on a batch flattened to `[batch, -1]`; the output is
/// flattened likewise. The layer's weight is a parameter: under autodiff it takes a gradient.
type Forward = Box<dyn Fn(Tensor<2>, bool) -> Tensor<2>>;

/// A layer: its input shape, its forward pass on a layer initialised once on a device, and
/// whether its forward pass alone (without autodiff) is ours.
struct Layer {
    name: &'static str,
    input: Vec<usize>,
    on: Box<dyn Fn(&Device) -> Forward>,
    inference: bool,
}

fn layers(networks: &str) -> (usize, Vec<Layer>) {
    let batch = if networks == "dsprites" { 64 } else { 100 };
    let conv = |name, [c_in, c_out, side]: [usize; 3]| Layer {
        name,
        input: vec![batch, c_in, side, side],
        on: Box::new(move |device| {
            let layer = Conv2dConfig::new([c_in, c_out], [4, 4])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device);
            Box::new(move |x, ours| {
                let x = x.reshape([batch, c_in, side, side]);
                let y = if ours { conv2d(&layer, x) } else { layer.forward(x) };
                y.flatten(1, 3)
            })
        }),
        inference: true,
    };
    let up = |name, [c_in, c_out, side]: [usize; 3]| Layer {
        name,
        input: vec![batch, c_in, side, side],
        on: Box::new(move |device| {
            let layer =
                ConvTranspose2dConfig::new([c_in, c_out], [4, 4]).with_stride([2, 2]).with_padding([1, 1]).init(device);
            Box::new(move |x, ours| {
                let x = x.reshape([batch, c_in, side, side]);
                let y = if ours { conv_transpose2d(&layer, x) } else { layer.forward(x) };
                y.flatten(1, 3)
            })
        }),
        inference: true,
    };
    let dense = |name, [inputs, outputs]: [usize; 2]| Layer {
        name,
        input: vec![batch, inputs],
        on: Box::new(move |device| {
            let layer = LinearConfig::new(inputs, outputs).with_bias(false).init(device);
            Box::new(move |x, ours| if ours { linear(&layer, x) } else { layer.forward(x) })
        }),
        inference: true,
    };
    let norm = |name, input: [usize; 4]| Layer {
        name,
        input: input.to_vec(),
        on: Box::new(move |device| {
            let layer = BatchNormConfig::new(input[1]).init(device);
            Box::new(move |x, ours| {
                let x = x.reshape(input);
                let y: Tensor<4> = if ours { batch_norm(&layer, x) } else { layer.forward(x) };
                y.flatten(1, 3)
            })
        }),
        inference: false,
    };
    let pool = |name, input: [usize; 4]| Layer {
        name,
        input: input.to_vec(),
        on: Box::new(move |_| {
            let layer = MaxPool2dConfig::new([2, 2]).init();
            Box::new(move |x, ours| {
                let x = x.reshape(input);
                let y = if ours { relu_max_pool2d(&layer, x) } else { layer.forward(relu(x)) };
                y.flatten(1, 3)
            })
        }),
        inference: true,
    };
    if networks == "dsprites" {
        return (
            batch,
            vec![
                conv("D conv 1->32", [1, 32, 64]),
                conv("D conv 32->32", [32, 32, 32]),
                conv("D conv 32->64", [32, 64, 16]),
                conv("D conv 64->64", [64, 64, 8]),
                dense("D fc 1024->128", [1024, 128]),
                dense("G fc 128->1024", [128, 1024]),
                up("G up 64->64", [64, 64, 4]),
                up("G up 64->32", [64, 32, 8]),
                up("G up 32->32", [32, 32, 16]),
                up("G up 32->1", [32, 1, 32]),
                norm("G bn 32x32x32", [batch, 32, 32, 32]),
            ],
        );
    }
    (
        batch,
        vec![
            conv("D conv 1->64", [1, 64, 28]),
            conv("D conv 64->128", [64, 128, 14]),
            dense("D fc 6272->1024", [6272, 1024]),
            dense("G fc 1024->6272", [1024, 6272]),
            up("G up 128->64", [128, 64, 7]),
            up("G up 64->1", [64, 1, 14]),
            norm("D bn 128x7x7", [batch, 128, 7, 7]),
            norm("G bn 6272", [batch, 6272, 1, 1]),
            norm("G bn 64x14x14", [batch, 64, 14, 14]),
            pool("C relu+pool 32x28", [batch, 32, 28, 28]),
            pool("C relu+pool 64x14", [batch, 64, 14, 14]),
        ],
    )
}

fn main() {
    let options = common::options(&["--networks", "--only"]);
    let networks = options.values.get("--networks").map_or("infogan", String::as_str);
    assert!(["infogan", "dsprites"].contains(&networks), "--networks {networks}: expected infogan or dsprites");
    let only = options.values.get("--only").map_or("", String::as_str);
    let (batch, mut layers) = layers(networks);
    layers.retain(|layer| layer.name.contains(only));
    let budget = if options.quick { Duration::ZERO } else { Duration::from_secs(5) };
    let device = Device::flex();
    let autodiff = device.clone().autodiff();
    println!("flex, {networks} networks, batch {batch}, median ms of Burn's layer and of ours, and their ratio");
    println!("{:<18} {:>9} {:>9} {:>7}   {:>9} {:>9} {:>7}", "layer", "forward", "ours", "", "fwd+bwd", "ours", "");
    for layer in layers {
        let count = layer.input.iter().product::<usize>();
        let x = Tensor::<1>::random([count], Distribution::Normal(0.0, 1.0), &device);
        let (rows, cols) = (layer.input[0], count / layer.input[0]);
        let x = x.reshape([rows, cols]);
        let (plain, tracked) = ((layer.on)(&device), (layer.on)(&autodiff));
        let mut cells = Vec::new();
        for ours in [false, true] {
            let (forward, _) = match layer.inference {
                true => common::time(budget, 3, || drop(plain(x.clone(), ours))),
                false => (Duration::ZERO, 0),
            };
            let x = Tensor::<2>::from_data(x.to_data(), &autodiff);
            let (both, _) = common::time(budget, 3, || {
                let x = x.clone().require_grad();
                let y = tracked(x.clone(), ours);
                let grads = y.sum().backward();
                assert!(x.grad(&grads).is_some(), "the input's gradient");
            });
            cells.push((forward.as_secs_f64() * 1e3, both.as_secs_f64() * 1e3));
        }
        let [(f0, b0), (f1, b1)] = [cells[0], cells[1]];
        let forward = match layer.inference {
            true => format!("{f0:>9.2} {f1:>9.2} {:>6.2}x", f1 / f0),
            false => format!("{:>9} {:>9} {:>7}", "-", "-", "-"),
        };
        println!("{:<18} {forward}   {b0:>9.2} {b1:>9.2} {:>6.2}x", layer.name, b1 / b0);
    }
}
