//! D with InfoGAN's optional Q head, whichever [`Networks`] it is built from.

use burn::prelude::*;
use burn::store::{ModuleRecord, RecordError};

use crate::{Networks, Rng, dsprites, infogan};

#[derive(Config, Debug)]
pub struct DiscriminatorConfig {
    /// Input image shape `[channels, height, width]` (see [`Networks::check_image`]).
    pub image: [usize; 3],
    /// Width of the Q head's output (InfoGAN: one-hot size + continuous codes); `None` for no Q head.
    pub q_outputs: Option<usize>,
    #[config(default = "Networks::InfoGan")]
    pub networks: Networks,
}

/// The discriminator: one variant per [`Networks`].
// One network per run: the variants' sizes differing costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Discriminator {
    InfoGan(infogan::Discriminator),
    Dsprites(dsprites::Discriminator),
}

/// D's outputs for one batch.
pub struct DOutput {
    /// Real/fake logits `[B]` (positive = real).
    pub logits: Tensor<1>,
    /// Q head output `[B, q_outputs]` when the network has one.
    pub q: Option<Tensor<2>>,
    /// The shared trunk's features `[B, F]` (InfoGAN's 1024 after FC-BN-lReLU, the dSprites
    /// networks' 128), from which the logit and Q are read: a learnt representation of the images.
    pub features: Tensor<2>,
}

impl DiscriminatorConfig {
    /// The weights of D's first dense layer, a lower bound on its parameters: what a reader of
    /// a saved D checks the file's size against before [`init`](Self::init) allocates them
    /// (saturating: the sizes may come from a corrupted file).
    pub fn dense_weights(&self) -> u128 {
        match self.networks {
            Networks::InfoGan => infogan::Discriminator::dense_weights(self.image),
            Networks::Dsprites => dsprites::Discriminator::dense_weights(self.image),
        }
    }

    /// Draws the initial weights from `rng`. Panics on an unsupported image shape; check it
    /// first with [`Networks::check_image`].
    pub fn init(&self, rng: &mut Rng, device: &Device) -> Discriminator {
        self.networks.check_image(self.image).unwrap_or_else(|e| panic!("{e}"));
        match self.networks {
            Networks::InfoGan => {
                Discriminator::InfoGan(infogan::Discriminator::init(self.image, self.q_outputs, rng, device))
            }
            Networks::Dsprites => {
                Discriminator::Dsprites(dsprites::Discriminator::init(self.image, self.q_outputs, rng, device))
            }
        }
    }
}

impl Discriminator {
    /// Images `[B, C, H, W]` in [0, 1] -> logits and, with a Q head, Q's output.
    pub fn forward(&self, images: Tensor<4>) -> DOutput {
        match self {
            Self::InfoGan(d) => d.forward(images),
            Self::Dsprites(d) => d.forward(images),
        }
    }

    /// The parameters, named by the layers alone (see [`Generator::layers_record`](crate::Generator::layers_record)).
    pub fn layers_record(self) -> ModuleRecord {
        match self {
            Self::InfoGan(d) => d.into_record(),
            Self::Dsprites(d) => d.into_record(),
        }
    }

    /// Loads a [`layers_record`](Self::layers_record) into this discriminator's networks.
    pub fn load_layers(self, record: ModuleRecord) -> Result<Self, RecordError> {
        match self {
            Self::InfoGan(d) => d.try_load_record(record).map(Self::InfoGan),
            Self::Dsprites(d) => d.try_load_record(record).map(Self::Dsprites),
        }
    }
}
