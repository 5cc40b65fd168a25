//! The fused forward under autodiff, with the hand-written backward of the module docs.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend};

use super::HsicOps;

/// The backward step of `gaussian_hsic_sums`: its state is what the fused backward reads.
#[derive(Debug)]
struct CentredSums;

type SumsState<B> = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, f32, f32);

impl<B: Backend + HsicOps> Backward<B, 2> for CentredSums {
    type State = SumsState<B>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_y] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, y, p, q, means, gamma_x, gamma_y) = ops.state;
        let (dx, dy) = B::gaussian_hsic_backward(x, y, p, q, means, grad, gamma_x, gamma_y);
        if let Some(node) = node_x {
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_y {
            grads.register::<B>(node.id, dy);
        }
    }
}

impl<B: Backend + HsicOps, C: CheckpointStrategy> HsicOps for Autodiff<B, C> {
    fn gaussian_hsic_sums(
        x: FloatTensor<Self>,
        y: FloatTensor<Self>,
        gamma_x: f32,
        gamma_y: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let nodes = [x.node(), y.node()];
        let (x, y) = (x.into_primitive(), y.into_primitive());
        let (sums, means, p, q) = B::gaussian_hsic_sums(x.clone(), y.clone(), gamma_x, gamma_y);
        let sums = match CentredSums.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let state = (x, y, p.clone(), q.clone(), means.clone(), gamma_x, gamma_y);
                prep.finish(state, sums)
            }
            OpsKind::UnTracked(prep) => prep.finish(sums),
        };
        (sums, Self::from_inner(means), Self::from_inner(p), Self::from_inner(q))
    }

    /// Not differentiable itself (no second derivatives): runs on the inner backend.
    fn gaussian_hsic_backward(
        x: FloatTensor<Self>,
        y: FloatTensor<Self>,
        p: FloatTensor<Self>,
        q: FloatTensor<Self>,
        means: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        gamma_x: f32,
        gamma_y: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let (dx, dy) = B::gaussian_hsic_backward(
            Self::inner(x),
            Self::inner(y),
            Self::inner(p),
            Self::inner(q),
            Self::inner(means),
            Self::inner(grad),
            gamma_x,
            gamma_y,
        );
        (Self::from_inner(dx), Self::from_inner(dy))
    }
}
