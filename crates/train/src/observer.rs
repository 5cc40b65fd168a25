//! How a training session reports to what runs it (a progress line, a log, a dashboard) and to
//! the parts that write files beside the checkpoint (figures, epoch snapshots), without the
//! loop knowing any of them; burn-train's event processor and its checkpointer callbacks play
//! these parts there. The program stops a session through the flag it passes to [`fit`](crate::fit).

use std::path::{Path, PathBuf};

use hsic_infogan_data::download::DownloadProgress;

use crate::run::metrics::{EpochSums, Row};
use crate::{TrainError, Trainer};

/// Where a session starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Iterations the run had done before this session (0 for a new run).
    pub start: usize,
    /// The iteration the run ends at.
    pub total: usize,
    pub iters_per_epoch: usize,
    pub epochs: usize,
}

/// The iterations of one epoch that this session ran, sent once the checkpoint and figures at
/// its end are written (or, on a stop, the part of the epoch run before it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochSummary {
    /// 1-based.
    pub epoch: usize,
    /// The run's iteration at the summary.
    pub iteration: usize,
    pub sums: EpochSums,
    /// Wall time since the epoch's (or the session's) first iteration, checkpoint included.
    pub wall_seconds: f64,
    /// The epoch is not complete (a stop, or `max_iters` inside it).
    pub partial: bool,
    /// The last summary of the run.
    pub done: bool,
}

/// Why a checkpoint was written (see [`crate::checkpointing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    /// At the end of epoch `epoch` (1-based); `last` when the run ends there too.
    Epoch { epoch: usize, last: bool },
    /// At the run's planned end inside an epoch (`max_iters`).
    End,
    /// The time between checkpoints inside an epoch has passed.
    Interval,
    /// The stop flag was set.
    Stop,
}

/// A checkpoint just written into `run`, with the trainer it holds.
pub struct Saved<'a> {
    pub run: &'a Path,
    pub trainer: &'a Trainer,
    pub save: Save,
}

/// Receives a session's events; every method does nothing unless overridden, and `()` observes
/// nothing. A tuple of observers tells each in turn.
pub trait Observer {
    /// While the training data is downloaded, after every chunk received.
    fn download(&mut self, _progress: DownloadProgress) {}
    /// Before the first iteration.
    fn start(&mut self, _plan: &Plan) {}
    /// After every iteration, with the row just appended to `metrics.csv`.
    fn iteration(&mut self, _row: &Row) {}
    /// After [`iteration`](Self::iteration) of an HSIC-InfoGAN run, with each term's value HSIC_t.
    fn hsic_terms(&mut self, _iteration: usize, _values: &[f32]) {}
    /// After a checkpoint is written; returns the files it wrote beside it (figures, say),
    /// which the run's summary lists. An error ends the session.
    fn saved(&mut self, _saved: &Saved<'_>) -> Result<Vec<PathBuf>, TrainError> {
        Ok(Vec::new())
    }
    /// After the end of an epoch, of the run, or of the part run before a stop.
    fn epoch(&mut self, _summary: &EpochSummary) {}
    /// After the checkpoint that a stop wrote at `iteration`.
    fn stopped(&mut self, _iteration: usize) {}
}

impl Observer for () {}

impl<T: Observer + ?Sized> Observer for &mut T {
    fn download(&mut self, progress: DownloadProgress) {
        (**self).download(progress)
    }
    fn start(&mut self, plan: &Plan) {
        (**self).start(plan)
    }
    fn iteration(&mut self, row: &Row) {
        (**self).iteration(row)
    }
    fn hsic_terms(&mut self, iteration: usize, values: &[f32]) {
        (**self).hsic_terms(iteration, values)
    }
    fn saved(&mut self, saved: &Saved<'_>) -> Result<Vec<PathBuf>, TrainError> {
        (**self).saved(saved)
    }
    fn epoch(&mut self, summary: &EpochSummary) {
        (**self).epoch(summary)
    }
    fn stopped(&mut self, iteration: usize) {
        (**self).stopped(iteration)
    }
}

impl<A: Observer, B: Observer> Observer for (A, B) {
    fn download(&mut self, progress: DownloadProgress) {
        self.0.download(progress);
        self.1.download(progress);
    }
    fn start(&mut self, plan: &Plan) {
        self.0.start(plan);
        self.1.start(plan);
    }
    fn iteration(&mut self, row: &Row) {
        self.0.iteration(row);
        self.1.iteration(row);
    }
    fn hsic_terms(&mut self, iteration: usize, values: &[f32]) {
        self.0.hsic_terms(iteration, values);
        self.1.hsic_terms(iteration, values);
    }
    fn saved(&mut self, saved: &Saved<'_>) -> Result<Vec<PathBuf>, TrainError> {
        let mut files = self.0.saved(saved)?;
        files.extend(self.1.saved(saved)?);
        Ok(files)
    }
    fn epoch(&mut self, summary: &EpochSummary) {
        self.0.epoch(summary);
        self.1.epoch(summary);
    }
    fn stopped(&mut self, iteration: usize) {
        self.0.stopped(iteration);
        self.1.stopped(iteration);
    }
}

/// An observer switched on or off (`--no-tensorboard`, say): `None` observes nothing.
impl<T: Observer> Observer for Option<T> {
    fn download(&mut self, progress: DownloadProgress) {
        self.iter_mut().for_each(|o| o.download(progress))
    }
    fn start(&mut self, plan: &Plan) {
        self.iter_mut().for_each(|o| o.start(plan))
    }
    fn iteration(&mut self, row: &Row) {
        self.iter_mut().for_each(|o| o.iteration(row))
    }
    fn hsic_terms(&mut self, iteration: usize, values: &[f32]) {
        self.iter_mut().for_each(|o| o.hsic_terms(iteration, values))
    }
    fn saved(&mut self, saved: &Saved<'_>) -> Result<Vec<PathBuf>, TrainError> {
        self.as_mut().map_or(Ok(Vec::new()), |o| o.saved(saved))
    }
    fn epoch(&mut self, summary: &EpochSummary) {
        self.iter_mut().for_each(|o| o.epoch(summary))
    }
    fn stopped(&mut self, iteration: usize) {
        self.iter_mut().for_each(|o| o.stopped(iteration))
    }
}
