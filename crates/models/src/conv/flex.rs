//! The convolution passes on flex (see the table in [`super`]), as a backend extension with
//! their autodiff step.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::prelude::*;
use burn_flex::{Flex, FlexTensor};

use super::im2col::{Images, Window, col2im, from_rows, im2col, to_rows};
use crate::product::{Matrix, Order, product, reorder, tensor, values};

/// [`ConvOps::im2col_conv2d`] on a Burn tensor: `x` f32 on flex, `weight` `[C_out, C_in, kh, kw]`.
pub(super) fn conv2d(x: Tensor<4>, weight: Tensor<4>, window: Window) -> Tensor<4> {
    Tensor::from_dispatch(Dispatch::im2col_conv2d(x.into_dispatch(), weight.into_dispatch(), window))
}

/// [`ConvOps::im2col_conv_transpose2d`] on a Burn tensor: `weight` `[C_in, C_out, kh, kw]`.
pub(super) fn conv_transpose2d(x: Tensor<4>, weight: Tensor<4>, window: Window) -> Tensor<4> {
    Tensor::from_dispatch(Dispatch::im2col_conv_transpose2d(x.into_dispatch(), weight.into_dispatch(), window))
}

/// One pass each of a convolution and of a transposed one, NCHW, groups 1, dilation 1.
#[backend_extension(Flex, Autodiff)]
pub trait ConvOps: Backend {
    /// `Y = cols(X) Wᵀ`, `weight` `[C_out, C_in, kh, kw]`.
    fn im2col_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, window: Window) -> FloatTensor<Self>;

    /// `dX = col2im(dY W)` onto an input of `[height, width]` `side`.
    fn im2col_conv2d_x_grad(
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        window: Window,
        side: [usize; 2],
    ) -> FloatTensor<Self>;

    /// `dW = dYᵀ cols(X)`.
    fn im2col_conv2d_weight_grad(x: FloatTensor<Self>, grad: FloatTensor<Self>, window: Window) -> FloatTensor<Self>;

    /// `Y = col2im(X W)`, `weight` `[C_in, C_out, kh, kw]`: the input gradient of a convolution
    /// from `Y` to `X` with this window.
    fn im2col_conv_transpose2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, window: Window) -> FloatTensor<Self>;

    /// `dX = cols(dY) Wᵀ`.
    fn im2col_conv_transpose2d_x_grad(weight: FloatTensor<Self>, grad: FloatTensor<Self>, window: Window)
    -> FloatTensor<Self>;

    /// `dW = Xᵀ cols(dY)`.
    fn im2col_conv_transpose2d_weight_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        window: Window,
    ) -> FloatTensor<Self>;
}

/// A contiguous copy (or the tensor itself) and its dimensions as NCHW images.
fn images(tensor: FlexTensor) -> (FlexTensor, Images) {
    let tensor = tensor.to_contiguous();
    let [batch, channels, height, width] = shape(&tensor);
    (tensor, Images { batch, channels, side: [height, width] })
}

fn shape<const N: usize>(tensor: &FlexTensor) -> [usize; N] {
    tensor.layout().shape().dims()
}

/// A weight `[A, B, kh, kw]` (contiguous) as the row-major `[A, B kh kw]` matrix.
fn kernels(weight: &FlexTensor) -> Matrix<'_> {
    let [a, b, kh, kw] = shape(weight);
    Matrix::new(values(weight), a, b * kh * kw, Order::Rows)
}

/// The side of a transposed convolution's output: `(input - 1) stride - 2 padding + kernel`.
fn transposed_side(input: [usize; 2], window: Window) -> [usize; 2] {
    let side = std::array::from_fn(|d| (input[d] - 1) * window.stride[d] + window.kernel[d] - 2 * window.padding[d]);
    debug_assert_eq!(window.output(side), input);
    side
}

