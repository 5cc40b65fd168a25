//! What a generator draws: the paper's Fig. 1 traversals (one grid per continuous code) and a
//! grid of samples from the prior, each from latents fixed by the run's seed.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use hsic_infogan_train::TrainConfig;
use hsic_infogan_train::models::{Generator, Latent, LatentConfig, Rng, stream, traversal};
use hsic_infogan_train::run::{self, RunError};

use crate::grid::{grid, save_png};

/// Columns of a traversal grid: the continuous code at 10 evenly spaced values in [-1, 1].
pub const TRAVERSAL_STEPS: usize = 10;

/// The noise vector all traversal cells share, fixed by the seed so figures of successive
/// epochs (and of a resumed run) are comparable.
pub fn traversal_noise(layout: &LatentConfig, seed: u64) -> Vec<f32> {
    let mut rng = Rng::fork(seed, stream::TRAVERSAL_NOISE);
    (0..layout.noise).map(|_| rng.normal() as f32).collect()
}

fn generate(generator: &Generator, latent: &Latent, device: &Device) -> Vec<f32> {
    generator.forward(latent.input(device)).into_data().try_to_vec::<f32>().expect("f32 images")
}

/// Writes `traverse_c1.png`, `traverse_c2.png`, ... (one per continuous code): rows are the
/// values of the first categorical code, columns sweep the code over [-1, 1]. `generator` should
/// be in eval mode (`valid()`), so batch norm uses its running statistics.
pub fn write_traversals(
    generator: &Generator,
    layout: &LatentConfig,
    dims: [usize; 3],
    seed: u64,
    dir: &Path,
    device: &Device,
) -> Result<Vec<PathBuf>, RunError> {
    let z = traversal_noise(layout, seed);
    (0..layout.continuous)
        .map(|code| {
            let latent = traversal(layout, code, TRAVERSAL_STEPS, &z);
            let rows = latent.batch / TRAVERSAL_STEPS;
            let path = run::traversal_path(dir, code);
            save_png(&grid(&generate(generator, &latent, device), dims, rows, TRAVERSAL_STEPS), &path)?;
            Ok(path)
        })
        .collect()
}

/// One row of [`TRAVERSAL_STEPS`] images per continuous code (`[C, H, W]` values in [0, 1],
/// row after row): the code swept over [-1, 1], the noise of [`traversal_noise`], every other
/// code at 0 (categorical codes at their first value), as in the first row of `traverse_cK.png`.
pub fn traversal_rows(generator: &Generator, layout: &LatentConfig, seed: u64, device: &Device) -> Vec<f32> {
    let z = traversal_noise(layout, seed);
    (0..layout.continuous)
        .flat_map(|code| {
            let latent = traversal(layout, code, TRAVERSAL_STEPS, &z);
            let mut images = generate(generator, &latent, device);
            images.truncate(images.len() / (latent.batch / TRAVERSAL_STEPS));
            images
        })
        .collect()
}

/// Writes a `side x side` grid of samples from the prior (fixed by the seed) to `path`.
pub fn write_samples(
    generator: &Generator,
    layout: &LatentConfig,
    dims: [usize; 3],
    seed: u64,
    side: usize,
    path: &Path,
    device: &Device,
) -> Result<(), RunError> {
    let latent = layout.sample(side * side, &mut Rng::fork(seed, stream::SAMPLES));
    save_png(&grid(&generate(generator, &latent, device), dims, side, side), path)
}

/// `traverse_c*.png` and `samples.png` (10 x 10) of `generator` (in eval mode) into `dir`.
pub fn write_generator_figures(
    generator: &Generator,
    config: &TrainConfig,
    dims: [usize; 3],
    dir: &Path,
    device: &Device,
) -> Result<Vec<PathBuf>, RunError> {
    let mut paths = write_traversals(generator, &config.latent, dims, config.seed, dir, device)?;
    let samples = run::samples_path(dir);
    write_samples(generator, &config.latent, dims, config.seed, 10, &samples, device)?;
    paths.push(samples);
    Ok(paths)
}
