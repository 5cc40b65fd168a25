//! The session's policies, each apart from the loop that follows them: when to write a
//! checkpoint ([`CheckpointPolicy`]) and which epochs to keep as snapshots ([`KeepEpochs`]).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::observer::{Observer, Save, Saved};
use crate::{TrainConfig, TrainError, run};

/// A checkpoint at every epoch's end and at the run's end (the figures and snapshots follow
/// those), and inside an epoch once `every` has passed since the last one, so a killed run
/// loses at most that much training.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointPolicy {
    every: Duration,
    last: Instant,
}

impl CheckpointPolicy {
    /// A policy whose first interval starts at `now`.
    pub fn new(every: Duration, now: Instant) -> Self {
        Self { every, last: now }
    }

    /// Whether to save after `iteration` (1-based, counted over the run) of a run planned to
    /// end at `total` with `iters_per_epoch` per epoch, at time `now`; a save restarts the interval.
    pub fn after(&mut self, iteration: usize, iters_per_epoch: usize, total: usize, now: Instant) -> Option<Save> {
        let save = if iteration.is_multiple_of(iters_per_epoch) {
            Save::Epoch { epoch: iteration / iters_per_epoch, last: iteration == total }
        } else if iteration == total {
            Save::End
        } else if now.duration_since(self.last) >= self.every {
            Save::Interval
        } else {
            return None;
        };
        self.last = now;
        Some(save)
    }
}

/// Snapshots of the last `last` planned epochs ([`TrainConfig::keep_epochs`]), each written
/// by [`run::save_epoch_snapshot`] once the checkpoint at the epoch's end is in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepEpochs {
    pub last: usize,
    pub epochs: usize,
}

impl KeepEpochs {
    pub fn from_config(config: &TrainConfig) -> Self {
        Self { last: config.keep_epochs.unwrap_or(0), epochs: config.epochs }
    }

    /// Whether the end of epoch `epoch` (1-based) is kept.
    pub fn keeps(&self, epoch: usize) -> bool {
        // Saturating: a config file may keep more epochs than a usize counts.
        epoch.saturating_add(self.last) > self.epochs
    }
}

impl Observer for KeepEpochs {
    fn saved(&mut self, saved: &Saved<'_>) -> Result<Vec<PathBuf>, TrainError> {
        match saved.save {
            Save::Epoch { epoch, .. } if self.keeps(epoch) => {
                run::save_epoch_snapshot(saved.run, saved.trainer.config(), epoch)?;
                Ok(Vec::new())
            }
            _ => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_fall_at_epoch_ends_the_run_end_and_each_interval() {
        let start = Instant::now();
        let minute = Duration::from_secs(60);
        let mut policy = CheckpointPolicy::new(minute * 10, start);
        let at = |minutes: u32| start + minute * minutes;
        assert_eq!(policy.after(1, 6, 14, at(1)), None);
        assert_eq!(policy.after(2, 6, 14, at(10)), Some(Save::Interval));
        assert_eq!(policy.after(3, 6, 14, at(19)), None, "the interval restarts at each save");
        assert_eq!(policy.after(4, 6, 14, at(20)), Some(Save::Interval));
        assert_eq!(policy.after(6, 6, 14, at(21)), Some(Save::Epoch { epoch: 1, last: false }));
        assert_eq!(policy.after(7, 6, 14, at(30)), None, "an epoch's end restarts the interval");
        assert_eq!(policy.after(12, 6, 12, at(31)), Some(Save::Epoch { epoch: 2, last: true }));
        assert_eq!(policy.after(14, 6, 14, at(32)), Some(Save::End));
        // An interval of 0 saves after every iteration.
        let mut always = CheckpointPolicy::new(Duration::ZERO, start);
        assert!((1..5).all(|i| always.after(i, 6, 14, start) == Some(Save::Interval)));
    }

    #[test]
    fn the_last_epochs_are_kept() {
        let keep = KeepEpochs::from_config(&TrainConfig::new().with_epochs(10).with_keep_epochs(Some(3)));
        assert_eq!((1..=10).filter(|&e| keep.keeps(e)).collect::<Vec<_>>(), [8, 9, 10]);
        let none = KeepEpochs::from_config(&TrainConfig::new().with_epochs(10));
        assert!((1..=10).all(|e| !none.keeps(e)));
        // A config file's `keep_epochs` can be any number: more than a usize counts keeps all.
        let all = KeepEpochs::from_config(&TrainConfig::new().with_epochs(10).with_keep_epochs(Some(usize::MAX)));
        assert!((1..=10).all(|e| all.keeps(e)));
    }
}