/// `dW = rows(A)ᵀ cols(B)`, the weight `[A's channels, B's channels, kh, kw]` between images `a`
/// (of `a_dims`) and `b` (of `b_dims`); the product is written by columns, the faster layout
/// here, then reordered.
fn weight_grad(a: &FlexTensor, a_dims: Images, b: &FlexTensor, b_dims: Images, window: Window) -> FlexTensor {
    let [kh, kw] = window.kernel;
    let (rows, cols) = (to_rows(values(a), a_dims), im2col(values(b), b_dims, window));
    let (pixels, taps) = (rows.len() / a_dims.channels, b_dims.channels * kh * kw);
    let rows = Matrix::new(&rows, pixels, a_dims.channels, Order::Rows);
    let dw = product(rows.t(), Matrix::new(&cols, pixels, taps, Order::Rows), Order::Columns);
    tensor(reorder(&dw, a_dims.channels, taps, Order::Columns), [a_dims.channels, b_dims.channels, kh, kw])
}

/// `from_rows(cols(images) Wᵀ)`: `images` (of `dims`) to images of `out`, `w` `[C_out, taps]`.
fn gather(images: &FlexTensor, dims: Images, w: Matrix, out: Images, window: Window) -> FlexTensor {
    let cols = im2col(values(images), dims, window);
    let rows = product(Matrix::new(&cols, cols.len() / w.cols, w.cols, Order::Rows), w.t(), Order::Rows);
    tensor(from_rows(&rows, out), out.shape())
}

/// `col2im(rows(images) W)`: `images` (of `dims`) to images of `out`, `w` `[C, taps]`.
fn scatter(images: &FlexTensor, dims: Images, w: Matrix, out: Images, window: Window) -> FlexTensor {
    let rows = to_rows(values(images), dims);
    let cols = product(Matrix::new(&rows, rows.len() / w.rows, w.rows, Order::Rows), w, Order::Rows);
    tensor(col2im(&cols, out, window), out.shape())
}

impl ConvOps for Flex {
    fn im2col_conv2d(x: FlexTensor, weight: FlexTensor, window: Window) -> FlexTensor {
        let ((x, dims), weight) = (images(x), weight.to_contiguous());
        let out = Images { channels: shape::<4>(&weight)[0], side: window.output(dims.side), ..dims };
        gather(&x, dims, kernels(&weight), out, window)
    }

    fn im2col_conv2d_x_grad(weight: FlexTensor, grad: FlexTensor, window: Window, side: [usize; 2]) -> FlexTensor {
        let ((grad, out), weight) = (images(grad), weight.to_contiguous());
        let dims = Images { channels: shape::<4>(&weight)[1], side, ..out };
        scatter(&grad, out, kernels(&weight), dims, window)
    }

    fn im2col_conv2d_weight_grad(x: FlexTensor, grad: FlexTensor, window: Window) -> FlexTensor {
        let ((x, dims), (grad, out)) = (images(x), images(grad));
        weight_grad(&grad, out, &x, dims, window)
    }

    fn im2col_conv_transpose2d(x: FlexTensor, weight: FlexTensor, window: Window) -> FlexTensor {
        let ((x, dims), weight) = (images(x), weight.to_contiguous());
        let out = Images { channels: shape::<4>(&weight)[1], side: transposed_side(dims.side, window), ..dims };
        scatter(&x, dims, kernels(&weight), out, window)
    }

    fn im2col_conv_transpose2d_x_grad(weight: FlexTensor, grad: FlexTensor, window: Window) -> FlexTensor {
        let ((grad, out), weight) = (images(grad), weight.to_contiguous());
        let dims = Images { channels: shape::<4>(&weight)[0], side: window.output(out.side), ..out };
        gather(&grad, out, kernels(&weight), dims, window)
    }

    fn im2col_conv_transpose2d_weight_grad(x: FlexTensor, grad: FlexTensor, window: Window) -> FlexTensor {
        let ((x, dims), (grad, out)) = (images(x), images(grad));
        weight_grad(&x, dims, &grad, out, window)
    }
}

