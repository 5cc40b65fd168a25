//! What the test files share: running the `hsic-infogan` binary, the MNIST files beside the
//! project, and a quickly trained evaluation classifier.

#![allow(dead_code)] // each test file uses part of it

use std::path::Path;
use std::process::{Command, Output};

use hsic_infogan_data::ImageSet;

/// The four MNIST files CI provides in `../shared` beside the project.
pub const MNIST_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/mnist");

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

/// A folder of 24 random 8x8 grey PNGs.
pub fn image_folder(dir: &Path) -> String {
    image_folder_of(dir, 24)
}

/// A folder of `count` random 8x8 grey PNGs.
pub fn image_folder_of(dir: &Path, count: usize) -> String {
    let mut state = 1u32;
    for i in 0..count {
        let image = image::GrayImage::from_fn(8, 8, |_, _| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            image::Luma([(state >> 24) as u8])
        });
        image.save(dir.join(format!("{i:04}.png"))).unwrap();
    }
    format!("folder:{}", dir.display())
}

/// `train` on `dataset` with 8x8 images, batch 4, noise 4 and one 3-valued code, into `out`.
pub fn tiny(dataset: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["train", "--dataset", dataset, "--image-size", "8", "--batch-size", "4"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--noise", "4", "--categorical", "3", "--out"].iter().map(|s| s.to_string()));
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs the binary with owned arguments.
pub fn run(args: &[String]) -> Output {
    hsic_infogan(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Rows of a run's `metrics.csv`.
pub fn metric_rows(run: &Path) -> usize {
    std::fs::read_to_string(run.join("metrics.csv")).map(|t| t.lines().count().saturating_sub(1)).unwrap_or(0)
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
    use hsic_infogan_eval::classifier::{self, ClassifierInfo};
    let train = head(&load_split(MnistKind::Mnist, Split::Train, Path::new(MNIST_DIR)).unwrap(), 2000);
    let device = hsic_infogan_device::open("flex").unwrap();
    let model = classifier::train(&train, 1, 0, &device, |_, _| {});
    classifier::save(&model, &ClassifierInfo::new(0.5, 1, 0), dir).unwrap();
}

/// A grey image folder and a run trained on it for 2 iterations in `work/run`.
pub struct TinyRun {
    pub _images: tempfile::TempDir,
    pub work: tempfile::TempDir,
    pub dataset: String,
    pub out: std::path::PathBuf,
}

pub fn tiny_run() -> TinyRun {
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let trained = run(&tiny(&dataset, &out, &["--max-iters", "2", "--quiet"]));
    assert!(trained.status.success(), "{}", text(&trained));
    TinyRun { _images: images, work, dataset, out }
}
