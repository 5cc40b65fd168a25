//! Which networks a run trains: InfoGAN's MNIST ones or InfoGAN-CR's dSprites ones.

use burn::prelude::*;

use crate::LayoutError;
use crate::dsprites;

/// The network pair (G and D with its Q head), by the paper that defines it.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Networks {
    /// InfoGAN's MNIST networks (Chen et al. 2016, appendix C.1): two (up-)convolutions, for
    /// images whose side is divisible by 4.
    InfoGan,
    /// InfoGAN-CR's dSprites networks (Lin et al. 2020): four (up-)convolutions with narrow
    /// layers, for images whose side is divisible by 16 (dSprites' 64 x 64).
    Dsprites,
}

impl Networks {
    /// The name `--networks` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::InfoGan => "infogan",
            Self::Dsprites => "dsprites",
        }
    }

    /// What an image's side must be divisible by: the networks halve it this often (as a power of 2).
    pub fn side_divisor(self) -> usize {
        match self {
            Self::InfoGan => 4,
            Self::Dsprites => dsprites::SCALE,
        }
    }

    /// Whether these networks take images of shape `[channels, height, width]`.
    pub fn check_image(self, dims: [usize; 3]) -> Result<(), LayoutError> {
        let [c, h, w] = dims;
        let divisor = self.side_divisor();
        if c == 0 || h < divisor || w < divisor || h % divisor != 0 || w % divisor != 0 {
            return Err(LayoutError::ImageShape { dims, networks: self.name(), divisor });
        }
        Ok(())
    }
}

impl std::str::FromStr for Networks {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "infogan" => Ok(Self::InfoGan),
            "dsprites" => Ok(Self::Dsprites),
            _ => Err(format!("unknown networks `{name}`: expected infogan or dsprites")),
        }
    }
}
