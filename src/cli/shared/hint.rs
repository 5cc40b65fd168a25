//! The libraries' errors in the command line's terms: the libraries name no flags, so the flag an
//! error is about, or the command that mends it, is added here.

use std::error::Error;

use hsic_infogan_data::DataError;
use hsic_infogan_eval::EvalError;
use hsic_infogan_eval::report::MIN_SAMPLES;
use hsic_infogan_train::TrainError;

use crate::sweep::SweepError;

/// An error that may read better with a hint.
pub trait Hint {
    /// The error, with its hint where it has one.
    fn with_hint(self) -> Box<dyn Error>;
}

impl Hint for DataError {
    fn with_hint(self) -> Box<dyn Error> {
        match self {
            Self::NotFound { .. } => format!("{self}\nThe data directory is given with --data-dir FOLDER.").into(),
            other => other.into(),
        }
    }
}

impl Hint for TrainError {
    fn with_hint(self) -> Box<dyn Error> {
        match self {
            Self::Data(err) => err.with_hint(),
            other => other.into(),
        }
    }
}

impl Hint for EvalError {
    fn with_hint(self) -> Box<dyn Error> {
        match self {
            Self::TooFewSamples(n) => format!("--n must be at least {MIN_SAMPLES} samples, got {n}").into(),
            Self::NoClassifier(_) => format!("{self}: run `hsic-infogan classifier train` first").into(),
            Self::NotEvaluated(ref run) => {
                format!("{self}: run `hsic-infogan eval --run {}` first", run.display()).into()
            }
            Self::Data(err) => err.with_hint(),
            other => other.into(),
        }
    }
}

impl Hint for SweepError {
    fn with_hint(self) -> Box<dyn Error> {
        match self {
            Self::Train(err) => err.with_hint(),
            Self::Eval(err) => (*err).with_hint(),
            other => other.into(),
        }
    }
}
