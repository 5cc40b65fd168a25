//! Burn's 2-D convolution and transposed convolution, with passes of their own on flex.
//!
//! flex's convolution multiplies one image at a time (`[C_out, C_in k k] x [C_in k k, H' W']`,
//! 49 columns for D's second layer) and Burn's default backward passes reformulate each gradient
//! as another convolution with swapped axes. On flex, a backend extension (`flex::ConvOps`) lays
//! the whole batch out once instead (im2col: one row per output position `(b, y, x)`, one column
//! per kernel tap `(c, i, j)`) and runs every pass as one large matrix product over it:
//!
//! | pass                   | convolution                     | transposed convolution            |
//! |------------------------|---------------------------------|-----------------------------------|
//! | forward                | `Y = cols(X) Wᵀ`                | `Y = col2im(X W)`                 |
//! | input gradient         | `dX = col2im(dY W)`             | `dX = cols(dY) Wᵀ`                |
//! | weight gradient        | `dW = dYᵀ cols(X)`              | `dW = Xᵀ cols(dY)`                |
//!
//! with `X`, `Y`, `dY` as `[B H W, C]` matrices (one row per pixel), `W` as `[C_out, C_in k k]`
//! (convolution) or `[C_in, C_out k k]` (transposed), and col2im the adjoint of im2col (each row's
//! taps added back onto the pixels they were read from). The products are [`crate::product`]'s.
//! Over planes of fewer than 256 output pixels, a convolution whose weight takes a gradient
//! keeps `cols(X)` from its forward pass for `dW`, and a transposed one builds `cols(dY)` once for
//! both of its gradients. Over larger planes (dSprites' 32 x 32 and 16 x 16 layers) the products
//! run one image at a time and each image's columns are built where a product reads them, in
//! the cache: building them twice costs less than writing a batch of them to memory and
//! reading it back (a dSprites step took 0.82-0.87x the time). Where the kernel is a multiple of
//! the stride and both sides have 16+ channels (dSprites' 32→32 layers), those passes build no
//! columns at all: [`polyphase`] splits each image into its stride phases once and runs one
//! product per kernel tap over them, which `gemm` reads in place (a dSprites step took about
//! 0.85x the time).
//! On a CPU with AVX-512, every pass whose output has a multiple of 16 channels (a forward
//! pass's `C_out`, an input gradient's `C_in`, a weight gradient's `C_out`) runs none of these:
//! [`direct`]'s kernel reads the zero-padded images in place as the product's left operand, with
//! no columns and no packing, over small planes as over large ones (MNIST's 64→128 and 128→64
//! layers, all of dSprites' but G's last; an MNIST step took 0.80-0.89x the time).
//! The values equal Burn's to float rounding: the sums run in another order. `cargo bench -p
//! hsic-infogan-flex-ops --bench layers` times each layer against Burn's: at batch 100 on the
//! 2-core development VM, D's 64→128 layer took 0.52x Burn's time forward and 0.53x forward and
//! backward, G's 128→64 transposed one 0.94x and 0.59x.
//! Elsewhere (ndarray, wgpu, CUDA, f64), and for groups, dilation or asymmetric padding
//! (including `Same` with a stride or an even kernel), the layers run Burn's own passes.

use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::prelude::*;
#[cfg(feature = "flex")]
use burn::{module::Param, nn::PaddingConfig2d, tensor::DType};

#[cfg(feature = "flex")]
mod direct;
#[cfg(feature = "flex")]
mod flex;
#[cfg(feature = "flex")]
mod im2col;
#[cfg(feature = "flex")]
mod polyphase;

/// `layer.forward(x)`; one batch-wide product per pass for f32 on flex.
pub fn conv2d(layer: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    if let Some(window) = conv2d_window(layer, &x) {
        return with_bias(flex::conv2d(x, layer.weight.val(), window), layer.bias.as_ref(), None);
    }
    layer.forward(x)
}

