//! `hsic-infogan eval`: score a run's generator (categorical accuracy, FID, continuous-code
//! factors, class coverage) into `eval.json`, and `hsic-infogan compare`: the scores of several
//! runs as one markdown table.

use std::path::{Path, PathBuf};

use clap::Args;
use hsic_infogan_eval::report::{self, CHANGE_DRAWS, EpochMeans, EvalReport, MIN_SAMPLES, change_draws};
use hsic_infogan_eval::scores::{CAPTURE_THRESHOLD, CategoricalScore, ContinuousScore, RealDigitScore};
use hsic_infogan_eval::{EvalError, EvalOptions, evaluate_with};
use hsic_infogan_train::files::write_atomic;
use hsic_infogan_train::run::{checkpoint, load_config, median_step_seconds, network_sizes};

use super::table::{format_table, markdown_table};
use crate::args::{DataDirArg, EncoderArg, RunDeviceArg};
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
    println!("written: {}", report::report_path(&args.run).display());
    for snapshot in report::snapshots_before(&args.run, report.iteration)? {
        score(&snapshot, &options)?;
        println!("written: {}", report::report_path(&snapshot).display());
    }
    if let Some(means) = report::epoch_means(&args.run).map_err(with_hint)? {
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
    let report = report.map_err(with_hint)?;
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

/// `err` in the terms of the command line: the flag it is about, or the command that mends it.
pub fn with_hint(err: EvalError) -> Box<dyn std::error::Error> {
    match &err {
        EvalError::TooFewSamples(n) => format!("--n must be at least {MIN_SAMPLES} samples, got {n}").into(),
        EvalError::NoClassifier(_) => format!("{err}: run `hsic-infogan classifier train` first").into(),
        EvalError::NotEvaluated(run) => format!("{err}: run `hsic-infogan eval --run {}` first", run.display()).into(),
        _ => err.into(),
    }
}

/// `slant +0.71` (the factor the code captures and its rho), or `none (+0.12, -0.05)`.
pub fn captured(score: &ContinuousScore) -> String {
    match score.captures.as_str() {
        "slant" => format!("slant {:+.2}", score.slant_spearman),
        "thickness" => format!("thickness {:+.2}", score.thickness_spearman),
        _ => format!("none ({:+.2}, {:+.2})", score.slant_spearman, score.thickness_spearman),
    }
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

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run folders, each evaluated with `eval`.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Where the markdown table is written.
    #[arg(long, default_value = "compare.md")]
    out: PathBuf,
}

pub fn compare(args: CompareArgs) -> Result<(), Box<dyn std::error::Error>> {
    let mut rows = Vec::new();
    let mut means = Vec::new();
    for run in &args.runs {
        rows.push(compare_row(run)?);
        means.push(report::epoch_means(run).map_err(with_hint)?);
    }
    let codes = rows.iter().map(|(_, continuous)| continuous.len()).max().unwrap_or(0);
    let mut header: Vec<String> = [
        "run",
        "model",
        "regulariser",
        "epochs",
        "parameters (G / D / Q)",
        "s/iter",
        "categorical accuracy",
        "encoder accuracy",
        "Q accuracy",
        "FID",
        "class coverage (bits)",
    ]
    .map(String::from)
    .to_vec();
    // The means over the last epochs, beside the last checkpoint's scores, when a run kept any.
    let with_means = means.iter().any(Option::is_some);
    if with_means {
        header.extend(["categorical accuracy, last epochs' mean", "FID, last epochs' mean"].map(String::from));
        for ((row, _), means) in rows.iter_mut().zip(&means) {
            row.extend(means.as_ref().map_or(["—".into(), "—".into()], mean_cells));
        }
    }
    header.extend((1..=codes).map(|j| format!("c{j} captures (ρ)")));
    let body: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(mut row, continuous)| {
            row.extend(continuous);
            row.resize(header.len(), "—".into());
            row
        })
        .collect();
    let mut table = markdown_table(&header, &body);
    table.push_str(&format!(
        "\nCategorical accuracy: best one-to-one match of code values to the digits the classifier \
         sees in generated samples. Encoder accuracy (the literature's protocol): the same match \
         between the code values a post-hoc encoder, trained on the run's generated digits, \
         reads from the 10,000 real MNIST test digits and their labels; Q accuracy: the same \
         with InfoGAN's own Q network. A continuous code captures slant or thickness when \
         |Spearman ρ| ≥ {CAPTURE_THRESHOLD}; digit: the share of {CHANGE_DRAWS} draws whose \
         digit changes between the code at -1 and at +1 (z and the other codes fixed). \
         Parameters: trainable, in millions, D without InfoGAN's Q head; s/iter: the median seconds of a training step in `metrics.csv`.\n"
    ));
    if with_means {
        table.push_str(
            "Last epochs' mean: the scores averaged over the run's checkpoint and the epoch \
             snapshots before it (`train --keep-epochs`), all scored on the same samples.\n",
        );
    }
    print!("{table}");
    write_atomic(&args.out, &table)?;
    eprintln!("written: {}", args.out.display());
    Ok(())
}

