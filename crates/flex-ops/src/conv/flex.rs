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

use super::direct;
use super::im2col::{Images, Window, col2im, from_rows, im2col, im2col_image, to_rows};
use super::polyphase::Phases;
use crate::product::{
    Matrix, Order, par_build, par_sum, product, product_add_into, product_into, reorder, tensor, values,
};

/// [`ConvOps::im2col_conv2d`] on a Burn tensor: `x` f32 on flex, `weight` `[C_out, C_in, kh, kw]`.
pub(super) fn conv2d(x: Tensor<4>, weight: Tensor<4>, window: Window) -> Tensor<4> {
    Tensor::from_dispatch(Dispatch::im2col_conv2d(x.into_dispatch(), weight.into_dispatch(), window))
}

/// [`ConvOps::im2col_conv_transpose2d`] on a Burn tensor: `weight` `[C_in, C_out, kh, kw]`.
pub(super) fn conv_transpose2d(x: Tensor<4>, weight: Tensor<4>, window: Window) -> Tensor<4> {
    Tensor::from_dispatch(Dispatch::im2col_conv_transpose2d(x.into_dispatch(), weight.into_dispatch(), window))
}

/// A convolution and a transposed one, NCHW, groups 1, dilation 1, and the passes that their
/// forward and backward steps are made of (the table in [`super`]).
#[backend_extension(Flex, Autodiff)]
pub trait ConvOps: Backend {
    /// `Y = cols(X) Wᵀ`, `weight` `[C_out, C_in, kh, kw]`.
    fn im2col_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, window: Window) -> FloatTensor<Self>;

    /// `Y = col2im(X W)`, `weight` `[C_in, C_out, kh, kw]`: the input gradient of a convolution
    /// from `Y` to `X` with this window.
    fn im2col_conv_transpose2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, window: Window) -> FloatTensor<Self>;

    /// `cols(X)`, `[batch, H', W', C kh kw]`: one row per output pixel of the window over `x`.
    fn im2col_columns(x: FloatTensor<Self>, window: Window) -> FloatTensor<Self>;

    /// `cols Wᵀ` as NCHW images of `A` channels, `weight` `[A, C, kh, kw]` with `C kh kw` the
    /// columns' width.
    fn im2col_gather(columns: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `col2im(rows(X) W)` onto images of `[height, width]` `side`, `weight` `[C_x, C, kh, kw]`
    /// (`C` channels out).
    fn im2col_scatter(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        window: Window,
        side: [usize; 2],
    ) -> FloatTensor<Self>;

    /// `rows(A)ᵀ cols` as a weight `[A's channels, C, kh, kw]`, `columns` `[batch, H', W', C kh kw]`
    /// over the same pixels as `a`.
    fn im2col_weight_grad(a: FloatTensor<Self>, columns: FloatTensor<Self>, kernel: [usize; 2]) -> FloatTensor<Self>;

    /// [`ConvOps::im2col_weight_grad`] with `cols(x)` for this window, built one image at a time
    /// (`a` has the window's output side): `Σ_b A_b cols(X_b)`, with `A_b` image `b`'s planes; or
    /// one product per kernel tap over each image's phases ([`Phases`]), where they apply.
    fn im2col_weight_grad_images(a: FloatTensor<Self>, x: FloatTensor<Self>, window: Window) -> FloatTensor<Self>;
}

/// Windows whose output planes have at least this many pixels (a convolution's; a transposed
/// convolution's input planes) take one product per image, which writes NCHW planes directly
/// (no layout pass, and the columns stay in the cache), or one per kernel tap over the image's
/// phases ([`Phases`]) where the kernel is a multiple of the stride and both sides have 16+
/// channels; smaller ones take one product over the batch: there the weight, packed again for
/// every image, costs more than the layout passes (MNIST's 7 x 7 and 14 x 14 layers: the
/// per-image step took 1.06x the time, and per-tap products over groups of images 1.3x the
/// profile's samples).
const PER_IMAGE_PIXELS: usize = 256;

