//! `hsic-infogan eval`: score a run's generator (categorical accuracy, FID, continuous-code
//! factors, class coverage; on dSprites runs the disentanglement metrics) into `eval.json`.

use std::path::{Path, PathBuf};

use clap::Args;
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_eval::dsprites::{self, DspritesOptions, DspritesReport, MetricSizes, QualityOptions, Scores};
use hsic_infogan_eval::report::{self, EpochMeans, EvalReport, change_draws};
use hsic_infogan_eval::scores::{CategoricalScore, ContinuousScore, RealDigitScore};
use hsic_infogan_eval::{EvalOptions, Evaluator};
use hsic_infogan_eval::{classifier, encoder, factor_classifier};

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
    /// Seed of the latent samples (dSprites runs: of the metrics' draws).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    device: RunDeviceArg,
    #[command(flatten)]
    data_dir: DataDirArg,
    /// Folder of the trained classifiers (MNIST's; dSprites' factor classifier for the FID of
    /// shapes runs) [default: ~/.cache/hsic-infogan/classifier].
    #[arg(long)]
    classifier: Option<PathBuf>,
    #[command(flatten)]
    encoder: EncoderArg,
    /// dSprites runs: the metrics' sizes are disentanglement_lib's (about 20 minutes on 2 cores)
    /// instead of a tenth of its BetaVAE and FactorVAE votes.
    #[arg(long)]
    literature_sizes: bool,
    /// dSprites runs: training votes of BetaVAE and FactorVAE, half as many to evaluate
    /// [default: 1000; the literature's 10000 with --literature-sizes].
    #[arg(long, value_name = "N", conflicts_with = "literature_sizes")]
    metric_votes: Option<usize>,
    /// dSprites runs: training points of MIG, SAP, DCI and Modularity, half as many test points
    /// [default: 10000, the literature's].
    #[arg(long, value_name = "N", conflicts_with = "literature_sizes")]
    metric_points: Option<usize>,
}

