//! Evaluation of a trained generator, read from its run folder (never through the trainer):
//! the MNIST classifier, the code-to-class matching, FID, image factors (slant, thickness) and
//! the report (`eval.json`).

pub mod classifier;
mod error;
pub mod factors;
pub mod fid;
pub mod hungarian;
pub mod report;
pub mod stats;

pub use error::EvalError;
pub use report::{EvalOptions, EvalReport, evaluate};