/// Whether a window whose output planes have `pixels` pixels takes the per-image passes, which
/// build each image's columns where they are read, in the cache, and never as a batch-sized
/// buffer (32 MB for dSprites' 32→32 layers at batch 64, written and read again from memory).
fn per_image(pixels: usize) -> bool {
    pixels >= PER_IMAGE_PIXELS
}

/// Images per partial sum of [`ConvOps::im2col_weight_grad_images`] (added in order by
/// [`par_sum`]).
const IMAGES_PER_SUM: usize = 4;

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

impl ConvOps for Flex {
    fn im2col_conv2d(x: FlexTensor, weight: FlexTensor, window: Window) -> FlexTensor {
        let side = window.output(shape::<4>(&x)[2..].try_into().expect("NCHW"));
        let out_channels = shape::<4>(&weight)[0];
        if direct::applies(out_channels) {
            let ((x, dims), weight) = (images(x), weight.to_contiguous());
            let y = direct::conv2d(values(&x), dims, window, values(&weight), out_channels);
            return tensor(y, [dims.batch, out_channels, side[0], side[1]]);
        }
        if !per_image(side[0] * side[1]) {
            return Self::im2col_gather(Self::im2col_columns(x, window), weight);
        }
        let ((x, dims), weight) = (images(x), weight.to_contiguous());
        let w = kernels(&weight);
        let out = Images { batch: dims.batch, channels: w.rows, side };
        let (x, phases) = (values(&x), Phases::new(dims, window, w.rows));
        // `W cols(X_b)ᵀ` per image, straight into the image's planes, or a product per tap.
        let images = par_build(out.batch * out.image(), out.image(), |b, image| {
            let x = &x[b * dims.image()..][..dims.image()];
            match phases {
                Some(phases) => phases.conv(x, w.data, image),
                None => {
                    let mut cols = vec![0.0; out.plane() * w.cols];
                    im2col_image(x, &mut cols, dims, window);
                    product_into(w, Matrix::new(&cols, out.plane(), w.cols, Order::Rows).t(), image, Order::Rows);
                }
            }
        });
        tensor(images, out.shape())
    }

    fn im2col_conv_transpose2d(x: FlexTensor, weight: FlexTensor, window: Window) -> FlexTensor {
        let side = transposed_side(shape::<4>(&x)[2..].try_into().expect("NCHW"), window);
        Self::im2col_scatter(x, weight, window, side)
    }

    fn im2col_columns(x: FlexTensor, window: Window) -> FlexTensor {
        let (x, dims) = images(x);
        let [height, width] = window.output(dims.side);
        let columns = im2col(values(&x), dims, window);
        let taps = columns.len() / (dims.batch * height * width);
        tensor(columns, [dims.batch, height, width, taps])
    }

    fn im2col_gather(columns: FlexTensor, weight: FlexTensor) -> FlexTensor {
        let (columns, weight) = (columns.to_contiguous(), weight.to_contiguous());
        let ([batch, height, width, taps], w) = (shape(&columns), kernels(&weight));
        let (out, pixels) = (Images { batch, channels: w.rows, side: [height, width] }, height * width);
        let rows = product(Matrix::new(values(&columns), batch * pixels, taps, Order::Rows), w.t(), Order::Rows);
        tensor(from_rows(&rows, out), out.shape())
    }

