//! A run's figures, apart from the training library: the paper's Fig. 1 traversals, samples
//! from the prior, the loss curves and their history over epochs (PNG frames and GIFs). A
//! training session draws them through [`FigureWriter`], an [`Observer`] that redraws them
//! after every checkpoint at an epoch's end, at the run's end and at a stop; `sample` and the
//! sweep's mosaics call the drawing functions directly. File names are the run folder's
//! ([`hsic_infogan_train::run`]).

mod generator;
mod grid;
mod heat_map;
mod history;
mod losses;

use std::path::PathBuf;

use burn::module::Module;
use hsic_infogan_train::observer::{Observer, Save, Saved};
use hsic_infogan_train::{TrainError, run};

pub use generator::{
    TRAVERSAL_STEPS, traversal_noise, traversal_rows, write_generator_figures, write_samples, write_traversals,
};
pub use grid::{grid, picture, save_png};
pub use heat_map::{heat_map_image, write_codes_figure, write_heat_map};
pub use history::{record_epoch, write_animation};
pub use losses::{LOSSES_SIZE, font_available, write_losses};

/// Draws the run's figures after each checkpoint but those written on a timer inside an epoch:
/// the traversals and samples of the current generator (in eval mode), at an epoch's end their
/// copies in the history and its animations, and `losses.png` from `metrics.csv`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FigureWriter;

impl Observer for FigureWriter {
    fn saved(&mut self, saved: &Saved<'_>) -> Result<Vec<PathBuf>, TrainError> {
        let Saved { run, trainer, save } = *saved;
        if save == Save::Interval {
            return Ok(Vec::new());
        }
        let device = trainer.device().clone().inner();
        let generator = trainer.generator().valid();
        let mut paths = write_generator_figures(&generator, trainer.config(), trainer.image_dims(), run, &device)?;
        if let Save::Epoch { epoch, .. } = save {
            let animations = record_epoch(run, epoch, &paths)?;
            paths.extend(animations);
        }
        let metrics = run::metrics_path(run);
        if metrics.is_file() {
            let losses = run::losses_path(run);
            write_losses(&run::metrics::read(&metrics)?, &losses)?;
            paths.push(losses);
        }
        Ok(paths)
    }
}
