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
