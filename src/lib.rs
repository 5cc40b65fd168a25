//! The `hsic-infogan` program (HSIC-InfoGAN, InfoGAN and GAN on Burn) as a library, for the
//! binary, the `mnist_hsic` example, the integration tests and the benches: the command line
//! ([`Cli`]); the train command's flags and report ([`TrainArgs`], [`report`]) for the example;
//! the sweep and the tuning procedure ([`sweep`], [`tune`]), which the tests call directly; and
//! the workspace's crates the benches use; the binaries' [`allocator`]. The rest is the
//! program's own.

pub mod allocator;
mod cli;
mod interrupt;
mod npy;
mod progress;
pub mod sweep;
pub mod tune;

pub use cli::{Cli, TrainArgs, report};
pub use hsic_infogan_data as data;
pub use hsic_infogan_device as device;
pub use hsic_infogan_models as models;
pub use hsic_infogan_train as train;

/// The Rust example of docs/hsic-in-your-model.md runs as a doctest, as it did in the README.
#[cfg(doctest)]
#[doc = include_str!("../docs/hsic-in-your-model.md")]
pub struct HsicInYourModelDoc;