/// The backward step of either forward pass.
#[derive(Debug)]
struct ConvBackward {
    transposed: bool,
}

/// What the backward step needs: the input where the weight takes a gradient, the weight where
/// the input does, and the input's side.
#[derive(Clone, Debug)]
struct ConvState<B: Backend> {
    x: Option<FloatTensor<B>>,
    weight: Option<FloatTensor<B>>,
    window: Window,
    side: [usize; 2],
}

impl<B: Backend + ConvOps> Backward<B, 2> for ConvBackward {
    type State = ConvState<B>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node, weight_node] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let ConvState { x, weight, window, side } = ops.state;
        if let (Some(node), Some(weight)) = (x_node, weight) {
            let dx = match self.transposed {
                false => B::im2col_conv2d_x_grad(weight, grad.clone(), window, side),
                true => B::im2col_conv_transpose2d_x_grad(weight, grad.clone(), window),
            };
            grads.register::<B>(node.id, dx);
        }
        if let (Some(node), Some(x)) = (weight_node, x) {
            let dw = match self.transposed {
                false => B::im2col_conv2d_weight_grad(x, grad, window),
                true => B::im2col_conv_transpose2d_weight_grad(x, grad, window),
            };
            grads.register::<B>(node.id, dw);
        }
    }
}

/// Either forward pass under autodiff, keeping only what the tracked gradients need.
fn tracked<B: Backend + ConvOps, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    weight: FloatTensor<Autodiff<B, C>>,
    window: Window,
    transposed: bool,
) -> FloatTensor<Autodiff<B, C>> {
    let (x_tracked, weight_tracked) = (x.is_tracked(), weight.is_tracked());
    let nodes = [x.node(), weight.node()];
    let (x, weight) = (x.into_primitive(), weight.into_primitive());
    let [_, _, height, width] = x.shape().dims();
    let forward = |x, weight| match transposed {
        false => B::im2col_conv2d(x, weight, window),
        true => B::im2col_conv_transpose2d(x, weight, window),
    };
    match (ConvBackward { transposed }).prepare::<C>(nodes).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let state = ConvState {
                x: weight_tracked.then(|| x.clone()),
                weight: x_tracked.then(|| weight.clone()),
                window,
                side: [height, width],
            };
            prep.finish(state, forward(x, weight))
        }
        OpsKind::UnTracked(prep) => prep.finish(forward(x, weight)),
    }
}

impl<B: Backend + ConvOps, C: CheckpointStrategy> ConvOps for Autodiff<B, C> {
    fn im2col_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, window: Window) -> FloatTensor<Self> {
        tracked::<B, C>(x, weight, window, false)
    }

    fn im2col_conv_transpose2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, window: Window) -> FloatTensor<Self> {
        tracked::<B, C>(x, weight, window, true)
    }

    // The gradient passes are not differentiable themselves (no second derivatives): they run
    // on the inner backend.

    fn im2col_conv2d_x_grad(
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        window: Window,
        side: [usize; 2],
    ) -> FloatTensor<Self> {
        Self::from_inner(B::im2col_conv2d_x_grad(Self::inner(weight), Self::inner(grad), window, side))
    }

    fn im2col_conv2d_weight_grad(x: FloatTensor<Self>, grad: FloatTensor<Self>, window: Window) -> FloatTensor<Self> {
        Self::from_inner(B::im2col_conv2d_weight_grad(Self::inner(x), Self::inner(grad), window))
    }

    fn im2col_conv_transpose2d_x_grad(weight: FloatTensor<Self>, grad: FloatTensor<Self>, window: Window)
    -> FloatTensor<Self> {
        Self::from_inner(B::im2col_conv_transpose2d_x_grad(Self::inner(weight), Self::inner(grad), window))
    }

    fn im2col_conv_transpose2d_weight_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        window: Window,
    ) -> FloatTensor<Self> {
        Self::from_inner(B::im2col_conv_transpose2d_weight_grad(Self::inner(x), Self::inner(grad), window))
    }
}
