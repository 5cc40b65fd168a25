//! Evaluation building blocks: the MNIST classifier and the code-to-class matching.

pub mod classifier;
pub mod hungarian;
