//! The settings that depend on the dataset: InfoGAN's MNIST setup, or for `shapes` InfoGAN-CR's
//! dSprites setup (fjxmlzn/InfoGAN-CR, `InfoGAN-CR_dSprites/config.py`: 5 regularised uniform
//! codes, 5 unregularised noise dimensions, batch 64, info weight 0.05). Not taken: its noise is
//! U(-1, 1) where this project draws z from N(0, 1), and its D learns at 2e-3, which it can
//! afford with spectral normalisation; without it, D's loss fell to 1e-5 within 10 iterations
//! and stayed there in HSIC-InfoGAN runs (at 2e-4, MNIST's rate, it stays near 0.6).
//! HSIC-InfoGAN on dSprites: one term per continuous code of weight 0.02 (0.1 in all), which
//! scored above one term of weight 0.1 on four of the six metrics and level on the other two
//! after 600 iterations (one seed each; docs/evaluation.md).

use hsic_infogan_data::DatasetSpec;
use hsic_infogan_models::{LatentConfig, Networks};

use crate::config::{
    CodeGroup, DEFAULT_INFO_CONTINUOUS_WEIGHT, DEFAULT_LAMBDA, HsicTerm, ModelKind, Regularizer, TrainConfig,
    default_hsic_terms, default_lambda_schedule,
};

/// What `hsic-infogan train --dataset D` uses where no flag says otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetDefaults {
    pub networks: Networks,
    pub batch_size: usize,
    pub noise: usize,
    pub categorical: Vec<usize>,
    pub continuous: usize,
    /// InfoGAN's weight of the continuous codes' NLL.
    pub info_continuous_weight: f64,
    /// HSIC-InfoGAN's lambda of each term.
    pub lambda: f64,
    /// HSIC-InfoGAN: one term per continuous code instead of one for all of them.
    pub hsic_per_code: bool,
}

impl DatasetDefaults {
    pub fn of(dataset: &DatasetSpec) -> Self {
        match dataset {
            DatasetSpec::Shapes => Self {
                networks: Networks::Dsprites,
                batch_size: 64,
                noise: 5,
                categorical: Vec::new(),
                continuous: 5,
                info_continuous_weight: 0.05,
                lambda: 0.02,
                hsic_per_code: true,
            },
            _ => Self {
                networks: Networks::InfoGan,
                batch_size: 100,
                noise: 62,
                categorical: vec![10],
                continuous: 2,
                info_continuous_weight: DEFAULT_INFO_CONTINUOUS_WEIGHT,
                lambda: DEFAULT_LAMBDA,
                hsic_per_code: false,
            },
        }
    }

    /// `model` as `train --dataset D --model M` trains it with no other flag.
    pub fn regularizer(&self, model: ModelKind) -> Regularizer {
        match model {
            ModelKind::Hsic if self.hsic_per_code => Regularizer::Hsic {
                terms: (0..self.continuous)
                    .map(|code| {
                        HsicTerm::new()
                            .with_codes(CodeGroup::ContinuousCode(code))
                            .with_lambda(self.lambda)
                            .with_schedule(Some(default_lambda_schedule()))
                    })
                    .collect(),
            },
            ModelKind::Hsic => Regularizer::Hsic {
                terms: default_hsic_terms().into_iter().map(|term| term.with_lambda(self.lambda)).collect(),
            },
            ModelKind::InfoGan => Regularizer::InfoGan { continuous_weight: self.info_continuous_weight },
            ModelKind::Gan => Regularizer::Gan,
        }
    }

    /// The run configuration of `model` on `dataset` with every other setting at its default.
    pub fn config(dataset: &DatasetSpec, model: ModelKind) -> TrainConfig {
        let defaults = Self::of(dataset);
        TrainConfig::new()
            .with_dataset(dataset.clone())
            .with_regularizer(defaults.regularizer(model))
            .with_networks(Some(defaults.networks))
            .with_latent(
                LatentConfig::new()
                    .with_noise(defaults.noise)
                    .with_categorical(defaults.categorical)
                    .with_continuous(defaults.continuous),
            )
            .with_batch_size(defaults.batch_size)
    }
}
