//! `config.json` as this project wrote it before, read so that those runs still resume,
//! evaluate and sample:
//! - before the model became one [`Regularizer`] value (version 0.1.0 up to 2026-11-29):
//!   `model`, `info_continuous_weight` and `hsic_terms` side by side;
//! - before an HSIC term's `input` became required: missing, or `null` for pixels.

use burn::serde::{Deserialize, Serialize};
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_device::DeviceChoice;
use hsic_infogan_models::LatentConfig;
use serde_json::Value;

use crate::{HsicInput, HsicTerm, ModelKind, Regularizer, TrainConfig};

#[derive(Debug, Serialize, Deserialize)]
#[serde(crate = "burn::serde")]
struct LegacyConfig {
    model: ModelKind,
    dataset: DatasetSpec,
    data_dir: Option<std::path::PathBuf>,
    image_size: usize,
    rgb: bool,
    device: DeviceChoice,
    latent: LatentConfig,
    batch_size: usize,
    epochs: usize,
    max_iters: Option<usize>,
    lr_d: f64,
    lr_g: f64,
    beta1: f64,
    beta2: f64,
    adam_epsilon: f64,
    info_continuous_weight: f64,
    hsic_terms: Vec<HsicTerm>,
    seed: u64,
}

impl From<LegacyConfig> for TrainConfig {
    fn from(old: LegacyConfig) -> Self {
        let regularizer = match old.model {
            ModelKind::Gan => Regularizer::Gan,
            ModelKind::InfoGan => Regularizer::InfoGan { continuous_weight: old.info_continuous_weight },
            ModelKind::Hsic => Regularizer::Hsic { terms: old.hsic_terms },
        };
        TrainConfig {
            regularizer,
            dataset: old.dataset,
            data_dir: old.data_dir,
            image_size: old.image_size,
            rgb: old.rgb,
            device: old.device,
            networks: None,
            latent: old.latent,
            batch_size: old.batch_size,
            epochs: old.epochs,
            max_iters: old.max_iters,
            lr_d: old.lr_d,
            lr_g: old.lr_g,
            beta1: old.beta1,
            beta2: old.beta2,
            adam_epsilon: old.adam_epsilon,
            seed: old.seed,
            checkpoint_minutes: None,
            keep_epochs: None,
            orthogonality: None,
        }
    }
}

/// A config in today's form, or else in the old one, once every HSIC term names its input; the
/// error is today's form's.
pub(crate) fn parse(bytes: &[u8]) -> Result<TrainConfig, serde_json::Error> {
    let mut value: Value = serde_json::from_slice(bytes)?;
    let pixels = serde_json::to_value(HsicInput::Pixels)?;
    for pointer in ["/regularizer/Hsic/terms", "/hsic_terms"] {
        let terms = value.pointer_mut(pointer).and_then(Value::as_array_mut).into_iter().flatten();
        for term in terms.filter_map(Value::as_object_mut) {
            if term.get("input").is_none_or(Value::is_null) {
                term.insert("input".into(), pixels.clone());
            }
        }
    }
    TrainConfig::deserialize(&value)
        .or_else(|today| LegacyConfig::deserialize(&value).map(Into::into).map_err(|_| today))
}
