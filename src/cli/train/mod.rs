//! `hsic-infogan train` (and `cargo run --example mnist_hsic`): train GAN, InfoGAN or
//! HSIC-InfoGAN into a run folder, or resume one; its flags, the training and the report.

mod settings;

use std::path::{Path, PathBuf};

use clap::Args;
use hsic_infogan_device::DeviceChoice;
use hsic_infogan_figures::FigureWriter;
use hsic_infogan_train::tensorboard::TensorBoard;
use hsic_infogan_train::{RunSummary, TrainConfig, TrainError, run, session};

use self::settings::Settings;
use super::shared::{DataDirArg, Hint};
use crate::interrupt::stop_on_ctrl_c;
use crate::progress::Progress;

/// The flags of `hsic-infogan train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    settings: Settings,
    #[command(flatten)]
    data_dir: DataDirArg,
    /// Epochs to train [default: 100].
    #[arg(long)]
    epochs: Option<usize>,
    /// Stop after this many iterations in total.
    #[arg(long)]
    max_iters: Option<usize>,
    /// Seed of the initial weights, data order and codes [default: 0, or the --config file's].
    #[arg(long)]
    seed: Option<u64>,
    /// Also checkpoint this often inside an epoch, so a killed run loses at most this much:
    /// 90s, 10m, 1h or minutes (0: after every iteration) [default: 10m, or the run's].
    #[arg(long, value_name = "DURATION", value_parser = parse_minutes)]
    checkpoint_every: Option<f64>,
    /// Keep snapshots of the networks at the ends of the last N epochs (the final one included)
    /// in RUN/epochs/epoch-K/; `eval` scores them too and averages their scores [default: 0, or
    /// the run's].
    #[arg(long, value_name = "N")]
    keep_epochs: Option<usize>,
    /// Take every setting from this config file (a run's config.json, or one written by hand);
    /// only --seed, --epochs, --max-iters, --checkpoint-every, --keep-epochs and --data-dir may
    /// change it.
    #[arg(long = "config", value_name = "FILE", conflicts_with_all = Settings::ids_and(&["resume"]))]
    config_file: Option<PathBuf>,
    /// Run folder [default: runs/<model>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run in this folder (its config.json; --epochs and --max-iters may extend it,
    /// --checkpoint-every and --keep-epochs change it). A run killed before its first checkpoint starts again.
    #[arg(long, conflicts_with = "out")]
    resume: Option<PathBuf>,
    /// No progress line or epoch summaries.
    #[arg(long)]
    quiet: bool,
    /// Write no TensorBoard log (RUN/tb/; watch runs with `tensorboard --logdir runs`)
    #[arg(long)]
    no_tensorboard: bool,
}

/// `--checkpoint-every`: `90s`, `10m`, `1.5h` or a bare number of minutes, as minutes.
fn parse_minutes(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (number, per_unit) = match trimmed.char_indices().last() {
        Some((end, 's')) => (&trimmed[..end], 1.0 / 60.0),
        Some((end, 'm')) => (&trimmed[..end], 1.0),
        Some((end, 'h')) => (&trimmed[..end], 60.0),
        _ => (trimmed, 1.0),
    };
    // The product too must be finite: `1e308h` is more minutes than an f64 holds.
    match number.trim().parse::<f64>().map(|value| value * per_unit) {
        Ok(minutes) if minutes.is_finite() && minutes >= 0.0 => Ok(minutes),
        _ => Err(format!("expected a duration such as 90s, 10m or 1h (a bare number is minutes), got `{text}`")),
    }
}

impl TrainArgs {
    /// The run configuration these flags describe.
    fn config(&self) -> TrainConfig {
        self.settings
            .config()
            .with_data_dir(self.data_dir.absolute())
            .with_epochs(self.epochs.unwrap_or(100))
            .with_max_iters(self.max_iters)
            .with_seed(self.seed.unwrap_or(0))
            .with_checkpoint_minutes(self.checkpoint_every)
            .with_keep_epochs(self.keep_epochs)
    }

    /// The configuration of a new run: `--config FILE` with the flags that may change it, or
    /// the flags alone.
    fn new_run_config(&self) -> Result<TrainConfig, TrainError> {
        let Some(file) = &self.config_file else { return Ok(self.config()) };
        let mut config = TrainConfig::read(file)?;
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(epochs) = self.epochs {
            config.epochs = epochs;
        }
        if self.max_iters.is_some() {
            config.max_iters = self.max_iters;
        }
        if self.checkpoint_every.is_some() {
            config.checkpoint_minutes = self.checkpoint_every;
        }
        if self.keep_epochs.is_some() {
            config.keep_epochs = self.keep_epochs;
        }
        if let Some(dir) = self.data_dir.absolute() {
            config.data_dir = Some(dir);
        }
        Ok(config)
    }

