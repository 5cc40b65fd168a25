#![doc = include_str!("../README.md")]

pub use hsic;
pub use hsic_infogan_device as device;
pub use hsic_infogan_data as data;
