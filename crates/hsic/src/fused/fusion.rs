//! The fused operations under Burn's fusion backend: each is one opaque custom operation in the
//! lazy stream, run on the inner backend when the stream executes.

use std::marker::PhantomData;

use burn::backend::tensor::FloatTensor;
use burn::tensor::Shape;
use burn_fusion::custom::{
    CustomOpIr, HandleContainer, Operation, OperationIr, OperationOutput, ScalarIr, StreamId, TensorIr,
};
use burn_fusion::{ExecutionError, Fusion, FusionBackend, FusionRuntime};

use super::HsicOps;

const SUMS: &str = "hsic::gaussian_hsic_sums";
const BACKWARD: &str = "hsic::gaussian_hsic_backward";

#[derive(Debug)]
struct FusedHsic<B> {
    desc: CustomOpIr,
    _backend: PhantomData<B>,
}

impl<B: FusionBackend + HsicOps> Operation<B::FusionRuntime> for FusedHsic<B> {
    fn execute(
        &self,
        handles: &mut HandleContainer<<B::FusionRuntime as FusionRuntime>::FusionHandle>,
    ) -> Result<(), ExecutionError> {
        let [ScalarIr::Float(gamma_x), ScalarIr::Float(gamma_y)] = self.desc.scalars.as_slice() else {
            panic!("{}: expected the two kernel widths as scalars", self.desc.id)
        };
        let (gamma_x, gamma_y) = (*gamma_x as f32, *gamma_y as f32);
        let outputs: Vec<FloatTensor<B>> = match self.desc.id.as_str() {
            SUMS => {
                let ([x, y], _) = self.desc.as_fixed::<2, 4>();
                let (x, y) = (handles.get_float_tensor::<B>(x), handles.get_float_tensor::<B>(y));
                let (sums, means, p, q) = B::gaussian_hsic_sums(x, y, gamma_x, gamma_y);
                vec![sums, means, p, q]
            }
            BACKWARD => {
                let (inputs, _) = self.desc.as_fixed::<6, 2>();
                let [x, y, p, q, means, grad] = inputs.each_ref().map(|input| handles.get_float_tensor::<B>(input));
                let (dx, dy) = B::gaussian_hsic_backward(x, y, p, q, means, grad, gamma_x, gamma_y);
                vec![dx, dy]
            }
            id => panic!("unknown fused HSIC operation {id}"),
        };
        for (ir, tensor) in self.desc.outputs.iter().zip(outputs) {
            handles.register_float_tensor::<B>(&ir.id, tensor);
        }
        Ok(())
    }
}

/// Registers custom operation `id` on the stream of `inputs[0]`, with outputs of `shapes`.
fn register<B: FusionBackend + HsicOps, const N: usize>(
    id: &'static str,
    inputs: Vec<FloatTensor<Fusion<B>>>,
    shapes: [Shape; N],
    gamma_x: f32,
    gamma_y: f32,
) -> [FloatTensor<Fusion<B>>; N] {
    let client = inputs[0].client.clone();
    let dtype = inputs[0].dtype;
    let inputs: Vec<TensorIr> = inputs.into_iter().map(|tensor| tensor.into_ir()).collect();
    let outputs = shapes.map(|shape| TensorIr::uninit(client.create_empty_handle(), shape, dtype));
    let scalars = vec![ScalarIr::Float(gamma_x as f64), ScalarIr::Float(gamma_y as f64)];
    let desc = CustomOpIr::with_scalars(id, &inputs, &outputs, scalars);
    let operation = FusedHsic::<B> { desc: desc.clone(), _backend: PhantomData };
    client.register(StreamId::current(), OperationIr::Custom(desc), operation).outputs()
}

impl<B: FusionBackend + HsicOps> HsicOps for Fusion<B> {
    fn gaussian_hsic_sums(
        x: FloatTensor<Self>,
        y: FloatTensor<Self>,
        gamma_x: f32,
        gamma_y: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let m = x.shape[0];
        let shapes = [[3].into(), [2, m].into(), [m, m].into(), [m, m].into()];
        let [sums, means, p, q] = register::<B, 4>(SUMS, vec![x, y], shapes, gamma_x, gamma_y);
        (sums, means, p, q)
    }

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
        let shapes = [x.shape.clone(), y.shape.clone()];
        let inputs = vec![x, y, p, q, means, grad];
        let [dx, dy] = register::<B, 2>(BACKWARD, inputs, shapes, gamma_x, gamma_y);
        (dx, dy)
    }
}