    /// The run's TensorBoard log, unless `--no-tensorboard`.
    fn tensorboard(&self, run: &Path, config: &TrainConfig) -> Option<TensorBoard> {
        (!self.no_tensorboard).then(|| TensorBoard::new(run, config))
    }

    /// Names the GPU adapter a run is about to use, unless `--quiet`; a software renderer (a
    /// driverless machine's fallback, many times slower than flex) is named even then.
    fn announce_adapter(&self, choice: &DeviceChoice) {
        let Some(adapter) = choice.device().ok().and_then(|device| hsic_infogan_device::adapter(&device)) else {
            return;
        };
        if !self.quiet || adapter.software {
            eprintln!("{choice} runs on {adapter}");
        }
    }

    /// Trains (or resumes), with Ctrl-C checkpointing and stopping and, unless `--quiet`, a
    /// progress line. A new run goes to `--out`, else to `default_out(its config)`.
    pub fn execute(
        &self,
        default_out: impl FnOnce(&TrainConfig) -> PathBuf,
    ) -> Result<RunSummary, Box<dyn std::error::Error>> {
        let stop = stop_on_ctrl_c()?;
        let mut progress = Progress::new(!self.quiet);
        let summary = match &self.resume {
            // What a run killed before writing its config leaves.
            Some(dir) if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none()) => {
                return Err(format!(
                    "{}: empty, so there is nothing to resume (was the run killed before it \
                     started?); start the run again with the `train` command that created it",
                    dir.display()
                )
                .into());
            }
            Some(dir) => {
                let changes = session::Changes {
                    epochs: self.epochs,
                    max_iters: self.max_iters,
                    checkpoint_minutes: self.checkpoint_every,
                    keep_epochs: self.keep_epochs,
                };
                // A config that does not load fails the resume itself, with its reason.
                let config = run::load_config(dir).ok();
                if let Some(config) = &config {
                    self.announce_adapter(&config.device);
                }
                let tensorboard = config.and_then(|config| self.tensorboard(dir, &config));
                session::resume(dir, changes, &stop, &mut (&mut progress, (FigureWriter, tensorboard)))
            }
            None => {
                let config = self.new_run_config()?;
                let out = self.out.clone().unwrap_or_else(|| default_out(&config));
                self.announce_adapter(&config.device);
                let tensorboard = self.tensorboard(&out, &config);
                session::start(config, &out, &stop, &mut (&mut progress, (FigureWriter, tensorboard)))
            }
        };
        summary.map_err(|err| match err {
            TrainError::RunExists(_) => format!("{err}: continue it with --resume, or choose another --out").into(),
            other => other.with_hint(),
        })
    }
}

/// The command: trains into `--out`, else into `runs/<model>`, and prints the report.
pub fn run(args: TrainArgs) -> Result<(), Box<dyn std::error::Error>> {
    let summary = args.execute(|config| PathBuf::from("runs").join(config.regularizer.kind().name()))?;
    print!("{}", report(&summary));
    Ok(())
}

/// What to print when a run ends.
pub fn report(summary: &RunSummary) -> String {
    let mut text = String::new();
    let per_step = if summary.steps > 0 { summary.step_seconds / summary.steps as f64 } else { 0.0 };
    text.push_str(&format!(
        "{} {} iterations this session ({:.3} s/it, {:.0} s wall); run at iteration {}.\n",
        if summary.interrupted { "Stopped after" } else { "Trained" },
        summary.steps,
        per_step,
        summary.wall_seconds,
        summary.iterations
    ));
    text.push_str(&format!("Run folder: {}\n", summary.run.display()));
    for figure in &summary.figures {
        text.push_str(&format!("  figure: {}\n", figure.display()));
    }
    if summary.interrupted {
        text.push_str(&format!("Continue with: hsic-infogan train --resume {}\n", summary.run.display()));
    } else {
        text.push_str(&format!("Score it with: hsic-infogan eval --run {}\n", summary.run.display()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_intervals_read_seconds_minutes_and_hours() {
        for (text, minutes) in [("90s", 1.5), ("10m", 10.0), ("1.5h", 90.0), ("3", 3.0), ("0", 0.0), (" 30s ", 0.5)] {
            assert_eq!(parse_minutes(text), Ok(minutes), "{text}");
        }
        for bad in ["", "m", "-1m", "10 minutes", "inf", "1d", "1e308h"] {
            assert!(parse_minutes(bad).unwrap_err().contains("such as 90s"), "{bad}");
        }
    }
}
