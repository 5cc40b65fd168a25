//! Training into a run folder: start a new run, or resume one from its checkpoint.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::observer::Observer;
use crate::{RunSummary, TrainConfig, TrainError, Trainer, TrainingData, run};

/// Trains a new run into `out`, which must not already hold one ([`TrainError::RunExists`]).
pub fn start(config: TrainConfig, out: &Path, stop: &AtomicBool, observer: &mut dyn Observer) -> Result<RunSummary, TrainError> {
    config.validate()?;
    if run::exists(out) {
        return Err(TrainError::RunExists(out.to_path_buf()));
    }
    let data = TrainingData::load(&config)?;
    let mut trainer = Trainer::new(config, data)?;
    std::fs::create_dir_all(out).map_err(TrainError::io(out))?;
    run::save_config(trainer.config(), out)?;
    trainer.fit(out, stop, observer)
}

/// Continues the run in `dir`, optionally to a new number of epochs or total iterations.
pub fn resume(
    dir: &Path,
    epochs: Option<usize>,
    max_iters: Option<usize>,
    stop: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<RunSummary, TrainError> {
    let mut config = run::load_config(dir)?;
    if let Some(epochs) = epochs {
        config.epochs = epochs;
    }
    if max_iters.is_some() {
        config.max_iters = max_iters;
    }
    let data = TrainingData::load(&config)?;
    let mut trainer = Trainer::resume(dir, config, data)?;
    run::save_config(trainer.config(), dir)?;
    trainer.fit(dir, stop, observer)
}
