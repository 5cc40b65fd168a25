//! `hsic-infogan sweep`: one short HSIC-InfoGAN run per (sigma_x, sigma_c, lambda, seed) cell,
//! each scored by `eval`, for the paper's Fig. 2 (traversals over sigma x lambda) with the
//! numbers beside it. Cells live in `OUT/cells/NAME`; a cell with an `eval.json` is finished and
//! skipped, one with a checkpoint is resumed, so a stopped sweep continues where it stopped.

pub mod figures;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use burn::config::Config;
use hsic::Kernel;
use hsic_infogan_eval::report::{self, EvalReport};
use hsic_infogan_eval::{EvalError, EvalOptions, Evaluator};
use hsic_infogan_figures::FigureWriter;
use hsic_infogan_train::run::sweep as layout;
use hsic_infogan_train::run::{self, metrics};
use hsic_infogan_train::tensorboard::TensorBoard;
use hsic_infogan_train::{
    GradientNorms, Observer, Regularizer, TrainConfig, TrainError, Trainer, TrainingData, files, session,
};

/// Why a sweep or a tune stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A flag is out of range; the message names it.
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Train(#[from] TrainError),
    /// Boxed: an evaluation error is several times larger than the others.
    #[error(transparent)]
    Eval(Box<EvalError>),
}

impl From<EvalError> for SweepError {
    fn from(err: EvalError) -> Self {
        Self::Eval(Box::new(err))
    }
}

/// Batches the gradient norms are averaged over.
const GRADIENT_BATCHES: usize = 5;

/// The values each setting takes; the cells are their product.
#[derive(Debug, Clone)]
pub struct Grid {
    pub sigma_x: Vec<f64>,
    pub sigma_c: Vec<f64>,
    pub lambda: Vec<f64>,
    pub seeds: Vec<u64>,
}

/// One run of the sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub sigma_x: f64,
    pub sigma_c: f64,
    pub lambda: f64,
    pub seed: u64,
}

impl Grid {
    /// Cells in the order sigma_x, sigma_c, lambda, seed (the last varies fastest).
    pub fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        for &sigma_x in &self.sigma_x {
            for &sigma_c in &self.sigma_c {
                for &lambda in &self.lambda {
                    for &seed in &self.seeds {
                        cells.push(Cell { sigma_x, sigma_c, lambda, seed });
                    }
                }
            }
        }
        cells
    }

    /// Every list non-empty (the values themselves are checked with each cell's config).
    pub fn check(&self) -> Result<(), SweepError> {
        for (name, len) in [
            ("--sigma-x", self.sigma_x.len()),
            ("--sigma-c", self.sigma_c.len()),
            ("--lambda", self.lambda.len()),
            ("--seeds", self.seeds.len()),
        ] {
            if len == 0 {
                return Err(SweepError::Config(format!("{name} needs at least one value")));
            }
        }
        Ok(())
    }
}

/// `--shard I/N`: the cells at positions k with k mod N = I - 1 of the grid's order, so N
/// machines (a batch scheduler's job array) sharing the output folder each run a disjoint part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based, as job arrays number their tasks.
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Whether the cell at position `k` of the grid's order is this shard's.
    pub fn owns(&self, k: usize) -> bool {
        k % self.count == self.index - 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parsed = text.split_once('/').and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if 1 <= index && index <= count => Ok(Self { index, count }),
            _ => Err(format!("expected I/N with 1 <= I <= N (e.g. 2/8), got `{text}`")),
        }
    }
}

impl Cell {
    /// Folder name, e.g. `sx8_sc1_l0.5_seed0`.
    pub fn name(&self) -> String {
        format!("sx{}_sc{}_l{}_seed{}", self.sigma_x, self.sigma_c, self.lambda, self.seed)
    }

    /// `base` (an HSIC-InfoGAN config with one HSIC term) with this cell's Gaussian widths,
    /// weight and seed.
    pub fn config(&self, base: &TrainConfig) -> TrainConfig {
        let mut config = base.clone();
        config.seed = self.seed;
        for term in config.regularizer.hsic_terms_mut() {
            term.lambda = self.lambda;
            term.hsic.kernel_x = Kernel::gaussian(self.sigma_x);
            term.hsic.kernel_y = Kernel::gaussian(self.sigma_c);
        }
        config
    }
}

/// A finished cell.
#[derive(Debug, Clone)]
pub struct CellResult {
    pub cell: Cell,
    pub dir: PathBuf,
    pub iterations: usize,
    /// Means over the last tenth of the iterations: G's adversarial loss, the unweighted HSIC,
    /// and |lambda x HSIC| / G loss (the paper's rule asks for about 1); NaN with no iterations.
    pub g_loss: f64,
    pub hsic: f64,
    pub reg_over_g: f64,
    /// Seconds of training steps.
    pub seconds: f64,
    /// lambda |grad HSIC| and |grad adversarial| at G's output.
    pub gradients: CellGradients,
    /// The scores, or the non-finite loss that stopped training (a result too).
    pub outcome: Result<EvalReport, Diverged>,
}

/// A cell whose loss became NaN or infinite: the training's message, kept in the cell's
/// `failed.txt` so that a resumed sweep does not train it again.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Diverged(pub String);

