#![doc = include_str!("../README.md")]

pub mod args;
pub mod cli;
pub mod interrupt;
pub mod npy;
pub mod progress;
pub mod sweep;
pub mod tune;

pub use hsic;
pub use hsic_infogan_data as data;
pub use hsic_infogan_device as device;
pub use hsic_infogan_eval as eval;
pub use hsic_infogan_models as models;
pub use hsic_infogan_train as train;

/// The Rust example of docs/hsic-in-your-model.md runs as a doctest, as it did in the README.
#[cfg(doctest)]
#[doc = include_str!("../docs/hsic-in-your-model.md")]
pub struct HsicInYourModelDoc;
