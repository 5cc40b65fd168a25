//! `hsic-infogan tune`: measures the dependence signal and both lambda rules over the kernel
//! widths, refines with a few short scored runs, and writes the recommended settings as a config
//! for `train --config`, with `tune.md` holding the tables that justify them.

use std::path::{Path, PathBuf};

use clap::Args;
use hsic_infogan_train::files::{save_config, write_atomic};
use hsic_infogan_train::run::sweep as layout;

use super::shared::{Hint, ShortRunArgs, announcer, markdown, markdown_table};
use crate::interrupt::stop_on_ctrl_c;
use crate::progress::StatusLine;
use crate::tune::{self, Measurement, Measuring, TuneOptions, Tuned, target_ratio};

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Kernel widths for the images to measure, comma-separated (the paper searches 2 to 10).
    #[arg(long, value_delimiter = ',', default_value = "2,4,6,8,10", allow_negative_numbers = true)]
    sigma_x: Vec<f64>,
    /// Kernel widths for the codes to measure.
    #[arg(long, value_delimiter = ',', default_value = "0.5,1,2", allow_negative_numbers = true)]
    sigma_c: Vec<f64>,
    /// Batches each measurement averages over.
    #[arg(long, default_value_t = 10)]
    batches: usize,
    /// Refinement runs (0: measure only; recommend the strongest signal with the gradient rule's
    /// lambda).
    #[arg(long, default_value_t = 4)]
    runs: usize,
    /// Training iterations of the whole refinement, shared equally by its runs (2400: four runs
    /// of one MNIST epoch, about 20-30 minutes on 2 CPU cores).
    #[arg(long, default_value_t = 2400)]
    budget: usize,
    /// Seed of the measurements, the runs and the recommended config.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    run: ShortRunArgs,
    /// Folder of the refinement runs (`cells/`) and `tune.md`.
    #[arg(long, default_value = "runs/tune")]
    out: PathBuf,
    /// Where the recommended config goes [default: OUT/tuned.json].
    #[arg(long)]
    config_out: Option<PathBuf>,
}

pub fn run(args: TuneArgs) -> Result<(), Box<dyn std::error::Error>> {
    let base = args.run.base().with_seed(args.seed);
    let options = TuneOptions {
        sigma_x: args.sigma_x,
        sigma_c: args.sigma_c,
        batches: args.batches,
        runs: args.runs,
        iters: args.budget / args.runs.max(1),
        eval: args.run.eval(None),
    };
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let stop = stop_on_ctrl_c()?;
    eprintln!(
        "[1-2/3] HSIC of {} width pairs on {} real and {} generated batches (true vs shuffled pairing), \
         and its gradient against the adversarial one ...",
        options.sigma_x.len() * options.sigma_c.len(),
        options.batches,
        options.batches
    );
    let estimator = &base.regularizer.hsic_terms()[0].hsic.estimator;
    let target = target_ratio(estimator);
    let mut report = String::from("# hsic-infogan tune\n\n");
    let mut line = StatusLine::new();
    let on_measuring = |measuring: Measuring| match measuring {
        Measuring::Pair { k, total, widths } => {
            line.show(&format!("measuring width pair {}/{total}: σx {} σc {}", k + 1, widths.sigma_x, widths.sigma_c));
        }
        Measuring::Done(measurements) => {
            line.clear();
            let section = measurement_section(measurements, target, estimator.name());
            print!("{section}");
            report.push_str(&section);
            if options.runs > 0 {
                eprintln!(
                    "[3/3] {} refinement runs of {} iterations, scored by categorical accuracy ...",
                    options.runs, options.iters
                );
            }
        }
    };
    let on_cell = announcer(&args.out);
    let tuned = tune::run(&base, &options, &args.out, &stop, &mut args.run.progress(), on_measuring, on_cell);
    // Ends the line of a failed measurement before the error.
    line.keep();
    let tuned = tuned.map_err(Hint::with_hint)?;
    let Some(tuned) = tuned else {
        eprintln!("Stopped; the same command continues the refinement (finished runs are skipped).");
        return Ok(());
    };
    if !tuned.refined.is_empty() {
        let section = format!(
            "\n## 3. Refinement: {} runs of {} iterations, best categorical accuracy first\n\n{}\n\
             One seed and a short budget: differences of a few points are within the spread \
             between seeds, and a short ranking need not hold for longer training (docs/tuning.md).\n",
            tuned.refined.len(),
            options.iters,
            markdown(&tuned.refined)
        );
        print!("{section}");
        report.push_str(&section);
    }
    let config_path = args.config_out.unwrap_or_else(|| layout::tuned_config_path(&args.out));
    let section = recommendation(&tuned, &options, &config_path);
    print!("{section}");
    report.push_str(&section);
    save_config(&tuned.config, &config_path)?;
    let report_path = layout::tune_report_path(&args.out);
    write_atomic(&report_path, &report)?;
    println!("written: {}\nwritten: {}", config_path.display(), report_path.display());
    Ok(())
}

