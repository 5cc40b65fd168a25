//! `hsic-infogan eval`: score a run's generator (categorical accuracy, FID, continuous-code
//! factors, class coverage) into `eval.json`.

use std::path::{Path, PathBuf};

use clap::Args;
use hsic_infogan_eval::report::{self, EpochMeans, EvalReport, change_draws};
use hsic_infogan_eval::scores::{CategoricalScore, ContinuousScore, RealDigitScore};
use hsic_infogan_eval::{EvalOptions, evaluate_with};

use super::shared::{DataDirArg, EncoderArg, Hint, RunDeviceArg, format_table};
use crate::progress::StatusLine;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run folder (written by `train`).
    #[arg(long)]
    run: PathBuf,
    /// Number of generated samples.
    #[arg(long, default_value_t = 10_000)]
    n: usize,
    /// Seed of the latent samples.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    device: RunDeviceArg,
    #[command(flatten)]
    data_dir: DataDirArg,
    /// Folder of the trained classifier [default: ~/.cache/hsic-infogan/classifier].
    #[arg(long)]
    classifier: Option<PathBuf>,
    #[command(flatten)]
    encoder: EncoderArg,
}

pub fn run(args: EvalArgs) -> Result<(), Box<dyn std::error::Error>> {
    let options = EvalOptions {
        samples: args.n,
        seed: args.seed,
        device: args.device.device,
        data_dir: args.data_dir.data_dir,
        classifier: args.classifier,
        encoder: args.encoder.recipe(),
    };
    let report = score(&args.run, &options)?;
    print!("{}", format_table(&summary(&report)));
    println!("written: {}", hsic_infogan_train::run::eval_report_path(&args.run).display());
    let mut reports = vec![report];
    for snapshot in report::snapshots_before(&args.run, reports[0].iteration)? {
        reports.push(score(&snapshot, &options)?);
        println!("written: {}", hsic_infogan_train::run::eval_report_path(&snapshot).display());
    }
    report::log_to_tensorboard(&args.run, &reports)?;
    println!(
        "written: {} (the scores, for TensorBoard)",
        hsic_infogan_train::run::tensorboard_path(&args.run).display()
    );
    if let Some(means) = report::epoch_means(&args.run).map_err(Hint::with_hint)? {
        print!("{}", format_table(&mean_rows(&means)));
    }
    Ok(())
}

/// Evaluates `run` (a run or an epoch snapshot) with a status line while the encoder trains,
/// and writes its `eval.json`.
fn score(run: &Path, options: &EvalOptions) -> Result<EvalReport, Box<dyn std::error::Error>> {
    eprintln!("evaluating {} samples from {} ...", options.samples, run.display());
    let steps = options.encoder.as_ref().map_or(0, |recipe| recipe.steps);
    let mut line = StatusLine::new();
    let report = evaluate_with(run, options, &mut |step| {
        let every = if line.tty() { 10 } else { 250 };
        if step % every == 0 || step == steps {
            line.show(&format!("training the encoder on generated digits: step {step}/{steps}"));
        }
    });
    line.keep();
    let report = report.map_err(Hint::with_hint)?;
    report::save(&report, run)?;
    Ok(report)
}

/// The rows of the scores averaged over the last epochs.
fn mean_rows(means: &EpochMeans) -> Vec<Vec<String>> {
    let epochs: Vec<String> = means.epochs.iter().map(|e| format!("{e:.2}")).collect();
    let mut rows = vec![vec![
        "mean over the last epochs".into(),
        format!("{} (the epoch snapshots and the checkpoint)", epochs.join(", ")),
    ]];
    for (k, accuracy) in means.accuracy.iter().enumerate() {
        rows.push(vec![format!("  categorical code {}: accuracy", k + 1), format!("{:.1}%", 100.0 * accuracy)]);
    }
    rows.push(vec!["  FID (classifier features)".into(), format!("{:.2}", means.fid)]);
    rows
}

fn summary(report: &EvalReport) -> Vec<Vec<String>> {
    let mut rows = vec![
        vec!["checkpoint".into(), format!("iteration {} ({:.2} epochs)", report.iteration, report.epochs)],
        vec!["samples".into(), format!("{} (seed {})", report.samples, report.seed)],
        vec!["classifier".into(), format!("{:.2}% MNIST test accuracy", 100.0 * report.classifier_test_accuracy)],
    ];
    rows.extend(code_rows("", &report.categorical, &report.continuous));
    for (j, change) in report.digit_change.iter().flatten().enumerate() {
        rows.push(vec![
            format!("continuous code {}: digit changes from -1 to +1", j + 1),
            format!("{:.1}% of {} draws", 100.0 * change, change_draws(report.samples)),
        ]);
    }
    rows.push(vec![
        "FID (classifier features)".into(),
        format!("{:.2} (real training digits: {:.2})", report.fid, report.fid_real),
    ]);
    rows.push(vec![
        "class coverage".into(),
        format!("{:.3} bits of {:.3}; per digit {:?}", report.class_coverage, 10f64.log2(), report.class_histogram),
    ]);
    if let Some(encoder) = &report.encoder {
        rows.push(vec![
            "encoder on real test digits".into(),
            format!(
                "{} steps of {} generated digits in {:.0} s, final loss {:.3} (cached in encoder.json)",
                encoder.recipe.steps, encoder.recipe.batch_size, encoder.train_seconds, encoder.final_loss
            ),
        ]);
        rows.extend(real_rows("encoder", &encoder.real));
    }
    if let Some(q) = &report.q {
        rows.extend(real_rows("Q", q));
    }
    rows
}

/// What the codes control: per categorical code its accuracy and value→digit matching, per
/// continuous code its correlations; each row's label starts with `prefix`.
fn code_rows(prefix: &str, categorical: &[CategoricalScore], continuous: &[ContinuousScore]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (k, score) in categorical.iter().enumerate() {
        let mapping: Vec<String> = score
            .mapping
            .iter()
            .enumerate()
            .map(|(v, d)| format!("{v}→{}", d.map_or("-".into(), |d| d.to_string())))
            .collect();
        rows.push(vec![
            format!("{prefix}categorical code {}: accuracy", k + 1),
            format!("{:.1}%", 100.0 * score.accuracy),
        ]);
        rows.push(vec![format!("{prefix}categorical code {}: value→digit", k + 1), mapping.join(" ")]);
    }
    for (j, score) in continuous.iter().enumerate() {
        rows.push(vec![
            format!("{prefix}continuous code {}: Spearman ρ", j + 1),
            format!(
                "slant {:+.3}, thickness {:+.3} → {}",
                score.slant_spearman, score.thickness_spearman, score.captures
            ),
        ]);
    }
    rows
}

/// [`code_rows`] of a predictor (`encoder` or `Q`) read on the real test digits.
fn real_rows(predictor: &str, score: &RealDigitScore) -> Vec<Vec<String>> {
    code_rows(&format!("{predictor} on real digits, "), &score.categorical, &score.continuous)
}
