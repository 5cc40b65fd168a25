//! MNIST and Fashion-MNIST: where their four IDX files are found, downloading them when they are
//! nowhere, and loading a split into an [`ImageSet`].
//!
//! Search order for a data set's folder: the data directory a caller gives (`data_dir`), the
//! environment variable (`MNIST_DIR` / `FASHION_MNIST_DIR`), the user cache
//! (`$XDG_CACHE_HOME/hsic-infogan/<name>`, usually `~/.cache/...`), the system folder
//! (`/usr/share/datasets/<name>`). A folder counts when it holds all four files, each gzipped
//! (`train-images-idx3-ubyte.gz`) or raw (`train-images-idx3-ubyte`). If none does, the missing
//! files are downloaded into the cache from the mirrors (`MNIST_MIRRORS` /
//! `FASHION_MNIST_MIRRORS`, comma-separated URL prefixes, replace the built-in list).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::download::{DownloadProgress, download_verified};
use crate::idx::{read_images, read_labels};
use crate::{DataError, ImageSet};

/// Which of the two IDX data sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MnistKind {
    /// Handwritten digits 0-9.
    Mnist,
    /// Zalando's clothing images, the same format and sizes.
    FashionMnist,
}

/// The training (60,000 images) or test (10,000 images) split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

/// One of the four files of a data set: its name (gzipped, as the mirrors serve it) and the
/// SHA-256 of that gzip file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdxFile {
    pub name: &'static str,
    pub sha256: &'static str,
}

/// The four file names, in the order of [`MnistKind::files`].
const FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// SHA-256 of the canonical upstream gzip files, computed from the copies in
/// `shared/data/mnist` (MNIST) and in Debian's `dataset-fashion-mnist` package,
/// `/usr/share/datasets/fashion-mnist` (Fashion-MNIST). Same order as [`FILE_NAMES`].
const MNIST_SHA256: [&str; 4] = [
    "d2cebd02927d553943b2679536bf602ec0cdcb6555ad87dda5d640e1d425faaf",
    "2a107763ddf1eef92815bfbb1b855b662a7228add9dfab29de697c644d666cda",
    "4e612d6003de73386763f2c35c044ab376e830da80adb2347651a1f182f103a1",
    "909a5aeb9fcec3f171b427c45622a55f69dc15dd80bd0624413cbfbe12553c1c",
];
const FASHION_MNIST_SHA256: [&str; 4] = [
    "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
];

impl MnistKind {
    /// The data set's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mnist => "MNIST",
            Self::FashionMnist => "Fashion-MNIST",
        }
    }

    /// The folder name under the cache and the system data folder.
    fn folder(self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::FashionMnist => "fashion-mnist",
        }
    }

    /// The environment variable naming a folder that holds the files.
    pub fn dir_env(self) -> &'static str {
        match self {
            Self::Mnist => "MNIST_DIR",
            Self::FashionMnist => "FASHION_MNIST_DIR",
        }
    }

    /// The environment variable replacing the built-in mirror list.
    pub fn mirrors_env(self) -> &'static str {
        match self {
            Self::Mnist => "MNIST_MIRRORS",
            Self::FashionMnist => "FASHION_MNIST_MIRRORS",
        }
    }

    /// Public mirrors serving the four gzip files under their usual names. Plain HTTP is safe
    /// here: every download is checked against the SHA-256 in [`MnistKind::files`].
    pub fn default_mirrors(self) -> &'static [&'static str] {
        match self {
            Self::Mnist => &[
                "https://ossci-datasets.s3.amazonaws.com/mnist/",
                "https://storage.googleapis.com/cvdf-datasets/mnist/",
                "http://yann.lecun.com/exdb/mnist/",
            ],
            Self::FashionMnist => &[
                "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
            ],
        }
    }

    /// The four files with their checksums: train images, train labels, test images, test
    /// labels.
    pub fn files(self) -> [IdxFile; 4] {
        let sums = match self {
            Self::Mnist => MNIST_SHA256,
            Self::FashionMnist => FASHION_MNIST_SHA256,
        };
        std::array::from_fn(|i| IdxFile { name: FILE_NAMES[i], sha256: sums[i] })
    }

    /// The name of each of the 10 classes.
    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            Self::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            Self::FashionMnist => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        }
    }
}

/// How a folder came to be searched; shown to the user beside the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The data directory the caller gave.
    DataDir,
    /// Named by this environment variable.
    Env(&'static str),
    /// The user cache.
    Cache,
    /// The system data folder.
    System,
    /// The user cache, just filled by a download.
    Downloaded,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DataDir => write!(f, "data directory"),
            Self::Env(name) => write!(f, "${name}"),
            Self::Cache => write!(f, "user cache"),
            Self::System => write!(f, "system folder"),
            Self::Downloaded => write!(f, "downloaded into the user cache"),
        }
    }
}

/// A folder and why it was searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub dir: PathBuf,
    pub via: Via,
}

/// Where to look for a data set, and where to download it if it is nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// Folders to search, in order.
    pub places: Vec<Place>,
    /// Where missing files are downloaded to; `None` never downloads.
    pub cache: Option<PathBuf>,
    /// URL prefixes to download from, in order.
    pub mirrors: Vec<String>,
}

