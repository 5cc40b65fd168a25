//! Training GAN, InfoGAN and HSIC-InfoGAN with one loop ([`Trainer`]); a run is a folder
//! ([`run`]) with `config.json`, `metrics.csv`, a checkpoint and the figures.

pub mod args;
pub mod checkpoint;
pub mod eval;
mod config;
mod data;
mod error;
pub mod figures;
pub mod files;
pub mod losses;
pub mod metrics;
pub mod npy;
mod progress;
pub mod run;
pub mod sweep;
mod trainer;
pub mod tune;

pub use config::{CodeGroup, HsicTerm, ModelKind, TrainConfig, default_hsic};
pub use data::TrainingData;
pub use error::TrainError;
pub use trainer::{GradientNorms, ProbeBatch, RunSummary, Trainer, gradient_norm, open_device, write_generator_figures};
