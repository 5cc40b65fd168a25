//! Training GAN, InfoGAN and HSIC-InfoGAN, as a library: the networks, optimisers and one
//! [`Trainer::step`]; the loop around it ([`fit`]) with its policies as parts (when to
//! checkpoint and which epochs to keep: [`checkpointing`]); the config ([`TrainConfig`], the
//! model one [`Regularizer`] value), the losses, and the run folder ([`run`]: `config.json`,
//! `metrics.csv`, the checkpoint; the `hsic-infogan-run` crate's). It parses no flags, prints nothing and draws nothing: a
//! program follows a session through an [`Observer`] (a progress line; the figures, from the
//! `hsic-infogan-figures` crate) and stops it with a flag.
//!
//! ```no_run
//! use std::path::Path;
//! use std::sync::atomic::AtomicBool;
//! use hsic_infogan_train::{ModelKind, TrainConfig, session};
//!
//! # fn main() -> Result<(), hsic_infogan_train::TrainError> {
//! let config = TrainConfig::new().with_regularizer(ModelKind::Hsic.regularizer()).with_epochs(3);
//! let summary = session::start(config, Path::new("runs/hsic"), &AtomicBool::new(false), &mut ())?;
//! assert_eq!(summary.iterations, 3 * 600);
//! # Ok(())
//! # }
//! ```

pub mod checkpointing;
mod data;
mod error;
pub mod export;
mod fit;
pub mod losses;
pub mod observer;
pub mod session;
pub mod tensorboard;
mod trainer;

pub use data::TrainingData;
pub use error::TrainError;
pub use fit::{RunSummary, fit};
/// Adam with one pass per parameter on flex (bit for bit Burn's), which the trainer steps with.
pub use hsic_infogan_flex_ops::adam;
/// The networks and latent codes, so a user of this library needs no other dependency.
pub use hsic_infogan_models as models;
/// The run folder: config, metrics, checkpoint, file names.
pub use hsic_infogan_run as run;
pub use hsic_infogan_run::files;
pub use hsic_infogan_run::{
    CodeGroup, DEFAULT_CHECKPOINT_MINUTES, DEFAULT_INFO_CONTINUOUS_WEIGHT, DEFAULT_LAMBDA, DEFAULT_SIGMA_C,
    DEFAULT_SIGMA_X, DatasetDefaults, HsicInput, HsicTerm, LambdaSchedule, ModelKind, Orthogonality, Regularizer,
    TrainConfig, default_hsic, default_hsic_terms, default_lambda_schedule,
};
pub use observer::{EpochSummary, Observer, Plan, Save, Saved};
pub use trainer::{GradientNorms, ProbeBatch, Trainer, gradient_norm, mean_gradient_norm};