    fn im2col_scatter(x: FlexTensor, weight: FlexTensor, window: Window, side: [usize; 2]) -> FlexTensor {
        let ((x, dims), weight) = (images(x), weight.to_contiguous());
        let (out, w) = (Images { channels: shape::<4>(&weight)[1], side, ..dims }, kernels(&weight));
        if direct::applies(out.channels) {
            return tensor(direct::adjoint(values(&x), dims, w.data, out, window), out.shape());
        }
        let cols_len = dims.plane() * w.cols;
        let x = values(&x);
        // Small planes: `rows(X) W` over the batch. Large ones: `X_bᵀ W` per image (its planes
        // read as one row per pixel), summed into the output image while it is in the cache, or
        // a product per tap.
        let batched = (!per_image(dims.plane())).then(|| {
            let rows = to_rows(x, dims);
            product(Matrix::new(&rows, rows.len() / w.rows, w.rows, Order::Rows), w, Order::Rows)
        });
        let phases = Phases::new(out, window, dims.channels);
        let images = par_build(out.batch * out.image(), out.image(), |b, image| {
            let x = &x[b * dims.image()..][..dims.image()];
            match (&batched, phases) {
                (Some(cols), _) => col2im(&cols[b * cols_len..][..cols_len], image, out, window),
                (None, Some(phases)) => phases.input_grad(x, w.data, image),
                (None, None) => {
                    let mut cols = vec![0.0; cols_len];
                    product_into(
                        Matrix::new(x, dims.channels, dims.plane(), Order::Rows).t(),
                        w,
                        &mut cols,
                        Order::Rows,
                    );
                    col2im(&cols, image, out, window);
                }
            }
        });
        tensor(images, out.shape())
    }

    /// The product is written by columns, the faster layout here, then reordered.
    fn im2col_weight_grad(a: FlexTensor, columns: FlexTensor, [kh, kw]: [usize; 2]) -> FlexTensor {
        let ((a, dims), columns) = (images(a), columns.to_contiguous());
        let rows = to_rows(values(&a), dims);
        let (pixels, taps) = (rows.len() / dims.channels, shape::<4>(&columns)[3]);
        let rows = Matrix::new(&rows, pixels, dims.channels, Order::Rows);
        let dw = product(rows.t(), Matrix::new(values(&columns), pixels, taps, Order::Rows), Order::Columns);
        tensor(reorder(&dw, dims.channels, taps, Order::Columns), [dims.channels, taps / (kh * kw), kh, kw])
    }

    fn im2col_weight_grad_images(a: FlexTensor, x: FlexTensor, window: Window) -> FlexTensor {
        let ((a, a_dims), (x, dims)) = (images(a), images(x));
        assert_eq!(window.output(dims.side), a_dims.side, "weight gradient: `a` is not the window's output");
        let ([kh, kw], pixels) = (window.kernel, a_dims.plane());
        if direct::applies(a_dims.channels) {
            let dw = direct::weight_grad(values(&a), a_dims, values(&x), dims, window);
            return tensor(dw, [a_dims.channels, dims.channels, kh, kw]);
        }
        let taps = dims.channels * kh * kw;
        let (a, x, phases) = (values(&a), values(&x), Phases::new(dims, window, a_dims.channels));
        let dw = par_sum(dims.batch, IMAGES_PER_SUM, |images| {
            let (mut sum, mut cols) = (vec![0.0; a_dims.channels * taps], Vec::new());
            for b in images {
                let (a, x) = (&a[b * a_dims.image()..][..a_dims.image()], &x[b * dims.image()..][..dims.image()]);
                if let Some(phases) = phases {
                    phases.weight_grad_add(a, x, &mut sum);
                    continue;
                }
                // The same window over images of one size pads the same entries: they stay 0.
                cols.resize(pixels * taps, 0.0);
                im2col_image(x, &mut cols, dims, window);
                let planes = Matrix::new(a, a_dims.channels, pixels, Order::Rows);
                product_add_into(planes, Matrix::new(&cols, pixels, taps, Order::Rows), &mut sum, Order::Rows);
            }
            sum
        });
        tensor(dw, [a_dims.channels, dims.channels, kh, kw])
    }
}

/// The backward step of either forward pass.
#[derive(Debug)]
struct ConvBackward {
    transposed: bool,
}

/// What the backward step needs: where the weight takes a gradient, `X`, or (`images` false)
/// the `cols(X)` its forward product read; the weight where the input does; the input's side.
#[derive(Clone, Debug)]
struct ConvState<B: Backend> {
    input: Option<FloatTensor<B>>,
    weight: Option<FloatTensor<B>>,
    window: Window,
    side: [usize; 2],
    images: bool,
}