/// Gradient norms of a cell, measured once when it is finished and kept in its
/// `gradients.json`.
#[derive(Config, Debug)]
pub struct CellGradients {
    /// For the freshly initialised networks.
    pub start: GradientNorms,
    /// For the last checkpoint (`None` if the cell failed before its first one).
    pub end: Option<GradientNorms>,
}

impl CellGradients {
    /// The cell's `gradients.json`, or a new measurement (written there) that loads the training
    /// data into `data` on first use.
    fn of(dir: &Path, config: &TrainConfig, data: &mut Option<TrainingData>) -> Result<Self, TrainError> {
        let path = layout::gradients_path(dir);
        if let Ok(gradients) = Self::load(&path) {
            return Ok(gradients);
        }
        let data = match data {
            Some(data) => data,
            None => data.insert(TrainingData::load(config)?),
        };
        let norms = |trainer: Trainer| trainer.gradient_norms(GRADIENT_BATCHES).expect("an HSIC config");
        let gradients = Self {
            start: norms(Trainer::new(config.clone(), data.clone())?),
            end: Trainer::resume(dir, run::load_config(dir)?, data.clone()).ok().map(norms),
        };
        files::save_config(&gradients, &path)?;
        Ok(gradients)
    }
}

/// A cell sets the widths and weight of the one HSIC term of an HSIC-InfoGAN config.
pub fn check_base(base: &TrainConfig) -> Result<(), SweepError> {
    match &base.regularizer {
        Regularizer::Hsic { terms } if terms.len() == 1 => Ok(()),
        _ => Err(SweepError::Config("sweep and tune need an HSIC-InfoGAN config with one HSIC term".into())),
    }
}

/// Trains and scores every cell not yet done (a [`Grid`]'s, or any list); `None` when `stop` was
/// set (the current cell is checkpointed). `on_cell(k, total, cell)` is called before each cell;
/// `observer` follows the training.
pub fn run(
    base: &TrainConfig,
    cells: &[Cell],
    out: &Path,
    eval: &EvalOptions,
    stop: &AtomicBool,
    observer: &mut dyn Observer,
    mut on_cell: impl FnMut(usize, usize, &Cell),
) -> Result<Option<Vec<CellResult>>, SweepError> {
    check_base(base)?;
    for cell in cells {
        cell.config(base).validate().map_err(|e| SweepError::Config(format!("cell {}: {e}", cell.name())))?;
    }
    let mut data = None;
    let mut evaluator = Evaluator::new(eval.clone());
    let mut results = Vec::new();
    for (k, cell) in cells.iter().enumerate() {
        on_cell(k, cells.len(), cell);
        let dir = layout::cell_path(out, &cell.name());
        if !run::eval_report_path(&dir).is_file() && !layout::failure_path(&dir).is_file() {
            let config = cell.config(base);
            let mut observers = (&mut *observer, (FigureWriter, TensorBoard::new(&dir, &config)));
            let trained = if run::config_path(&dir).is_file() {
                session::resume(&dir, session::Changes::default(), stop, &mut observers)
            } else {
                session::start(config, &dir, stop, &mut observers)
            };
            match trained {
                Ok(summary) if summary.interrupted => return Ok(None),
                Ok(_) => {
                    report::save(&evaluator.evaluate(&dir, &mut |_| {})?, &dir)?;
                }
                Err(TrainError::NonFinite(message)) => {
                    std::fs::write(layout::failure_path(&dir), &message)
                        .map_err(TrainError::io(layout::failure_path(&dir)))?;
                }
                Err(other) => return Err(other.into()),
            }
        }
        results.push(result(*cell, &dir, &cell.config(base), &mut data)?);
    }
    Ok(Some(results))
}

fn result(
    cell: Cell,
    dir: &Path,
    config: &TrainConfig,
    data: &mut Option<TrainingData>,
) -> Result<CellResult, SweepError> {
    let gradients = CellGradients::of(dir, config, data)?;
    let rows = metrics::read(&run::metrics_path(dir)).map_err(TrainError::from)?;
    let tail = &rows[rows.len() - (rows.len() / 10).max(1).min(rows.len())..];
    // NaN for a cell that failed at its first iteration: there is nothing to average.
    let mean = |f: &dyn Fn(&metrics::Row) -> f64| tail.iter().map(f).sum::<f64>() / tail.len() as f64;
    let g_loss = mean(&|r| f64::from(r.g_loss));
    let outcome = match std::fs::read_to_string(layout::failure_path(dir)) {
        Ok(message) => Err(Diverged(message)),
        Err(_) => Ok(report::load(dir)?),
    };
    Ok(CellResult {
        cell,
        dir: dir.to_path_buf(),
        iterations: rows.len(),
        g_loss,
        hsic: mean(&|r| f64::from(r.hsic.unwrap_or(0.0))),
        reg_over_g: mean(&|r| f64::from(r.reg_loss).abs()) / g_loss,
        seconds: rows.iter().map(|r| r.seconds).fold(0.0, |a, b| a + b),
        gradients,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_cells_disjointly_and_cover_them() {
        let shards: Vec<Shard> = ["1/3", "2/3", "3/3"].iter().map(|s| s.parse().unwrap()).collect();
        for k in 0..10 {
            assert_eq!(shards.iter().filter(|shard| shard.owns(k)).count(), 1, "cell {k}");
        }
        assert!(shards[1].owns(1) && shards[1].owns(4) && !shards[1].owns(2));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().unwrap_err().contains("expected I/N"), "{bad}");
        }
    }
}
