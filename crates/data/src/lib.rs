//! Datasets for HSIC-InfoGAN, as Burn [`Dataset`](burn::data::dataset::Dataset)s of
//! [`ImageItem`]s that [`ImageBatcher`] stacks into `[B, C, H, W]` tensors in [0, 1]:
//!
//! - MNIST and Fashion-MNIST from IDX files, raw or gzipped, found on disk or downloaded and
//!   checked against SHA-256 ([`mnist`], [`idx`], [`download`]);
//! - procedural dSprites shapes with known generative factors ([`shapes`]);
//! - folders of PNG and JPEG images ([`folder`]).
//!
//! ```no_run
//! use burn::data::dataloader::DataLoaderBuilder;
//! use burn::prelude::*;
//! use hsic_infogan_data::mnist::{self, MnistKind, Split};
//! use hsic_infogan_data::ImageBatcher;
//!
//! # fn main() -> Result<(), hsic_infogan_data::DataError> {
//! let train = mnist::find(MnistKind::Mnist, None)?.load(Split::Train)?;
//! let loader = DataLoaderBuilder::new(ImageBatcher)
//!     .batch_size(100)
//!     .shuffle(42)
//!     .num_workers(2)
//!     .set_device(Device::default())
//!     .build(train);
//! for batch in loader.iter() {
//!     let batch = batch.expect("in-memory items");
//!     assert_eq!(batch.images.dims()[1..], [1, 28, 28]);
//! }
//! # Ok(())
//! # }
//! ```

mod batch;
pub mod download;
mod error;
pub mod folder;
pub mod idx;
mod images;
pub mod mnist;
pub mod shapes;
mod spec;

pub use batch::{ImageBatch, ImageBatcher, unit_tensor};
pub use error::DataError;
pub use images::{ImageItem, ImageSet};
pub use spec::DatasetSpec;

/// `$XDG_CACHE_HOME/hsic-infogan` (usually `~/.cache/hsic-infogan`): the project's cache, where
/// downloaded data sets and the evaluation's classifier are kept; `None` on a system without a
/// user cache directory.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    dirs::cache_dir().map(|dir| dir.join("hsic-infogan"))
}
