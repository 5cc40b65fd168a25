//! `hsic-infogan sample`: figures and samples from a run's checkpoint.

use std::path::{Path, PathBuf};

use clap::Args;
use hsic_infogan_figures::{picture, save_png, write_generator_figures};
use hsic_infogan_models::{Latent, Rng};
use hsic_infogan_train::run::{self, TrainedGenerator};

use super::shared::RunDeviceArg;
use crate::npy;

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The run folder (written by `train`).
    #[arg(long)]
    run: PathBuf,
    /// Number of samples for --npy and --png-dir.
    #[arg(long, default_value_t = 1000)]
    n: usize,
    /// Write N images (float32 [N, C, H, W] in [0, 1]) to FILE, their codes (float32
    /// [N, one-hot + continuous]) to FILE_codes.npy, the categorical values (int64
    /// [N, categorical codes]) to FILE_categories.npy and the generator's whole input (float32
    /// [N, noise + codes], in the order it reads it) to FILE_latent.npy.
    #[arg(long)]
    npy: Option<PathBuf>,
    /// Write the N images as PNG files (00000.png, ...) into DIR, for tools that score a folder.
    #[arg(long)]
    png_dir: Option<PathBuf>,
    /// Seed of the samples written with --npy and --png-dir.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    device: RunDeviceArg,
    /// Where the figures go [default: the run folder].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Images generated per forward pass.
const CHUNK: usize = 500;

pub fn run(args: SampleArgs) -> Result<(), Box<dyn std::error::Error>> {
    if (args.npy.is_some() || args.png_dir.is_some()) && args.n == 0 {
        return Err("--n must be at least 1".into());
    }
    let TrainedGenerator { config, state, generator, device } =
        run::load_generator(&args.run, args.device.device.as_deref())?;
    let out = args.out.clone().unwrap_or_else(|| args.run.clone());
    create_dir(&out)?;
    for path in write_generator_figures(&generator, &config, state.image, &out, &device)? {
        println!("figure: {}", path.display());
    }
    if args.npy.is_none() && args.png_dir.is_none() {
        return Ok(());
    }
    let (mut images, mut latents) = (Vec::new(), Vec::new());
    for (latent, batch) in generator.sample_chunks(&config.latent, args.n, CHUNK, &mut Rng::new(args.seed), &device) {
        images.extend(batch.into_data().try_to_vec::<f32>().map_err(|e| format!("{e:?}"))?);
        latents.push(latent);
    }
    let [ch, h, w] = state.image;
    if let Some(dir) = &args.png_dir {
        create_dir(dir)?;
        for (k, image) in images.chunks(ch * h * w).enumerate() {
            save_png(&picture(image, state.image), &dir.join(format!("{k:05}.png")))?;
        }
        println!("wrote {} PNG files to {}", args.n, dir.display());
    }
    let Some(file) = args.npy else { return Ok(()) };
    let sibling = |suffix: &str| {
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        file.with_file_name(format!("{stem}_{suffix}.npy"))
    };
    let column = |f: fn(&Latent) -> Vec<f32>| latents.iter().flat_map(f).collect::<Vec<_>>();
    let categories: Vec<i64> = latents.iter().flat_map(|l| l.categories.iter().map(|&v| v as i64)).collect();
    let files = [file.clone(), sibling("codes"), sibling("categories"), sibling("latent")];
    npy::write(&files[0], &[args.n, ch, h, w], &images)?;
    npy::write(&files[1], &[args.n, config.latent.code_size()], &column(Latent::codes))?;
    npy::write(&files[2], &[args.n, config.latent.categorical.len()], &categories)?;
    npy::write(&files[3], &[args.n, config.latent.input_size()], &column(Latent::input_values))?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    println!("wrote {} samples: {}", args.n, names.join(", "));
    Ok(())
}

fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}
