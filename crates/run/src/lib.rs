//! A run is a folder: `config.json` (the [`TrainConfig`], read here in today's form and in
//! older ones), `metrics.csv` ([`metrics`]), `checkpoint/` ([`checkpoint`]), the figures
//! (drawn by the `hsic-infogan-figures` crate), `eval.json` and `encoder.json` (written by the
//! `hsic-infogan-eval` crate) and, if it keeps them, the snapshots of its last epochs
//! (`epochs/epoch-N/`, each read like a run), and TensorBoard's event files (`tb/`, [`tensorboard`]). This crate owns that layout and writes its files
//! whole or not at all ([`files`]): every crate that writes or reads a run names its files
//! through here, and a sweep's folder of runs too ([`sweep`]). Training into one is the `hsic-infogan-train` crate's.

pub mod checkpoint;
mod config;
mod dataset_defaults;
mod error;
pub mod files;
mod legacy;
pub mod metrics;
pub mod sweep;
pub mod tensorboard;

pub use config::{
    CodeGroup, DEFAULT_CHECKPOINT_MINUTES, DEFAULT_INFO_CONTINUOUS_WEIGHT, DEFAULT_LAMBDA, DEFAULT_SIGMA_C,
    DEFAULT_SIGMA_X, HsicInput, HsicTerm, LambdaSchedule, MAX_IMAGE_SIZE, ModelKind, Orthogonality, Regularizer,
    TrainConfig, default_hsic, default_hsic_terms, default_lambda_schedule,
};
pub use dataset_defaults::DatasetDefaults;
pub use error::RunError;

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::*;
use hsic_infogan_models::{Discriminator, DiscriminatorConfig, Generator, GeneratorConfig, Rng};

use checkpoint::TrainState;

pub fn config_path(run: &Path) -> PathBuf {
    run.join("config.json")
}

pub fn metrics_path(run: &Path) -> PathBuf {
    run.join("metrics.csv")
}

/// `traverse_cK.png`: the traversal of continuous code K = `code + 1`.
pub fn traversal_path(run: &Path, code: usize) -> PathBuf {
    run.join(format!("traverse_c{}.png", code + 1))
}

/// `tb/`: the run's TensorBoard event files (`tensorboard --logdir` on the run, or on a folder of runs).
pub fn tensorboard_path(run: &Path) -> PathBuf {
    run.join("tb")
}

/// `samples.png`: a grid of samples from the prior.
pub fn samples_path(run: &Path) -> PathBuf {
    run.join("samples.png")
}

/// `losses.png`: the loss curves of `metrics.csv`.
pub fn losses_path(run: &Path) -> PathBuf {
    run.join("losses.png")
}

/// `figures/`: each epoch's copy of every figure (`epoch_NNN_NAME.png`) and their animations.
pub fn figure_history_path(run: &Path) -> PathBuf {
    run.join("figures")
}

/// `eval.json`: the run's scores.
pub fn eval_report_path(run: &Path) -> PathBuf {
    run.join("eval.json")
}

/// `encoder.json`: the post-hoc encoder's recipe and accuracy, kept so a rescoring reuses it.
pub fn encoder_path(run: &Path) -> PathBuf {
    run.join("encoder.json")
}

/// Whether `dir` already holds a run (a config or a checkpoint).
pub fn exists(dir: &Path) -> bool {
    config_path(dir).exists() || checkpoint::path(dir).exists()
}

/// Writes the run's `config.json` (atomically).
pub fn save_config(config: &TrainConfig, run: &Path) -> Result<(), RunError> {
    files::save_config(config, &config_path(run))
}

/// Reads a run's `config.json` (also one written before [`crate::Regularizer`] existed).
pub fn load_config(run: &Path) -> Result<TrainConfig, RunError> {
    let path = config_path(run);
    if !path.is_file() {
        return Err(RunError::run(run, "not a run folder: it has no config.json"));
    }
    TrainConfig::read(&path)
}

/// `run/epochs/epoch-N`: the snapshot of the end of epoch `epoch` ([`TrainConfig::keep_epochs`]).
pub fn epoch_snapshot_path(run: &Path, epoch: usize) -> PathBuf {
    run.join("epochs").join(format!("epoch-{epoch}"))
}

/// Snapshots the run (trained with `config`) as its checkpoint stands at the end of epoch
/// `epoch`: a folder that reads like a run (config, metrics so far, networks and state; no Adam
/// states, so it cannot be resumed), written under a temporary name and renamed into place.
pub fn save_epoch_snapshot(run: &Path, config: &TrainConfig, epoch: usize) -> Result<PathBuf, RunError> {
    let to = epoch_snapshot_path(run, epoch);
    let tmp = to.with_extension("tmp");
    for dir in [&tmp, &to] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(RunError::io(dir))?;
        }
    }
    let networks = checkpoint::path(&tmp);
    std::fs::create_dir_all(&networks).map_err(RunError::io(&networks))?;
    save_config(config, &tmp)?;
    let metrics = metrics_path(run);
    std::fs::copy(&metrics, metrics_path(&tmp)).map_err(RunError::io(&metrics))?;
    checkpoint::copy_networks(&checkpoint::find(run)?, &networks)?;
    std::fs::rename(&tmp, &to).map_err(RunError::io(&to))?;
    Ok(to)
}

