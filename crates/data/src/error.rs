//! The one error type of the crate. Every variant names the file or the data set it is about.

use std::path::PathBuf;

/// Why a data set could not be read, found or downloaded.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The operating system refused to read or write a path.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A file was read but its content is wrong (bad magic number, truncated, undecodable, ...).
    #[error("{}: {problem}", path.display())]
    Invalid { path: PathBuf, problem: String },
    /// Every mirror failed to deliver a file with the expected checksum.
    #[error("could not download {file}:{}", indented(failures))]
    Download { file: String, failures: Vec<String> },
    /// A data set's files are in none of the places looked, and downloading them failed.
    #[error("{dataset} not found: it needs {files}.\nLooked in:{}\n{download}\nTo provide it: {how}", indented(looked))]
    NotFound { dataset: String, files: String, looked: Vec<String>, download: String, how: String },
}

impl DataError {
    /// An [`DataError::Invalid`] for `path`.
    pub(crate) fn invalid(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Self::Invalid { path: path.into(), problem: problem.into() }
    }

    /// A closure that wraps an I/O error with the `path` it happened on.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// One line per entry, each on a new line and indented.
fn indented(lines: &[String]) -> String {
    lines.iter().map(|line| format!("\n  {line}")).collect()
}