fn measurement_section(measurements: &[Measurement], target: f64, estimator: &str) -> String {
    let first = &measurements[0];
    let signal = |s: Option<tune::Signal>| {
        s.map_or(vec!["—".into(); 3], |s| vec![value(s.paired), value(s.shuffled), format!("{:.1}", s.z())])
    };
    let header: Vec<String> = [
        "rank",
        "σx",
        "σc",
        "real: paired",
        "real: shuffled",
        "real: z",
        "generated: paired",
        "generated: shuffled",
        "generated: z",
        "λ by loss rule",
        "its grad ratio",
        "λ by gradient rule",
        "its λ·HSIC / G loss",
        "refined",
    ]
    .map(String::from)
    .to_vec();
    let shortlist = tune::shortlist(measurements);
    let rows: Vec<Vec<String>> = measurements
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let (by_loss, by_gradient) = (m.lambda_by_loss(), m.lambda_by_gradient(target));
            let mut row = vec![(k + 1).to_string(), m.sigma_x.to_string(), m.sigma_c.to_string()];
            row.extend(signal(m.real));
            row.extend(signal(Some(m.generated)));
            row.extend([
                format!("{by_loss:.3}"),
                format!("{:.4}", m.gradient_ratio(by_loss)),
                format!("{by_gradient:.3}"),
                format!("{:.3}", m.loss_ratio(by_gradient)),
                if shortlist.contains(&m) { "yes" } else { "" }.into(),
            ]);
            row
        })
        .collect();
    format!(
        "## 1. Dependence signal ({estimator} HSIC)\n\n\
         Paired: images with their codes (real images: the first categorical code is the digit). \
         Shuffled: the codes permuted within the batch. z = (paired − shuffled) / sd(shuffled); \
         widths are ranked by the {} z. The refinement takes the best σx of each σc: the signal \
         cannot judge σc, because real images have no counterpart of the continuous codes, whose \
         random values a narrow code kernel turns into noise.\n\n{}\n\
         ## 2. λ\n\n\
         At the start G's adversarial loss is {:.3} and |∂L_adv/∂x| at G's output is {:.4}, for every \
         width. Loss rule (the paper): λ·HSIC = G loss. Gradient rule (used): \
         λ·|∂HSIC/∂x| / |∂L_adv/∂x| = {target} for {estimator}.\n",
        if first.real.is_some() { "real" } else { "generated" },
        markdown_table(&header, &rows),
        first.g_loss,
        first.gradients.adversarial,
    )
}

/// An HSIC value with four significant digits (the biased estimator's are around 1e-4).
fn value(x: f64) -> String {
    if x.abs() >= 0.1 { format!("{x:.4}") } else { format!("{x:.3e}") }
}

fn recommendation(tuned: &Tuned, options: &TuneOptions, config_path: &Path) -> String {
    let cell = &tuned.cell;
    let rank = tuned.measurements.iter().position(|m| m.sigma_x == cell.sigma_x && m.sigma_c == cell.sigma_c);
    let best = tuned.refined.first().and_then(|r| r.outcome.as_ref().ok());
    let why = match best {
        Some(report) => format!(
            "the best categorical accuracy ({:.1}%, FID {:.1}) of {} runs of {} iterations",
            100.0 * report.categorical.first().map_or(0.0, |s| s.accuracy),
            report.fid,
            tuned.refined.len(),
            options.iters
        ),
        None if options.runs > 0 => {
            "every refinement run failed, so the strongest signal with the gradient rule's λ".into()
        }
        None => "the strongest signal with the gradient rule's λ (no refinement runs)".into(),
    };
    format!(
        "\n## Recommendation\n\n{}: {why}; its widths rank {} of {} by dependence signal.\n\n\
         Train with: hsic-infogan train --config {}\n",
        tuned.config.regularizer.summary(),
        rank.map_or("—".into(), |r| (r + 1).to_string()),
        tuned.measurements.len(),
        config_path.display()
    )
}
