//! ReLU and max-pooling's passes on flex, as a backend extension with its autodiff step.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::prelude::*;
use burn_flex::{Flex, FlexTensor};
use rayon::prelude::*;

use crate::product::{tensor, values};

/// [`ReluMaxPoolOps::relu_max_pool_forward`] on a Burn tensor: `x` f32 on flex.
pub(super) fn relu_max_pool2d(x: Tensor<4>, kernel: [usize; 2]) -> Tensor<4> {
    Tensor::from_dispatch(Dispatch::relu_max_pool_forward(x.into_dispatch(), kernel))
}

#[backend_extension(Flex, Autodiff)]
pub trait ReluMaxPoolOps: Backend {
    /// `max(0, x)` max-pooled over `kernel`-sized windows that tile each NCHW plane of `x` (the
    /// rows and columns past the last whole window are left out).
    fn relu_max_pool_forward(x: FloatTensor<Self>, kernel: [usize; 2]) -> FloatTensor<Self>;

    /// The input gradient of the forward pass over `x` for its output gradient `grad`.
    fn relu_max_pool_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>, kernel: [usize; 2]) -> FloatTensor<Self>;
}

/// The windows of one NCHW plane.
#[derive(Clone, Copy)]
struct Windows {
    side: [usize; 2],
    kernel: [usize; 2],
}

/// Where a window's value is ReLU's 0 rather than one of its inputs.
const NONE: usize = usize::MAX;

impl Windows {
    fn of(x: &FlexTensor, kernel: [usize; 2]) -> ([usize; 4], Self) {
        let dims: [usize; 4] = x.shape().dims();
        (dims, Self { side: [dims[2], dims[3]], kernel })
    }

    fn output(&self) -> [usize; 2] {
        [self.side[0] / self.kernel[0], self.side[1] / self.kernel[1]]
    }

    fn plane(&self) -> usize {
        self.side[0] * self.side[1]
    }

    /// Each output's value over `plane`, the maximum of `max(0, x)` in its window, into `values`,
    /// and the index in `plane` it came from into `from`: the window's first maximum in row-major
    /// order, or its last NaN (as Burn's pool picks), or [`NONE`] where every value is at most 0
    /// (ReLU's gradient is 0 there). Reads the plane row by row.
    fn winners(&self, plane: &[f32], values: &mut [f32], from: &mut [usize]) {
        let ([kh, kw], [_, out_w], width) = (self.kernel, self.output(), self.side[1]);
        let rows = values.chunks_exact_mut(out_w).zip(from.chunks_exact_mut(out_w));
        for (oy, (values, from)) in rows.enumerate() {
            values.fill(0.0);
            from.fill(NONE);
            for y in oy * kh..(oy + 1) * kh {
                let row = &plane[y * width..][..out_w * kw];
                for (ox, window) in row.chunks_exact(kw).enumerate() {
                    for (kx, &v) in window.iter().enumerate() {
                        if v > values[ox] || v.is_nan() {
                            values[ox] = v;
                            from[ox] = y * width + ox * kw + kx;
                        }
                    }
                }
            }
        }
    }
}

impl ReluMaxPoolOps for Flex {
    fn relu_max_pool_forward(x: FlexTensor, kernel: [usize; 2]) -> FlexTensor {
        let x = x.to_contiguous();
        let ([batch, channels, ..], windows) = Windows::of(&x, kernel);
        let [out_h, out_w] = windows.output();
        let out = out_h * out_w;
        let mut y = vec![0.0; batch * channels * out];
        if out > 0 {
            let planes = y.par_chunks_mut(out).zip(values(&x).par_chunks(windows.plane()));
            planes.for_each_init(|| vec![NONE; out], |from, (y, plane)| windows.winners(plane, y, from));
        }
        tensor(y, [batch, channels, out_h, out_w])
    }

    fn relu_max_pool_backward(x: FlexTensor, grad: FlexTensor, kernel: [usize; 2]) -> FlexTensor {
        let (x, grad) = (x.to_contiguous(), grad.to_contiguous());
        let (dims, windows) = Windows::of(&x, kernel);
        let (len, out) = (dims.iter().product(), windows.output().iter().product());
        if out == 0 {
            return tensor(vec![0.0; len], dims);
        }
        // Written plane by plane by the threads that compute it, in one pass: a zeroed buffer
        // would cost a pass of its own (or the kernel's page clearing) on the calling thread.
        let mut dx = Vec::with_capacity(len);
        let planes = values(&x).par_chunks(windows.plane()).zip(values(&grad).par_chunks(out));
        let scratch = || (vec![0.0; out], vec![NONE; out]);
        dx.spare_capacity_mut().par_chunks_mut(windows.plane()).zip(planes).for_each_init(
            scratch,
            |(maxima, from), (dx, (plane, dy))| {
                windows.winners(plane, maxima, from);
                for cell in dx.iter_mut() {
                    cell.write(0.0);
                }
                for (&i, &dy) in from.iter().zip(dy).filter(|(i, _)| **i != NONE) {
                    dx[i].write(dy);
                }
            },
        );
        // SAFETY: `len` is a whole number of planes, and each plane's every element was written
        // above (zeros, then the gradient at its windows' winners).
        unsafe { dx.set_len(len) };
        tensor(dx, dims)
    }
}

/// The backward step of [`ReluMaxPoolOps::relu_max_pool_forward`]; its state is the input and the
/// window.
#[derive(Debug)]
struct ReluMaxPoolBackward;

impl<B: Backend + ReluMaxPoolOps> Backward<B, 1> for ReluMaxPoolBackward {
    type State = (FloatTensor<B>, [usize; 2]);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, kernel) = ops.state;
        if let Some(node) = parent {
            grads.register::<B>(node.id, B::relu_max_pool_backward(x, grad, kernel));
        }
    }
}

impl<B: Backend + ReluMaxPoolOps, C: CheckpointStrategy> ReluMaxPoolOps for Autodiff<B, C> {
    fn relu_max_pool_forward(x: FloatTensor<Self>, kernel: [usize; 2]) -> FloatTensor<Self> {
        let node = x.node();
        let x = x.into_primitive();
        match ReluMaxPoolBackward.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let y = B::relu_max_pool_forward(x.clone(), kernel);
                prep.finish((x, kernel), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::relu_max_pool_forward(x, kernel)),
        }
    }

    /// Not differentiable itself (no second derivatives): runs on the inner backend.
    fn relu_max_pool_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>, kernel: [usize; 2]) -> FloatTensor<Self> {
        Self::from_inner(B::relu_max_pool_backward(Self::inner(x), Self::inner(grad), kernel))
    }
}
