use core::fmt;

/// A bad argument to an HSIC computation, naming the argument and its value.
#[derive(Debug, Clone, PartialEq)]
pub enum HsicError {
    /// The two inputs do not hold the same number of samples (dim 0).
    BatchMismatch { x: usize, y: usize },
    /// Fewer samples than the estimator is defined for.
    TooFewSamples { estimator: &'static str, m: usize, min: usize },
    /// A Gaussian kernel width that is not a finite positive number.
    InvalidSigma { argument: &'static str, value: f64 },
    /// A Gram matrix that is not square, or two Gram matrices of different sizes.
    GramShape { k: [usize; 2], l: [usize; 2] },
    /// Fewer samples than an independence test's p-value is defined for.
    TestTooSmall { null: &'static str, m: usize, min: usize },
    /// A permutation test asked for no permutations.
    NoPermutations,
    /// Random-feature HSIC asked for no features.
    NoFeatures,
    /// A product kernel whose split leaves no column on one side of the samples.
    ProductSplit { argument: &'static str, split: usize, width: usize },
    /// A kernel that this computation does not support.
    UnsupportedKernel { argument: &'static str, what: &'static str },
    /// Samples of another width than the random features were drawn for.
    SampleWidth { input: &'static str, expected: usize, got: usize },
}

impl fmt::Display for HsicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BatchMismatch { x, y } => {
                write!(f, "HSIC inputs must have the same batch size (dim 0): x has {x} samples, y has {y}")
            }
            Self::TooFewSamples { estimator, m, min } => {
                write!(f, "the {estimator} HSIC estimator needs a batch of at least {min} samples, got m = {m}")
            }
            Self::InvalidSigma { argument, value } => write!(f, "{argument} must be a finite number > 0, got {value}"),
            Self::GramShape { k, l } => {
                write!(f, "Gram matrices must be square and of the same size, got K {k:?} and L {l:?}")
            }
            Self::TestTooSmall { null, m, min } => {
                write!(f, "the HSIC independence test with {null} p-values needs at least {min} samples, got m = {m}")
            }
            Self::NoPermutations => write!(f, "a permutation test needs at least 1 permutation, got 0"),
            Self::NoFeatures => write!(f, "random-feature HSIC needs at least 1 feature, got 0"),
            Self::ProductSplit { argument, split, width } => write!(
                f,
                "{argument}: a product kernel split at column {split} needs samples wider than \
                 {split} (and split > 0), got {width} values per sample"
            ),
            Self::UnsupportedKernel { argument, what } => {
                write!(f, "{argument}: {what}")
            }
            Self::SampleWidth { input, expected, got } => write!(
                f,
                "{input}'s samples flatten to {got} values, but the random features were drawn \
                 for {expected}"
            ),
        }
    }
}

impl std::error::Error for HsicError {}
