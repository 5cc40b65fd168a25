//! The fused Adam step on flex: a backend extension whose one op reads `p, g, m, v` and writes
//! `p, m, v` once, in parallel chunks.

use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::prelude::*;
use burn_flex::{Flex, FlexTensor};
use rayon::prelude::*;

use super::Coefficients;

/// Elements per parallel task: large enough to amortise scheduling, small enough to split a
/// 6.4 M-element weight over the cores.
const CHUNK: usize = 1 << 16;

#[backend_extension(Flex)]
pub trait AdamOps: Backend {
    /// `(p, m, v)` after one Adam step (module docs) of `param` with gradient `grad` and moments
    /// `moment_1`, `moment_2`; all f32 of one shape.
    #[allow(clippy::too_many_arguments)]
    fn adam_update(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        beta_1: f32,
        beta_2: f32,
        factor: f32,
        epsilon: f32,
        lr: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

impl AdamOps for Flex {
    fn adam_update(
        param: FlexTensor,
        grad: FlexTensor,
        moment_1: FlexTensor,
        moment_2: FlexTensor,
        beta_1: f32,
        beta_2: f32,
        factor: f32,
        epsilon: f32,
        lr: f32,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let c = Coefficients { beta_1, beta_2, factor, epsilon, lr };
        // Buffers that hold exactly the elements, in order (copies only where one is strided); a
        // shared one is copied on write (the trainer moves its networks in, so theirs are not).
        // `to_contiguous` borrows: each tensor is moved in first and dropped, so that the buffer
        // it returns is not still shared with the argument (which would copy all three).
        let owned = |tensor: FlexTensor| tensor.to_contiguous();
        let (mut param, grad, mut m, mut v) = (owned(param), owned(grad), owned(moment_1), owned(moment_2));
        let g: &[f32] = grad.as_slice().expect("contiguous");
        param
            .storage_mut::<f32>()
            .par_chunks_mut(CHUNK)
            .zip(m.storage_mut::<f32>().par_chunks_mut(CHUNK))
            .zip(v.storage_mut::<f32>().par_chunks_mut(CHUNK))
            .zip(g.par_chunks(CHUNK))
            .for_each(|(((p, m), v), g)| {
                for i in 0..p.len() {
                    (p[i], m[i], v[i]) = c.apply(p[i], g[i], m[i], v[i]);
                }
            });
        (param, m, v)
    }
}

pub(super) fn update<const D: usize>(
    param: Tensor<D>,
    grad: Tensor<D>,
    moment_1: Tensor<D>,
    moment_2: Tensor<D>,
    c: Coefficients,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let (p, m, v) = Dispatch::adam_update(
        param.into_dispatch(),
        grad.into_dispatch(),
        moment_1.into_dispatch(),
        moment_2.into_dispatch(),
        c.beta_1,
        c.beta_2,
        c.factor,
        c.epsilon,
        c.lr,
    );
    (Tensor::from_dispatch(p), Tensor::from_dispatch(m), Tensor::from_dispatch(v))
}
