//! The flags of `hsic-infogan train` (shared with `cargo run --example mnist_hsic`), and the
//! flags several commands share, each defined once.

use std::path::{Path, PathBuf};

use clap::{Args, Command, Id, ValueEnum};
use hsic::{Estimator, HsicConfig, Kernel};
use hsic_infogan_data::DatasetSpec;
use hsic_infogan_device::DeviceChoice;
use hsic_infogan_eval::encoder::EncoderConfig;
use hsic_infogan_figures::FigureWriter;
use hsic_infogan_models::LatentConfig;
use hsic_infogan_train::{
    CodeGroup, DEFAULT_INFO_CONTINUOUS_WEIGHT, DEFAULT_LAMBDA, DEFAULT_SIGMA_C, DEFAULT_SIGMA_X, HsicInput, HsicTerm,
    LambdaSchedule, ModelKind, Regularizer, RunSummary, TrainConfig, TrainError, default_lambda_schedule, session,
};

use crate::interrupt::stop_on_ctrl_c;
use crate::progress::Progress;

/// `--device` where a command opens a fresh device.
#[derive(Debug, Clone, Args)]
pub struct DeviceArg {
    /// Backend: flex, ndarray, wgpu[:N] or cuda[:N] (what this build compiled; the default is
    /// the first compiled in of flex, cuda, wgpu, ndarray).
    #[arg(long, default_value = hsic_infogan_device::default_backend())]
    pub device: DeviceChoice,
}

/// `--encoder-steps` and `--no-encoder`: the post-hoc encoder scored on the real test digits.
#[derive(Debug, Clone, Args)]
pub struct EncoderArg {
    /// Steps of the post-hoc encoder that reads the codes from real test digits (batches of 128
    /// generated images; about 2 minutes per 1,000 steps on 2 cores; cached per checkpoint).
    #[arg(long, default_value_t = EncoderConfig::new().steps)]
    pub encoder_steps: usize,
    /// Skip the post-hoc encoder (InfoGAN's own Q is still scored on the real digits).
    #[arg(long)]
    pub no_encoder: bool,
}

impl EncoderArg {
    /// The recipe, or `None` with `--no-encoder`.
    pub fn recipe(&self) -> Option<EncoderConfig> {
        (!self.no_encoder).then(|| EncoderConfig::new().with_steps(self.encoder_steps))
    }
}

/// `--device` where a command reads a run, which names its own.
#[derive(Debug, Clone, Args)]
pub struct RunDeviceArg {
    /// Backend: flex, ndarray, wgpu[:N] or cuda[:N] [default: the run's].
    #[arg(long)]
    pub device: Option<String>,
}

/// `--data-dir`.
#[derive(Debug, Clone, Args)]
pub struct DataDirArg {
    /// A folder holding the data set's files (MNIST, Fashion-MNIST); searched first.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl DataDirArg {
    /// As stored in a config: absolute, so a run resumes from any directory.
    pub fn absolute(&self) -> Option<PathBuf> {
        self.data_dir.as_deref().map(absolute)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KernelArg {
    /// exp(-||a - b||^2 / (2 sigma^2)) with the given sigma.
    Gaussian,
    /// Gaussian with sigma = median pairwise distance of the batch.
    Median,
    /// a . b (on one-hot codes: the delta kernel, 1 for equal values and 0 otherwise).
    Linear,
    /// Codes only, joint term: the delta kernel on the one-hot categorical codes times a
    /// Gaussian (--sigma-c) on the continuous codes, so the continuous codes are asked to matter
    /// within each category rather than across them.
    Product,
}

/// `--hsic-input`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputArg {
    /// The flattened images.
    Pixels,
    /// D's 1024-wide trunk features of the images (D frozen in the G step).
    Features,
}

impl InputArg {
    fn input(self) -> HsicInput {
        match self {
            Self::Pixels => HsicInput::Pixels,
            Self::Features => HsicInput::Features,
        }
    }

