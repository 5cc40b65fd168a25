//! A run's checkpoint: both networks, both Adam states, and where the run stands. Written into
//! `checkpoint.tmp/` and renamed into place, so a crash mid-write never loses the last good one.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::prelude::*;
use hsic_infogan_flex_ops::adam;
use hsic_infogan_models::{Discriminator, DiscriminatorConfig, Generator, GeneratorConfig, check_image_dims};

use crate::files::{check_can_hold, load_json, read_bytes, read_record};
use crate::{MAX_IMAGE_SIZE, RunError};

/// Where a run stands (`checkpoint/state.json`).
#[derive(Config, Debug, PartialEq, Eq)]
pub struct TrainState {
    /// Iterations completed since the start of the run.
    pub iteration: usize,
    /// Iterations per epoch (training images / batch size, the last partial batch dropped).
    pub iters_per_epoch: usize,
    /// State of the host random stream that draws the latent codes.
    pub rng: u64,
    /// `[channels, height, width]` of the images.
    pub image: [usize; 3],
}

/// Networks and optimiser states as loaded from or written to a checkpoint.
pub struct Checkpoint<'a> {
    pub generator: &'a Generator,
    pub discriminator: &'a Discriminator,
    pub optim_g: &'a ModuleOptimizer,
    pub optim_d: &'a ModuleOptimizer,
    pub state: TrainState,
}

const GENERATOR: &str = "generator.bpk";
const DISCRIMINATOR: &str = "discriminator.bpk";
const OPTIM_G: &str = "optim_g.bpk";
const OPTIM_D: &str = "optim_d.bpk";
const STATE: &str = "state.json";

/// `run/checkpoint`: where [`save`] puts the checkpoint.
pub fn path(run: &Path) -> PathBuf {
    run.join("checkpoint")
}

/// `run/checkpoint`, or `run/checkpoint.old` if a save was cut off between its two renames.
pub fn find(run: &Path) -> Result<PathBuf, RunError> {
    let current = path(run);
    let old = run.join("checkpoint.old");
    if current.join(STATE).is_file() {
        Ok(current)
    } else if old.join(STATE).is_file() {
        Ok(old)
    } else {
        Err(RunError::run(run, "no checkpoint here (expected checkpoint/state.json): is this a run folder?"))
    }
}

pub fn save(run: &Path, checkpoint: Checkpoint<'_>) -> Result<(), RunError> {
    let tmp = run.join("checkpoint.tmp");
    let current = path(run);
    let old = run.join("checkpoint.old");
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(RunError::io(&tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(RunError::io(&tmp))?;
    let record =
        |file: &str, result: Result<(), burn::store::RecordError>| result.map_err(|e| RunError::run(tmp.join(file), e));
    // `valid()` first folds the last batch-norm update into the running statistics, which a
    // record of the training module would otherwise miss.
    record(GENERATOR, checkpoint.generator.valid().layers_record().save(tmp.join(GENERATOR)))?;
    record(DISCRIMINATOR, checkpoint.discriminator.valid().layers_record().save(tmp.join(DISCRIMINATOR)))?;
    record(OPTIM_G, checkpoint.optim_g.save(tmp.join(OPTIM_G)))?;
    record(OPTIM_D, checkpoint.optim_d.save(tmp.join(OPTIM_D)))?;
    checkpoint.state.save(tmp.join(STATE)).map_err(RunError::io(tmp.join(STATE)))?;
    if current.exists() {
        if old.exists() {
            fs::remove_dir_all(&old).map_err(RunError::io(&old))?;
        }
        fs::rename(&current, &old).map_err(RunError::io(&current))?;
    }
    fs::rename(&tmp, &current).map_err(RunError::io(&tmp))?;
    if old.exists() {
        fs::remove_dir_all(&old).map_err(RunError::io(&old))?;
    }
    Ok(())
}

/// Copies the networks and the state (not Adam's states: what `eval` and `sample` read) of the
/// checkpoint in `dir` into the folder `to`, which must exist.
pub fn copy_networks(dir: &Path, to: &Path) -> Result<(), RunError> {
    for file in [GENERATOR, DISCRIMINATOR, STATE] {
        fs::copy(dir.join(file), to.join(file)).map_err(RunError::io(to.join(file)))?;
    }
    Ok(())
}

pub fn load_state(dir: &Path) -> Result<TrainState, RunError> {
    let path = dir.join(STATE);
    let state: TrainState = load_json(&path)?;
    // The networks are built for this shape before their weights are read, and refuse others.
    check_image_dims(state.image).map_err(|e| RunError::run(&path, e))?;
    if state.image[1..].iter().any(|&side| side > MAX_IMAGE_SIZE) {
        return Err(RunError::run(
            &path,
            format!("image shape {:?}: no run trains on images over {MAX_IMAGE_SIZE} pixels a side", state.image),
        ));
    }
    Ok(state)
}

/// What [`check_generator_size`] and [`check_discriminator_size`] name as the source of the sizes.
const SIZES_FROM: &str = "the run's config.json and checkpoint state.json";

/// Refuses a G of `config`'s size that the checkpoint in `dir` cannot hold, before it is built.
pub fn check_generator_size(dir: &Path, config: &GeneratorConfig) -> Result<(), RunError> {
    check_can_hold(&dir.join(GENERATOR), config.dense_weights(), SIZES_FROM)
}

/// Refuses a D of `config`'s size that the checkpoint in `dir` cannot hold, before it is built.
pub fn check_discriminator_size(dir: &Path, config: &DiscriminatorConfig) -> Result<(), RunError> {
    check_can_hold(&dir.join(DISCRIMINATOR), config.dense_weights(), SIZES_FROM)
}

pub fn load_generator(dir: &Path, fresh: Generator) -> Result<Generator, RunError> {
    let path = dir.join(GENERATOR);
    fresh.load_layers(read_record(&path)?).map_err(|e| RunError::run(&path, e))
}

pub fn load_discriminator(dir: &Path, fresh: Discriminator) -> Result<Discriminator, RunError> {
    let path = dir.join(DISCRIMINATOR);
    fresh.load_layers(read_record(&path)?).map_err(|e| RunError::run(&path, e))
}

/// The Adam states, `(G's, D's)`, on `device` (the run's).
pub fn load_optimizers(
    dir: &Path,
    optim_g: ModuleOptimizer,
    optim_d: ModuleOptimizer,
    device: &Device,
) -> Result<(ModuleOptimizer, ModuleOptimizer), RunError> {
    let load = |optim: ModuleOptimizer, file: &str| {
        let path = dir.join(file);
        adam::load(optim, read_bytes(&path)?, device).map_err(|e| RunError::run(path, e))
    };
    Ok((load(optim_g, OPTIM_G)?, load(optim_d, OPTIM_D)?))
}