pub fn run(args: EvalArgs) -> Result<(), Box<dyn std::error::Error>> {
    if hsic_infogan_train::run::load_config(&args.run)?.dataset == DatasetSpec::Shapes {
        return run_dsprites(&args);
    }
    let options = EvalOptions {
        samples: args.n,
        seed: args.seed,
        device: args.device.device,
        data_dir: args.data_dir.data_dir,
        classifier: args.classifier,
        encoder: args.encoder.recipe(encoder::mnist_recipe()),
    };
    let mut evaluator = Evaluator::new(options);
    let report = score(&mut evaluator, &args.run)?;
    print!("{}", format_table(&summary(&report)));
    println!("written: {}", hsic_infogan_train::run::eval_report_path(&args.run).display());
    let mut reports = vec![report];
    for snapshot in report::snapshots_before(&args.run, reports[0].iteration)? {
        reports.push(score(&mut evaluator, &snapshot)?);
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
fn score(evaluator: &mut Evaluator, run: &Path) -> Result<EvalReport, Box<dyn std::error::Error>> {
    eprintln!("evaluating {} samples from {} ...", evaluator.options().samples, run.display());
    let steps = evaluator.options().encoder.as_ref().map_or(0, |recipe| recipe.steps);
    let mut line = StatusLine::new();
    let report = evaluator.evaluate(run, &mut |step| {
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
                "{} in {:.0} s, final loss {:.3} (cached in encoder.json)",
                encoder.recipe.describe("digits"),
                encoder.train_seconds,
                encoder.final_loss
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

/// `eval` of a dSprites run: the disentanglement metrics by Q and by the post-hoc encoder, a
/// table, `eval.json`, and each representation's codes x factors heat map.
fn run_dsprites(args: &EvalArgs) -> Result<(), Box<dyn std::error::Error>> {
    let mut sizes =
        if args.literature_sizes { MetricSizes::literature(args.seed) } else { MetricSizes::fast(args.seed) };
    if let Some(votes) = args.metric_votes {
        sizes = sizes.with_votes(votes);
    }
    if let Some(points) = args.metric_points {
        sizes = sizes.with_points(points);
    }
    let trained = hsic_infogan_train::run::load_generator(&args.run, args.device.device.as_deref())?;
    let classifier_dir = classifier::dir_or_cache(args.classifier.as_deref())?;
    let quality = factor_classifier::load(&classifier_dir, &trained.device)?.map(|(classifier, info)| QualityOptions {
        classifier,
        info,
        samples: args.n,
    });
    if quality.is_none() {
        eprintln!(
            "no dSprites factor classifier in {}: image quality (FID) is skipped; \
             `hsic-infogan classifier train --dataset shapes` trains one",
            classifier_dir.display()
        );
    }
    let options = DspritesOptions { sizes, encoder: args.encoder.recipe(dsprites::encoder_recipe()), quality };
    eprintln!("scoring {} against the dSprites factors ...", args.run.display());
    let steps = options.encoder.as_ref().map_or(0, |recipe| recipe.steps);
    let mut line = StatusLine::new();
    let report = dsprites::evaluate(&args.run, &trained, &options, &mut |step| {
        let every = if line.tty() { 10 } else { 250 };
        if step % every == 0 || step == steps {
            line.show(&format!("training the encoder on generated shapes: step {step}/{steps}"));
        }
    });
    line.keep();
    let report = report.map_err(Hint::with_hint)?;
    print!("{}", format_table(&dsprites_rows(&report)));
    println!("written: {}", dsprites::save(&report, &args.run)?.display());
    // Each code's traversal beside its row, where the representation reads exactly the
    // continuous codes (the dSprites layout).
    let layout = &trained.config.latent;
    let rows = hsic_infogan_figures::traversal_rows(&trained.generator, layout, trained.config.seed, &trained.device);
    for (name, scores) in representations(&report) {
        let codes: Vec<String> = (1..=scores.captures.len()).map(|k| format!("c{k}")).collect();
        let path = args.run.join(format!("mutual_information_{}.png", name.to_lowercase()));
        let title = format!("normalised I(code; factor), {name}, iteration {}", report.iteration);
        let matrix = &scores.mutual_information.normalized;
        if layout.categorical.is_empty() && codes.len() == layout.continuous {
            let dims = trained.state.image;
            hsic_infogan_figures::write_codes_figure(matrix, &codes, &report.factors, &title, &rows, dims, &path)?;
        } else {
            hsic_infogan_figures::write_heat_map(matrix, &codes, &report.factors, &title, &path)?;
        }
        println!("written: {}", path.display());
    }
    Ok(())
}

/// The representations scored, by name.
fn representations(report: &DspritesReport) -> Vec<(&'static str, &Scores)> {
    let d = &report.disentanglement;
    d.q.iter().map(|s| ("Q", s)).chain(d.encoder.iter().map(|e| ("encoder", &e.scores))).collect()
}

fn dsprites_rows(report: &DspritesReport) -> Vec<Vec<String>> {
    let sizes = &report.sizes;
    let mut rows = vec![
        vec!["checkpoint".into(), format!("iteration {} ({:.2} epochs)", report.iteration, report.epochs)],
        vec![
            "sizes".into(),
            format!(
                "seed {}; BetaVAE {}/{} batches, FactorVAE {}/{} votes; {} train / {} test points",
                sizes.seed,
                sizes.beta_vae.num_train,
                sizes.beta_vae.num_eval,
                sizes.factor_vae.num_train,
                sizes.factor_vae.num_eval,
                sizes.num_train,
                sizes.num_test
            ),
        ],
    ];
    if let Some(quality) = &report.image_quality {
        let accuracy: Vec<String> = report
            .factors
            .iter()
            .zip(&quality.classifier_accuracy)
            .map(|(factor, a)| format!("{factor} {:.1}%", 100.0 * a))
            .collect();
        rows.push(vec![
            "FID (factor classifier features)".into(),
            format!("{:.3} on {} samples (two real draws: {:.3})", quality.fid, quality.samples, quality.fid_floor),
        ]);
        rows.push(vec!["factor classifier".into(), format!("test accuracy {}", accuracy.join(", "))]);
    }
    if let Some(encoder) = &report.disentanglement.encoder {
        rows.push(vec![
            "encoder".into(),
            format!(
                "{} in {:.0} s, final loss {:.3} (cached in encoder.json)",
                encoder.recipe.describe("images"),
                encoder.train_seconds,
                encoder.final_loss
            ),
        ]);
    }
    for (name, s) in representations(report) {
        rows.push(vec![
            format!("{name}: FactorVAE / MIG / DCI-D"),
            format!("{:.3} / {:.3} / {:.3}", s.factor_vae.eval_accuracy, s.mig.mig, s.dci.disentanglement),
        ]);
        rows.push(vec![
            format!("{name}: SAP / BetaVAE / Modularity"),
            format!("{:.3} / {:.3} / {:.3}", s.sap.sap, s.beta_vae.eval_accuracy, s.modularity.modularity),
        ]);
        rows.push(vec![
            format!("{name}: DCI completeness / informativeness (test)"),
            format!("{:.3} / {:.3}", s.dci.completeness, s.dci.informativeness_test),
        ]);
        let captures: Vec<String> = s.captures.iter().enumerate().map(|(k, f)| format!("c{}→{f}", k + 1)).collect();
        rows.push(vec![format!("{name}: codes capture"), captures.join(" ")]);
        let parts: Vec<String> = s.seconds.iter().map(|(part, t)| format!("{part} {t:.0}")).collect();
        rows.push(vec![format!("{name}: seconds ({:.0} in all)", s.total_seconds()), parts.join(", ")]);
    }
    rows
}
