//! The one error type of event files: every error names the file it is about.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum TbError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A record or event that cannot be read, or an event that cannot be written; the problem
    /// says which and where.
    Invalid {
        path: PathBuf,
        problem: String,
    },
}

impl TbError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub(crate) fn invalid(path: impl Into<PathBuf>, problem: impl ToString) -> Self {
        Self::Invalid { path: path.into(), problem: problem.to_string() }
    }
}

impl fmt::Display for TbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Invalid { path, problem } => write!(f, "{}: {problem}", path.display()),
        }
    }
}

impl std::error::Error for TbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Invalid { .. } => None,
        }
    }
}
