//! The layers' flex passes (`conv2d`, `conv_transpose2d`, the two followed by leaky ReLU,
//! `linear`, `batch_norm`) against brute-force sums in f64 and against Burn's own layers, forward
//! and every gradient.

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::leaky_relu as burns_leaky_relu;
use burn::tensor::{Distribution, TensorData};
use hsic_infogan_flex_ops::{
    batch_norm, conv_transpose2d, conv_transpose2d_leaky_relu, conv2d, conv2d_leaky_relu, leaky_relu, linear,
};
use rand::{SeedableRng, rngs::StdRng};

fn autodiff_flex() -> Device {
    Device::flex().autodiff()
}

/// `n` draws from N(0, 1), the same for the same `seed`.
fn samples(n: usize, seed: u64) -> Vec<f32> {
    let normal = Distribution::Normal(0.0, 1.0);
    TensorData::random::<f32, _, _>([n], normal, &mut StdRng::seed_from_u64(seed)).try_into_vec().unwrap()
}

fn tensor<const D: usize>(values: &[f32], shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().convert::<f64>().try_to_vec().unwrap()
}

/// One geometry: `[batch, c_in, height, width]` input, `c_out`, kernel, stride, padding.
#[derive(Clone, Copy, Debug)]
struct Case {
    input: [usize; 4],
    c_out: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
}

