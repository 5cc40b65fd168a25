//! Runs as folders: start one, resume one, load one's generator.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use burn::module::Module;
use burn::prelude::*;
use hsic_infogan_models::{Generator, GeneratorConfig, Rng};

use crate::checkpoint::{self, TrainState};
use crate::{RunSummary, files, TrainConfig, TrainError, Trainer, TrainingData, open_device};

/// A flag that the first Ctrl-C sets (the loop then checkpoints and stops); a second Ctrl-C
/// exits at once.
pub fn stop_on_ctrl_c() -> Result<Arc<AtomicBool>, TrainError> {
    use signal_hook::consts::SIGINT;
    let flag = Arc::new(AtomicBool::new(false));
    let register = |result: std::io::Result<_>| result.map(|_| ()).map_err(TrainError::io("SIGINT handler"));
    register(signal_hook::flag::register_conditional_shutdown(SIGINT, 130, flag.clone()))?;
    register(signal_hook::flag::register(SIGINT, flag.clone()))?;
    Ok(flag)
}

fn save_config(config: &TrainConfig, run: &Path) -> Result<(), TrainError> {
    files::save_config(config, &run.join("config.json"))
}

/// Reads a run's `config.json`.
pub fn load_config(run: &Path) -> Result<TrainConfig, TrainError> {
    let path = run.join("config.json");
    if !path.is_file() {
        return Err(TrainError::run(run, "not a run folder: it has no config.json"));
    }
    TrainConfig::load(&path).map_err(|e| TrainError::run(path, e))
}

/// Trains a new run into `out`, which must not already hold one.
pub fn start(config: TrainConfig, out: &Path, stop: &AtomicBool, progress: bool) -> Result<RunSummary, TrainError> {
    config.validate()?;
    if out.join("config.json").exists() || out.join("checkpoint").exists() {
        return Err(TrainError::run(
            out,
            "already holds a run: continue it with --resume, or choose another --out",
        ));
    }
    let data = TrainingData::load(&config)?;
    let mut trainer = Trainer::new(config, data)?;
    std::fs::create_dir_all(out).map_err(TrainError::io(out))?;
    save_config(trainer.config(), out)?;
    trainer.fit(out, stop, progress)
}

/// Continues the run in `run`, optionally to a new number of epochs or total iterations.
pub fn resume(
    run: &Path,
    epochs: Option<usize>,
    max_iters: Option<usize>,
    stop: &AtomicBool,
    progress: bool,
) -> Result<RunSummary, TrainError> {
    let mut config = load_config(run)?;
    if let Some(epochs) = epochs {
        config.epochs = epochs;
    }
    if max_iters.is_some() {
        config.max_iters = max_iters;
    }
    let data = TrainingData::load(&config)?;
    let mut trainer = Trainer::resume(run, config, data)?;
    save_config(trainer.config(), run)?;
    trainer.fit(run, stop, progress)
}

/// A trained generator in eval mode, with its run's config and state, on `device` (or the
/// run's own device).
pub fn load_generator(run: &Path, device: Option<&str>) -> Result<(TrainConfig, TrainState, Generator, Device), TrainError> {
    let config = load_config(run)?;
    let dir = checkpoint::find(run)?;
    let state = checkpoint::load_state(&dir)?;
    let device = open_device(device.unwrap_or(&config.device))?.inner();
    let fresh = GeneratorConfig::new(config.latent.input_size(), state.image).init(&mut Rng::new(0), &device);
    let generator = checkpoint::load_generator(&dir, fresh)?.valid();
    Ok((config, state, generator, device))
}
