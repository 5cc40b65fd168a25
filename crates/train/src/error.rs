//! The one error type of training: a run folder's or config's ([`RunError`]), the data's, and
//! the two a session adds.

use std::path::PathBuf;

use crate::run::RunError;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Data(#[from] hsic_infogan_data::DataError),
    /// A new run was asked for in a folder that already holds one.
    #[error("{}: already holds a run", .0.display())]
    RunExists(PathBuf),
    /// A loss became NaN or infinite; the last checkpoint is left as it was.
    #[error("{0}")]
    NonFinite(String),
}

impl TrainError {
    /// A setting out of range ([`RunError::Config`]).
    pub fn config(problem: impl ToString) -> Self {
        Self::Run(RunError::Config(problem.to_string()))
    }

    /// [`RunError::io`], for this type.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let io = RunError::io(path);
        move |source| Self::Run(io(source))
    }

    /// [`RunError::run`], for this type.
    pub fn run(path: impl Into<PathBuf>, problem: impl ToString) -> Self {
        Self::Run(RunError::run(path, problem))
    }
}

impl From<hsic_infogan_device::DeviceError> for TrainError {
    fn from(error: hsic_infogan_device::DeviceError) -> Self {
        Self::Run(error.into())
    }
}
