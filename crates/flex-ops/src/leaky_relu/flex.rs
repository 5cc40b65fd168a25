//! Leaky ReLU's forward and backward passes on flex, with an optional per-channel bias, as a
//! backend extension with its autodiff step.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, NodeGuard, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::prelude::*;
use burn_flex::{Flex, FlexTensor};
use rayon::prelude::*;

use crate::product::{par_build, tensor, values};

/// Elements per parallel task.
const CHUNK: usize = 1 << 16;

/// Leaky ReLU of `x + bias` through [`LeakyReluOps`] (flex only, `slope > 0`, or 0 for ReLU);
/// `x` is f32.
pub(super) fn leaky_relu<const D: usize>(x: Tensor<D>, bias: Option<Tensor<1>>, slope: f32) -> Tensor<D> {
    Tensor::from_dispatch(match bias {
        None => Dispatch::leaky_relu_forward(x.into_dispatch(), slope),
        Some(bias) => Dispatch::biased_leaky_relu_forward(x.into_dispatch(), bias.into_dispatch(), slope),
    })
}

#[backend_extension(Flex, Autodiff)]
pub trait LeakyReluOps: Backend {
    /// `y = x` where `x >= 0`, `slope x` elsewhere; with `slope` 0, ReLU as Burn's `relu`
    /// computes it: `y = x` where `x > 0` or `x` is NaN, `+0` elsewhere.
    fn leaky_relu_forward(x: FloatTensor<Self>, slope: f32) -> FloatTensor<Self>;

    /// [`LeakyReluOps::leaky_relu_forward`] of `t = x + bias[c]` over channel `c` of `x`
    /// `[B, C, ...]`, `bias` `[C]`.
    fn biased_leaky_relu_forward(x: FloatTensor<Self>, bias: FloatTensor<Self>, slope: f32) -> FloatTensor<Self>;

    /// `dt = grad` where `y >= 0`, `slope * grad` elsewhere, from the forward pass's output `y`
    /// (`slope > 0`: `y` has `t`'s sign); with `slope` 0, ReLU's as Burn's `relu_backward`:
    /// `grad` where `y > 0` or `y` is NaN, `+0` elsewhere (`y > 0` exactly where `t > 0`).
    fn leaky_relu_backward(y: FloatTensor<Self>, grad: FloatTensor<Self>, slope: f32) -> FloatTensor<Self>;
}

impl LeakyReluOps for Flex {
    /// flex's own kernel runs on one thread, and out of place under autodiff (3.3% of a dSprites
    /// step's samples); this one runs on all threads, in `x`'s buffer unless something else
    /// holds it.
    fn leaky_relu_forward(x: FlexTensor, slope: f32) -> FlexTensor {
        let mut y = writable(x);
        let values = y.try_storage_mut::<f32>().expect("a buffer of its own");
        // `t + -0.0` is `t` bit for bit, `-0.0` included (`+0.0` would turn it into `+0.0`).
        values.par_chunks_mut(CHUNK).for_each(|y| activate(y, -0.0, slope));
        y
    }

    /// As [`LeakyReluOps::leaky_relu_forward`], with the bias added in the same pass, per plane.
    fn biased_leaky_relu_forward(x: FlexTensor, bias: FlexTensor, slope: f32) -> FlexTensor {
        let (mut y, bias) = (writable(x), bias.to_contiguous());
        let dims = y.layout().shape().to_vec();
        let (bias, channels, plane) = (values(&bias), dims[1], dims[2..].iter().product::<usize>());
        let image = channels * plane;
        let values = y.try_storage_mut::<f32>().expect("a buffer of its own");
        values.par_chunks_mut(image * (CHUNK / image).max(1)).for_each(|images| {
            for (i, plane) in images.chunks_exact_mut(plane).enumerate() {
                activate(plane, bias[i % channels], slope);
            }
        });
        y
    }

    fn leaky_relu_backward(y: FlexTensor, grad: FlexTensor, slope: f32) -> FlexTensor {
        let (y, mut grad) = (y.to_contiguous(), writable(grad));
        let g = grad.try_storage_mut::<f32>().expect("a buffer of its own");
        g.par_chunks_mut(CHUNK).zip(values(&y).par_chunks(CHUNK)).for_each(|(g, y)| scale(g, y, slope));
        grad
    }
}

/// `x` contiguous, in a buffer that nothing else holds: its own where it has one, else a copy.
/// (`x` is moved in and dropped by `to_contiguous`'s caller, so that the buffer returned is not
/// still shared with the argument.)
fn writable(x: FlexTensor) -> FlexTensor {
    let contiguous = |x: FlexTensor| x.to_contiguous();
    let x = contiguous(x);
    if x.is_unique() {
        return x;
    }
    let values = values(&x);
    let copy = par_build(values.len(), CHUNK, |i, part| part.copy_from_slice(&values[i * CHUNK..][..part.len()]));
    tensor(copy, x.layout().shape().clone())
}