/// InfoGAN's 4x4/2/1 layers (one input channel as D's first), a 3x3 stride 1 one with a kernel
/// wider than the padding needs on one axis, a strided one that skips input pixels, and one
/// whose planes are large enough (over 256 pixels) for the passes that run a product per image,
/// with more images than one partial sum of the weight gradient takes (4); then two with 16+
/// channels on both sides, InfoGAN's 4x4/2/1 and a 4x2 kernel at stride 2 with padding 2 on one
/// axis only that skips the input's last column. Passes whose output side has a multiple of 16
/// channels run the direct AVX-512 kernel where the CPU has it: these, and four more, over small
/// planes (7 x 7 out), with a kernel that is not a multiple of the stride, at stride 1 with 48
/// channels, and from one channel. The rest, and the 24 channels of the next, take a product per
/// kernel tap over the input's phases over large planes. The next pads wider than its kernel:
/// its outermost outputs read padding alone. The last is strided wider than its kernel with 16
/// channels on both sides: its input gradient has pixels that no tap reaches (a phase without
/// taps, whose rows the direct pass must zero).
const CASES: [Case; 14] = [
    Case { input: [3, 1, 8, 8], c_out: 5, kernel: [4, 4], stride: [2, 2], padding: [1, 1] },
    Case { input: [2, 6, 6, 6], c_out: 4, kernel: [4, 4], stride: [2, 2], padding: [1, 1] },
    Case { input: [2, 3, 5, 7], c_out: 4, kernel: [3, 2], stride: [1, 1], padding: [1, 0] },
    Case { input: [2, 2, 9, 7], c_out: 3, kernel: [2, 3], stride: [3, 2], padding: [0, 1] },
    Case { input: [5, 2, 32, 34], c_out: 3, kernel: [4, 4], stride: [2, 2], padding: [1, 1] },
    Case { input: [5, 16, 32, 32], c_out: 16, kernel: [4, 4], stride: [2, 2], padding: [1, 1] },
    Case { input: [2, 17, 35, 33], c_out: 16, kernel: [4, 2], stride: [2, 2], padding: [2, 0] },
    Case { input: [3, 32, 14, 14], c_out: 32, kernel: [4, 4], stride: [2, 2], padding: [1, 1] },
    Case { input: [2, 16, 9, 8], c_out: 16, kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
    Case { input: [2, 16, 6, 5], c_out: 48, kernel: [3, 2], stride: [1, 1], padding: [1, 0] },
    Case { input: [2, 1, 12, 12], c_out: 32, kernel: [4, 4], stride: [2, 2], padding: [1, 1] },
    Case { input: [2, 24, 34, 32], c_out: 24, kernel: [4, 4], stride: [2, 2], padding: [1, 1] },
    Case { input: [2, 16, 3, 4], c_out: 16, kernel: [1, 2], stride: [1, 1], padding: [2, 2] },
    Case { input: [2, 16, 9, 7], c_out: 16, kernel: [2, 3], stride: [3, 2], padding: [0, 1] },
];

impl Case {
    fn output(&self) -> [usize; 2] {
        std::array::from_fn(|d| (self.input[2 + d] + 2 * self.padding[d] - self.kernel[d]) / self.stride[d] + 1)
    }

    /// Every `(input pixel, output pixel, kernel tap)` that a convolution with this geometry
    /// multiplies: `((b, y, x), (b, oy, ox), (i, j))`, channels left to the caller.
    fn terms(&self) -> Vec<([usize; 3], [usize; 3], [usize; 2])> {
        let [batch, _, height, width] = self.input;
        let [out_h, out_w] = self.output();
        let mut terms = Vec::new();
        for b in 0..batch {
            for (oy, ox) in (0..out_h).flat_map(|oy| (0..out_w).map(move |ox| (oy, ox))) {
                for (i, j) in (0..self.kernel[0]).flat_map(|i| (0..self.kernel[1]).map(move |j| (i, j))) {
                    let y = (oy * self.stride[0] + i).checked_sub(self.padding[0]).filter(|&y| y < height);
                    let x = (ox * self.stride[1] + j).checked_sub(self.padding[1]).filter(|&x| x < width);
                    if let (Some(y), Some(x)) = (y, x) {
                        terms.push(([b, y, x], [b, oy, ox], [i, j]));
                    }
                }
            }
        }
        terms
    }
}

/// `(y, dx, dw, db)` of `L = sum(r * f(x))`, all flattened, in f64.
type Passes = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// The convolution `y[b, o, oy, ox] = sum x[b, c, y, x] w[o, c, i, j] + bias[o]` and its
/// gradients, summed term by term in f64.
fn reference_conv(case: Case, x: &[f32], w: &[f32], r: &[f32]) -> Passes {
    let [batch, c_in, height, width] = case.input;
    let ([out_h, out_w], [kh, kw]) = (case.output(), case.kernel);
    let xi = |[b, y, x]: [usize; 3], c: usize| ((b * c_in + c) * height + y) * width + x;
    let yi = |[b, y, x]: [usize; 3], o: usize| ((b * case.c_out + o) * out_h + y) * out_w + x;
    let wi = |o: usize, c: usize, [i, j]: [usize; 2]| ((o * c_in + c) * kh + i) * kw + j;
    let (mut y, mut dx, mut dw) =
        (vec![0.0; batch * case.c_out * out_h * out_w], vec![0.0; x.len()], vec![0.0; w.len()]);
    for (input, output, tap) in case.terms() {
        for (o, c) in (0..case.c_out).flat_map(|o| (0..c_in).map(move |c| (o, c))) {
            let (xv, wv, rv) = (f64::from(x[xi(input, c)]), f64::from(w[wi(o, c, tap)]), f64::from(r[yi(output, o)]));
            y[yi(output, o)] += xv * wv;
            dx[xi(input, c)] += rv * wv;
            dw[wi(o, c, tap)] += rv * xv;
        }
    }
    let db = channel_sums(r, batch, case.c_out);
    let y = y.iter().enumerate().map(|(k, v)| v + bias_value((k / (out_h * out_w)) % case.c_out)).collect();
    (y, dx, dw, db)
}

/// The transposed convolution (the convolution's input gradient, from its output side `x` to
/// its input side `y`) with weight `[c_in, c_out, kh, kw]`, summed term by term in f64. Here
/// `case.input` gives `y`'s side and `x` has `case.output()`'s.
fn reference_transposed(case: Case, x: &[f32], w: &[f32], r: &[f32]) -> Passes {
    let [batch, c_out, height, width] = case.input;
    let c_in = case.c_out;
    let ([in_h, in_w], [kh, kw]) = (case.output(), case.kernel);
    let xi = |[b, y, x]: [usize; 3], c: usize| ((b * c_in + c) * in_h + y) * in_w + x;
    let yi = |[b, y, x]: [usize; 3], o: usize| ((b * c_out + o) * height + y) * width + x;
    let wi = |c: usize, o: usize, [i, j]: [usize; 2]| ((c * c_out + o) * kh + i) * kw + j;
    let (mut y, mut dx, mut dw) = (vec![0.0; batch * c_out * height * width], vec![0.0; x.len()], vec![0.0; w.len()]);
    for (big, small, tap) in case.terms() {
        for (c, o) in (0..c_in).flat_map(|c| (0..c_out).map(move |o| (c, o))) {
            let (xv, wv, rv) = (f64::from(x[xi(small, c)]), f64::from(w[wi(c, o, tap)]), f64::from(r[yi(big, o)]));
            y[yi(big, o)] += xv * wv;
            dx[xi(small, c)] += rv * wv;
            dw[wi(c, o, tap)] += rv * xv;
        }
    }
    let db = channel_sums(r, batch, c_out);
    let y = y.iter().enumerate().map(|(k, v)| v + bias_value((k / (height * width)) % c_out)).collect();
    (y, dx, dw, db)
}

/// The leaky ReLU slope of InfoGAN's D.
const SLOPE: f64 = 0.1;

/// A layer's passes followed by leaky ReLU, from the layer's `passes(r)`: `y = leaky(t)` of its
/// output `t`, and its gradients at `r leaky'(t)`.
fn with_leaky_relu(passes: impl Fn(&[f32]) -> Passes, r: &[f32]) -> Passes {
    let t = passes(r).0;
    let slope = |t: f64| if t < 0.0 { SLOPE } else { 1.0 };
    let r: Vec<f32> = r.iter().zip(&t).map(|(&r, &t)| (slope(t) * f64::from(r)) as f32).collect();
    let (_, dx, dw, db) = passes(&r);
    (t.iter().map(|&t| slope(t) * t).collect(), dx, dw, db)
}

/// Fused and composed give the same output and gradients bit for bit.
fn assert_same_bits(what: &str, fused: &Passes, composed: &Passes) {
    assert_eq!(fused.0, composed.0, "{what}: y");
    assert_eq!(fused.1, composed.1, "{what}: dx");
    assert_eq!(fused.2, composed.2, "{what}: dw");
    assert_eq!(fused.3, composed.3, "{what}: db");
}

/// The layers' bias, `0.1 (o + 1)`, and its gradient `sum r` over batch and pixels.
fn bias_value(o: usize) -> f64 {
    0.1 * (o + 1) as f64
}

fn channel_sums(r: &[f32], batch: usize, channels: usize) -> Vec<f64> {
    let plane = r.len() / (batch * channels);
    (0..channels)
        .map(|o| (0..batch).flat_map(|b| &r[(b * channels + o) * plane..][..plane]).map(|&v| f64::from(v)).sum())
        .collect()
}

fn bias(channels: usize, device: &Device) -> Param<Tensor<1>> {
    let values: Vec<f32> = (0..channels).map(|o| bias_value(o) as f32).collect();
    Param::from_tensor(tensor(&values, [channels], device))
}

fn conv_layer(case: Case, w: &[f32], device: &Device) -> Conv2d {
    let [_, c_in, ..] = case.input;
    let [ph, pw] = case.padding;
    let mut layer = Conv2dConfig::new([c_in, case.c_out], case.kernel)
        .with_stride(case.stride)
        .with_padding(PaddingConfig2d::Explicit(ph, pw, ph, pw))
        .init(device);
    layer.weight = Param::from_tensor(tensor(w, [case.c_out, c_in, case.kernel[0], case.kernel[1]], device));
    layer.bias = Some(bias(case.c_out, device));
    layer
}

fn transposed_layer(case: Case, w: &[f32], device: &Device) -> ConvTranspose2d {
    let [_, c_out, ..] = case.input;
    let mut layer = ConvTranspose2dConfig::new([case.c_out, c_out], case.kernel)
        .with_stride(case.stride)
        .with_padding(case.padding)
        .init(device);
    layer.weight = Param::from_tensor(tensor(w, [case.c_out, c_out, case.kernel[0], case.kernel[1]], device));
    layer.bias = Some(bias(c_out, device));
    layer
}

/// `(y, dx, dw, db)` of `L = sum(r * f(x))` through a layer with weight and bias parameters.
fn passes(f: impl Fn(Tensor<4>) -> Tensor<4>, x: Tensor<4>, r: &[f32], weight: Tensor<4>, bias: Tensor<1>) -> Passes {
    let device = x.device();
    let x = x.require_grad();
    let y = f(x.clone());
    let grads = (y.clone() * tensor(r, y.dims(), &device)).sum().backward();
    let grad = |t: Option<Tensor<4>>| values(t.expect("a gradient"));
    (values(y), grad(x.grad(&grads)), grad(weight.grad(&grads)), values(bias.grad(&grads).expect("a gradient")))
}

/// Within 1e-5 of the largest expected magnitude (f32 sums in another order).
fn assert_close(what: &str, ours: &[f64], expected: &[f64]) {
    assert_eq!(ours.len(), expected.len(), "{what}: length");
    let scale = expected.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (k, (a, b)) in ours.iter().zip(expected).enumerate() {
        assert!((a - b).abs() <= 1e-5 * scale, "{what} at {k}: {a} against {b}");
    }
}

fn check(what: &str, case: Case, ours: &Passes, expected: &Passes) {
    assert_close(&format!("{what} of {case:?}: y"), &ours.0, &expected.0);
    assert_close(&format!("{what} of {case:?}: dx"), &ours.1, &expected.1);
    assert_close(&format!("{what} of {case:?}: dw"), &ours.2, &expected.2);
    assert_close(&format!("{what} of {case:?}: db"), &ours.3, &expected.3);
}

#[test]
fn conv2d_matches_the_sum_in_f64_and_burns_layer() {
    let device = autodiff_flex();
    for (seed, case) in (0..).zip(CASES) {
        let [batch, c_in, height, width] = case.input;
        let [out_h, out_w] = case.output();
        let x = samples(batch * c_in * height * width, seed);
        let w = samples(case.c_out * c_in * case.kernel[0] * case.kernel[1], seed + 10);
        let r = samples(batch * case.c_out * out_h * out_w, seed + 20);
        let expected = reference_conv(case, &x, &w, &r);
        let activated = with_leaky_relu(|r| reference_conv(case, &x, &w, r), &r);
        let run = |f: &dyn Fn(&Conv2d, Tensor<4>) -> Tensor<4>| {
            let layer = conv_layer(case, &w, &device);
            let (weight, bias) = (layer.weight.val(), layer.bias.as_ref().unwrap().val());
            passes(|x| f(&layer, x), tensor(&x, case.input, &device), &r, weight, bias)
        };
        check("ours", case, &run(&conv2d), &expected);
        check("Burn's", case, &run(&|layer, x| layer.forward(x)), &expected);
        let fused = run(&|layer, x| conv2d_leaky_relu(layer, x, SLOPE));
        check("ours with leaky ReLU", case, &fused, &activated);
        check("Burn's with leaky ReLU", case, &run(&|layer, x| burns_leaky_relu(layer.forward(x), SLOPE)), &activated);
        let composed = run(&|layer, x| leaky_relu(conv2d(layer, x), SLOPE));
        assert_same_bits(&format!("{case:?} with leaky ReLU"), &fused, &composed);
    }
}

/// `Same` padding at stride 1 with an odd kernel (the classifier's 3x3 layers) runs our passes:
/// bit for bit what the same layer with explicit padding 1 gives, where Burn's sums differ.
#[test]
fn same_padding_takes_our_passes() {
    let device = autodiff_flex();
    let case = Case { input: [2, 3, 7, 7], c_out: 4, kernel: [3, 3], stride: [1, 1], padding: [1, 1] };
    let [batch, c_in, height, width] = case.input;
    let x = samples(batch * c_in * height * width, 40);
    let w = samples(case.c_out * c_in * 9, 41);
    let r = samples(batch * case.c_out * height * width, 42);
    let run = |padding: PaddingConfig2d, ours: bool| {
        let mut layer = conv_layer(case, &w, &device);
        layer.padding = padding;
        let (weight, bias) = (layer.weight.val(), layer.bias.as_ref().unwrap().val());
        let f = |x| if ours { conv2d(&layer, x) } else { layer.forward(x) };
        passes(f, tensor(&x, case.input, &device), &r, weight, bias)
    };
    let same = run(PaddingConfig2d::Same, true);
    check("Same", case, &same, &reference_conv(case, &x, &w, &r));
    assert_eq!(same, run(PaddingConfig2d::Explicit(1, 1, 1, 1), true), "Same and explicit padding 1 differ");
    assert_ne!(same, run(PaddingConfig2d::Same, false), "Burn's passes gave the same bits: which ran?");
}

#[test]
fn conv_transpose2d_matches_the_sum_in_f64_and_burns_layer() {
    let device = autodiff_flex();
    for (seed, case) in (0..).zip(CASES) {
        let [batch, c_out, ..] = case.input;
        let [in_h, in_w] = case.output();
        // A transposed convolution restores the convolution's input side only where the stride
        // divides it exactly; elsewhere its output is shorter (Burn's `padding_out` adds the rest).
        let side: [usize; 2] =
            std::array::from_fn(|d| (case.output()[d] - 1) * case.stride[d] + case.kernel[d] - 2 * case.padding[d]);
        let case = Case { input: [batch, c_out, side[0], side[1]], ..case };
        let x = samples(batch * case.c_out * in_h * in_w, seed);
        let w = samples(case.c_out * c_out * case.kernel[0] * case.kernel[1], seed + 10);
        let r = samples(batch * c_out * side[0] * side[1], seed + 20);
        let expected = reference_transposed(case, &x, &w, &r);
        let activated = with_leaky_relu(|r| reference_transposed(case, &x, &w, r), &r);
        let run = |f: &dyn Fn(&ConvTranspose2d, Tensor<4>) -> Tensor<4>| {
            let layer = transposed_layer(case, &w, &device);
            let (weight, bias) = (layer.weight.val(), layer.bias.as_ref().unwrap().val());
            passes(|x| f(&layer, x), tensor(&x, [batch, case.c_out, in_h, in_w], &device), &r, weight, bias)
        };
        check("ours", case, &run(&conv_transpose2d), &expected);
        check("Burn's", case, &run(&|layer, x| layer.forward(x)), &expected);
        let fused = run(&|layer, x| conv_transpose2d_leaky_relu(layer, x, SLOPE));
        check("ours with leaky ReLU", case, &fused, &activated);
        check("Burn's with leaky ReLU", case, &run(&|layer, x| burns_leaky_relu(layer.forward(x), SLOPE)), &activated);
        let composed = run(&|layer, x| leaky_relu(conv_transpose2d(layer, x), SLOPE));
        assert_same_bits(&format!("{case:?} transposed, with leaky ReLU"), &fused, &composed);
    }
}

/// With frozen weights (D in G's step) only the input takes a gradient, and without autodiff
/// the forward pass alone runs; both give the same values as the full pass.
#[test]
fn frozen_conv_weights_and_inference_give_the_same_values() {
    let case = CASES[1];
    let [batch, c_in, height, width] = case.input;
    let x = samples(batch * c_in * height * width, 5);
    let w = samples(case.c_out * c_in * 16, 6);
    let [out_h, out_w] = case.output();
    let r = samples(batch * case.c_out * out_h * out_w, 7);
    let plain = reference_conv(case, &x, &w, &r);
    let activated = with_leaky_relu(|r| reference_conv(case, &x, &w, r), &r);
    let (fused, composed) = (|l: &Conv2d, x| conv2d_leaky_relu(l, x, SLOPE), |l: &Conv2d, x| conv2d(l, x));
    for (what, f, expected) in
        [("conv", &composed as &dyn Fn(&Conv2d, Tensor<4>) -> Tensor<4>, &plain), ("fused", &fused, &activated)]
    {
        let device = autodiff_flex();
        let layer = conv_layer(case, &w, &device).no_grad();
        let input = tensor(&x, case.input, &device).require_grad();
        let y = f(&layer, input.clone());
        let grads = (y.clone() * tensor(&r, y.dims(), &device)).sum().backward();
        assert!(layer.weight.val().grad(&grads).is_none(), "{what}: a frozen weight takes no gradient");
        assert!(layer.bias.as_ref().unwrap().val().grad(&grads).is_none(), "{what}: nor a frozen bias");
        assert_close(&format!("frozen {what}: dx"), &values(input.grad(&grads).unwrap()), &expected.1);
        assert_close(&format!("frozen {what}: y"), &values(y), &expected.0);

        let device = Device::flex();
        let y = f(&conv_layer(case, &w, &device), tensor(&x, case.input, &device));
        assert_close(&format!("{what} inference: y"), &values(y), &expected.0);
    }
}

fn linear_layer(w: &[f32], [inputs, outputs]: [usize; 2], bias: bool, device: &Device) -> Linear {
    let mut layer = LinearConfig::new(inputs, outputs).with_bias(bias).init(device);
    layer.weight = Param::from_tensor(tensor(w, [inputs, outputs], device));
    layer.bias = bias.then(|| Param::from_tensor(tensor(&samples(outputs, 99), [outputs], device)));
    layer
}

/// `(y, dx, dw)` of `L = sum(r * (x W + b))` in f64, `W` `[in, out]` row-major.
fn reference_linear(
    x: &[f32],
    w: &[f32],
    r: &[f32],
    b: Option<&[f32]>,
    [batch, inputs, outputs]: [usize; 3],
) -> [Vec<f64>; 3] {
    let f = |v: &[f32], k: usize| f64::from(v[k]);
    let y = (0..batch * outputs)
        .map(|k| (k / outputs, k % outputs))
        .map(|(n, o)| {
            (0..inputs).map(|i| f(x, n * inputs + i) * f(w, i * outputs + o)).sum::<f64>() + b.map_or(0.0, |b| f(b, o))
        })
        .collect();
    let dx = (0..batch * inputs)
        .map(|k| (k / inputs, k % inputs))
        .map(|(n, i)| (0..outputs).map(|o| f(r, n * outputs + o) * f(w, i * outputs + o)).sum())
        .collect();
    let dw = (0..inputs * outputs)
        .map(|k| (k / outputs, k % outputs))
        .map(|(i, o)| (0..batch).map(|n| f(x, n * inputs + i) * f(r, n * outputs + o)).sum())
        .collect();
    [y, dx, dw]
}

#[test]
fn linear_matches_the_sum_in_f64_and_burns_layer() {
    let device = autodiff_flex();
    // D's trunk in miniature, a wide layer (large enough for several threads), a 1-wide output.
    for (seed, [batch, inputs, outputs], bias) in
        [(0, [7, 12, 5], false), (1, [20, 300, 260], true), (2, [9, 16, 1], true)]
    {
        let (x, w, r) =
            (samples(batch * inputs, seed), samples(inputs * outputs, seed + 10), samples(batch * outputs, seed + 20));
        for ours in [true, false] {
            let layer = linear_layer(&w, [inputs, outputs], bias, &device);
            let bias_values = layer.bias.as_ref().map(|b| b.val().into_data().try_to_vec::<f32>().unwrap());
            let expected = reference_linear(&x, &w, &r, bias_values.as_deref(), [batch, inputs, outputs]);
            let input = tensor(&x, [batch, inputs], &device).require_grad();
            let y = if ours { linear(&layer, input.clone()) } else { layer.forward(input.clone()) };
            let grads = (y.clone() * tensor(&r, [batch, outputs], &device)).sum().backward();
            let what = format!("{} layer {batch}x{inputs}->{outputs}", if ours { "our" } else { "Burn's" });
            assert_close(&format!("{what}: y"), &values(y), &expected[0]);
            assert_close(&format!("{what}: dx"), &values(input.grad(&grads).unwrap()), &expected[1]);
            assert_close(&format!("{what}: dw"), &values(layer.weight.val().grad(&grads).unwrap()), &expected[2]);
            if let Some(b) = &layer.bias {
                let db: Vec<f64> =
                    (0..outputs).map(|o| (0..batch).map(|n| f64::from(r[n * outputs + o])).sum()).collect();
                assert_close(&format!("{what}: db"), &values(b.val().grad(&grads).unwrap()), &db);
            }
        }
    }
}

/// A frozen layer (D in G's step) passes the input gradient only; without autodiff the forward
/// product alone runs.
#[test]
fn frozen_linear_weights_and_inference_give_the_same_values() {
    let [batch, inputs, outputs] = [6, 10, 4];
    let (x, w, r) = (samples(batch * inputs, 3), samples(inputs * outputs, 4), samples(batch * outputs, 5));
    let expected = reference_linear(&x, &w, &r, None, [batch, inputs, outputs]);
    let device = autodiff_flex();
    let frozen = linear_layer(&w, [inputs, outputs], false, &device).no_grad();
    let input = tensor(&x, [batch, inputs], &device).require_grad();
    let y = linear(&frozen, input.clone());
    let grads = (y.clone() * tensor(&r, [batch, outputs], &device)).sum().backward();
    assert!(frozen.weight.val().grad(&grads).is_none(), "a frozen weight takes no gradient");
    assert_close("frozen linear: dx", &values(input.grad(&grads).unwrap()), &expected[1]);
    let plain = Device::flex();
    let y = linear(&linear_layer(&w, [inputs, outputs], false, &plain), tensor(&x, [batch, inputs], &plain));
    assert_close("linear inference: y", &values(y), &expected[0]);
}

/// Batch norm in training mode, `L = sum(r * y)`, in f64: `(y, dx, dγ, dβ, running mean,
/// running variance)` after one step from Burn's initial running statistics (0 and 1, momentum
/// 0.1). `x` is `[batch, channels, size]` flattened.
fn reference_batch_norm(
    x: &[f32],
    r: &[f32],
    gamma: &[f32],
    beta: &[f32],
    [batch, channels, size]: [usize; 3],
) -> [Vec<f64>; 6] {
    let at = |n: usize, c: usize, s: usize| (n * channels + c) * size + s;
    let count = (batch * size) as f64;
    let each = |c: usize| (0..batch).flat_map(move |n| (0..size).map(move |s| at(n, c, s)));
    let mean: Vec<f64> = (0..channels).map(|c| each(c).map(|k| f64::from(x[k])).sum::<f64>() / count).collect();
    let var: Vec<f64> =
        (0..channels).map(|c| each(c).map(|k| (f64::from(x[k]) - mean[c]).powi(2)).sum::<f64>() / count).collect();
    let inv: Vec<f64> = var.iter().map(|v| 1.0 / (v + 1e-5).sqrt()).collect();
    let channel = |k: usize| (k / size) % channels;
    let xhat = |k: usize| (f64::from(x[k]) - mean[channel(k)]) * inv[channel(k)];
    let y = (0..x.len()).map(|k| f64::from(gamma[channel(k)]) * xhat(k) + f64::from(beta[channel(k)])).collect();
    let dbeta: Vec<f64> = (0..channels).map(|c| each(c).map(|k| f64::from(r[k])).sum()).collect();
    let dgamma: Vec<f64> = (0..channels).map(|c| each(c).map(|k| f64::from(r[k]) * xhat(k)).sum()).collect();
    let dx = (0..x.len())
        .map(|k| {
            let c = channel(k);
            f64::from(gamma[c]) * inv[c] * (f64::from(r[k]) - dbeta[c] / count - xhat(k) * dgamma[c] / count)
        })
        .collect();
    let running_mean = mean.iter().map(|m| 0.1 * m).collect();
    let running_var = var.iter().map(|v| 0.9 + 0.1 * v).collect();
    [y, dx, dgamma, dbeta, running_mean, running_var]
}

fn batch_norm_layer(gamma: &[f32], beta: &[f32], device: &Device) -> BatchNorm {
    let mut layer = BatchNormConfig::new(gamma.len()).init(device);
    layer.gamma = Param::from_tensor(tensor(gamma, [gamma.len()], device));
    layer.beta = Param::from_tensor(tensor(beta, [beta.len()], device));
    layer
}

/// D's and G's shapes in miniature, `[batch, channels]` and `[batch, channels, h, w]`, one of
/// them offset far from zero (where `Σ x² / M - μ²` would lose the variance to rounding).
#[test]
fn batch_norm_matches_the_sum_in_f64_and_burns_layer() {
    let device = autodiff_flex();
    for (seed, [batch, channels, h, w], offset) in
        [(0, [6, 5, 1, 1], 0.0), (1, [4, 3, 5, 2], 0.0), (2, [3, 4, 3, 3], 300.0), (3, [2, 70, 1, 1], 0.0)]
    {
        let size = h * w;
        let x: Vec<f32> = samples(batch * channels * size, seed).iter().map(|v| v * 2.0 + offset).collect();
        let r = samples(x.len(), seed + 10);
        let (gamma, beta) = (samples(channels, seed + 20), samples(channels, seed + 30));
        let expected = reference_batch_norm(&x, &r, &gamma, &beta, [batch, channels, size]);
        for ours in [true, false] {
            let layer = batch_norm_layer(&gamma, &beta, &device);
            let input = tensor(&x, [batch, channels, h, w], &device).require_grad();
            let y = if ours { batch_norm(&layer, input.clone()) } else { layer.forward(input.clone()) };
            let grads = (y.clone() * tensor(&r, y.dims(), &device)).sum().backward();
            let what = format!(
                "{} batch norm of [{batch}, {channels}, {h}, {w}] + {offset}",
                if ours { "our" } else { "Burn's" }
            );
            assert_close(&format!("{what}: y"), &values(y), &expected[0]);
            assert_close(&format!("{what}: dx"), &values(input.grad(&grads).unwrap()), &expected[1]);
            assert_close(&format!("{what}: dgamma"), &values(layer.gamma.val().grad(&grads).unwrap()), &expected[2]);
            assert_close(&format!("{what}: dbeta"), &values(layer.beta.val().grad(&grads).unwrap()), &expected[3]);
            assert_close(&format!("{what}: running mean"), &values(layer.running_mean.value_sync()), &expected[4]);
            assert_close(&format!("{what}: running variance"), &values(layer.running_var.value_sync()), &expected[5]);
        }
    }
}

/// A frozen layer (D in G's step) still normalises by the batch and passes the input gradient
/// only; on a 2-D input that is one sample per row.
#[test]
fn frozen_batch_norm_passes_the_input_gradient_only() {
    let [batch, channels] = [8, 6];
    let (x, r) = (samples(batch * channels, 40), samples(batch * channels, 41));
    let (gamma, beta) = (samples(channels, 42), samples(channels, 43));
    let expected = reference_batch_norm(&x, &r, &gamma, &beta, [batch, channels, 1]);
    let device = autodiff_flex();
    let frozen = batch_norm_layer(&gamma, &beta, &device).no_grad();
    let input = tensor(&x, [batch, channels], &device).require_grad();
    let y = batch_norm(&frozen, input.clone());
    let grads = (y.clone() * tensor(&r, [batch, channels], &device)).sum().backward();
    assert!(
        frozen.gamma.val().grad(&grads).is_none() && frozen.beta.val().grad(&grads).is_none(),
        "frozen γ and β take no gradient"
    );
    assert_close("frozen batch norm: y", &values(y), &expected[0]);
    assert_close("frozen batch norm: dx", &values(input.grad(&grads).unwrap()), &expected[1]);
}
