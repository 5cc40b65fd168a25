//! Leaky ReLU's forward and backward passes on flex, as a backend extension with its autodiff step.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::ActivationOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, Dispatch, backend_extension};
use burn::prelude::*;
use burn_flex::{Flex, FlexTensor};
use rayon::prelude::*;

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
    fn leaky_relu_forward(x: FlexTensor, slope: f32) -> FlexTensor {
        <Flex as ActivationOps<Flex>>::leaky_relu(x, slope.into())
    }

    fn leaky_relu_backward(x: FlexTensor, grad: FlexTensor, slope: f32) -> FlexTensor {
        // The gradient is the step's own buffer (written in place unless something else holds
        // it); the input is only read. `to_contiguous` borrows: the gradient is moved in first
        // and dropped, so that the buffer it returns is not still shared with the argument.
        let owned = |tensor: FlexTensor| tensor.to_contiguous();
        let (x, mut grad) = (x.to_contiguous(), owned(grad));
        let x: &[f32] = x.as_slice().expect("contiguous");
        grad.storage_mut::<f32>().par_chunks_mut(CHUNK).zip(x.par_chunks(CHUNK)).for_each(|(g, x)| {
            // A multiply by 1 or `slope` over blocks of 16, not a branch around a store: the loop
            // vectorises (as a branch, scalar, it was 9% of a dSprites step's samples), and
            // `g * 1.0 == g` bit for bit.
            let scale = |g: &mut [f32], x: &[f32]| {
                for (g, &x) in g.iter_mut().zip(x) {
                    *g *= if x < 0.0 { slope } else { 1.0 };
                }
            };
            let (mut gs, mut xs) = (g.chunks_exact_mut(16), x.chunks_exact(16));
            for (g, x) in (&mut gs).zip(&mut xs) {
                let (g, x): (&mut [f32; 16], &[f32; 16]) = (g.try_into().expect("16"), x.try_into().expect("16"));
                scale(g, x);
            }
            scale(gs.into_remainder(), xs.remainder());
        });
        grad
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
