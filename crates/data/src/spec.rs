//! The data set a user names on the command line, stored in a run's config under the same name.

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
                _ => Err(format!("unknown dataset `{name}`: expected mnist, fashion-mnist, shapes or folder:PATH")),
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

/// Stored as its name (`"mnist"`, `"folder:PATH"`), as typed on the command line.
impl burn::serde::Serialize for DatasetSpec {
    fn serialize<S: burn::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> burn::serde::Deserialize<'de> for DatasetSpec {
    fn deserialize<D: burn::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(burn::serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use burn::config::{Config, config_to_json};

    use super::*;

    #[derive(Config, Debug)]
    struct Holder {
        dataset: DatasetSpec,
    }

    #[test]
    fn a_spec_is_stored_as_its_name_and_a_bad_name_is_refused() {
        for spec in [DatasetSpec::Mnist, DatasetSpec::Folder("/data/my images".into())] {
            let json = config_to_json(&Holder::new(spec.clone()));
            assert!(json.contains(&format!("\"dataset\": \"{spec}\"")), "{json}");
            assert_eq!(Holder::load_binary(json.as_bytes()).unwrap().dataset, spec);
        }
        let err = Holder::load_binary(b"{\"dataset\": \"cifar\"}").unwrap_err();
        assert!(format!("{err:?}").contains("unknown dataset `cifar`"), "{err:?}");
    }
}
