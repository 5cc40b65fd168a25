//! `hsic-infogan compare`: the scores of several evaluated runs as one markdown table.

use std::path::{Path, PathBuf};

use clap::Args;
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_eval::dsprites::{self, Scores};
use hsic_infogan_eval::report::{self, CHANGE_DRAWS, EpochMeans};
use hsic_infogan_eval::scores::CAPTURE_THRESHOLD;
use hsic_infogan_train::files::write_atomic;
use hsic_infogan_train::run::{checkpoint, load_config, median_step_seconds, network_sizes};

use super::shared::{Hint, captured, markdown_table, percent};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run folders, each evaluated with `eval`.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Where the markdown table is written.
    #[arg(long, default_value = "compare.md")]
    out: PathBuf,
}

pub fn run(args: CompareArgs) -> Result<(), Box<dyn std::error::Error>> {
    let mut shapes = Vec::new();
    for run in &args.runs {
        shapes.push(load_config(run)?.dataset == DatasetSpec::Shapes);
    }
    let table = match (shapes.iter().all(|&s| s), shapes.iter().any(|&s| s)) {
        (true, _) => dsprites_table(&args.runs)?,
        (false, false) => mnist_table(&args.runs)?,
        (false, true) => {
            return Err(
                "dSprites (`shapes`) runs are scored by other metrics than MNIST runs: compare them separately".into(),
            );
        }
    };
    print!("{table}");
    write_atomic(&args.out, &table)?;
    eprintln!("written: {}", args.out.display());
    Ok(())
}

/// The header cells every table starts with, and [`run_cells`]' footnote.
const RUN_HEADER: [&str; 6] = ["run", "model", "regulariser", "epochs", "parameters (G / D / Q)", "s/iter"];
const RUN_NOTE: &str = "Parameters: trainable, in millions, D without InfoGAN's Q head; s/iter: the median seconds of a training step in `metrics.csv`.";

/// A run's cells under [`RUN_HEADER`], at `epochs` (its evaluated checkpoint's).
fn run_cells(run: &Path, epochs: f64) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let config = load_config(run)?;
    let name = run.file_name().map_or_else(|| run.display().to_string(), |n| n.to_string_lossy().into_owned());
    let state = checkpoint::load_state(&checkpoint::find(run)?)?;
    let sizes = network_sizes(&config, state.image)?;
    let millions = |n: usize| if n == 0 { "—".to_string() } else { format!("{:.2}M", n as f64 / 1e6) };
    Ok(vec![
        name,
        config.regularizer.kind().name().into(),
        config.regularizer_summary(),
        format!("{epochs:.2}"),
        format!("{} / {} / {}", millions(sizes.generator), millions(sizes.discriminator), millions(sizes.q_head)),
        median_step_seconds(run)?.map_or("—".into(), |s| format!("{s:.2}")),
    ])
}

/// The dSprites runs' disentanglement scores, by Q and by the post-hoc encoder.
fn dsprites_table(runs: &[PathBuf]) -> Result<String, Box<dyn std::error::Error>> {
    let cells = |scores: Option<&Scores>| {
        scores.map_or("—".into(), |s| {
            format!("{:.2} / {:.2} / {:.2}", s.factor_vae.eval_accuracy, s.mig.mig, s.dci.disentanglement)
        })
    };
    let mut body = Vec::new();
    for run in runs {
        let report = dsprites::load(run).map_err(Hint::with_hint)?;
        let d = &report.disentanglement;
        let encoder = d.encoder.as_ref().map(|e| &e.scores);
        let mut row = run_cells(run, report.epochs)?;
        row.extend([cells(d.q.as_ref()), cells(encoder)]);
        row.push(report.image_quality.as_ref().map_or("—".into(), |q| format!("{:.2} ({:.2})", q.fid, q.fid_floor)));
        row.push(encoder.or(d.q.as_ref()).map_or("—".into(), |s| s.captures.join(", ")));
        body.push(row);
    }
    let mut header: Vec<String> = RUN_HEADER.map(String::from).to_vec();
    header.extend(
        [
            "Q: FactorVAE / MIG / DCI-D",
            "encoder: FactorVAE / MIG / DCI-D",
            "FID (two real draws)",
            "factor each code captures (encoder, else Q)",
        ]
        .map(String::from),
    );
    let mut table = markdown_table(&header, &body);
    table.push_str(&format!(
        "\nScored on rendered dSprites images against their five factors (`eval`, see \
         docs/evaluation.md): FactorVAE score, MIG and DCI disentanglement, by InfoGAN's Q network \
         and by a post-hoc encoder trained on the run's generated images; FID on the dSprites factor \
         classifier's features, beside the FID between two real draws. {RUN_NOTE}\n"
    ));
    Ok(table)
}

/// The MNIST runs' scores.
fn mnist_table(runs: &[PathBuf]) -> Result<String, Box<dyn std::error::Error>> {
    let mut rows = Vec::new();
    let mut means = Vec::new();
    for run in runs {
        rows.push(compare_row(run)?);
        means.push(report::epoch_means(run).map_err(Hint::with_hint)?);
    }
    let codes = rows.iter().map(|(_, continuous)| continuous.len()).max().unwrap_or(0);
    let mut header: Vec<String> =
        ["categorical accuracy", "encoder accuracy", "Q accuracy", "FID", "class coverage (bits)"]
            .map(String::from)
            .to_vec();
    header.splice(0..0, RUN_HEADER.map(String::from));
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
         {RUN_NOTE}\n"
    ));
    if with_means {
        table.push_str(
            "Last epochs' mean: the scores averaged over the run's checkpoint and the epoch \
             snapshots before it (`train --keep-epochs`), all scored on the same samples.\n",
        );
    }
    Ok(table)
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
    let report = report::load(run).map_err(Hint::with_hint)?;
    let accuracy: Vec<f64> = report.categorical.iter().map(|s| s.accuracy).collect();
    let mut row = run_cells(run, report.epochs)?;
    row.extend([
        accuracy_cells(&accuracy),
        percent(report.encoder_accuracy),
        percent(report.q_accuracy),
        format!("{:.2}", report.fid),
        format!("{:.2}", report.class_coverage),
    ]);
    let change = |j: usize| {
        report
            .digit_change
            .as_ref()
            .and_then(|c| c.get(j))
            .map_or(String::new(), |c| format!("; digit {:.0}%", 100.0 * c))
    };
    Ok((row, report.continuous.iter().enumerate().map(|(j, score)| captured(score) + &change(j)).collect()))
}
