//! The loop around [`Trainer::step`]: epochs, the stop flag and the resume position. What to
//! log is `metrics.csv`'s ([`MetricsWriter`]), when to checkpoint is [`CheckpointPolicy`]'s,
//! which epochs to keep is [`KeepEpochs`]'s, and whatever else follows a checkpoint (figures,
//! a progress line) is an [`Observer`]'s.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::checkpointing::{CheckpointPolicy, KeepEpochs};
use crate::observer::{EpochSummary, Observer, Plan, Save, Saved};
use crate::run::checkpoint;
use crate::run::metrics::{EpochSums, MetricsWriter};
use crate::{TrainError, Trainer, run};

/// How a call to [`fit`] ended.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub run: PathBuf,
    /// Iterations completed in total (over all sessions of the run).
    pub iterations: usize,
    /// Iterations this call ran and the seconds they took (steps only).
    pub steps: usize,
    pub step_seconds: f64,
    /// Wall time of this call, figures and checkpoints included.
    pub wall_seconds: f64,
    /// Stopped by the stop flag (Ctrl-C) before the planned end.
    pub interrupted: bool,
    /// The files the observers wrote beside the last checkpoint (the figures).
    pub figures: Vec<PathBuf>,
}

/// Trains `trainer` in the run folder `run` until the planned end or until `stop` is set (then
/// it checkpoints and returns early). `observer` hears of every iteration, checkpoint and epoch.
pub fn fit(
    trainer: &mut Trainer,
    run: &Path,
    stop: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<RunSummary, TrainError> {
    let wall = Instant::now();
    let (total, per_epoch) = (trainer.total_iterations(), trainer.iters_per_epoch());
    let mut metrics = MetricsWriter::open(&run::metrics_path(run), trainer.iteration())?;
    let mut observers = (KeepEpochs::from_config(trainer.config()), observer);
    observers.start(&Plan {
        start: trainer.iteration(),
        total,
        iters_per_epoch: per_epoch,
        epochs: trainer.config().epochs,
    });
    let mut policy = CheckpointPolicy::new(trainer.config().checkpoint_interval(), Instant::now());
    let (mut steps, mut step_seconds) = (0, 0.0);
    let (mut epoch, mut epoch_start) = (EpochSums::default(), Instant::now());
    let mut figures = Vec::new();
    let mut interrupted = false;
    while trainer.iteration() < total {
        if stop.load(Ordering::Relaxed) {
            interrupted = true;
            break;
        }
        let row = trainer.step().map_err(|e| with_last_checkpoint(e, run))?;
        metrics.append(row)?;
        steps += 1;
        step_seconds += row.seconds;
        epoch.add(&row);
        observers.iteration(&row);
        if !trainer.hsic_terms().is_empty() {
            observers.hsic_terms(row.iteration, trainer.hsic_terms());
        }
        let Some(save) = policy.after(trainer.iteration(), per_epoch, total, Instant::now()) else { continue };
        let written = save_checkpoint(trainer, run, save, &mut observers)?;
        if save != Save::Interval {
            figures = written;
            observers.epoch(&epoch_summary(trainer, epoch, epoch_start, trainer.iteration() == total));
            (epoch, epoch_start) = (EpochSums::default(), Instant::now());
        }
    }
    if interrupted {
        figures = save_checkpoint(trainer, run, Save::Stop, &mut observers)?;
        if epoch.rows > 0 {
            observers.epoch(&epoch_summary(trainer, epoch, epoch_start, false));
        }
        observers.stopped(trainer.iteration());
    }
    Ok(RunSummary {
        run: run.to_path_buf(),
        iterations: trainer.iteration(),
        steps,
        step_seconds,
        wall_seconds: wall.elapsed().as_secs_f64(),
        interrupted,
        figures,
    })
}

/// Writes the checkpoint (atomically), then lets the observers write what follows it.
fn save_checkpoint(
    trainer: &Trainer,
    run: &Path,
    save: Save,
    observers: &mut impl Observer,
) -> Result<Vec<PathBuf>, TrainError> {
    checkpoint::save(run, trainer.checkpoint())?;
    observers.saved(&Saved { run, trainer, save })
}

/// A non-finite loss's message, with what became of the run's last checkpoint.
fn with_last_checkpoint(error: TrainError, run: &Path) -> TrainError {
    match error {
        TrainError::NonFinite(msg) => TrainError::NonFinite(match checkpoint::find(run) {
            Ok(last) => format!("{msg}. The last checkpoint, {}, is intact.", last.display()),
            Err(_) => format!("{msg}. The run has no checkpoint yet."),
        }),
        other => other,
    }
}

/// The summary of the epoch holding the last iteration run.
fn epoch_summary(trainer: &Trainer, sums: EpochSums, start: Instant, done: bool) -> EpochSummary {
    let (iteration, per_epoch) = (trainer.iteration(), trainer.iters_per_epoch());
    EpochSummary {
        epoch: (iteration.max(1) - 1) / per_epoch + 1,
        iteration,
        sums,
        wall_seconds: start.elapsed().as_secs_f64(),
        partial: !iteration.is_multiple_of(per_epoch),
        done,
    }
}
