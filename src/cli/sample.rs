//! `hsic-infogan sample`: figures and samples from a run's checkpoint.

use std::path::PathBuf;

use clap::Args;
use hsic_infogan_models::Rng;
use hsic_infogan_train::figures::write_generator_figures;
use hsic_infogan_train::run::{self, TrainedGenerator};

use crate::args::RunDeviceArg;
use crate::npy;

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The run folder (written by `train`).
    #[arg(long)]
    run: PathBuf,
    /// Number of samples for --npy.
    #[arg(long, default_value_t = 1000)]
    n: usize,
    /// Write N images (float32 [N, C, H, W] in [0, 1]) to FILE, their codes (float32
    /// [N, one-hot + continuous]) to FILE_codes.npy and the categorical values (int64
    /// [N, categorical codes]) to FILE_categories.npy.
    #[arg(long)]
    npy: Option<PathBuf>,
    /// Seed of the samples written with --npy.
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
    if args.npy.is_some() && args.n == 0 {
        return Err("--n must be at least 1".into());
    }
    let TrainedGenerator { config, state, generator, device } = run::load_generator(&args.run, args.device.device.as_deref())?;
    let out = args.out.clone().unwrap_or_else(|| args.run.clone());
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for path in write_generator_figures(&generator, &config, state.image, &out, &device)? {
        println!("figure: {}", path.display());
    }
    let Some(file) = args.npy else { return Ok(()) };
    let (mut images, mut codes, mut categories) = (Vec::new(), Vec::new(), Vec::new());
    for (latent, batch) in generator.sample_chunks(&config.latent, args.n, CHUNK, &mut Rng::new(args.seed), &device) {
        images.extend(batch.into_data().try_to_vec::<f32>().map_err(|e| format!("{e:?}"))?);
        codes.extend(latent.codes());
        categories.extend(latent.categories.iter().map(|&v| v as i64));
    }
    let [ch, h, w] = state.image;
    let sibling = |suffix: &str| {
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        file.with_file_name(format!("{stem}_{suffix}.npy"))
    };
    npy::write(&file, &[args.n, ch, h, w], &images)?;
    npy::write(&sibling("codes"), &[args.n, config.latent.code_size()], &codes)?;
    npy::write(&sibling("categories"), &[args.n, config.latent.categorical.len()], &categories)?;
    println!("wrote {} samples: {}, {}, {}", args.n, file.display(), sibling("codes").display(), sibling("categories").display());
    Ok(())
}
