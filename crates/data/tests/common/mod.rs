//! Helpers shared by the integration tests: the real data folders and IDX writing.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

pub mod largest_allocation;

/// MNIST's four gzip files, beside the repository (CI clones it next to `shared/`).
pub const MNIST_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mnist");
/// Fashion-MNIST from Debian's `dataset-fashion-mnist` (installed by `.ci/run`).
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// `dir` if it holds the training images; otherwise prints `SKIPPED` and gives `None`, or fails
/// when the environment variable `CI` is set (CI must run every test).
pub fn real_data(dir: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(dir);
    if dir.join("train-images-idx3-ubyte.gz").is_file() {
        return Some(dir);
    }
    let why = format!("no train-images-idx3-ubyte.gz in {}", dir.display());
    if std::env::var_os("CI").is_some() {
        panic!("{why}: CI must provide the data");
    }
    println!("SKIPPED: real-data test ({why})");
    None
}

/// An unsigned-byte IDX file with the given sizes and values.
pub fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for size in dims {
        bytes.extend(size.to_be_bytes());
    }
    bytes.extend(data);
    bytes
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The SHA-256 of a file, lowercase hex.
pub fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}
