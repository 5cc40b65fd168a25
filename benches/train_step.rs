//! One training iteration (D step + G step, batch 100, MNIST-sized images) of GAN, InfoGAN and
//! HSIC-InfoGAN, on every compiled backend, in one run.
//!
//! ```text
//! cargo bench --bench train_step                      # all compiled backends
//! cargo bench --bench train_step -- --backend flex    # one backend
//! cargo bench --bench train_step -- --quick           # 3 samples per cell
//! ```
//!
//! Each cell is the median of timed [`Trainer::step`] calls after one warm-up step (which also
//! absorbs autotuning and kernel compilation). A step reads its losses back to the host, so
//! the device is synchronised inside every timing. The images are random bytes: the cost of a
//! step does not depend on what the pixels show.

mod common;

use std::time::Duration;

use hsic_infogan::data::ImageSet;
use hsic_infogan::device::{parse_device, probe};
use hsic_infogan::models::Rng;
use hsic_infogan::train::{ModelKind, TrainConfig, Trainer, TrainingData};

/// mimalloc keeps the tens of megabytes a training step allocates and frees instead of faulting
/// them in again: a step on flex runs about 15% faster than with glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const IMAGES: usize = 2000;

fn data() -> TrainingData {
    let mut rng = Rng::new(0);
    let pixels = (0..IMAGES * 784).map(|_| rng.below(256) as u8).collect();
    TrainingData::Set(ImageSet::new([1, 28, 28], pixels, None))
}

fn main() {
    let options = common::options(&[]);
    // ndarray and wgpu on a software Vulkan driver take seconds per step: 3 samples there.
    let budget = |backend: &str| match (options.quick, backend) {
        (true, _) => Duration::ZERO,
        (false, "flex" | "cuda") => Duration::from_secs(20),
        (false, _) => Duration::ZERO,
    };
    println!("{:<8} {:<8} {:>9} {:>8} {:>9}", "backend", "model", "s/iter", "it/s", "vs gan");
    for backend in &options.backends {
        let device = parse_device(backend).unwrap_or_else(|err| panic!("--backend: {err}"));
        if let Err(reason) = probe(&device) {
            println!("{backend}: SKIPPED, no usable device ({reason})");
            continue;
        }
        let mut gan_seconds = None;
        for model in [ModelKind::Gan, ModelKind::InfoGan, ModelKind::Hsic] {
            let config = TrainConfig::new().with_regularizer(model.regularizer()).with_device(backend.clone());
            let mut trainer = Trainer::new(config, data()).expect("bench configuration");
            let (median, samples) = common::time(budget(backend), 3, || {
                trainer.step().expect("finite losses");
            });
            let seconds = median.as_secs_f64();
            let gan = *gan_seconds.get_or_insert(seconds);
            println!(
                "{:<8} {:<8} {:>9.3} {:>8.2} {:>8.2}x   ({samples} samples)",
                backend,
                model.name(),
                seconds,
                1.0 / seconds,
                seconds / gan
            );
        }
    }
}