impl Search {
    /// The standard search (see the module docs), with `data_dir` first when given. Reads the
    /// environment variables.
    pub fn standard(kind: MnistKind, data_dir: Option<&Path>) -> Self {
        let env_dir = std::env::var_os(kind.dir_env()).filter(|dir| !dir.is_empty());
        let cache = crate::cache_dir().map(|cache| cache.join(kind.folder()));
        let places = [
            data_dir.map(|dir| (dir.to_path_buf(), Via::DataDir)),
            env_dir.map(|dir| (PathBuf::from(dir), Via::Env(kind.dir_env()))),
            cache.clone().map(|dir| (dir, Via::Cache)),
            Some((Path::new("/usr/share/datasets").join(kind.folder()), Via::System)),
        ];
        let mirrors = match std::env::var(kind.mirrors_env()) {
            Ok(list) if !list.trim().is_empty() => {
                list.split(',').map(|mirror| mirror.trim().to_string()).filter(|mirror| !mirror.is_empty()).collect()
            }
            _ => kind.default_mirrors().iter().map(|m| m.to_string()).collect(),
        };
        Self { places: places.into_iter().flatten().map(|(dir, via)| Place { dir, via }).collect(), cache, mirrors }
    }
}

/// The path of `name` (a `.gz` file name) in `dir`, gzipped or raw, if either exists.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let raw = name.strip_suffix(".gz").unwrap_or(name);
    [dir.join(name), dir.join(raw)].into_iter().find(|path| path.is_file())
}

/// The first folder of `search` holding all four files of `kind`; failing that, the cache after
/// downloading the files it lacks (telling `on_download` how far each has come). The error lists
/// the files, the places looked, why the download failed, and how to provide the data.
pub fn locate(
    kind: MnistKind,
    search: &Search,
    on_download: &mut dyn FnMut(DownloadProgress),
) -> Result<Place, DataError> {
    let files = kind.files();
    let mut looked = Vec::new();
    for place in &search.places {
        let missing: Vec<&str> =
            files.iter().filter(|file| find_file(&place.dir, file.name).is_none()).map(|file| file.name).collect();
        if missing.is_empty() {
            return Ok(place.clone());
        }
        let what = if !place.dir.is_dir() {
            "no such folder".to_string()
        } else if missing.len() == files.len() {
            "no files".to_string()
        } else {
            format!("missing {}", missing.join(", "))
        };
        looked.push(format!("{} ({}): {what}", place.dir.display(), place.via));
    }
    let download = match &search.cache {
        Some(cache) => match download_missing(kind, cache, &search.mirrors, on_download) {
            Ok(()) => {
                return Ok(Place { dir: cache.clone(), via: Via::Downloaded });
            }
            Err(err) => format!("Downloading into {} failed: {err}", cache.display()),
        },
        None => "No cache folder to download into.".to_string(),
    };
    Err(DataError::NotFound {
        dataset: kind.name().into(),
        files: format!("{} (gzipped, or raw without .gz)", files.map(|file| file.name).join(", ")),
        looked,
        download,
        how: format!(
            "put the four files in one folder and give it as the data directory or set {} to it; or \
             set {} to comma-separated URL prefixes of reachable mirrors",
            kind.dir_env(),
            kind.mirrors_env()
        ),
    })
}

/// Downloads into `cache` each file of `kind` it does not hold yet.
fn download_missing(
    kind: MnistKind,
    cache: &Path,
    mirrors: &[String],
    on_download: &mut dyn FnMut(DownloadProgress),
) -> Result<(), DataError> {
    for file in kind.files() {
        if find_file(cache, file.name).is_none() {
            download_verified(mirrors, file.name, file.sha256, cache, on_download)?;
        }
    }
    Ok(())
}

/// The four files of a data set, found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub kind: MnistKind,
    pub place: Place,
}

/// [`locate`]s `kind` with the [standard search](Search::standard), `data_dir` first, and
/// downloads without telling how far it has come.
pub fn find(kind: MnistKind, data_dir: Option<&Path>) -> Result<Files, DataError> {
    find_with(kind, data_dir, &mut |_| {})
}

/// [`find`], telling `on_download` how far a download has come.
pub fn find_with(
    kind: MnistKind,
    data_dir: Option<&Path>,
    on_download: &mut dyn FnMut(DownloadProgress),
) -> Result<Files, DataError> {
    let place = locate(kind, &Search::standard(kind, data_dir), on_download)?;
    Ok(Files { kind, place })
}

impl Files {
    /// Loads one split (see [`load_split`]).
    pub fn load(&self, split: Split) -> Result<ImageSet, DataError> {
        load_split(self.kind, split, &self.place.dir)
    }
}

/// Loads a split from the four files in `dir`: 1 x rows x cols images with labels 0-9. The
/// image and label files must agree on the count.
pub fn load_split(kind: MnistKind, split: Split, dir: &Path) -> Result<ImageSet, DataError> {
    let [train_images, train_labels, test_images, test_labels] = kind.files();
    let (images_file, labels_file) = match split {
        Split::Train => (train_images, train_labels),
        Split::Test => (test_images, test_labels),
    };
    let path_of = |file: IdxFile| {
        find_file(dir, file.name).ok_or_else(|| DataError::invalid(dir.join(file.name), "not found (nor without .gz)"))
    };
    let images_path = path_of(images_file)?;
    let labels_path = path_of(labels_file)?;
    let images = read_images(&images_path)?;
    let labels = read_labels(&labels_path)?;
    if images.rows == 0 || images.cols == 0 {
        return Err(DataError::invalid(&images_path, format!("images of {} x {} pixels", images.rows, images.cols)));
    }
    if images.count != labels.len() {
        return Err(DataError::invalid(
            &labels_path,
            format!("{} labels, but {} holds {} images", labels.len(), images_path.display(), images.count),
        ));
    }
    if let Some(index) = labels.iter().position(|&label| label > 9) {
        return Err(DataError::invalid(
            &labels_path,
            format!("label {} at index {index} is not a class 0-9", labels[index]),
        ));
    }
    Ok(ImageSet::new([1, images.rows, images.cols], images.pixels, Some(labels.into_iter().map(usize::from).collect())))
}
