//! `hsic-infogan train`: train GAN, InfoGAN or HSIC-InfoGAN into a run folder.

use std::path::PathBuf;

use hsic_infogan_train::args::{TrainArgs, report};

pub fn run(args: TrainArgs) -> Result<(), Box<dyn std::error::Error>> {
    let default_out = PathBuf::from("runs").join(args.model.name());
    let summary = args.execute(&default_out)?;
    print!("{}", report(&summary));
    Ok(())
}
