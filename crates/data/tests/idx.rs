//! The IDX reader and MNIST split loading on small hand-made files: what it accepts, and the
//! error for every kind of bad file (naming the file and the problem, never a panic or a short
//! set).

mod common;

use burn::data::dataset::Dataset;
use common::{gzip, idx_bytes, write};
use hsic_infogan_data::DataError;
use hsic_infogan_data::idx::{IdxArray, read_idx, read_images, read_labels};
use hsic_infogan_data::mnist::{MnistKind, Split, load_split};

/// Three 2 x 2 images with distinct pixels.
const PIXELS: [u8; 12] = [0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255];

/// The error message of `result`, which must be an error whose message names `path`.
fn message_naming<T: std::fmt::Debug>(result: Result<T, DataError>, path: &std::path::Path) -> String {
    let message = result.expect_err("an error").to_string();
    assert!(message.contains(&path.display().to_string()), "names the file: {message}");
    message
}

#[test]
fn raw_and_gzipped_files_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = idx_bytes(&[3, 2, 2], &PIXELS);
    let raw = write(dir.path(), "images", &bytes);
    let gz = write(dir.path(), "images.gz", &gzip(&bytes));
    let expected = IdxArray { dims: vec![3, 2, 2], data: PIXELS.to_vec() };
    assert_eq!(read_idx(&raw).unwrap(), expected);
    assert_eq!(read_idx(&gz).unwrap(), expected);
    let images = read_images(&gz).unwrap();
    assert_eq!((images.count, images.rows, images.cols), (3, 2, 2));
    assert_eq!(images.pixels, PIXELS);
}

#[test]
fn labels_are_one_dimensional() {
    let dir = tempfile::tempdir().unwrap();
    let labels = write(dir.path(), "labels", &idx_bytes(&[4], &[7, 0, 9, 3]));
    assert_eq!(read_labels(&labels).unwrap(), [7, 0, 9, 3]);
    let message = message_naming(read_images(&labels), &labels);
    assert!(message.contains("expected an image file"), "{message}");
    let images = write(dir.path(), "images", &idx_bytes(&[3, 2, 2], &PIXELS));
    let message = message_naming(read_labels(&images), &images);
    assert!(message.contains("expected a label file"), "{message}");
}

#[test]
fn bad_headers_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("empty", vec![], "too short for an IDX header"),
        ("magic", vec![0x50, 0x4b, 0x08, 0x01, 0, 0, 0, 0], "not an IDX file"),
        ("float", vec![0, 0, 0x0d, 0x01, 0, 0, 0, 0], "data type 0x0d is not supported"),
        ("rank0", vec![0, 0, 0x08, 0x00], "0 dimensions"),
        ("header", vec![0, 0, 0x08, 0x03, 0, 0, 0, 3, 0, 0], "truncated header"),
    ];
    for (name, bytes, problem) in cases {
        let path = write(dir.path(), name, &bytes);
        let message = message_naming(read_idx(&path), &path);
        assert!(message.contains(problem), "{name}: {message}");
    }
}

#[test]
fn short_or_long_data_is_an_error_not_a_short_set() {
    let dir = tempfile::tempdir().unwrap();
    let full = idx_bytes(&[3, 2, 2], &PIXELS);
    let short = write(dir.path(), "short", &full[..full.len() - 1]);
    let message = message_naming(read_idx(&short), &short);
    assert!(message.contains("truncated") && message.contains("need 12 bytes"), "{message}");
    let mut long_bytes = full.clone();
    long_bytes.extend([1, 2]);
    let long = write(dir.path(), "long", &long_bytes);
    let message = message_naming(read_idx(&long), &long);
    assert!(message.contains("2 unexpected bytes"), "{message}");
}

#[test]
fn a_cut_gzip_stream_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let compressed = gzip(&idx_bytes(&[3, 2, 2], &PIXELS));
    let cut = write(dir.path(), "cut.gz", &compressed[..compressed.len() - 10]);
    let message = message_naming(read_idx(&cut), &cut);
    assert!(message.contains("bad gzip data"), "{message}");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.gz");
    let err = read_idx(&path).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }), "{err:?}");
    message_naming(Err::<(), _>(err), &path);
}

/// Writes a raw MNIST-named training split of the given images and labels into `dir`.
fn write_train_split(dir: &std::path::Path, images: &[u8], count: u32, labels: &[u8]) {
    write(dir, "train-images-idx3-ubyte", &idx_bytes(&[count, 2, 2], images));
    write(dir, "train-labels-idx1-ubyte", &idx_bytes(&[labels.len() as u32], labels));
}

#[test]
fn a_split_loads_raw_files_with_labels() {
    let dir = tempfile::tempdir().unwrap();
    write_train_split(dir.path(), &PIXELS, 3, &[4, 0, 9]);
    let set = load_split(MnistKind::Mnist, Split::Train, dir.path()).unwrap();
    assert_eq!(set.len(), 3);
    assert_eq!(set.dims(), [1, 2, 2]);
    assert_eq!(set.labels(), Some(&[4usize, 0, 9][..]));
    let item = set.get(2).unwrap();
    assert_eq!(item.pixels, PIXELS[8..]);
    assert_eq!(item.label, Some(9));
}

#[test]
fn image_and_label_counts_must_agree() {
    let dir = tempfile::tempdir().unwrap();
    write_train_split(dir.path(), &PIXELS, 3, &[4, 0]);
    let labels = dir.path().join("train-labels-idx1-ubyte");
    let message = message_naming(load_split(MnistKind::Mnist, Split::Train, dir.path()), &labels);
    assert!(message.contains("2 labels, but") && message.contains("3 images"), "{message}");
}

#[test]
fn labels_must_be_classes_0_to_9() {
    let dir = tempfile::tempdir().unwrap();
    write_train_split(dir.path(), &PIXELS, 3, &[4, 10, 9]);
    let labels = dir.path().join("train-labels-idx1-ubyte");
    let message = message_naming(load_split(MnistKind::Mnist, Split::Train, dir.path()), &labels);
    assert!(message.contains("label 10 at index 1"), "{message}");
}

#[test]
fn a_split_with_a_missing_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    write_train_split(dir.path(), &PIXELS, 3, &[4, 0, 9]);
    let err = load_split(MnistKind::Mnist, Split::Test, dir.path()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("t10k-images-idx3-ubyte.gz: not found"), "{message}");
}
