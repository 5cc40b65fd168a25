//! The one error type of training and of reading run folders.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A setting is out of range; the message names it and its value.
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Data(#[from] hsic_infogan_data::DataError),
    #[error(transparent)]
    Device(#[from] hsic_infogan_device::DeviceError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A run folder, checkpoint or figure could not be read or written.
    #[error("{}: {problem}", path.display())]
    Run { path: PathBuf, problem: String },
    /// A new run was asked for in a folder that already holds one.
    #[error("{}: already holds a run", .0.display())]
    RunExists(PathBuf),
    /// A loss became NaN or infinite; the last checkpoint is left as it was.
    #[error("{0}")]
    NonFinite(String),
}

impl TrainError {
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub fn run(path: impl Into<PathBuf>, problem: impl ToString) -> Self {
        Self::Run { path: path.into(), problem: problem.to_string() }
    }
}
