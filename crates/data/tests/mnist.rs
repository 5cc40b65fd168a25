//! MNIST and Fashion-MNIST from the real files, the checksums, and the search order.

mod common;

use std::path::Path;

use burn::data::dataset::Dataset;
use common::{FASHION_MNIST_DIR, MNIST_DIR, real_data, sha256_of};
use hsic_infogan_data::mnist::{MnistKind, Place, Search, Split, Via, find_file, load_split, locate};

fn class_counts(labels: &[usize]) -> [usize; 10] {
    let mut counts = [0; 10];
    for &label in labels {
        counts[label] += 1;
    }
    counts
}

#[test]
fn mnist_has_the_known_counts_and_labels() {
    let Some(dir) = real_data(MNIST_DIR) else { return };
    let train = load_split(MnistKind::Mnist, Split::Train, &dir).unwrap();
    let test = load_split(MnistKind::Mnist, Split::Test, &dir).unwrap();
    assert_eq!((train.len(), test.len()), (60_000, 10_000));
    assert_eq!((train.dims(), test.dims()), ([1, 28, 28], [1, 28, 28]));
    let labels = train.labels().unwrap();
    assert_eq!(labels[0], 5);
    assert_eq!(class_counts(labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert_eq!(class_counts(test.labels().unwrap()).iter().sum::<usize>(), 10_000);
    let (low, high) = (train.pixels().iter().min(), train.pixels().iter().max());
    assert_eq!((low, high), (Some(&0), Some(&255)));
}

#[test]
fn fashion_mnist_has_balanced_classes() {
    let Some(dir) = real_data(FASHION_MNIST_DIR) else { return };
    let train = load_split(MnistKind::FashionMnist, Split::Train, &dir).unwrap();
    let test = load_split(MnistKind::FashionMnist, Split::Test, &dir).unwrap();
    assert_eq!((train.len(), test.len()), (60_000, 10_000));
    assert_eq!(train.dims(), [1, 28, 28]);
    assert_eq!(class_counts(train.labels().unwrap()), [6000; 10]);
    assert_eq!(class_counts(test.labels().unwrap()), [1000; 10]);
}

#[test]
fn built_in_checksums_match_the_canonical_files() {
    for (kind, dir) in [(MnistKind::Mnist, MNIST_DIR), (MnistKind::FashionMnist, FASHION_MNIST_DIR)] {
        let Some(dir) = real_data(dir) else { continue };
        for file in kind.files() {
            assert_eq!(sha256_of(&dir.join(file.name)), file.sha256, "{} {}", kind.name(), file.name);
        }
    }
}

/// Copies the four MNIST files into `dir`, the training images decompressed (a raw file must be
/// found as well as a gzipped one).
fn copy_mnist(from: &Path, dir: &Path) {
    for file in MnistKind::Mnist.files() {
        let source = from.join(file.name);
        if file.name == "train-images-idx3-ubyte.gz" {
            let mut raw = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(std::fs::File::open(&source).unwrap()),
                &mut raw,
            )
            .unwrap();
            std::fs::write(dir.join("train-images-idx3-ubyte"), raw).unwrap();
        } else {
            std::fs::copy(&source, dir.join(file.name)).unwrap();
        }
    }
}

#[test]
fn the_first_folder_with_all_four_files_wins() {
    let Some(shared) = real_data(MNIST_DIR) else { return };
    let root = tempfile::tempdir().unwrap();
    let (partial, complete) = (root.path().join("partial"), root.path().join("complete"));
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::create_dir_all(&complete).unwrap();
    std::fs::copy(shared.join("train-labels-idx1-ubyte.gz"), partial.join("train-labels-idx1-ubyte.gz")).unwrap();
    copy_mnist(&shared, &complete);
    assert_eq!(find_file(&complete, "train-images-idx3-ubyte.gz"), Some(complete.join("train-images-idx3-ubyte")));
    let search = Search {
        places: vec![
            Place { dir: root.path().join("absent"), via: Via::DataDir },
            Place { dir: partial, via: Via::Env("MNIST_DIR") },
            Place { dir: complete.clone(), via: Via::Cache },
            Place { dir: shared, via: Via::System },
        ],
        cache: None,
        mirrors: Vec::new(),
    };
    let place = locate(MnistKind::Mnist, &search, &mut |_| {}).unwrap();
    assert_eq!(place, Place { dir: complete.clone(), via: Via::Cache });
    let train = load_split(MnistKind::Mnist, Split::Train, &place.dir).unwrap();
    assert_eq!(train.labels().unwrap()[0], 5);
}

#[test]
fn nowhere_and_no_cache_says_where_it_looked_and_what_to_do() {
    let root = tempfile::tempdir().unwrap();
    let partial = root.path().join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("t10k-labels-idx1-ubyte"), b"x").unwrap();
    let search = Search {
        places: vec![
            Place { dir: root.path().join("absent"), via: Via::DataDir },
            Place { dir: partial.clone(), via: Via::System },
        ],
        cache: None,
        mirrors: Vec::new(),
    };
    let message = locate(MnistKind::FashionMnist, &search, &mut |_| {}).unwrap_err().to_string();
    for expected in [
        "Fashion-MNIST not found",
        "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz",
        &format!("{} (data directory): no such folder", root.path().join("absent").display()),
        &format!(
            "{} (system folder): missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz\n",
            partial.display()
        ),
        "No cache folder to download into",
        "FASHION_MNIST_DIR",
        "FASHION_MNIST_MIRRORS",
    ] {
        assert!(message.contains(expected), "missing {expected:?} in:\n{message}");
    }
}
