//! What the test files share: a tiny training setup (8x8 images, a small latent, batches of 8)
//! and the MNIST files beside the project.

#![allow(dead_code)] // each test file uses part of it

use std::path::Path;
use std::process::{Command, Output};

use hsic_infogan_data::ImageSet;
use hsic_infogan_models::{LatentConfig, Rng};
use hsic_infogan_train::{ModelKind, TrainConfig, TrainingData};

pub const DIMS: [usize; 3] = [1, 8, 8];

/// 48 random 8x8 images: 6 iterations per epoch at batch 8.
pub fn data() -> TrainingData {
    let mut rng = Rng::new(11);
    let pixels = (0..48 * 64).map(|_| rng.below(256) as u8).collect();
    TrainingData::Set(ImageSet::new(DIMS, pixels, None))
}

pub fn config(model: ModelKind) -> TrainConfig {
    TrainConfig::new()
        .with_model(model)
        .with_dataset("tiny".into())
        .with_latent(LatentConfig::new().with_noise(4).with_categorical(vec![3]).with_continuous(2))
        .with_batch_size(8)
        .with_epochs(2)
        .with_seed(5)
}

/// The four MNIST files CI provides in `../shared` beside the project.
pub const MNIST_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mnist");

/// Whether the shared MNIST files are there; prints `SKIPPED` if not, and fails under CI.
pub fn mnist_present() -> bool {
    let present = Path::new(MNIST_DIR).join("train-images-idx3-ubyte.gz").is_file();
    if !present {
        assert!(std::env::var_os("CI").is_none(), "CI must provide {MNIST_DIR}");
        println!("SKIPPED: no MNIST in {MNIST_DIR}");
    }
    present
}

/// Runs the `hsic-infogan` binary as a user would.
pub fn hsic_infogan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hsic-infogan")).args(args).output().expect("run hsic-infogan")
}

/// Runs the binary, asserts it succeeded, and returns its output.
pub fn succeed(args: &[&str]) -> String {
    let output = hsic_infogan(args);
    assert!(output.status.success(), "{args:?}: {}", text(&output));
    text(&output)
}

/// Runs the binary, asserts it failed, and returns its output (the error message).
pub fn fail(args: &[&str]) -> String {
    let output = hsic_infogan(args);
    assert!(!output.status.success(), "{args:?} should fail: {}", text(&output));
    text(&output)
}

/// A finished command's stdout and stderr, for assertion messages.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The first `n` images of a set.
pub fn head(set: &ImageSet, n: usize) -> ImageSet {
    let [c, h, w] = set.dims();
    let pixels = set.pixels()[..n * c * h * w].to_vec();
    ImageSet::new(set.dims(), pixels, set.labels().map(|l| l[..n].to_vec()))
}

/// Trains the evaluation classifier for one epoch on 2,000 MNIST images (a few seconds; about
/// 90% accurate) and caches it in `dir`, recorded with a test accuracy of 0.5.
pub fn small_classifier(dir: &Path) {
    use hsic_infogan_data::mnist::{MnistKind, Split, load_split};
    use hsic_infogan_train::eval::classifier::{self, ClassifierInfo};
    let train = head(&load_split(MnistKind::Mnist, Split::Train, Path::new(MNIST_DIR)).unwrap(), 2000);
    let device = hsic_infogan_train::open_device("flex").unwrap();
    let model = classifier::train(&train, 1, 0, &device, false);
    classifier::save(&model, &ClassifierInfo::new(0.5, 1, 0), dir).unwrap();
}