/// `y = t * (1 or slope)` for `t = y + bias`, in place (flex's formula: `t * 1.0 == t` bit for bit,
/// so that `t >= 0` passes through unchanged); slope 0 is flex's ReLU, whose `+0` below zero
/// `t * 0.0` would make `-0`.
fn activate(y: &mut [f32], bias: f32, slope: f32) {
    if slope == 0.0 {
        for y in y {
            let t = *y + bias;
            *y = if t.is_nan() || t > 0.0 { t } else { 0.0 };
        }
        return;
    }
    for y in y {
        let t = *y + bias;
        *y = t * if t >= 0.0 { 1.0 } else { slope };
    }
}

/// `g *= slope` where `y < 0`: a multiply by 1 or `slope`, not a branch around a store, so that
/// the loop vectorises (`g * 1.0 == g` bit for bit). A function of its own: its slices are
/// then known not to overlap (as a closure over the rayon chunks', the loop stayed scalar, 9% of
/// a dSprites step's samples).
///
/// Slope 0 is ReLU's mask, a select (`g * 0.0` would keep a NaN or infinite `g`).
fn scale(g: &mut [f32], y: &[f32], slope: f32) {
    if slope == 0.0 {
        for (g, &y) in g.iter_mut().zip(y) {
            *g = if y.is_nan() || y > 0.0 { *g } else { 0.0 };
        }
        return;
    }
    for (g, &y) in g.iter_mut().zip(y) {
        *g *= if y < 0.0 { slope } else { 1.0 };
    }
}

/// `Σ grad[b, c, ...]` over every axis but `c`: a per-channel bias's gradient, `[C]`, summed by
/// the backend's `sum_dim` over the axes in order, as Burn's autodiff reduces the gradient of a
/// broadcast add (so that the values stay Burn's bit for bit).
fn channel_sums<B: Backend>(grad: FloatTensor<B>) -> FloatTensor<B> {
    let dims = grad.shape().dims::<4>();
    B::float_reshape(B::float_sum_dims(grad, &[0, 2, 3]), Shape::new([dims[1]]))
}

/// What the backward step keeps: the forward pass's output where the gradient needs it
/// (`slope != 1`; with slope 1 the op is the bias add alone), and the slope.
type State<B> = (Option<FloatTensor<B>>, f32);

/// `dt`, the gradient at `t = x + bias`, from the output's.
fn input_grad<B: LeakyReluOps>((y, slope): State<B>, grad: FloatTensor<B>) -> FloatTensor<B> {
    match y {
        Some(y) => B::leaky_relu_backward(y, grad, slope),
        None => grad,
    }
}

/// The backward step without a bias; parent `x`.
#[derive(Debug)]
struct LeakyReluBackward;

impl<B: Backend + LeakyReluOps> Backward<B, 1> for LeakyReluBackward {
    type State = State<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = x {
            grads.register::<B>(node.id, input_grad::<B>(ops.state, grad));
        }
    }
}

/// The backward step with a bias; parents `x` and the bias.
#[derive(Debug)]
struct BiasedLeakyReluBackward;

impl<B: Backend + LeakyReluOps> Backward<B, 2> for BiasedLeakyReluBackward {
    type State = State<B>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x, bias] = ops.parents;
        let dt = input_grad::<B>(ops.state, grads.consume::<B>(&ops.node));
        if let Some(node) = bias {
            grads.register::<B>(node.id, channel_sums::<B>(dt.clone()));
        }
        if let Some(node) = x {
            grads.register::<B>(node.id, dt);
        }
    }
}

/// The forward pass under autodiff, keeping its output for the backward step where it needs it.
fn tracked<B, C, T, const N: usize>(
    step: T,
    nodes: [NodeGuard; N],
    slope: f32,
    forward: impl FnOnce() -> FloatTensor<B>,
) -> FloatTensor<Autodiff<B, C>>
where
    B: Backend + LeakyReluOps,
    C: CheckpointStrategy,
    T: Backward<B, N, State = State<B>>,
{
    match step.prepare::<C>(nodes).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let y = forward();
            prep.finish(((slope != 1.0).then(|| y.clone()), slope), y)
        }
        OpsKind::UnTracked(prep) => prep.finish(forward()),
    }
}

impl<B: Backend + LeakyReluOps, C: CheckpointStrategy> LeakyReluOps for Autodiff<B, C> {
    fn leaky_relu_forward(x: FloatTensor<Self>, slope: f32) -> FloatTensor<Self> {
        let (x, node) = x.into_parts();
        tracked::<B, C, _, 1>(LeakyReluBackward, [node], slope, || B::leaky_relu_forward(x, slope))
    }

    fn biased_leaky_relu_forward(x: FloatTensor<Self>, bias: FloatTensor<Self>, slope: f32) -> FloatTensor<Self> {
        let ((x, x_node), (bias, bias_node)) = (x.into_parts(), bias.into_parts());
        tracked::<B, C, _, 2>(BiasedLeakyReluBackward, [x_node, bias_node], slope, || {
            B::biased_leaky_relu_forward(x, bias, slope)
        })
    }

    // The passes below are not differentiable themselves (no second derivatives): they run on
    // the inner backend.

    fn leaky_relu_backward(y: FloatTensor<Self>, grad: FloatTensor<Self>, slope: f32) -> FloatTensor<Self> {
        Self::from_inner(B::leaky_relu_backward(Self::inner(y), Self::inner(grad), slope))
    }
}
