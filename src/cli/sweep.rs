//! `hsic-infogan sweep`: the sigma x lambda grid of short HSIC-InfoGAN runs, each scored, with
//! the paper's Fig. 2 mosaic, an accuracy heat map, `sweep.csv` and a markdown table.

use std::path::PathBuf;

use clap::Args;
use hsic_infogan_eval::encoder;
use hsic_infogan_train::files::write_atomic;
use hsic_infogan_train::run::sweep as layout;

use super::shared::{EncoderArg, Hint, ShortRunArgs, announcer, csv, markdown};
use crate::interrupt::stop_on_ctrl_c;
use crate::sweep::{self, Grid, Shard, figures};

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
    runs: ShortRunArgs,
    #[command(flatten)]
    encoder: EncoderArg,
    #[arg(long, default_value = "runs/sweep")]
    out: PathBuf,
    /// Run only share I of N of the cells (a job array's task I of N, all writing to one --out);
    /// the same command without --shard then collects the finished cells into the tables.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
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
        &args.runs.eval(args.encoder.recipe(encoder::mnist_recipe())),
        &stop,
        &mut args.runs.progress(),
        announcer(&args.out),
    );
    let Some(results) = results.map_err(Hint::with_hint)? else {
        eprintln!("Stopped; the same command continues the sweep (finished cells are skipped).");
        return Ok(());
    };
    if let Some(shard) = args.shard {
        println!(
            "shard {}/{}: {} cells finished in {}; run the same command without --shard to collect all cells into the tables",
            shard.index,
            shard.count,
            results.len(),
            layout::cells_path(&args.out).display()
        );
        return Ok(());
    }
    let files = [
        layout::table_csv_path(&args.out),
        layout::table_md_path(&args.out),
        layout::mosaic_path(&args.out),
        layout::heat_map_path(&args.out),
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
