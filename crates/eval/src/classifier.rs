//! The MNIST classifier that evaluation labels generated digits with (and whose penultimate
//! layer gives the features for FID): conv 3x3 32-ReLU-maxpool, conv 3x3 64-ReLU-maxpool,
//! FC 128-ReLU (the features), FC 10. Trained once and cached in the user cache directory with
//! its measured test accuracy. The post-hoc encoder ([`crate::encoder`]) is the same network with
//! the codes as its outputs. Its layers run the GAN's own passes on flex (`hsic-infogan-flex-ops`).

use std::path::{Path, PathBuf};

use burn::data::dataset::Dataset;
use burn::module::{Module, ModuleVisitor, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use hsic_infogan_data::{ImageSet, unit_tensor};
use hsic_infogan_flex_ops::{conv2d, linear, relu, relu_max_pool2d};
use hsic_infogan_models::{Rng, stream};
use hsic_infogan_run::{RunError, files};

use crate::EvalError;

/// Width of the feature layer.
pub const FEATURES: usize = 128;

#[derive(Module, Debug)]
pub struct Classifier {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
}

impl Classifier {
    /// The digit classifier (10 outputs), with Burn's default (Kaiming-uniform) initialisation,
    /// seeded through the device.
    pub fn new(device: &Device) -> Self {
        Self::with_outputs(10, device)
    }

    /// The same network with `outputs` logits.
    pub fn with_outputs(outputs: usize, device: &Device) -> Self {
        let conv = |i, o| Conv2dConfig::new([i, o], [3, 3]).with_padding(PaddingConfig2d::Same).init(device);
        Self {
            conv1: conv(1, 32),
            conv2: conv(32, 64),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            fc1: LinearConfig::new(64 * 7 * 7, FEATURES).init(device),
            fc2: LinearConfig::new(FEATURES, outputs).init(device),
        }
    }

    /// Images `[B, 1, 28, 28]` in [0, 1] -> penultimate features `[B, 128]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let batch = images.dims()[0];
        let x = relu_max_pool2d(&self.pool, conv2d(&self.conv1, images));
        let x = relu_max_pool2d(&self.pool, conv2d(&self.conv2, x));
        relu(linear(&self.fc1, x.reshape([batch, 64 * 7 * 7])))
    }

    /// Penultimate features -> logits `[B, outputs]`.
    pub fn logits(&self, features: Tensor<2>) -> Tensor<2> {
        linear(&self.fc2, features)
    }

    /// Images -> logits `[B, outputs]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.logits(self.features(images))
    }
}

/// Largest random shift, in pixels, of a training image (data augmentation).
const SHIFT: usize = 2;

/// One `(dx, dy)` per image, each drawn uniformly from `-max..=max` (dx first).
pub(crate) fn random_shifts(count: usize, max: usize, rng: &mut Rng) -> Vec<(i64, i64)> {
    let mut draw = || rng.below(2 * max + 1) as i64 - max as i64;
    (0..count).map(|_| (draw(), draw())).collect()
}

/// Writes `image` (row-major, `side` x `side`) moved `dx` pixels right and `dy` down into `out`,
/// leaving `out` as it is where no pixel lands (zeros, for a fresh buffer).
pub(crate) fn shift_into<T: Copy>(image: &[T], side: usize, (dx, dy): (i64, i64), out: &mut [T]) {
    let side = side as i64;
    for y in 0..side {
        for x in 0..side {
            let (sx, sy) = (x - dx, y - dy);
            if (0..side).contains(&sx) && (0..side).contains(&sy) {
                out[(y * side + x) as usize] = image[(sy * side + sx) as usize];
            }
        }
    }
}

/// `[B, 1, 28, 28]` images in [0, 1] and their labels, for `indices` of `set`; with `rng`,
/// each image is shifted by up to [`SHIFT`] pixels in x and y (zeros fill in).
fn batch(set: &ImageSet, indices: &[usize], rng: Option<&mut Rng>, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let labels = set.labels().expect("MNIST has labels");
    let shifts = match rng {
        Some(rng) => random_shifts(indices.len(), SHIFT, rng),
        None => vec![(0, 0); indices.len()],
    };
    let mut pixels = vec![0u8; indices.len() * 784];
    for ((&i, &shift), out) in indices.iter().zip(&shifts).zip(pixels.chunks_mut(784)) {
        shift_into(set.image(i), 28, shift, out);
    }
    let targets: Vec<i64> = indices.iter().map(|&i| labels[i] as i64).collect();
    (
        unit_tensor(pixels, [indices.len(), 1, 28, 28], device),
        Tensor::from_data(TensorData::new(targets, [indices.len()]), device),
    )
}

