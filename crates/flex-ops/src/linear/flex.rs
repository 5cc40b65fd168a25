//! The linear layer's products on flex (see [`super`]), as a backend extension with its autodiff
//! step.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, Dispatch, backend_extension};
use burn::prelude::*;
use burn_flex::{Flex, FlexTensor};

use crate::product::{Matrix, Order, product, reorder, tensor, values};

/// [`LinearOps::product_linear`] on Burn tensors: `x` `[B, in]` f32 on flex, `weight` `[in, out]`.
pub(super) fn linear(x: Tensor<2>, weight: Tensor<2>) -> Tensor<2> {
    Tensor::from_dispatch(Dispatch::product_linear(x.into_dispatch(), weight.into_dispatch()))
}

/// The three products of a linear layer without bias.
#[backend_extension(Flex, Autodiff)]
pub trait LinearOps: Backend {
    /// `Y = X W`.
    fn product_linear(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `dX = dY Wᵀ`.
    fn product_linear_x_grad(weight: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `dW = Xᵀ dY`.
    fn product_linear_weight_grad(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// A contiguous copy (or the tensor itself) of a 2-D tensor, and its `[rows, cols]`.
fn contiguous(tensor: FlexTensor) -> (FlexTensor, [usize; 2]) {
    let tensor = tensor.to_contiguous();
    let shape = tensor.layout().shape().dims();
    (tensor, shape)
}

fn rows(tensor: &FlexTensor, [rows, cols]: [usize; 2]) -> Matrix<'_> {
    Matrix::new(values(tensor), rows, cols, Order::Rows)
}

impl LinearOps for Flex {
    fn product_linear(x: FlexTensor, weight: FlexTensor) -> FlexTensor {
        let ((x, [batch, _]), (weight, [inputs, outputs])) = (contiguous(x), contiguous(weight));
        tensor(product(rows(&x, [batch, inputs]), rows(&weight, [inputs, outputs]), Order::Rows), [batch, outputs])
    }

    fn product_linear_x_grad(weight: FlexTensor, grad: FlexTensor) -> FlexTensor {
        let ((weight, [inputs, outputs]), (grad, [batch, _])) = (contiguous(weight), contiguous(grad));
        let dx = product(rows(&grad, [batch, outputs]), rows(&weight, [inputs, outputs]).t(), Order::Columns);
        tensor(reorder(&dx, batch, inputs, Order::Columns), [batch, inputs])
    }

    fn product_linear_weight_grad(x: FlexTensor, grad: FlexTensor) -> FlexTensor {
        let ((x, [batch, inputs]), (grad, [_, outputs])) = (contiguous(x), contiguous(grad));
        tensor(product(rows(&x, [batch, inputs]).t(), rows(&grad, [batch, outputs]), Order::Rows), [inputs, outputs])
    }
}

/// The backward step of [`LinearOps::product_linear`]; its state is the input where the weight
/// takes a gradient and the weight where the input does.
#[derive(Debug)]
struct LinearBackward;

impl<B: Backend + LinearOps> Backward<B, 2> for LinearBackward {
    type State = (Option<FloatTensor<B>>, Option<FloatTensor<B>>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node, weight_node] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight) = ops.state;
        if let (Some(node), Some(weight)) = (x_node, weight) {
            grads.register::<B>(node.id, B::product_linear_x_grad(weight, grad.clone()));
        }
        if let (Some(node), Some(x)) = (weight_node, x) {
            grads.register::<B>(node.id, B::product_linear_weight_grad(x, grad));
        }
    }
}

impl<B: Backend + LinearOps, C: CheckpointStrategy> LinearOps for Autodiff<B, C> {
    fn product_linear(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        let (x_tracked, weight_tracked) = (x.is_tracked(), weight.is_tracked());
        let nodes = [x.node(), weight.node()];
        let (x, weight) = (x.into_primitive(), weight.into_primitive());
        match LinearBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let state = (weight_tracked.then(|| x.clone()), x_tracked.then(|| weight.clone()));
                prep.finish(state, B::product_linear(x, weight))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::product_linear(x, weight)),
        }
    }

    // The gradient products are not differentiable themselves (no second derivatives): they run
    // on the inner backend.

    fn product_linear_x_grad(weight: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::from_inner(B::product_linear_x_grad(Self::inner(weight), Self::inner(grad)))
    }

    fn product_linear_weight_grad(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::from_inner(B::product_linear_weight_grad(Self::inner(x), Self::inner(grad)))
    }
}
