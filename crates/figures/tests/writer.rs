//! The figures a training session draws through [`FigureWriter`]: which, when, and their layout.

#[path = "../../train/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use hsic_infogan_figures::{FigureWriter, LOSSES_SIZE};
use hsic_infogan_train::{ModelKind, Observer, RunSummary, Save, Saved, TrainError, Trainer, fit};

use common::{config, data};

fn train(trainer: &mut Trainer, dir: &Path, stop: bool, observer: &mut dyn Observer) -> RunSummary {
    fit(trainer, dir, &AtomicBool::new(stop), observer).unwrap()
}

#[test]
fn figures_have_the_paper_layout() {
    let dir = tempfile::tempdir().unwrap();
    let mut trainer = Trainer::new(config(ModelKind::Hsic).with_max_iters(Some(2)), data()).unwrap();
    let summary = train(&mut trainer, dir.path(), false, &mut FigureWriter);
    // 3 categorical values x 10 steps of 8x8 images with 2-pixel gaps.
    for code in ["traverse_c1.png", "traverse_c2.png"] {
        let image = image::open(dir.path().join(code)).unwrap();
        assert_eq!((image.width(), image.height()), (10 * 10 + 2, 3 * 10 + 2), "{code}");
    }
    let samples = image::open(dir.path().join("samples.png")).unwrap();
    assert_eq!((samples.width(), samples.height()), (102, 102));
    let losses = image::open(dir.path().join("losses.png")).unwrap();
    assert_eq!((losses.width(), losses.height()), LOSSES_SIZE);
    let names: Vec<_> = summary.figures.iter().map(|p| p.file_name().unwrap().to_str().unwrap()).collect();
    assert_eq!(
        names,
        ["traverse_c1.png", "traverse_c2.png", "samples.png", "losses.png"],
        "inside an epoch: no history"
    );
    assert!(!dir.path().join("figures").exists() && !dir.path().join("checkpoint.tmp").exists());
}

/// Each checkpoint's reason, and the figures written by then.
#[derive(Default)]
struct Saves(Vec<(Save, bool)>);

impl Observer for Saves {
    fn saved(&mut self, saved: &Saved<'_>) -> Result<Vec<PathBuf>, TrainError> {
        self.0.push((saved.save, saved.run.join("samples.png").is_file()));
        Ok(Vec::new())
    }
}

#[test]
fn figures_follow_epoch_ends_and_stops_but_not_timed_checkpoints() {
    // A checkpoint after every iteration: 6 per epoch, 7 iterations in all.
    let dir = tempfile::tempdir().unwrap();
    let planned = config(ModelKind::Gan).with_max_iters(Some(7)).with_checkpoint_minutes(Some(0.0));
    let mut saves = Saves::default();
    train(&mut Trainer::new(planned.clone(), data()).unwrap(), dir.path(), false, &mut (FigureWriter, &mut saves));
    let expected: Vec<_> = (1..=5)
        .map(|_| (Save::Interval, false))
        .chain([(Save::Epoch { epoch: 1, last: false }, true), (Save::End, true)])
        .collect();
    assert_eq!(saves.0, expected);
    let history = dir.path().join("figures");
    assert!(history.join("epoch_001_samples.png").is_file() && history.join("samples.gif").is_file());
    assert!(!history.join("epoch_002_samples.png").exists(), "epoch 2 did not end");

    // A stop draws the figures of the networks as they stand.
    let stopped = tempfile::tempdir().unwrap();
    let summary = train(&mut Trainer::new(planned, data()).unwrap(), stopped.path(), true, &mut FigureWriter);
    assert!(summary.interrupted && summary.figures.len() == 4, "{:?}", summary.figures);
    assert!(stopped.path().join("traverse_c1.png").is_file());
}
