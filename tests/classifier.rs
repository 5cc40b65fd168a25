//! The evaluation classifier learns MNIST and survives the cache round trip.

use std::path::Path;

use burn::data::dataset::Dataset;
use hsic_infogan_data::mnist::{MnistKind, Split, load_split};
use hsic_infogan_eval::EvalError;
use hsic_infogan_eval::classifier::{self, ClassifierInfo};

mod common;

use common::{MNIST_DIR, head, mnist_present};

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
