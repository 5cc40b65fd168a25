//! The flags of `hsic-infogan train`, shared with `cargo run --example mnist_hsic`.

use std::path::{Path, PathBuf};

use burn::config::Config;
use clap::{Args, ValueEnum};
use hsic::{Estimator, HsicConfig, Kernel};
use hsic_infogan_models::LatentConfig;

use crate::config::{DEFAULT_LAMBDA, DEFAULT_SIGMA_C, DEFAULT_SIGMA_X};
use crate::{CodeGroup, HsicTerm, ModelKind, RunSummary, TrainConfig, TrainError, run};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KernelArg {
    /// exp(-||a - b||^2 / (2 sigma^2)) with the given sigma.
    Gaussian,
    /// Gaussian with sigma = median pairwise distance of the batch.
    Median,
    /// a . b
    Linear,
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

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// gan, infogan or hsic (HSIC-InfoGAN).
    #[arg(long, default_value = "hsic", value_parser = parse_model)]
    pub model: ModelKind,
    /// Backend: flex, ndarray, wgpu[:N] or cuda[:N] (what this build compiled).
    #[arg(long, default_value = "flex")]
    pub device: String,
    /// mnist, fashion-mnist, shapes or folder:PATH.
    #[arg(long, default_value = "mnist")]
    pub dataset: String,
    /// A folder holding the dataset's files; searched first.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Image folders: side of the square images are resized to.
    #[arg(long, default_value_t = 64)]
    pub image_size: usize,
    /// Image folders: train on RGB instead of grayscale.
    #[arg(long)]
    pub rgb: bool,
    /// Epochs to train [default: 100].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Stop after this many iterations in total.
    #[arg(long)]
    pub max_iters: Option<usize>,
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
    /// HSIC: weight lambda of the HSIC term.
    #[arg(long = "lambda", default_value_t = DEFAULT_LAMBDA, allow_negative_numbers = true)]
    pub lambda: f64,
    /// HSIC: kernel width for the images (flattened, values in [0, 1]).
    #[arg(long, default_value_t = DEFAULT_SIGMA_X, allow_negative_numbers = true)]
    pub sigma_x: f64,
    /// HSIC: kernel width for the codes.
    #[arg(long, default_value_t = DEFAULT_SIGMA_C, allow_negative_numbers = true)]
    pub sigma_c: f64,
    /// HSIC: kernel on the images.
    #[arg(long, value_enum, default_value = "gaussian")]
    pub kernel_x: KernelArg,
    /// HSIC: kernel on the codes.
    #[arg(long, value_enum, default_value = "gaussian")]
    pub kernel_c: KernelArg,
    /// HSIC: estimator.
    #[arg(long, value_enum, default_value = "cka")]
    pub estimator: EstimatorArg,
    /// HSIC: use sigma * sqrt(dimension) as the width (the HSIC-Bottleneck convention).
    #[arg(long)]
    pub scale_by_dim: bool,
    /// HSIC: one term for the categorical and one for the continuous codes instead of one joint term.
    #[arg(long)]
    pub hsic_per_group: bool,
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
    /// Seed of the initial weights, data order and codes [default: 0, or the --config file's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Take every setting from this config file (a run's config.json, or one written by hand);
    /// only --seed, --epochs, --max-iters and --data-dir may change it.
    #[arg(long = "config", value_name = "FILE", conflicts_with_all = [
        "model", "device", "dataset", "image_size", "rgb", "batch_size", "lr_d", "lr_g", "noise",
        "categorical", "continuous", "lambda", "sigma_x", "sigma_c", "kernel_x", "kernel_c",
        "estimator", "scale_by_dim", "hsic_per_group", "sigma_cat", "sigma_cont", "lambda_cat",
        "lambda_cont", "resume",
    ])]
    pub config_file: Option<PathBuf>,
    /// Run folder [default: runs/<model>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the run in this folder (its config.json; --epochs and --max-iters may extend it).
    #[arg(long, conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// No progress line or epoch summaries.
    #[arg(long)]
    pub quiet: bool,
}