/// The categorical accuracy and FID cells of the last epochs' means, each with the epochs
/// averaged over: `8.81 (epochs 8-10)`.
fn mean_cells(means: &EpochMeans) -> [String; 2] {
    let (first, last) = (means.epochs[0], means.epochs[means.epochs.len() - 1]);
    let span = format!("(epochs {first:.0}-{last:.0})");
    [format!("{} {span}", accuracy_cells(&means.accuracy)), format!("{:.2} {span}", means.fid)]
}

/// `94.5%`, or `94.5% / 80.1%` for several categorical codes; `—` for none.
fn accuracy_cells(accuracy: &[f64]) -> String {
    if accuracy.is_empty() {
        return "—".into();
    }
    accuracy.iter().map(|a| format!("{:.1}%", 100.0 * a)).collect::<Vec<_>>().join(" / ")
}

/// A run's cells up to class coverage, and one cell per continuous code.
fn compare_row(run: &Path) -> Result<(Vec<String>, Vec<String>), Box<dyn std::error::Error>> {
    let report = report::load(run).map_err(with_hint)?;
    let config = load_config(run)?;
    let name = run.file_name().map_or_else(|| run.display().to_string(), |n| n.to_string_lossy().into_owned());
    let accuracy: Vec<f64> = report.categorical.iter().map(|s| s.accuracy).collect();
    let state = checkpoint::load_state(&checkpoint::find(run)?)?;
    let sizes = network_sizes(&config, state.image)?;
    let millions = |n: usize| if n == 0 { "—".to_string() } else { format!("{:.2}M", n as f64 / 1e6) };
    let row = vec![
        name,
        config.regularizer.kind().name().into(),
        config.regularizer.summary(),
        format!("{:.2}", report.epochs),
        format!("{} / {} / {}", millions(sizes.generator), millions(sizes.discriminator), millions(sizes.q_head)),
        median_step_seconds(run)?.map_or("—".into(), |s| format!("{s:.2}")),
        accuracy_cells(&accuracy),
        percent(report.encoder_accuracy),
        percent(report.q_accuracy),
        format!("{:.2}", report.fid),
        format!("{:.2}", report.class_coverage),
    ];
    let change = |j: usize| {
        report
            .digit_change
            .as_ref()
            .and_then(|c| c.get(j))
            .map_or(String::new(), |c| format!("; digit {:.0}%", 100.0 * c))
    };
    Ok((row, report.continuous.iter().enumerate().map(|(j, score)| captured(score) + &change(j)).collect()))
}

/// `83.5%`, or `—` for a score not measured.
pub fn percent(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| format!("{:.1}%", 100.0 * v))
}
