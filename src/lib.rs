#![doc = include_str!("../README.md")]

pub use hsic;
pub use hsic_infogan_device as device;
pub use hsic_infogan_data as data;
pub use hsic_infogan_models as models;
pub use hsic_infogan_train as train;
