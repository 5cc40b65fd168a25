//! `hsic-infogan train`: train GAN, InfoGAN or HSIC-InfoGAN into a run folder.

use std::path::PathBuf;

use hsic_infogan_train::args::{TrainArgs, report};

pub fn run(args: TrainArgs) -> Result<(), Box<dyn std::error::Error>> {
    let summary = args.execute(|config| PathBuf::from("runs").join(config.model.name()))?;
    print!("{}", report(&summary));
    Ok(())
}
