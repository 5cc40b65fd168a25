//! Leaky ReLU's forward and backward passes on flex, as a backend extension with its autodiff step.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, Dispatch, backend_extension};
use burn::prelude::*;
use burn_flex::{Flex, FlexTensor};
use rayon::prelude::*;

use crate::product::{par_build, tensor, values};

/// Elements per parallel task of the backward pass.
const CHUNK: usize = 1 << 16;

/// Leaky ReLU through [`LeakyReluOps`] (flex only); `x` is f32.
pub(super) fn leaky_relu<const D: usize>(x: Tensor<D>, slope: f32) -> Tensor<D> {
    Tensor::from_dispatch(Dispatch::leaky_relu_forward(x.into_dispatch(), slope))
}

#[backend_extension(Flex, Autodiff)]
pub trait LeakyReluOps: Backend {
    /// `y = x` where `x >= 0`, `slope * x` elsewhere.
    fn leaky_relu_forward(x: FloatTensor<Self>, slope: f32) -> FloatTensor<Self>;

    /// `dx = grad` where `x >= 0`, `slope * grad` elsewhere.
    fn leaky_relu_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>, slope: f32) -> FloatTensor<Self>;
}

impl LeakyReluOps for Flex {
    /// flex's own kernel runs on one thread, and out of place under autodiff (which keeps `x`):
    /// 3.3% of a dSprites step's samples.
    fn leaky_relu_forward(x: FlexTensor, slope: f32) -> FlexTensor {
        let x = x.to_contiguous();
        let values = values(&x);
        let y = par_build(values.len(), CHUNK, |i, y| forward(&values[i * CHUNK..][..y.len()], y, slope));
        tensor(y, x.layout().shape().clone())
    }

    fn leaky_relu_backward(x: FlexTensor, grad: FlexTensor, slope: f32) -> FlexTensor {
        // The gradient is the step's own buffer (written in place unless something else holds
        // it); the input is only read. `to_contiguous` borrows: the gradient is moved in first
        // and dropped, so that the buffer it returns is not still shared with the argument.
        let owned = |tensor: FlexTensor| tensor.to_contiguous();
        let (x, mut grad) = (x.to_contiguous(), owned(grad));
        let x: &[f32] = x.as_slice().expect("contiguous");
        grad.storage_mut::<f32>().par_chunks_mut(CHUNK).zip(x.par_chunks(CHUNK)).for_each(|(g, x)| scale(g, x, slope));
        grad
    }
}

/// `y = x` where `x >= 0`, `slope x` elsewhere (flex's, bit for bit: `x * 1.0 == x`), as
/// [`scale`] does.
fn forward(x: &[f32], y: &mut [f32], slope: f32) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = x * if x >= 0.0 { 1.0 } else { slope };
    }
}

/// `g *= slope` where `x < 0`: a multiply by 1 or `slope`, not a branch around a store, so that
/// the loop vectorises (`g * 1.0 == g` bit for bit). A function of its own: its slices are
/// then known not to overlap (as a closure over the rayon chunks', the loop stayed scalar, 9% of
/// a dSprites step's samples).
fn scale(g: &mut [f32], x: &[f32], slope: f32) {
    for (g, &x) in g.iter_mut().zip(x) {
        *g *= if x < 0.0 { slope } else { 1.0 };
    }
}

/// The backward step of [`LeakyReluOps::leaky_relu_forward`]; its state is the input and slope.
#[derive(Debug)]
struct LeakyReluBackward;

impl<B: Backend + LeakyReluOps> Backward<B, 1> for LeakyReluBackward {
    type State = (FloatTensor<B>, f32);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, slope) = ops.state;
        if let Some(node) = parent {
            grads.register::<B>(node.id, B::leaky_relu_backward(x, grad, slope));
        }
    }
}

impl<B: Backend + LeakyReluOps, C: CheckpointStrategy> LeakyReluOps for Autodiff<B, C> {
    fn leaky_relu_forward(x: FloatTensor<Self>, slope: f32) -> FloatTensor<Self> {
        let node = x.node();
        let x = x.into_primitive();
        match LeakyReluBackward.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let y = B::leaky_relu_forward(x.clone(), slope);
                prep.finish((x, slope), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::leaky_relu_forward(x, slope)),
        }
    }

    /// Not differentiable itself (no second derivatives): runs on the inner backend.
    fn leaky_relu_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>, slope: f32) -> FloatTensor<Self> {
        Self::from_inner(B::leaky_relu_backward(Self::inner(x), Self::inner(grad), slope))
    }
}
