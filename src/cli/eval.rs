//! `hsic-infogan eval`: score a run's generator (categorical accuracy, FID, continuous-code
//! factors, class coverage) into `eval.json`, and `hsic-infogan compare`: the scores of several
//! runs as one markdown table.

use std::path::{Path, PathBuf};

use clap::Args;
use hsic_infogan_eval::report::{self, CAPTURE_THRESHOLD, ContinuousScore, EvalReport, MIN_SAMPLES};
use hsic_infogan_eval::{EvalError, EvalOptions, evaluate};
use hsic_infogan_train::files::write_atomic;
use hsic_infogan_train::run::load_config;

use super::table::{format_table, markdown_table};
use crate::args::{DataDirArg, RunDeviceArg};

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
}

pub fn run(args: EvalArgs) -> Result<(), Box<dyn std::error::Error>> {
    let options = EvalOptions {
        samples: args.n,
        seed: args.seed,
        device: args.device.device,
        data_dir: args.data_dir.data_dir,
        classifier: args.classifier,
    };
    eprintln!("evaluating {} samples from {} ...", options.samples, args.run.display());
    let report = evaluate(&args.run, &options).map_err(with_hint)?;
    let path = report::save(&report, &args.run)?;
    print!("{}", format_table(&summary(&report)));
    println!("written: {}", path.display());
    Ok(())
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
    for (k, score) in report.categorical.iter().enumerate() {
        let mapping: Vec<String> = score
            .mapping
            .iter()
            .enumerate()
            .map(|(v, d)| format!("{v}→{}", d.map_or("-".into(), |d| d.to_string())))
            .collect();
        rows.push(vec![format!("categorical code {}: accuracy", k + 1), format!("{:.1}%", 100.0 * score.accuracy)]);
        rows.push(vec![format!("categorical code {}: value→digit", k + 1), mapping.join(" ")]);
    }
    rows.push(vec![
        "FID (classifier features)".into(),
        format!("{:.2} (real training digits: {:.2})", report.fid, report.fid_real),
    ]);
    rows.push(vec![
        "class coverage".into(),
        format!("{:.3} bits of {:.3}; per digit {:?}", report.class_coverage, 10f64.log2(), report.class_histogram),
    ]);
    for (j, score) in report.continuous.iter().enumerate() {
        rows.push(vec![
            format!("continuous code {}: Spearman ρ", j + 1),
            format!("slant {:+.3}, thickness {:+.3} → {}", score.slant_spearman, score.thickness_spearman, score.captures),
        ]);
    }
    rows
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
    for run in &args.runs {
        rows.push(compare_row(run)?);
    }
    let codes = rows.iter().map(|(_, continuous)| continuous.len()).max().unwrap_or(0);
    let mut header: Vec<String> =
        ["run", "model", "regulariser", "epochs", "categorical accuracy", "FID", "class coverage (bits)"]
            .map(String::from)
            .to_vec();
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
         sees. A continuous code captures slant or thickness when |Spearman ρ| ≥ {CAPTURE_THRESHOLD}.\n"
    ));
    print!("{table}");
    write_atomic(&args.out, &table)?;
    eprintln!("written: {}", args.out.display());
    Ok(())
}

/// A run's cells up to class coverage, and one cell per continuous code.
fn compare_row(run: &Path) -> Result<(Vec<String>, Vec<String>), Box<dyn std::error::Error>> {
    let report = report::load(run).map_err(with_hint)?;
    let config = load_config(run)?;
    let name = run.file_name().map_or_else(|| run.display().to_string(), |n| n.to_string_lossy().into_owned());
    let accuracy: Vec<String> = report.categorical.iter().map(|s| format!("{:.1}%", 100.0 * s.accuracy)).collect();
    let row = vec![
        name,
        config.regularizer.kind().name().into(),
        config.regularizer.summary(),
        format!("{:.2}", report.epochs),
        if accuracy.is_empty() { "—".into() } else { accuracy.join(" / ") },
        format!("{:.2}", report.fid),
        format!("{:.2}", report.class_coverage),
    ];
    Ok((row, report.continuous.iter().map(captured).collect()))
}
