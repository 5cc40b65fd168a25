//! Training into a run folder: start a new run, or resume one from its checkpoint.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::observer::Observer;
use crate::run::checkpoint;
use crate::{RunSummary, TrainConfig, TrainError, Trainer, TrainingData, fit, run};

/// Trains a new run into `out`, which must not already hold one ([`TrainError::RunExists`]).
pub fn start(
    config: TrainConfig,
    out: &Path,
    stop: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<RunSummary, TrainError> {
    config.validate()?;
    if run::exists(out) {
        return Err(TrainError::RunExists(out.to_path_buf()));
    }
    // A device that does not work fails here, before a download.
    config.device.open()?;
    let data = TrainingData::load_with(&config, &mut |progress| observer.download(progress))?;
    let mut trainer = Trainer::new(config, data)?;
    std::fs::create_dir_all(out).map_err(TrainError::io(out))?;
    run::save_config(trainer.config(), out)?;
    fit(&mut trainer, out, stop, observer)
}

/// What a resumed run may change.
#[derive(Debug, Clone, Copy, Default)]
pub struct Changes {
    pub epochs: Option<usize>,
    pub max_iters: Option<usize>,
    pub checkpoint_minutes: Option<f64>,
    pub keep_epochs: Option<usize>,
}

/// Continues the run in `dir` with `changes`. A run stopped before its first checkpoint (killed,
/// say) starts again from its `config.json`.
pub fn resume(
    dir: &Path,
    changes: Changes,
    stop: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<RunSummary, TrainError> {
    let mut config = run::load_config(dir)?;
    config.epochs = changes.epochs.unwrap_or(config.epochs);
    config.max_iters = changes.max_iters.or(config.max_iters);
    config.checkpoint_minutes = changes.checkpoint_minutes.or(config.checkpoint_minutes);
    config.keep_epochs = changes.keep_epochs.or(config.keep_epochs);
    config.validate()?;
    config.device.open()?;
    let data = TrainingData::load_with(&config, &mut |progress| observer.download(progress))?;
    let mut trainer = match checkpoint::find(dir) {
        Ok(_) => Trainer::resume(dir, config, data)?,
        Err(_) => Trainer::new(config, data)?,
    };
    run::save_config(trainer.config(), dir)?;
    fit(&mut trainer, dir, stop, observer)
}
