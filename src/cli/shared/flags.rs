//! The flag groups several commands take, each defined once.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use hsic::Estimator;
use hsic_infogan_device::DeviceChoice;
use hsic_infogan_eval::encoder::EncoderConfig;

/// `--device` where a command opens a fresh device.
#[derive(Debug, Clone, Args)]
pub struct DeviceArg {
    /// Backend: flex, ndarray, wgpu[:N] or cuda[:N] (what this build compiled; the default is
    /// the first compiled in of flex, cuda, wgpu, ndarray).
    #[arg(long, default_value = hsic_infogan_device::default_backend())]
    pub device: DeviceChoice,
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

/// Paths are stored absolute in `config.json`, so `--resume` works from any directory.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `--encoder-steps`, `--encoder-seed` and `--no-encoder`: the post-hoc encoder scored on the real
/// test digits.
#[derive(Debug, Clone, Args)]
pub struct EncoderArg {
    /// Steps of the post-hoc encoder that reads the codes from real test digits (batches of 128
    /// generated images; cached per checkpoint) [default: the data set's recipe: 400 on MNIST,
    /// under a minute on 2 cores; 1,000 on dSprites]
    #[arg(long)]
    pub encoder_steps: Option<usize>,
    /// Seed of the encoder's initial weights and of the latents it trains on (another seed
    /// measures the encoder's own spread; each seed is cached apart)
    #[arg(long, default_value_t = EncoderConfig::new().seed)]
    pub encoder_seed: u64,
    /// Skip the post-hoc encoder (InfoGAN's own Q is still scored on the real digits).
    #[arg(long)]
    pub no_encoder: bool,
}

impl EncoderArg {
    /// The data set's `recipe` with these flags' steps and seed, or `None` with `--no-encoder`.
    pub fn recipe(&self, recipe: EncoderConfig) -> Option<EncoderConfig> {
        (!self.no_encoder).then(|| {
            let recipe = recipe.with_seed(self.encoder_seed);
            match self.encoder_steps {
                Some(steps) => recipe.with_steps(steps),
                None => recipe,
            }
        })
    }
}

/// `--estimator`.
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
