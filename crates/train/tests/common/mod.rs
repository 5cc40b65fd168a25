//! What the test files share: a tiny training setup (8x8 images, a small latent, batches of 8).

#![allow(dead_code)] // each test file uses part of it

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Gradients;
use hsic_infogan_data::ImageSet;
use hsic_infogan_models::{LatentConfig, Rng};
use hsic_infogan_train::{ModelKind, TrainConfig, TrainingData};

pub const DIMS: [usize; 3] = [1, 8, 8];

/// 48 random 8x8 images: 6 iterations per epoch at batch 8.
pub fn data() -> TrainingData {
    let mut rng = Rng::new(11);
    let pixels = (0..48 * 64).map(|_| rng.below(256) as u8).collect();
    TrainingData::Set(ImageSet::new(DIMS, pixels, None))
}

/// The model with its default settings on [`data`]'s images (the dataset name is only a label
/// here: the trainer takes the images it is given).
pub fn config(model: ModelKind) -> TrainConfig {
    TrainConfig::new()
        .with_regularizer(model.regularizer())
        .with_dataset(hsic_infogan_data::DatasetSpec::Folder("tiny".into()))
        .with_latent(LatentConfig::new().with_noise(4).with_categorical(vec![3]).with_continuous(2))
        .with_batch_size(8)
        .with_epochs(2)
        .with_seed(5)
}

/// `backend`'s device where it runs; `None`, after saying so, where it is compiled in but has no
/// working device. Under CI that fails instead: a skip there would pass unnoticed.
pub fn working_device(backend: &str) -> Option<Device> {
    let device = hsic_infogan_device::parse_device(backend).unwrap();
    match hsic_infogan_device::probe(&device) {
        Ok(()) => Some(device),
        Err(reason) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "backend {backend} is compiled in but does not run under CI: {reason}"
            );
            println!("SKIPPED backend {backend}: {reason}");
            None
        }
    }
}

/// A float parameter of a module: its dotted name, shape and values, and its gradient where one
/// was asked for and exists (batch norm's running statistics have none).
pub struct Parameter {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
    pub grad: Option<Vec<f32>>,
}

/// Every float parameter of `module`, in visiting order, with its gradient in `grads` if given.
pub fn parameters<M: Module>(module: &M, grads: Option<&Gradients>) -> Vec<Parameter> {
    struct Visitor<'a> {
        grads: Option<&'a Gradients>,
        path: Vec<String>,
        out: Vec<Parameter>,
    }
    impl ModuleVisitor for Visitor<'_> {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.path.push(name.to_string());
        }

        fn exit_module(&mut self, _: &str, _: &str) {
            self.path.pop();
        }

        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let value = param.val();
            let host = |tensor: Tensor<D>| tensor.into_data().try_to_vec::<f32>().unwrap();
            self.out.push(Parameter {
                name: self.path.join("."),
                shape: value.dims().to_vec(),
                grad: self.grads.and_then(|grads| value.grad(grads)).map(host),
                values: host(value),
            });
        }
    }
    let mut visitor = Visitor { grads, path: Vec::new(), out: Vec::new() };
    module.visit(&mut visitor);
    visitor.out
}
