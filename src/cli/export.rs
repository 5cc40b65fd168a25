//! `hsic-infogan export`: a run's generator as safetensors in PyTorch's layout, for use outside
//! this program (`scripts/torch_generator.py` loads it).

use std::path::PathBuf;

use clap::Args;
use hsic_infogan_train::{export, run};

use super::shared::RunDeviceArg;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The run folder (written by `train`).
    #[arg(long)]
    run: PathBuf,
    /// The weights file [default: RUN/generator.safetensors]; the latent layout goes beside it
    /// with the extension .json.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    device: RunDeviceArg,
}

pub fn run(args: ExportArgs) -> Result<(), Box<dyn std::error::Error>> {
    let trained = run::load_generator(&args.run, args.device.device.as_deref())?;
    let weights = args.out.unwrap_or_else(|| args.run.join("generator.safetensors"));
    let layout = export::write(&trained, &weights)?;
    println!("generator (iteration {}): {}", trained.state.iteration, weights.display());
    println!("latent layout: {}", layout.display());
    println!("in PyTorch: python scripts/torch_generator.py {} --grid grid.png", weights.display());
    Ok(())
}
