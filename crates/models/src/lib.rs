//! The GAN's networks as Burn modules, sized by the image they generate: InfoGAN's MNIST ones
//! (Chen et al. 2016, appendix C.1) and InfoGAN-CR's dSprites ones (Lin et al. 2020), chosen by
//! [`Networks`]; and the latent-code layout `[z | one-hot categorical codes | continuous codes]`.
//!
//! Every layer is initialised as DCGAN/InfoGAN do: weights N(0, 0.02), biases 0, batch-norm
//! gamma N(1, 0.02) and beta 0. Layers followed by batch norm carry no bias (BN's beta replaces it).
//!
//! The layers run through [`hsic_infogan_flex_ops`]: on flex, passes of their own (the same
//! functions to float rounding, in less time); elsewhere Burn's.

mod discriminator;
mod dsprites;
mod error;
mod generator;
mod info;
mod infogan;
mod init;
mod latent;
mod networks;
mod rng;

pub use discriminator::{DOutput, Discriminator, DiscriminatorConfig};
pub use error::LayoutError;
pub use generator::{Generator, GeneratorConfig};
pub use info::info_loss;
pub use latent::{Latent, LatentConfig, MAX_INPUT_SIZE, traversal};
pub use networks::Networks;
pub use rng::{Rng, stream};

/// Whether InfoGAN's networks take images of shape `[channels, height, width]` (the weakest
/// requirement: every [`Networks`] needs at least this).
pub fn check_image_dims(dims: [usize; 3]) -> Result<(), LayoutError> {
    Networks::InfoGan.check_image(dims)
}
