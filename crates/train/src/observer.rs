//! How a training session reports to the program that runs it (a progress line, a log, a
//! dashboard) without printing anything itself; burn-train's event processor plays this part
//! there. The program stops a session through the flag it passes to
//! [`Trainer::fit`](crate::Trainer::fit), e.g. from a Ctrl-C handler.

use hsic_infogan_data::download::DownloadProgress;

use crate::run::metrics::{EpochSums, Row};

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

/// Receives a session's events; every method does nothing unless overridden, and `()` observes
/// nothing.
pub trait Observer {
    /// While the training data is downloaded, after every chunk received.
    fn download(&mut self, _progress: DownloadProgress) {}
    /// Before the first iteration.
    fn start(&mut self, _plan: &Plan) {}
    /// After every iteration, with the row just appended to `metrics.csv`.
    fn iteration(&mut self, _row: &Row) {}
    /// After the end of an epoch, of the run, or of the part run before a stop.
    fn epoch(&mut self, _summary: &EpochSummary) {}
    /// After the checkpoint that a stop wrote at `iteration`.
    fn stopped(&mut self, _iteration: usize) {}
}

impl Observer for () {}
