//! Training GAN, InfoGAN and HSIC-InfoGAN with one loop ([`Trainer`]), as a library: the
//! config ([`TrainConfig`], the model one [`Regularizer`] value), the losses, the run folder
//! ([`run`]: `config.json`, `metrics.csv`, the checkpoint) and the figures. It parses no flags
//! and prints nothing: a program follows a session through an [`Observer`] and stops it with a
//! flag.
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

mod config;
mod data;
mod error;
pub mod export;
pub mod figures;
pub mod files;
mod legacy;
pub mod losses;
pub mod observer;
pub mod run;
pub mod session;
mod trainer;

pub use config::{
    CodeGroup, DEFAULT_CHECKPOINT_MINUTES, DEFAULT_INFO_CONTINUOUS_WEIGHT, DEFAULT_LAMBDA, DEFAULT_SIGMA_C,
    DEFAULT_SIGMA_X, HsicInput, HsicTerm, LambdaSchedule, ModelKind, Regularizer, TrainConfig, default_hsic,
    default_hsic_terms, default_lambda_schedule,
};
pub use data::TrainingData;
pub use error::TrainError;
/// Adam with one pass per parameter on flex (bit for bit Burn's), which the trainer steps with.
pub use hsic_infogan_flex_ops::adam;
/// The networks and latent codes, so a user of this library needs no other dependency.
pub use hsic_infogan_models as models;
pub use observer::{EpochSummary, Observer, Plan};
pub use trainer::{GradientNorms, ProbeBatch, RunSummary, Trainer, gradient_norm, mean_gradient_norm};