/// `leaky_relu(layer.forward(x), slope)`; on flex, the bias add and the activation run as one
/// pass over the convolution's output, in its buffer (see [`crate::leaky_relu`]).
pub fn conv2d_leaky_relu(layer: &Conv2d, x: Tensor<4>, slope: f64) -> Tensor<4> {
    #[cfg(feature = "flex")]
    if let Some(window) = conv2d_window(layer, &x) {
        return with_bias(flex::conv2d(x, layer.weight.val(), window), layer.bias.as_ref(), Some(slope));
    }
    crate::leaky_relu(layer.forward(x), slope)
}

/// `layer.forward(x)`; one batch-wide product per pass for f32 on flex.
pub fn conv_transpose2d(layer: &ConvTranspose2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    if let Some(window) = conv_transpose2d_window(layer, &x) {
        return with_bias(flex::conv_transpose2d(x, layer.weight.val(), window), layer.bias.as_ref(), None);
    }
    layer.forward(x)
}

/// `leaky_relu(layer.forward(x), slope)`, as [`conv2d_leaky_relu`].
pub fn conv_transpose2d_leaky_relu(layer: &ConvTranspose2d, x: Tensor<4>, slope: f64) -> Tensor<4> {
    #[cfg(feature = "flex")]
    if let Some(window) = conv_transpose2d_window(layer, &x) {
        let y = flex::conv_transpose2d(x, layer.weight.val(), window);
        return with_bias(y, layer.bias.as_ref(), Some(slope));
    }
    crate::leaky_relu(layer.forward(x), slope)
}

/// The window of the convolution's passes on flex, where they apply to `x`.
#[cfg(feature = "flex")]
fn conv2d_window(layer: &Conv2d, x: &Tensor<4>) -> Option<im2col::Window> {
    let padding = symmetric_padding(layer)?;
    let applies = layer.groups == 1 && layer.dilation == [1, 1] && flex_f32(x);
    applies.then_some(im2col::Window { kernel: layer.kernel_size, stride: layer.stride, padding })
}

/// The window of the transposed convolution's passes on flex, where they apply to `x`.
#[cfg(feature = "flex")]
fn conv_transpose2d_window(layer: &ConvTranspose2d, x: &Tensor<4>) -> Option<im2col::Window> {
    let applies = layer.groups == 1 && layer.dilation == [1, 1] && layer.padding_out == [0, 0] && flex_f32(x);
    applies.then_some(im2col::Window { kernel: layer.kernel_size, stride: layer.stride, padding: layer.padding })
}

#[cfg(feature = "flex")]
fn flex_f32(x: &Tensor<4>) -> bool {
    x.dtype() == DType::F32 && crate::is_flex(&x.device())
}

/// `[top, left]` where the padding is the same on opposite sides. `Same` pads `k - 1` in all at
/// stride 1, split evenly where the kernel is odd (Burn puts the odd pixel at the end).
#[cfg(feature = "flex")]
fn symmetric_padding(layer: &Conv2d) -> Option<[usize; 2]> {
    match layer.padding {
        PaddingConfig2d::Valid => Some([0, 0]),
        PaddingConfig2d::Same if layer.stride == [1, 1] && layer.kernel_size.iter().all(|k| k % 2 == 1) => {
            Some(layer.kernel_size.map(|k| (k - 1) / 2))
        }
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => Some([top, left]),
        _ => None,
    }
}

/// `y + b` with `b` broadcast over batch and pixels, then leaky ReLU where there is a slope: one
/// pass ([`crate::leaky_relu`]'s), or none for neither.
#[cfg(feature = "flex")]
fn with_bias(y: Tensor<4>, bias: Option<&Param<Tensor<1>>>, slope: Option<f64>) -> Tensor<4> {
    match (bias, slope) {
        (None, None) => y,
        (bias, slope) => crate::leaky_relu::biased(y, bias.map(Param::val), slope.unwrap_or(1.0)),
    }
}
