//! The data set a user names on the command line.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// `mnist`, `fashion-mnist`, `shapes` or `folder:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetSpec {
    Mnist,
    FashionMnist,
    Shapes,
    Folder(PathBuf),
}

impl FromStr for DatasetSpec {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "mnist" => Ok(Self::Mnist),
            "fashion-mnist" => Ok(Self::FashionMnist),
            "shapes" => Ok(Self::Shapes),
            _ => match name.strip_prefix("folder:") {
                Some(path) if !path.is_empty() => Ok(Self::Folder(path.into())),
                _ => Err(format!(
                    "unknown dataset `{name}`: expected mnist, fashion-mnist, shapes or folder:PATH"
                )),
            },
        }
    }
}

impl fmt::Display for DatasetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mnist => write!(f, "mnist"),
            Self::FashionMnist => write!(f, "fashion-mnist"),
            Self::Shapes => write!(f, "shapes"),
            Self::Folder(path) => write!(f, "folder:{}", path.display()),
        }
    }
}
