//! A run's generator outside this program: its weights as safetensors in PyTorch's layout, and
//! beside them a JSON file with the latent layout a user needs to feed it.
//!
//! PyTorch's layout differs from Burn's in two places, which burn-store's
//! `BurnToPyTorchAdapter` converts: `Linear.weight` is stored `[out, in]` (Burn's is `[in, out]`)
//! and batch norm's `gamma`/`beta` are `weight`/`bias`. Convolution weights and the batch-norm
//! running statistics keep their names and shapes. The generator is exported in eval mode, so
//! the running statistics are those its batch norms normalise with when sampling.
//!
//! The module names (`fc1`, `bn1`, ..., `up2` for InfoGAN's networks, ..., `up4` for the dSprites
//! ones) are the fields of the networks' generator, without the [`Generator`] variant's name;
//! `scripts/torch_generator.py` holds the matching PyTorch modules.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};
use hsic_infogan_models::{Generator, GeneratorConfig, LatentConfig, Networks, Rng};

use crate::run::TrainedGenerator;
use crate::{TrainError, files};

/// What a program needs to feed the exported generator (`FILE.json` beside `FILE.safetensors`).
#[derive(Config, Debug, PartialEq)]
pub struct ExportLayout {
    /// Size of the noise z, drawn N(0, 1).
    pub noise: usize,
    /// Number of values of each categorical code (fed one-hot).
    pub categorical: Vec<usize>,
    /// Number of continuous codes, trained on U(-1, 1).
    pub continuous: usize,
    /// The range the continuous codes were trained on.
    pub continuous_range: [f64; 2],
    /// Width of the generator's input.
    pub input_size: usize,
    /// The order of the input's columns.
    pub input_order: String,
    /// `[channels, height, width]` of the images, values in [0, 1].
    pub image: [usize; 3],
    /// The training iteration of the exported checkpoint.
    pub iteration: usize,
    /// `gan`, `infogan` or `hsic`.
    pub model: String,
    /// The generator's networks [default: InfoGAN's; optional so exports written before there was
    /// a choice load].
    pub networks: Option<Networks>,
}

impl ExportLayout {
    pub fn new_for(trained: &TrainedGenerator) -> Self {
        let latent = &trained.config.latent;
        Self {
            noise: latent.noise,
            categorical: latent.categorical.clone(),
            continuous: latent.continuous,
            continuous_range: [-1.0, 1.0],
            input_size: latent.input_size(),
            input_order: "[z (noise) | one-hot of each categorical code, in order | continuous codes]".into(),
            image: trained.state.image,
            iteration: trained.state.iteration,
            model: trained.config.regularizer.kind().name().into(),
            networks: Some(trained.config.networks()),
        }
    }

    /// The latent layout the generator was trained with.
    pub fn latent(&self) -> LatentConfig {
        LatentConfig { noise: self.noise, categorical: self.categorical.clone(), continuous: self.continuous }
    }
}

/// The JSON file that goes with the weights `FILE.safetensors`: `FILE.json`.
pub fn layout_path(weights: &Path) -> PathBuf {
    weights.with_extension("json")
}

/// Writes `trained`'s generator to `weights` (safetensors, PyTorch layout) and its layout to
/// [`layout_path`]`(weights)`, each through a temporary file; returns the layout's path.
pub fn write(trained: &TrainedGenerator, weights: &Path) -> Result<PathBuf, TrainError> {
    let layout = ExportLayout::new_for(trained);
    let mut store = SafetensorsStore::from_bytes(None)
        .with_to_adapter(BurnToPyTorchAdapter)
        .skip_enum_variants(true)
        .metadata("latent_input_size", layout.input_size.to_string());
    trained.generator.save_into(&mut store).map_err(|e| TrainError::run(weights, e))?;
    files::write_atomic(weights, store.get_bytes().map_err(|e| TrainError::run(weights, e))?)?;
    let layout_file = layout_path(weights);
    files::save_config(&layout, &layout_file)?;
    Ok(layout_file)
}

/// Reads an export back into a [`Generator`] on `device` (eval mode), with its layout.
pub fn read(weights: &Path, device: &Device) -> Result<(Generator, ExportLayout), TrainError> {
    let layout_file = layout_path(weights);
    let layout: ExportLayout = files::load_json(&layout_file)?;
    // The generator is built from the layout's sizes before the weights are read: they must be
    // ones it takes, and ones the weights file can hold.
    layout.latent().check().map_err(|e| TrainError::run(&layout_file, e))?;
    let networks = layout.networks.unwrap_or(Networks::InfoGan);
    networks.check_image(layout.image).map_err(|e| TrainError::run(&layout_file, e))?;
    if layout.input_size != layout.latent().input_size() {
        return Err(TrainError::run(
            &layout_file,
            format!(
                "input_size {} is not noise + categorical values + continuous codes = {}",
                layout.input_size,
                layout.latent().input_size()
            ),
        ));
    }
    let shape = GeneratorConfig::new(layout.input_size, layout.image).with_networks(networks);
    files::check_can_hold(weights, shape.dense_weights(), &layout_file.display().to_string())?;
    let bytes = std::fs::read(weights).map_err(TrainError::io(weights))?;
    let mut generator = shape.init(&mut Rng::new(0), device);
    let mut store =
        SafetensorsStore::from_bytes(Some(bytes)).with_from_adapter(PyTorchToBurnAdapter).skip_enum_variants(true);
    // The store refuses a file that lacks one of the generator's tensors or has the wrong shape.
    generator.load_from(&mut store).map_err(|e| TrainError::run(weights, e))?;
    Ok((generator.valid(), layout))
}
