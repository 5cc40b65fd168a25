//! Evaluation of a trained generator: the MNIST classifier, the code-to-class matching, FID,
//! image factors (slant, thickness) and the report `hsic-infogan eval` writes.

pub mod classifier;
pub mod factors;
pub mod fid;
pub mod hungarian;
pub mod report;
pub mod stats;

pub use report::{EvalOptions, EvalReport, evaluate};
