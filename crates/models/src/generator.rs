//! G, whichever [`Networks`] it is built from: `[z | c]` -> images in (0, 1).

use burn::prelude::*;
use burn::store::{ModuleRecord, RecordError};

use crate::{Latent, LatentConfig, Networks, Rng, dsprites, infogan};

#[derive(Config, Debug)]
pub struct GeneratorConfig {
    /// Width of the latent input (see [`LatentConfig::input_size`](crate::LatentConfig::input_size)).
    pub latent_size: usize,
    /// Output image shape `[channels, height, width]` (see [`Networks::check_image`]).
    pub image: [usize; 3],
    #[config(default = "Networks::InfoGan")]
    pub networks: Networks,
}

/// The generator: one variant per [`Networks`].
// One network per run: the variants' sizes differing costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Generator {
    InfoGan(infogan::Generator),
    Dsprites(dsprites::Generator),
}

impl GeneratorConfig {
    /// The weights of G's dense layers, a lower bound on its parameters: what a reader of a
    /// saved G checks the file's size against before [`init`](Self::init) allocates them
    /// (saturating: the sizes may come from a corrupted file).
    pub fn dense_weights(&self) -> u128 {
        match self.networks {
            Networks::InfoGan => infogan::Generator::dense_weights(self.latent_size, self.image),
            Networks::Dsprites => dsprites::Generator::dense_weights(self.latent_size, self.image),
        }
    }

    /// Draws the initial weights from `rng`. Panics on an unsupported image shape; check it
    /// first with [`Networks::check_image`].
    pub fn init(&self, rng: &mut Rng, device: &Device) -> Generator {
        self.networks.check_image(self.image).unwrap_or_else(|e| panic!("{e}"));
        match self.networks {
            Networks::InfoGan => {
                Generator::InfoGan(infogan::Generator::init(self.latent_size, self.image, rng, device))
            }
            Networks::Dsprites => {
                Generator::Dsprites(dsprites::Generator::init(self.latent_size, self.image, rng, device))
            }
        }
    }
}

impl Generator {
    /// `[B, latent_size]` -> images `[B, C, H, W]` in (0, 1).
    pub fn forward(&self, latent: Tensor<2>) -> Tensor<4> {
        match self {
            Self::InfoGan(g) => g.forward(latent),
            Self::Dsprites(g) => g.forward(latent),
        }
    }

    /// The parameters, named by the layers alone (`fc1.weight`, not the variant's
    /// `InfoGan.fc1.weight`): the names checkpoints written before there was a choice of
    /// networks hold, and which [`load_layers`](Self::load_layers) reads.
    pub fn layers_record(self) -> ModuleRecord {
        match self {
            Self::InfoGan(g) => g.into_record(),
            Self::Dsprites(g) => g.into_record(),
        }
    }

    /// Loads a [`layers_record`](Self::layers_record) into this generator's networks.
    pub fn load_layers(self, record: ModuleRecord) -> Result<Self, RecordError> {
        match self {
            Self::InfoGan(g) => g.try_load_record(record).map(Self::InfoGan),
            Self::Dsprites(g) => g.try_load_record(record).map(Self::Dsprites),
        }
    }

    /// `n` latents drawn from the prior with `rng` and the images they generate, `chunk` at a
    /// time (the last chunk holds the rest), for sample sets too large for one forward pass.
    pub fn sample_chunks<'a>(
        &'a self,
        layout: &'a LatentConfig,
        n: usize,
        chunk: usize,
        rng: &'a mut Rng,
        device: &'a Device,
    ) -> impl Iterator<Item = (Latent, Tensor<4>)> + 'a {
        assert!(chunk > 0, "chunks of at least one sample");
        let mut done = 0;
        std::iter::from_fn(move || {
            (done < n).then(|| {
                let latent = layout.sample(chunk.min(n - done), rng);
                done += latent.batch;
                let images = self.forward(latent.input(device));
                (latent, images)
            })
        })
    }
}