/// Fraction of `set` the classifier labels correctly (eval mode, batches of 500).
pub fn accuracy(classifier: &Classifier, set: &ImageSet, device: &Device) -> f64 {
    let model = classifier.valid();
    let mut correct = 0;
    for start in (0..set.len()).step_by(500) {
        let indices: Vec<usize> = (start..(start + 500).min(set.len())).collect();
        let (images, targets) = batch(set, &indices, None, &device.clone().inner());
        let predicted = model.forward(images).argmax(1).reshape([indices.len()]);
        correct += predicted.equal(targets).int().sum().into_scalar::<i64>() as usize;
    }
    correct as f64 / set.len() as f64
}

/// The network `init()` builds right after `device`'s random numbers are seeded with `seed`,
/// with every parameter drawn before it returns, under a process-wide lock: Burn draws a
/// parameter's initial values lazily, at its first use, from one random stream per backend (not
/// per device), so two trainings started at once (tests run in parallel threads) would otherwise
/// draw from each other's stream.
pub(crate) fn seeded(device: &Device, seed: u64, init: impl FnOnce() -> Classifier) -> Classifier {
    struct DrawNow;
    impl ModuleVisitor for DrawNow {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let _ = param.val();
        }
    }
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    device.seed(seed);
    let model = init();
    model.visit(&mut DrawNow);
    model
}

/// Adam with learning rate 1e-3 x 0.6^epoch, batches of 128 of randomly shifted images in an
/// order shuffled by `seed` each epoch; `on_epoch(epoch, mean loss)` after each (1-based) epoch.
pub fn train(
    train: &ImageSet,
    epochs: usize,
    seed: u64,
    device: &Device,
    mut on_epoch: impl FnMut(usize, f64),
) -> Classifier {
    let mut model = seeded(device, seed, || Classifier::new(device));
    let mut optim = AdamConfig::new().init();
    let loss = CrossEntropyLossConfig::new().init(device);
    for epoch in 0..epochs {
        let lr = 1e-3 * 0.6f64.powi(epoch as i32);
        let mut rng = Rng::fork(seed, stream::epoch(epoch));
        let order = rng.permutation(train.len());
        let mut sum = 0.0;
        let batches = order.chunks(128);
        let count = batches.len();
        for indices in batches {
            let (images, targets) = batch(train, indices, Some(&mut rng), device);
            let value = loss.forward(model.forward(images), targets);
            sum += value.clone().into_scalar::<f32>() as f64;
            let grads = GradientsParams::from_grads(value.backward(), &model);
            model = optim.step(lr, model, grads);
        }
        on_epoch(epoch + 1, sum / count as f64);
    }
    model
}

/// What is cached beside the weights (`mnist.json`).
#[derive(Config, Debug)]
pub struct ClassifierInfo {
    /// Accuracy on the 10,000 MNIST test images.
    pub test_accuracy: f64,
    pub epochs: usize,
    pub seed: u64,
}

/// The classifiers' folder: `given`, else `$XDG_CACHE_HOME/hsic-infogan/classifier` (usually
/// `~/.cache/...`).
pub fn dir_or_cache(given: Option<&Path>) -> Result<PathBuf, EvalError> {
    match given {
        Some(dir) => Ok(dir.to_path_buf()),
        None => hsic_infogan_data::cache_dir()
            .map(|dir| dir.join("classifier"))
            .ok_or_else(|| EvalError::Config("no user cache directory on this system (set XDG_CACHE_HOME)".into())),
    }
}

/// Writes `mnist.bpk` and `mnist.json` into `dir`, each through a temporary name.
pub fn save(classifier: &Classifier, info: &ClassifierInfo, dir: &Path) -> Result<(), EvalError> {
    save_cached(classifier, info, dir, "mnist")
}

/// Writes `network`'s weights (eval mode) to `dir/NAME.bpk` and `info` to `dir/NAME.json`, each
/// through a temporary name.
pub(crate) fn save_cached<M: Module, C: Config>(
    network: &M,
    info: &C,
    dir: &Path,
    name: &str,
) -> Result<(), EvalError> {
    std::fs::create_dir_all(dir).map_err(RunError::io(dir))?;
    let weights = dir.join(format!("{name}.bpk"));
    let bytes = network.valid().into_record().into_bytes().map_err(|e| RunError::run(&weights, e))?;
    files::write_atomic(&weights, &*bytes)?;
    Ok(files::save_config(info, &dir.join(format!("{name}.json")))?)
}

/// The cached classifier (eval mode) and its info.
pub fn load(dir: &Path, device: &Device) -> Result<(Classifier, ClassifierInfo), EvalError> {
    let (weights, json) = (dir.join("mnist.bpk"), dir.join("mnist.json"));
    if !weights.is_file() || !json.is_file() {
        return Err(EvalError::NoClassifier(dir.to_path_buf()));
    }
    let info = ClassifierInfo::load(&json).map_err(|e| RunError::run(&json, e))?;
    let classifier = files::load_module(&weights, Classifier::new(device))?;
    Ok((classifier.valid(), info))
}
