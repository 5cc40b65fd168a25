//! The one error type of the disentanglement metrics.

use std::fmt;

/// Why a metric could not be computed. No metric panics on degenerate input; it returns one of these.
#[derive(Debug)]
pub enum MetricError {
    /// The inputs disagree in shape; the message says where.
    Shape(String),
    /// A factor value at or beyond its factor's size.
    FactorOutOfRange { point: usize, factor: usize, value: usize, size: usize },
    /// A code is NaN or infinite.
    NonFinite { point: usize, code: usize },
    /// The metric needs at least `needed` of `what` and got `got`.
    TooFew { what: &'static str, needed: usize, got: usize },
    /// The ground truth's representation failed.
    Represent(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape(message) => write!(f, "{message}"),
            Self::FactorOutOfRange { point, factor, value, size } => {
                write!(f, "point {point}: factor {factor} has value {value}, but its size is {size}")
            }
            Self::NonFinite { point, code } => write!(f, "point {point}: code {code} is not finite"),
            Self::TooFew { what, needed, got } => write!(f, "needs at least {needed} {what}, got {got}"),
            Self::Represent(error) => write!(f, "representing the factors failed: {error}"),
        }
    }
}

impl std::error::Error for MetricError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Represent(error) => Some(error.as_ref()),
            _ => None,
        }
    }
}
