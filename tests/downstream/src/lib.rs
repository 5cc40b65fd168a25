//! A representation that predicts a target while staying independent of a nuisance variable
//! (the "fair representation" use of HSIC): a small encoder and head, trained on
//! `squared error + lambda * CKA(representation, nuisance)`.

use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use hsic::{Estimator, Hsic, HsicConfig, Kernel};

/// Inputs `x = [signal, nuisance, noise, noise]` and target `y = signal + nuisance / 2`: fitting
/// `y` alone rewards encoding the nuisance.
pub struct Data {
    pub x: Tensor<2>,
    pub y: Tensor<2>,
    pub nuisance: Tensor<2>,
}

impl Data {
    pub fn draw(m: usize, device: &Device) -> Self {
        let x = Tensor::<2>::random([m, 4], Distribution::Normal(0.0, 1.0), device);
        let signal = x.clone().slice([0..m, 0..1]);
        let nuisance = x.clone().slice([0..m, 1..2]);
        let y = signal + nuisance.clone() * 0.5;
        Self { x, y, nuisance }
    }
}

#[derive(Module, Debug)]
pub struct Model {
    encoder: Linear,
    head: Linear,
    independence: Hsic,
}

/// The two parts of the loss, as numbers.
#[derive(Clone, Copy, Debug)]
pub struct Losses {
    pub fit: f64,
    pub penalty: f64,
}

impl Model {
    pub fn new(device: &Device) -> Self {
        Self {
            encoder: LinearConfig::new(4, 8).init(device),
            head: LinearConfig::new(8, 1).init(device),
            independence: HsicConfig::new()
                .with_kernel_x(Kernel::gaussian(1.0))
                .with_kernel_y(Kernel::gaussian(1.0))
                .with_estimator(Estimator::Normalized)
                .init(),
        }
    }

    /// Squared error of the prediction and CKA between the representation and the nuisance.
    fn losses(&self, data: &Data) -> (Tensor<1>, Tensor<1>) {
        let representation = self.encoder.forward(data.x.clone()).tanh();
        let fit = (self.head.forward(representation.clone()) - data.y.clone()).square().mean();
        let penalty = self.independence.forward(representation, data.nuisance.clone());
        (fit, penalty)
    }

    pub fn evaluate(&self, data: &Data) -> Losses {
        let (fit, penalty) = self.losses(data);
        Losses { fit: fit.into_scalar::<f32>() as f64, penalty: penalty.into_scalar::<f32>() as f64 }
    }
}

/// Trains `model` for `steps` Adam steps on `data` with penalty weight `lambda`.
pub fn train(mut model: Model, data: &Data, lambda: f64, steps: usize) -> Model {
    let mut optimizer = AdamConfig::new().init();
    for _ in 0..steps {
        let (fit, penalty) = model.losses(data);
        let gradients = (fit + penalty * lambda).backward();
        let gradients = GradientsParams::from_grads(gradients, &model);
        model = optimizer.step(0.02, model, gradients);
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_penalty_makes_the_representation_forget_the_nuisance() {
        let device = Device::flex().autodiff();
        device.seed(0);
        let data = Data::draw(256, &device);
        let model = Model::new(&device);
        let start = model.evaluate(&data);
        let unpenalised = train(model.clone(), &data, 0.0, 150).evaluate(&data);
        let penalised = train(model, &data, 2.0, 150).evaluate(&data);
        println!("start {start:?}, lambda 0 {unpenalised:?}, lambda 2 {penalised:?}");
        // The penalty falls, and ends far below where fitting alone takes it.
        assert!(penalised.penalty < 0.5 * start.penalty, "{start:?} -> {penalised:?}");
        assert!(penalised.penalty < 0.5 * unpenalised.penalty, "{unpenalised:?} vs {penalised:?}");
        // The representation still predicts the target: the fit improves on the start, though
        // less than without the penalty.
        assert!(penalised.fit < 0.7 * start.fit, "{start:?} -> {penalised:?}");
        assert!(unpenalised.fit < penalised.fit, "{unpenalised:?} vs {penalised:?}");
    }
}
