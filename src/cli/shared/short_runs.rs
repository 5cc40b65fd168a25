//! What the short scored runs of `sweep` and `tune` share: their flags and the line announcing
//! each.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use hsic_infogan_eval::EvalOptions;
use hsic_infogan_eval::encoder::EncoderConfig;
use hsic_infogan_train::run::sweep as layout;
use hsic_infogan_train::{HsicTerm, Regularizer, TrainConfig, default_hsic};

use super::flags::{DataDirArg, DeviceArg, EstimatorArg};
use crate::progress::{self, Progress};
use crate::sweep::Cell;

/// The flags of every short scored run.
#[derive(Debug, Args)]
pub struct ShortRunArgs {
    #[arg(long, value_enum, default_value_t = EstimatorArg::Cka)]
    estimator: EstimatorArg,
    #[command(flatten)]
    device: DeviceArg,
    #[command(flatten)]
    data_dir: DataDirArg,
    /// Samples each run is scored with.
    #[arg(long, default_value_t = 2000)]
    n: usize,
    /// Folder of the trained classifier [default: ~/.cache/hsic-infogan/classifier].
    #[arg(long)]
    classifier: Option<PathBuf>,
    /// No per-iteration progress line (one line per run stays).
    #[arg(long)]
    quiet: bool,
}

impl ShortRunArgs {
    /// The MNIST HSIC-InfoGAN config the runs vary (one HSIC term with this estimator).
    pub fn base(&self) -> TrainConfig {
        let term = HsicTerm::new().with_hsic(default_hsic().with_estimator(self.estimator.estimator()));
        TrainConfig::new()
            .with_regularizer(Regularizer::Hsic { terms: vec![term] })
            .with_device(self.device.device.clone())
            .with_data_dir(self.data_dir.absolute())
    }

    /// Progress lines of the training, unless `--quiet`.
    pub fn progress(&self) -> Progress {
        Progress::new(!self.quiet)
    }

    /// How each run is scored, with the post-hoc encoder's `recipe` if any.
    pub fn eval(&self, encoder: Option<EncoderConfig>) -> EvalOptions {
        EvalOptions {
            samples: self.n,
            seed: 0,
            device: None,
            data_dir: self.data_dir.data_dir.clone(),
            classifier: self.classifier.clone(),
            encoder,
        }
    }
}

fn cell_line(k: usize, total: usize, cell: &Cell) -> String {
    format!("[cell {}/{total}] σx {} σc {} λ {} seed {}", k + 1, cell.sigma_x, cell.sigma_c, cell.lambda, cell.seed)
}

/// Prints each cell's line before it runs, for the cells of `out`, with the ETA of the rest once
/// a cell was trained in this invocation: the mean wall time of the cells trained so far (from
/// one line to the next, scoring included) times the cells left, this one included. A cell
/// already scored (one a resumed sweep skips) is not timed; one that failed before is, briefly.
pub fn announcer(out: &Path) -> impl FnMut(usize, usize, &Cell) {
    let out = out.to_path_buf();
    let mut trained: Vec<f64> = Vec::new();
    let mut running: Option<Instant> = None;
    move |k: usize, total: usize, cell: &Cell| {
        trained.extend(running.take().map(|start| start.elapsed().as_secs_f64()));
        if !hsic_infogan_train::run::eval_report_path(&layout::cell_path(&out, &cell.name())).is_file() {
            running = Some(Instant::now());
        }
        let eta = match trained.len() {
            0 => String::new(),
            n => {
                let mean = trained.iter().sum::<f64>() / n as f64;
                format!("  (sweep ETA {})", progress::duration(mean * (total - k) as f64))
            }
        };
        eprintln!("{}{eta}", cell_line(k, total, cell));
    }
}