/// Paths are stored absolute in `config.json`, so `--resume` works from any directory.
pub fn absolute(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

fn parse_model(name: &str) -> Result<ModelKind, String> {
    name.parse()
}

fn kernel(arg: KernelArg, sigma: f64) -> Kernel {
    match arg {
        KernelArg::Gaussian => Kernel::gaussian(sigma),
        KernelArg::Median => Kernel::GaussianMedian,
        KernelArg::Linear => Kernel::Linear,
    }
}

impl TrainArgs {
    /// The run configuration these flags describe.
    pub fn config(&self) -> TrainConfig {
        let estimator = self.estimator.estimator();
        let term = |codes, lambda, sigma_c| {
            HsicTerm::new().with_codes(codes).with_lambda(lambda).with_hsic(
                HsicConfig::new()
                    .with_kernel_x(kernel(self.kernel_x, self.sigma_x))
                    .with_kernel_y(kernel(self.kernel_c, sigma_c))
                    .with_estimator(estimator.clone())
                    .with_scale_by_dim(self.scale_by_dim),
            )
        };
        let hsic_terms = if self.hsic_per_group {
            vec![
                term(CodeGroup::Categorical, self.lambda_cat.unwrap_or(self.lambda), self.sigma_cat.unwrap_or(self.sigma_c)),
                term(CodeGroup::Continuous, self.lambda_cont.unwrap_or(self.lambda), self.sigma_cont.unwrap_or(self.sigma_c)),
            ]
        } else {
            vec![term(CodeGroup::All, self.lambda, self.sigma_c)]
        };
        TrainConfig::new()
            .with_model(self.model)
            .with_dataset(match self.dataset.strip_prefix("folder:") {
                Some(root) => format!("folder:{}", absolute(Path::new(root))),
                None => self.dataset.clone(),
            })
            .with_data_dir(self.data_dir.as_deref().map(absolute))
            .with_image_size(self.image_size)
            .with_rgb(self.rgb)
            .with_device(self.device.clone())
            .with_latent(
                LatentConfig::new()
                    .with_noise(self.noise)
                    .with_categorical(self.categorical.clone())
                    .with_continuous(self.continuous),
            )
            .with_batch_size(self.batch_size)
            .with_epochs(self.epochs.unwrap_or(100))
            .with_max_iters(self.max_iters)
            .with_lr_d(self.lr_d)
            .with_lr_g(self.lr_g)
            .with_hsic_terms(hsic_terms)
            .with_seed(self.seed.unwrap_or(0))
    }

    /// The configuration of a new run: `--config FILE` with the flags that may change it, or
    /// the flags alone.
    pub fn new_run_config(&self) -> Result<TrainConfig, TrainError> {
        let Some(file) = &self.config_file else { return Ok(self.config()) };
        let mut config = TrainConfig::load(file).map_err(|e| TrainError::run(file, format!("not a training config: {e}")))?;
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(epochs) = self.epochs {
            config.epochs = epochs;
        }
        if self.max_iters.is_some() {
            config.max_iters = self.max_iters;
        }
        if let Some(dir) = &self.data_dir {
            config.data_dir = Some(absolute(dir));
        }
        Ok(config)
    }

    /// Trains (or resumes), with Ctrl-C checkpointing and stopping. A new run goes to `--out`,
    /// else to `default_out(its config)`.
    pub fn execute(&self, default_out: impl FnOnce(&TrainConfig) -> PathBuf) -> Result<RunSummary, TrainError> {
        let stop = run::stop_on_ctrl_c()?;
        match &self.resume {
            Some(dir) => run::resume(dir, self.epochs, self.max_iters, &stop, !self.quiet),
            None => {
                let config = self.new_run_config()?;
                let out = self.out.clone().unwrap_or_else(|| default_out(&config));
                run::start(config, &out, &stop, !self.quiet)
            }
        }
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
