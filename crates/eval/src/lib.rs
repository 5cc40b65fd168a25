//! Evaluation of a trained generator, read from its run folder (never through the trainer):
//! the MNIST classifier, the code-to-class matching, FID, image factors (slant, thickness) and
//! the report (`eval.json`), and the post-hoc encoder scored on real test digits; for dSprites
//! runs, the disentanglement metrics against the known factors and FID on a factor classifier's
//! features ([`dsprites`]).

pub mod classifier;
pub mod disentanglement;
pub mod dsprites;
pub mod encoder;
mod error;
pub mod factor_classifier;
pub mod factors;
pub mod fid;
pub mod hungarian;
pub mod report;
pub mod scores;
pub mod stats;

pub use error::EvalError;
pub use report::{EvalOptions, EvalReport, Evaluator};