/// The run's epoch snapshots as `(epoch, folder)`, in epoch order (none if it kept none).
pub fn epoch_snapshots(run: &Path) -> Result<Vec<(usize, PathBuf)>, RunError> {
    let dir = run.join("epochs");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut snapshots = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(RunError::io(&dir))? {
        let path = entry.map_err(RunError::io(&dir))?.path();
        let epoch = path.file_name().and_then(|n| n.to_str()?.strip_prefix("epoch-")?.parse().ok());
        if let Some(epoch) = epoch.filter(|_| path.is_dir()) {
            snapshots.push((epoch, path));
        }
    }
    snapshots.sort();
    Ok(snapshots)
}

/// A run's trained generator, in eval mode, with what it was trained with.
pub struct TrainedGenerator {
    pub config: TrainConfig,
    /// Where the run stood at its checkpoint.
    pub state: TrainState,
    pub generator: Generator,
    /// The device it was loaded on (without autodiff).
    pub device: Device,
}

/// The generator of `run`'s checkpoint on `device` (flex, wgpu, ...) or the run's own device.
pub fn load_generator(run: &Path, device: Option<&str>) -> Result<TrainedGenerator, RunError> {
    let config = load_config(run)?;
    let dir = checkpoint::find(run)?;
    let state = checkpoint::load_state(&dir)?;
    config.latent.check().map_err(|e| RunError::run(config_path(run), e))?;
    config.networks().check_image(state.image).map_err(|e| RunError::run(config_path(run), e))?;
    let shape = GeneratorConfig::new(config.latent.input_size(), state.image).with_networks(config.networks());
    checkpoint::check_generator_size(&dir, &shape)?;
    let device = match device {
        Some(choice) => hsic_infogan_device::open(choice)?,
        None => config.device.open()?,
    }
    .inner();
    let generator = checkpoint::load_generator(&dir, shape.init(&mut Rng::new(0), &device))?.valid();
    Ok(TrainedGenerator { config, state, generator, device })
}

/// InfoGAN's Q network from `run`'s checkpoint (D's trunk with the Q head, in eval mode) on the
/// device `trained` was loaded on; `None` for the models without one.
pub fn load_q(run: &Path, trained: &TrainedGenerator) -> Result<Option<Discriminator>, RunError> {
    let Some(outputs) = trained.config.q_outputs() else {
        return Ok(None);
    };
    let dir = checkpoint::find(run)?;
    let shape = DiscriminatorConfig::new(trained.state.image)
        .with_q_outputs(Some(outputs))
        .with_networks(trained.config.networks());
    checkpoint::check_discriminator_size(&dir, &shape)?;
    Ok(Some(checkpoint::load_discriminator(&dir, shape.init(&mut Rng::new(0), &trained.device))?.valid()))
}

/// Trainable parameters of a run's networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkSizes {
    pub generator: usize,
    /// D without InfoGAN's Q head.
    pub discriminator: usize,
    /// InfoGAN's Q head (FC 128-BN-lReLU, FC codes); 0 for the models without one.
    pub q_head: usize,
}

/// The sizes of the networks `config` builds for images of shape `image`, counted on freshly
/// initialised copies (parameters that take a gradient: not batch norm's running statistics,
/// which Burn's `num_params` includes).
pub fn network_sizes(config: &TrainConfig, image: [usize; 3]) -> Result<NetworkSizes, RunError> {
    // A run's config.json may be damaged: its latent is built below.
    config.latent.check()?;
    let device = hsic_infogan_device::open(hsic_infogan_device::default_backend())?;
    let d = |q_outputs| {
        let shape = DiscriminatorConfig::new(image).with_q_outputs(q_outputs).with_networks(config.networks());
        trainable(&shape.init(&mut Rng::new(0), &device))
    };
    let discriminator = d(None);
    Ok(NetworkSizes {
        generator: trainable(
            &GeneratorConfig::new(config.latent.input_size(), image)
                .with_networks(config.networks())
                .init(&mut Rng::new(0), &device),
        ),
        discriminator,
        q_head: config.q_outputs().map_or(0, |outputs| d(Some(outputs)) - discriminator),
    })
}

/// The number of values in a module's tensors that require a gradient (on an autodiff device).
fn trainable<M: Module>(module: &M) -> usize {
    struct Count(usize);
    impl burn::module::ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            let value = param.val();
            if value.is_require_grad() {
                self.0 += value.shape().num_elements();
            }
        }
    }
    let mut count = Count(0);
    module.visit(&mut count);
    count.0
}

/// The median seconds per training step in a run's `metrics.csv` (steps only, over every
/// session of the run; steps that shared the machine with other work count as they ran).
pub fn median_step_seconds(run: &Path) -> Result<Option<f64>, RunError> {
    let mut seconds: Vec<f64> = metrics::read(&metrics_path(run))?.iter().map(|row| row.seconds).collect();
    if seconds.is_empty() {
        return Ok(None);
    }
    seconds.sort_by(f64::total_cmp);
    let mid = seconds.len() / 2;
    Ok(Some(if seconds.len() % 2 == 1 { seconds[mid] } else { (seconds[mid - 1] + seconds[mid]) / 2.0 }))
}