    /// The image kernel without `--kernel-x`: pixels in [0, 1] have a fixed scale (sigma_x = 8
    /// was tuned on them); D's features do not, and their scale moves as D trains.
    fn default_kernel(self) -> KernelArg {
        match self {
            Self::Pixels => KernelArg::Gaussian,
            Self::Features => KernelArg::Median,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EstimatorArg {
    /// (m-1)^-2 tr(KHLH), the paper's eq. 5.
    Biased,
    /// Song et al. 2012 (batch >= 4).
    Unbiased,
    /// Normalised HSIC (CKA), in [0, 1].
    Cka,
}

impl EstimatorArg {
    pub fn estimator(self) -> Estimator {
        match self {
            Self::Biased => Estimator::Biased,
            Self::Unbiased => Estimator::Unbiased,
            Self::Cka => Estimator::Normalized,
        }
    }
}

/// Every flag that `--config FILE` replaces: a setting flag is added here and nowhere else, and
/// `--config` refuses it.
#[derive(Debug, Args)]
pub struct Settings {
    /// gan, infogan or hsic (HSIC-InfoGAN).
    #[arg(long, default_value = "hsic", value_parser = parse_model)]
    pub model: ModelKind,
    #[command(flatten)]
    pub device: DeviceArg,
    /// mnist, fashion-mnist, shapes or folder:PATH.
    #[arg(long, default_value = "mnist")]
    pub dataset: DatasetSpec,
    /// Image folders: side of the square images are resized to.
    #[arg(long, default_value_t = 64)]
    pub image_size: usize,
    /// Image folders: train on RGB instead of grayscale.
    #[arg(long)]
    pub rgb: bool,
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Adam learning rate of D (and Q).
    #[arg(long, default_value_t = 2e-4)]
    pub lr_d: f64,
    /// Adam learning rate of G.
    #[arg(long, default_value_t = 1e-3)]
    pub lr_g: f64,
    /// Size of the noise z.
    #[arg(long, default_value_t = 62)]
    pub noise: usize,
    /// Number of values of each categorical code, comma-separated (e.g. 10 or 10,5).
    #[arg(long, value_delimiter = ',', default_value = "10")]
    pub categorical: Vec<usize>,
    /// Number of continuous codes, U(-1, 1).
    #[arg(long, default_value_t = 2)]
    pub continuous: usize,
    /// HSIC: weight lambda of each HSIC term.
    #[arg(long = "lambda", default_value_t = DEFAULT_LAMBDA, allow_negative_numbers = true)]
    pub lambda: f64,
    /// HSIC: kernel width for the images' pixels (flattened, values in [0, 1]).
    #[arg(long, default_value_t = DEFAULT_SIGMA_X, allow_negative_numbers = true)]
    pub sigma_x: f64,
    /// HSIC: kernel width for the codes.
    #[arg(long, default_value_t = DEFAULT_SIGMA_C, allow_negative_numbers = true)]
    pub sigma_c: f64,
    /// HSIC: kernel on the images [default: gaussian on pixels, median on D's features].
    #[arg(long, value_enum)]
    pub kernel_x: Option<KernelArg>,
    /// HSIC: kernel on the codes.
    #[arg(long, value_enum, default_value = "gaussian")]
    pub kernel_c: KernelArg,
    /// HSIC: estimator.
    #[arg(long, value_enum, default_value = "cka")]
    pub estimator: EstimatorArg,
    /// HSIC: use sigma * sqrt(dimension) as the width (the HSIC-Bottleneck convention).
    #[arg(long)]
    pub scale_by_dim: bool,
    /// HSIC: measure the codes against the images' pixels or D's trunk features (whose
    /// Euclidean scale differs from the pixels': there the image kernel's width defaults to the
    /// batch median) [default: features for the categorical and pixels for the continuous
    /// codes; pixels with --hsic-joint].
    #[arg(long, value_enum)]
    pub hsic_input: Option<InputArg>,
    /// HSIC: keep lambda for this many epochs, then decay it (see --lambda-decay, --lambda-floor).
    #[arg(long, value_name = "EPOCHS", default_value_t = default_lambda_schedule().hold)]
    pub lambda_hold: f64,
    /// HSIC: epochs over which lambda falls linearly to its floor after --lambda-hold (0: a step).
    #[arg(long, value_name = "EPOCHS", default_value_t = default_lambda_schedule().decay)]
    pub lambda_decay: f64,
    /// HSIC: the final weight as a fraction of lambda.
    #[arg(long, value_name = "FRACTION", default_value_t = default_lambda_schedule().floor)]
    pub lambda_floor: f64,
    /// HSIC: keep lambda constant instead of the schedule (the paper's form).
    #[arg(long, conflicts_with_all = ["lambda_hold", "lambda_decay", "lambda_floor"])]
    pub constant_lambda: bool,
    /// HSIC: one joint term on c = [one-hot | continuous] (the paper's form) instead of one term
    /// for the categorical and one for the continuous codes.
    #[arg(long, conflicts_with_all = PER_GROUP)]
    pub hsic_joint: bool,
    /// HSIC per group: what the categorical term measures the codes against [default:
    /// --hsic-input, else features].
    #[arg(long, value_enum)]
    pub hsic_input_cat: Option<InputArg>,
    /// HSIC per group: what the continuous term measures the codes against [default:
    /// --hsic-input, else pixels].
    #[arg(long, value_enum)]
    pub hsic_input_cont: Option<InputArg>,
    /// HSIC per group: kernel on the categorical codes (`linear` on one-hot codes is the delta
    /// kernel) [default: --kernel-c].
    #[arg(long, value_enum)]
    pub kernel_cat: Option<KernelArg>,
    /// HSIC per group: kernel width for the categorical codes [default: --sigma-c].
    #[arg(long, allow_negative_numbers = true)]
    pub sigma_cat: Option<f64>,
    /// HSIC per group: kernel width for the continuous codes [default: --sigma-c].
    #[arg(long, allow_negative_numbers = true)]
    pub sigma_cont: Option<f64>,
    /// HSIC per group: weight of the categorical term [default: --lambda].
    #[arg(long, allow_negative_numbers = true)]
    pub lambda_cat: Option<f64>,
    /// HSIC per group: weight of the continuous term [default: --lambda].
    #[arg(long, allow_negative_numbers = true)]
    pub lambda_cont: Option<f64>,
    /// InfoGAN: weight of the continuous codes' Gaussian NLL next to the categorical
    /// cross-entropy (the spec's 0.1; the original InfoGAN code uses 1 on MNIST).
    #[arg(long, default_value_t = DEFAULT_INFO_CONTINUOUS_WEIGHT, allow_negative_numbers = true)]
    pub info_continuous_weight: f64,
}

/// The flags of the per-group terms, refused beside `--hsic-joint`.
const PER_GROUP: [&str; 7] =
    ["hsic_input_cat", "hsic_input_cont", "kernel_cat", "sigma_cat", "sigma_cont", "lambda_cat", "lambda_cont"];

impl Settings {
    /// The ids of all its flags, and `others`.
    fn ids_and(others: &[&'static str]) -> Vec<Id> {
        let flags = Self::augment_args(Command::new("settings"));
        flags.get_arguments().map(|arg| arg.get_id().clone()).chain(others.iter().map(|&id| Id::from(id))).collect()
    }

    fn regularizer(&self) -> Regularizer {
        let estimator = self.estimator.estimator();
        let schedule = (!self.constant_lambda)
            .then(|| LambdaSchedule::new(self.lambda_hold).with_decay(self.lambda_decay).with_floor(self.lambda_floor));
        let term = |codes, input: InputArg, lambda, kernel_c, sigma_c| HsicTerm {
            codes,
            lambda,
            hsic: HsicConfig::new()
                .with_kernel_x(kernel(self.kernel_x.unwrap_or(input.default_kernel()), self.sigma_x, 0))
                .with_kernel_y(kernel(kernel_c, sigma_c, self.categorical.iter().sum()))
                .with_estimator(estimator.clone())
                .with_scale_by_dim(self.scale_by_dim),
            input: input.input(),
            schedule: schedule.clone(),
        };
        match self.model {
            ModelKind::Hsic if self.hsic_joint => Regularizer::Hsic {
                terms: vec![term(
                    CodeGroup::All,
                    self.hsic_input.unwrap_or(InputArg::Pixels),
                    self.lambda,
                    self.kernel_c,
                    self.sigma_c,
                )],
            },
            ModelKind::Hsic => Regularizer::Hsic {
                terms: vec![
                    term(
                        CodeGroup::Categorical,
                        self.hsic_input_cat.or(self.hsic_input).unwrap_or(InputArg::Features),
                        self.lambda_cat.unwrap_or(self.lambda),
                        self.kernel_cat.unwrap_or(self.kernel_c),
                        self.sigma_cat.unwrap_or(self.sigma_c),
                    ),
                    term(
                        CodeGroup::Continuous,
                        self.hsic_input_cont.or(self.hsic_input).unwrap_or(InputArg::Pixels),
                        self.lambda_cont.unwrap_or(self.lambda),
                        self.kernel_c,
                        self.sigma_cont.unwrap_or(self.sigma_c),
                    ),
                ],
            },
            ModelKind::InfoGan => Regularizer::InfoGan { continuous_weight: self.info_continuous_weight },
            ModelKind::Gan => Regularizer::Gan,
        }
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub settings: Settings,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// Epochs to train [default: 100].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Stop after this many iterations in total.
    #[arg(long)]
    pub max_iters: Option<usize>,
    /// Seed of the initial weights, data order and codes [default: 0, or the --config file's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also checkpoint this often inside an epoch, so a killed run loses at most this much:
    /// 90s, 10m, 1h or minutes (0: after every iteration) [default: 10m, or the run's].
    #[arg(long, value_name = "DURATION", value_parser = parse_minutes)]
    pub checkpoint_every: Option<f64>,
    /// Keep snapshots of the networks at the ends of the last N epochs (the final one included)
    /// in RUN/epochs/epoch-K/; `eval` scores them too and averages their scores [default: 0, or
    /// the run's].
    #[arg(long, value_name = "N")]
    pub keep_epochs: Option<usize>,
    /// Take every setting from this config file (a run's config.json, or one written by hand);
    /// only --seed, --epochs, --max-iters, --checkpoint-every, --keep-epochs and --data-dir may
    /// change it.
    #[arg(long = "config", value_name = "FILE", conflicts_with_all = Settings::ids_and(&["resume"]))]
    pub config_file: Option<PathBuf>,
    /// Run folder [default: runs/<model>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the run in this folder (its config.json; --epochs and --max-iters may extend it,
    /// --checkpoint-every and --keep-epochs change it). A run killed before its first checkpoint starts again.
    #[arg(long, conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// No progress line or epoch summaries.
    #[arg(long)]
    pub quiet: bool,
}

/// Paths are stored absolute in `config.json`, so `--resume` works from any directory.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
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
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value * per_unit),
        _ => Err(format!("expected a duration such as 90s, 10m or 1h (a bare number is minutes), got `{text}`")),
    }
}

fn parse_model(name: &str) -> Result<ModelKind, String> {
    name.parse()
}

/// The kernel `arg` names, with width `sigma`; a product splits after the `one_hot` columns of
/// the categorical codes.
fn kernel(arg: KernelArg, sigma: f64, one_hot: usize) -> Kernel {
    match arg {
        KernelArg::Gaussian => Kernel::gaussian(sigma),
        KernelArg::Median => Kernel::GaussianMedian,
        KernelArg::Linear => Kernel::Linear,
        KernelArg::Product => Kernel::product(one_hot, Kernel::Linear, Kernel::gaussian(sigma)),
    }
}

impl TrainArgs {
    /// The run configuration these flags describe.
    pub fn config(&self) -> TrainConfig {
        let settings = &self.settings;
        TrainConfig::new()
            .with_regularizer(settings.regularizer())
            .with_dataset(match &settings.dataset {
                DatasetSpec::Folder(root) => DatasetSpec::Folder(absolute(root)),
                other => other.clone(),
            })
            .with_data_dir(self.data_dir.absolute())
            .with_image_size(settings.image_size)
            .with_rgb(settings.rgb)
            .with_device(settings.device.device.clone())
            .with_latent(
                LatentConfig::new()
                    .with_noise(settings.noise)
                    .with_categorical(settings.categorical.clone())
                    .with_continuous(settings.continuous),
            )
            .with_batch_size(settings.batch_size)
            .with_epochs(self.epochs.unwrap_or(100))
            .with_max_iters(self.max_iters)
            .with_lr_d(settings.lr_d)
            .with_lr_g(settings.lr_g)
            .with_seed(self.seed.unwrap_or(0))
            .with_checkpoint_minutes(self.checkpoint_every)
            .with_keep_epochs(self.keep_epochs)
    }

    /// The configuration of a new run: `--config FILE` with the flags that may change it, or
    /// the flags alone.
    pub fn new_run_config(&self) -> Result<TrainConfig, TrainError> {
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
                session::resume(dir, changes, &stop, &mut (&mut progress, FigureWriter))
            }
            None => {
                let config = self.new_run_config()?;
                let out = self.out.clone().unwrap_or_else(|| default_out(&config));
                session::start(config, &out, &stop, &mut (&mut progress, FigureWriter))
            }
        };
        summary.map_err(|err| match err {
            TrainError::RunExists(_) => format!("{err}: continue it with --resume, or choose another --out").into(),
            other => other.into(),
        })
    }
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
        text.push_str(&format!("Score an MNIST run with: hsic-infogan eval --run {}\n", summary.run.display()));
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
        for bad in ["", "m", "-1m", "10 minutes", "inf", "1d"] {
            assert!(parse_minutes(bad).unwrap_err().contains("such as 90s"), "{bad}");
        }
    }
}
