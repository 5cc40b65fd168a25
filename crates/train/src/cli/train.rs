//! `hsic-infogan train`: train GAN, InfoGAN or HSIC-InfoGAN into a run folder.

use std::path::PathBuf;

use hsic_infogan_train::args::{TrainArgs, report};

pub fn run(args: TrainArgs) -> Result<(), Box<dyn std::error::Error>> {
    let model = if args.config_file.is_some() { args.new_run_config()?.model } else { args.model };
    let default_out = PathBuf::from("runs").join(model.name());
    let summary = args.execute(&default_out)?;
    print!("{}", report(&summary));
    Ok(())
}
