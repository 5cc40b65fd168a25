//! The one error type of run folders and training configs.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A setting is out of range; the message names it and its value.
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Device(#[from] hsic_infogan_device::DeviceError),
    /// A latent layout the networks cannot take.
    #[error(transparent)]
    Layout(#[from] hsic_infogan_models::LayoutError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A run folder, checkpoint or figure could not be read or written.
    #[error("{}: {problem}", path.display())]
    Run { path: PathBuf, problem: String },
}

impl From<crate::tensorboard::TbError> for RunError {
    fn from(err: crate::tensorboard::TbError) -> Self {
        match err {
            crate::tensorboard::TbError::Io { path, source } => Self::Io { path, source },
            crate::tensorboard::TbError::Invalid { path, problem } => Self::Run { path, problem },
        }
    }
}

impl RunError {
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub fn run(path: impl Into<PathBuf>, problem: impl ToString) -> Self {
        Self::Run { path: path.into(), problem: problem.to_string() }
    }
}
