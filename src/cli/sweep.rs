//! `hsic-infogan sweep`: the sigma x lambda grid of short HSIC-InfoGAN runs, each scored, with
//! the paper's Fig. 2 mosaic, an accuracy heat map, `sweep.csv` and a markdown table.

use std::path::PathBuf;

use clap::Args;
use hsic_infogan_eval::EvalOptions;
use hsic_infogan_eval::encoder::EncoderConfig;
use hsic_infogan_train::files::write_atomic;
use hsic_infogan_train::{HsicTerm, Regularizer, TrainConfig, default_hsic};

use super::eval::{captured, percent, with_hint};
use super::table::markdown_table;
use crate::args::{DataDirArg, DeviceArg, EncoderArg, EstimatorArg};
use crate::interrupt::stop_on_ctrl_c;
use crate::progress::Progress;
use crate::sweep::{self, CellResult, Grid, SweepError, figures};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Kernel widths for the images, comma-separated (the paper searches 2 to 10).
    #[arg(long, value_delimiter = ',', default_value = "2,4,8", allow_negative_numbers = true)]
    sigma_x: Vec<f64>,
    /// Kernel widths for the codes.
    #[arg(long, value_delimiter = ',', default_value = "1", allow_negative_numbers = true)]
    sigma_c: Vec<f64>,
    /// Weights lambda of the HSIC term.
    #[arg(long, value_delimiter = ',', default_value = "0.5,1,2", allow_negative_numbers = true)]
    lambda: Vec<f64>,
    /// Seeds; the figures show the first.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    seeds: Vec<u64>,
    /// Epochs per cell.
    #[arg(long, default_value_t = 1)]
    epochs: usize,
    /// Iterations per cell (instead of whole epochs).
    #[arg(long)]
    max_iters: Option<usize>,
    #[command(flatten)]
    runs: RunArgs,
    #[command(flatten)]
    encoder: EncoderArg,
    #[arg(long, default_value = "runs/sweep")]
    out: PathBuf,
}

/// What every short scored run of `sweep` and `tune` shares.
#[derive(Debug, Args)]
pub(super) struct RunArgs {
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

impl RunArgs {
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

/// `err`, with the command that mends it where there is one.
pub(super) fn sweep_hint(err: SweepError) -> Box<dyn std::error::Error> {
    match err {
        SweepError::Eval(err) => with_hint(*err),
        other => other.into(),
    }
}

/// Printed before each run.
pub(super) fn announce(k: usize, total: usize, cell: &sweep::Cell) {
    eprintln!("[cell {}/{total}] σx {} σc {} λ {} seed {}", k + 1, cell.sigma_x, cell.sigma_c, cell.lambda, cell.seed);
}

pub fn run(args: SweepArgs) -> Result<(), Box<dyn std::error::Error>> {
    let grid = Grid { sigma_x: args.sigma_x, sigma_c: args.sigma_c, lambda: args.lambda, seeds: args.seeds };
    let base = args.runs.base().with_epochs(args.epochs).with_max_iters(args.max_iters);
    let stop = stop_on_ctrl_c()?;
    grid.check()?;
    let cells = grid.cells();
    let results = sweep::run(&base, &cells, &args.out, &args.runs.eval(args.encoder.recipe()), &stop, &mut args.runs.progress(), announce);
    let Some(results) = results.map_err(sweep_hint)? else {
        eprintln!("Stopped; the same command continues the sweep (finished cells are skipped).");
        return Ok(());
    };
    let files = [args.out.join("sweep.csv"), args.out.join("sweep.md"), args.out.join("fig2.png"), args.out.join("accuracy.png")];
    write_atomic(&files[0], csv(&results))?;
    let table = markdown(&results);
    write_atomic(&files[1], &table)?;
    figures::write_mosaic(&results, &grid, &files[2])?;
    figures::write_heat_map(&results, &grid, &files[3])?;
    print!("{table}");
    for file in &files {
        println!("written: {}", file.display());
    }
    Ok(())
}

/// The scores of a cell: categorical accuracy (generated samples, then the encoder's on real
/// digits), FID and per continuous code what it captures, or `failed` in every column.
fn scores(result: &CellResult, codes: usize) -> Vec<String> {
    match &result.outcome {
        Ok(report) => {
            let mut cells = vec![
                report.categorical.first().map_or("—".into(), |s| format!("{:.1}%", 100.0 * s.accuracy)),
                percent(report.encoder_accuracy),
                format!("{:.2}", report.fid),
            ];
            cells.extend(report.continuous.iter().map(captured));
            cells.resize(3 + codes, "—".into());
            cells
        }
        Err(_) => vec!["failed".into(); 3 + codes],
    }
}

fn continuous_codes(results: &[CellResult]) -> usize {
    results.iter().filter_map(|r| r.outcome.as_ref().ok()).map(|e| e.continuous.len()).max().unwrap_or(0)
}

/// The fixed columns, as (CSV name, markdown name); one column per continuous code and the
/// wall time follow.
const COLUMNS: [(&str, &str); 13] = [
    ("sigma_x", "σx"),
    ("sigma_c", "σc"),
    ("lambda", "λ"),
    ("seed", "seed"),
    ("iterations", "iterations"),
    ("g_loss", "G loss"),
    ("hsic", "HSIC"),
    ("reg_over_g", "λ·HSIC / G loss"),
    ("grad_ratio_start", "grad ratio at start"),
    ("grad_ratio_end", "grad ratio at end"),
    ("categorical_accuracy", "categorical accuracy"),
    ("encoder_accuracy", "encoder accuracy (real digits)"),
    ("fid", "FID"),
];

/// A cell's settings, loss magnitudes, gradient ratios and scores (without the wall time).
fn row(result: &CellResult, codes: usize) -> Vec<String> {
    let c = &result.cell;
    // A cell that failed at its first iteration has no losses to average.
    let mean = |value: f64, decimals: usize| {
        if result.iterations == 0 { "—".into() } else { format!("{value:.decimals$}") }
    };
    let mut row = vec![
        c.sigma_x.to_string(),
        c.sigma_c.to_string(),
        c.lambda.to_string(),
        c.seed.to_string(),
        result.iterations.to_string(),
        mean(result.g_loss, 3),
        mean(result.hsic, 4),
        mean(result.reg_over_g, 3),
        format!("{:.4}", result.gradients.start.ratio()),
        result.gradients.end.map_or("—".into(), |g| format!("{:.4}", g.ratio())),
    ];
    row.extend(scores(result, codes));
    row
}

fn csv(results: &[CellResult]) -> String {
    let codes = continuous_codes(results);
    let mut header: Vec<String> = COLUMNS.iter().map(|(name, _)| name.to_string()).collect();
    header.extend((1..=codes).map(|j| format!("c{j}")));
    header.push("seconds".into());
    let mut text = header.join(",") + "\n";
    for result in results {
        let mut row: Vec<String> = row(result, codes).iter().map(|s| s.trim_end_matches('%').replace(',', ";")).collect();
        row.push(format!("{:.1}", result.seconds));
        text.push_str(&(row.join(",") + "\n"));
    }
    text
}

pub(super) fn markdown(results: &[CellResult]) -> String {
    let codes = continuous_codes(results);
    let mut header: Vec<String> = COLUMNS.iter().map(|(_, name)| name.to_string()).collect();
    header.extend((1..=codes).map(|j| format!("c{j} captures (ρ)")));
    header.push("wall (s)".into());
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|result| {
            let mut row = row(result, codes);
            row.push(format!("{:.0}", result.seconds));
            row
        })
        .collect();
    markdown_table(&header, &rows)
}
