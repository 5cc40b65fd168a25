//! The evaluation classifier learns MNIST and survives the cache round trip, and `classifier
//! train` trains and saves it.

use std::path::Path;

use burn::data::dataset::Dataset;
use hsic_infogan_data::ImageSet;
use hsic_infogan_data::mnist::{IdxFile, MnistKind, Split, load_split};
use hsic_infogan_eval::EvalError;
use hsic_infogan_eval::classifier::{self, ClassifierInfo};

mod common;

use common::{MNIST_DIR, head, mnist_present, succeed};

#[test]
fn a_short_training_learns_digits_and_the_cache_round_trips() {
    if !mnist_present() {
        return;
    }
    let dir = Path::new(MNIST_DIR);
    let train = head(&load_split(MnistKind::Mnist, Split::Train, dir).unwrap(), 3000);
    let test = head(&load_split(MnistKind::Mnist, Split::Test, dir).unwrap(), 1000);
    assert_eq!(train.len(), 3000);
    let device = hsic_infogan_device::open("flex").unwrap();
    let untrained = classifier::accuracy(&classifier::Classifier::new(&device), &test, &device);
    let mut epochs = Vec::new();
    let model = classifier::train(&train, 1, 0, &device, |epoch, loss| epochs.push((epoch, loss)));
    assert!(matches!(epochs[..], [(1, loss)] if loss.is_finite() && loss > 0.0), "{epochs:?}");
    let trained = classifier::accuracy(&model, &test, &device);
    assert!(
        untrained < 0.3 && trained > 0.6,
        "accuracy {untrained} untrained, {trained} after 1 epoch of 3,000 images"
    );

    let cache = tempfile::tempdir().unwrap();
    let missing = classifier::load(cache.path(), &device).err().unwrap();
    assert!(matches!(&missing, EvalError::NoClassifier(dir) if dir == cache.path()), "{missing}");
    classifier::save(&model, &ClassifierInfo::new(trained, 1, 0), cache.path()).unwrap();
    let (loaded, info) = classifier::load(cache.path(), &device).unwrap();
    assert_eq!(info.test_accuracy, trained);
    assert_eq!(classifier::accuracy(&loaded, &test, &device), trained);
}

/// Writes `set` into `dir` as raw (not gzipped) IDX files: its images and its labels, each
/// named as the given MNIST file is without `.gz`.
fn write_idx(set: &ImageSet, [images, labels]: [IdxFile; 2], dir: &Path) {
    let count = (set.len() as u32).to_be_bytes();
    let [_, height, width] = set.dims().map(|d| (d as u32).to_be_bytes());
    let header = [[0, 0, 8, 3], count, height, width].concat();
    std::fs::write(dir.join(images.name.trim_end_matches(".gz")), [&header[..], set.pixels()].concat()).unwrap();
    let values: Vec<u8> = set.labels().unwrap().iter().map(|&l| u8::try_from(l).unwrap()).collect();
    std::fs::write(dir.join(labels.name.trim_end_matches(".gz")), [&[0, 0, 8, 1], &count[..], &values[..]].concat())
        .unwrap();
}

/// `classifier train` on a small MNIST (1,000 training and 300 test digits): the classifier it
/// saves is the one the library trains with that seed and number of epochs, and it prints the
/// accuracy it records.
#[test]
fn classifier_train_saves_the_trained_classifier_and_its_test_accuracy() {
    if !mnist_present() {
        return;
    }
    let small = tempfile::tempdir().unwrap();
    let [train_images, train_labels, test_images, test_labels] = MnistKind::Mnist.files();
    let dir = Path::new(MNIST_DIR);
    let train = head(&load_split(MnistKind::Mnist, Split::Train, dir).unwrap(), 1000);
    let test = head(&load_split(MnistKind::Mnist, Split::Test, dir).unwrap(), 300);
    write_idx(&train, [train_images, train_labels], small.path());
    write_idx(&test, [test_images, test_labels], small.path());

    let out = tempfile::tempdir().unwrap();
    let (data_dir, out_dir) = (small.path().display().to_string(), out.path().display().to_string());
    let printed = succeed(&[
        "classifier",
        "train",
        "--epochs",
        "2",
        "--seed",
        "3",
        "--data-dir",
        &data_dir,
        "--device",
        "flex",
        "--out",
        &out_dir,
    ]);
    let device = hsic_infogan_device::open("flex").unwrap();
    let (loaded, info) = classifier::load(out.path(), &device).unwrap();
    assert_eq!((info.epochs, info.seed), (2, 3));
    let accuracy = classifier::accuracy(&loaded, &test, &device);
    assert_eq!(info.test_accuracy, accuracy);
    assert!(accuracy > 0.5, "accuracy {accuracy} after 2 epochs of 1,000 digits");
    let expected = classifier::accuracy(&classifier::train(&train, 2, 3, &device, |_, _| {}), &test, &device);
    assert_eq!(accuracy, expected, "the library's classifier of 2 epochs with seed 3");
    let line = format!("test accuracy {:.2}% on 300 MNIST test images; saved in {out_dir}", 100.0 * accuracy);
    assert!(printed.contains(&line), "{line} in {printed}");
    assert!(
        printed.contains("classifier epoch 1/2: loss") && printed.contains("classifier epoch 2/2: loss"),
        "{printed}"
    );
}
