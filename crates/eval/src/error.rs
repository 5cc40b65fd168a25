//! The one error type of evaluation.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The system lacks something evaluation needs; the message says what.
    #[error("{0}")]
    Config(String),
    /// Fewer samples than [`MIN_SAMPLES`](crate::report::MIN_SAMPLES) were asked for.
    #[error("evaluation needs at least {min} samples, got {0}", min = crate::report::MIN_SAMPLES)]
    TooFewSamples(usize),
    /// Reading the run folder, or writing a file, failed.
    #[error(transparent)]
    Run(#[from] hsic_infogan_run::RunError),
    #[error(transparent)]
    Data(#[from] hsic_infogan_data::DataError),
    /// The run was trained on images the MNIST classifier cannot read.
    #[error("{}: eval's classifier reads MNIST digits; this run was trained on `{dataset}`", run.display())]
    NotMnist { run: PathBuf, dataset: String },
    /// No classifier is cached in this folder (`hsic-infogan classifier train` makes one).
    #[error("{}: no trained MNIST classifier here", .0.display())]
    NoClassifier(PathBuf),
    /// The run has no `eval.json` yet.
    #[error("{}: no eval.json", .0.display())]
    NotEvaluated(PathBuf),
    /// A disentanglement metric could not be computed.
    #[error("disentanglement metric: {0}")]
    Metric(#[from] crate::disentanglement::MetricError),
    /// The generator's samples gave NaN or infinite features.
    #[error("{0}")]
    NonFinite(String),
}