impl<B: Backend + ConvOps> Backward<B, 2> for ConvBackward {
    type State = ConvState<B>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node, weight_node] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let ConvState { input, weight, window, side, images } = ops.state;
        // A convolution's passes read dY as it is; a transposed one's both read cols(dY), built
        // once for both, or image by image.
        let (dx, dw) = match (self.transposed, images) {
            (false, large) => {
                let dx = weight.map(|w| B::im2col_scatter(grad.clone(), w, window, side));
                let dw = input.map(|kept| match large {
                    true => B::im2col_weight_grad_images(grad, kept, window),
                    false => B::im2col_weight_grad(grad, kept, window.kernel),
                });
                (dx, dw)
            }
            (true, true) => {
                let dx = weight.map(|w| B::im2col_conv2d(grad.clone(), w, window));
                (dx, input.map(|x| B::im2col_weight_grad_images(x, grad, window)))
            }
            (true, false) => {
                let cols = B::im2col_columns(grad, window);
                let dx = weight.map(|w| B::im2col_gather(cols.clone(), w));
                (dx, input.map(|x| B::im2col_weight_grad(x, cols, window.kernel)))
            }
        };
        if let (Some(node), Some(dx)) = (x_node, dx) {
            grads.register::<B>(node.id, dx);
        }
        if let (Some(node), Some(dw)) = (weight_node, dw) {
            grads.register::<B>(node.id, dw);
        }
    }
}

/// The pixels of the planes that the weight gradient's columns are built over: the output's of
/// a convolution, the input's of a transposed one (its columns are over `dY`, whose windows
/// land on the input's pixels).
fn kept_pixels(transposed: bool, [height, width]: [usize; 2], window: Window) -> usize {
    match transposed {
        false => window.output([height, width]).iter().product(),
        true => height * width,
    }
}

/// Whether the gradients of a layer whose weight is `[A, ..]` run image by image ([`direct`]'s
/// passes, or per image over large planes), not over the batch's columns.
fn by_images(transposed: bool, side: [usize; 2], window: Window, a: usize) -> bool {
    direct::applies(a) || per_image(kept_pixels(transposed, side, window))
}

/// Either forward pass under autodiff, keeping only what the tracked gradients need: a
/// convolution whose gradients run over the batch's columns keeps the `cols(X)` its forward
/// product read, where its weight is tracked.
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
            let kept = x_tracked.then(|| weight.clone());
            let images = by_images(transposed, [height, width], window, weight.shape().dims::<4>()[0]);
            let (y, input) = match (transposed, weight_tracked) {
                (false, true) if !images => {
                    let cols = B::im2col_columns(x, window);
                    (B::im2col_gather(cols.clone(), weight), Some(cols))
                }
                (_, true) => (forward(x.clone(), weight), Some(x)),
                (_, false) => (forward(x, weight), None),
            };
            prep.finish(ConvState { input, weight: kept, window, side: [height, width], images }, y)
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

    // The passes below are not differentiable themselves (no second derivatives): they run on
    // the inner backend.

    fn im2col_columns(x: FloatTensor<Self>, window: Window) -> FloatTensor<Self> {
        Self::from_inner(B::im2col_columns(Self::inner(x), window))
    }

    fn im2col_gather(columns: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::from_inner(B::im2col_gather(Self::inner(columns), Self::inner(weight)))
    }

    fn im2col_scatter(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        window: Window,
        side: [usize; 2],
    ) -> FloatTensor<Self> {
        Self::from_inner(B::im2col_scatter(Self::inner(x), Self::inner(weight), window, side))
    }

    fn im2col_weight_grad(a: FloatTensor<Self>, columns: FloatTensor<Self>, kernel: [usize; 2]) -> FloatTensor<Self> {
        Self::from_inner(B::im2col_weight_grad(Self::inner(a), Self::inner(columns), kernel))
    }

    fn im2col_weight_grad_images(a: FloatTensor<Self>, x: FloatTensor<Self>, window: Window) -> FloatTensor<Self> {
        Self::from_inner(B::im2col_weight_grad_images(Self::inner(a), Self::inner(x), window))
    }
}
