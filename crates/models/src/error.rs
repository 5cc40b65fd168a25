//! What the networks and the latent layout cannot be built with.

/// An image shape or latent layout the networks refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The networks halve the image's side a fixed number of times.
    #[error(
        "image shape [channels={}, height={}, width={}] is not supported: the {networks} networks need at least \
         one channel and a height and width divisible by {divisor}",
        .dims[0], .dims[1], .dims[2]
    )]
    ImageShape { dims: [usize; 3], networks: &'static str, divisor: usize },
    #[error("the latent input is empty: set a noise size or at least one code")]
    EmptyLatent,
    /// Wider than [`MAX_INPUT_SIZE`](crate::MAX_INPUT_SIZE) (`width` saturates at `usize::MAX`).
    #[error(
        "the latent input is {width} wide (noise + categorical values + continuous codes), more than the {} \
         the generator takes",
        crate::MAX_INPUT_SIZE
    )]
    LatentTooLarge { width: usize },
    #[error("categorical code {code} has {values} values; a categorical code needs at least 2")]
    Categorical { code: usize, values: usize },
}
