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
use crate::sweep::{self, CellResult, Grid, Shard, SweepError, figures};

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
    /// Run only share I of N of the cells (a job array's task I of N, all writing to one --out);
    /// the same command without --shard then collects the finished cells into the tables.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
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

fn cell_line(k: usize, total: usize, cell: &sweep::Cell) -> String {
    format!("[cell {}/{total}] σx {} σc {} λ {} seed {}", k + 1, cell.sigma_x, cell.sigma_c, cell.lambda, cell.seed)
}

/// Prints each cell's line before it runs, for the cells of `out`, with the ETA of the rest once
/// a cell was trained in this invocation: the mean wall time of the cells trained so far (from
/// one line to the next, scoring included) times the cells left, this one included. A cell
/// already scored (one a resumed sweep skips) is not timed; one that failed before is, briefly.
pub(super) fn announcer(out: &std::path::Path) -> impl FnMut(usize, usize, &sweep::Cell) {
    let cells = out.join("cells");
    let mut trained: Vec<f64> = Vec::new();
    let mut running: Option<std::time::Instant> = None;
    move |k: usize, total: usize, cell: &sweep::Cell| {
        trained.extend(running.take().map(|start| start.elapsed().as_secs_f64()));
        if !hsic_infogan_eval::report::report_path(&cells.join(cell.name())).is_file() {
            running = Some(std::time::Instant::now());
        }
        let eta = match trained.len() {
            0 => String::new(),
            n => {
                let mean = trained.iter().sum::<f64>() / n as f64;
                format!("  (sweep ETA {})", crate::progress::duration(mean * (total - k) as f64))
            }
        };
        eprintln!("{}{eta}", cell_line(k, total, cell));
    }
}

pub fn run(args: SweepArgs) -> Result<(), Box<dyn std::error::Error>> {
    let grid = Grid { sigma_x: args.sigma_x, sigma_c: args.sigma_c, lambda: args.lambda, seeds: args.seeds };
    let base = args.runs.base().with_epochs(args.epochs).with_max_iters(args.max_iters);
    let stop = stop_on_ctrl_c()?;
    grid.check()?;
    let cells: Vec<_> = grid
        .cells()
        .into_iter()
        .enumerate()
        .filter(|(k, _)| args.shard.is_none_or(|s| s.owns(*k)))
        .map(|(_, c)| c)
        .collect();
    let results = sweep::run(
        &base,
        &cells,
        &args.out,
        &args.runs.eval(args.encoder.recipe()),
        &stop,
        &mut args.runs.progress(),
        announcer(&args.out),
    );
    let Some(results) = results.map_err(sweep_hint)? else {
        eprintln!("Stopped; the same command continues the sweep (finished cells are skipped).");
        return Ok(());
    };
    if let Some(shard) = args.shard {
        println!(
            "shard {}/{}: {} cells finished in {}; run the same command without --shard to collect all cells into the tables",
            shard.index,
            shard.count,
            results.len(),
            args.out.join("cells").display()
        );
        return Ok(());
    }
    let files = [
        args.out.join("sweep.csv"),
        args.out.join("sweep.md"),
        args.out.join("fig2.png"),
        args.out.join("accuracy.png"),
    ];
    write_atomic(&files[0], csv(&results)?)?;
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

/// `sweep.csv` for other tools: numbers at full precision (accuracies as fractions), empty cells
/// where there is no value, each continuous code's factor and both correlations in columns of
/// their own, and a failed cell's reason in `error`.
fn csv(results: &[CellResult]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let codes = continuous_codes(results);
    let mut header: Vec<String> = COLUMNS.iter().map(|(name, _)| name.to_string()).collect();
    for j in 1..=codes {
        header.extend([format!("c{j}_captures"), format!("c{j}_slant_rho"), format!("c{j}_thickness_rho")]);
    }
    header.extend(["seconds".into(), "error".into()]);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header)?;
    for result in results {
        writer.write_record(csv_record(result, codes))?;
    }
    Ok(writer.into_inner()?)
}

fn csv_record(result: &CellResult, codes: usize) -> Vec<String> {
    let number = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    let report = result.outcome.as_ref().ok();
    // A cell that failed at its first iteration has no losses to average.
    let averaged = |value: f64| number((result.iterations > 0).then_some(value));
    let c = &result.cell;
    let mut record = vec![
        c.sigma_x.to_string(),
        c.sigma_c.to_string(),
        c.lambda.to_string(),
        c.seed.to_string(),
        result.iterations.to_string(),
        averaged(result.g_loss),
        averaged(result.hsic),
        averaged(result.reg_over_g),
        result.gradients.start.ratio().to_string(),
        number(result.gradients.end.map(|g| g.ratio())),
        number(report.and_then(|r| r.categorical.first()).map(|s| s.accuracy)),
        number(report.and_then(|r| r.encoder_accuracy)),
        number(report.map(|r| r.fid)),
    ];
    for j in 0..codes {
        let score = report.and_then(|r| r.continuous.get(j));
        record.push(score.map(|s| s.captures.clone()).unwrap_or_default());
        record.push(number(score.map(|s| s.slant_spearman)));
        record.push(number(score.map(|s| s.thickness_spearman)));
    }
    record.push(result.seconds.to_string());
    record.push(result.outcome.as_ref().err().cloned().unwrap_or_default());
    record
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
