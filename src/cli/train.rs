//! `hsic-infogan train`: train GAN, InfoGAN or HSIC-InfoGAN into a run folder.

use std::path::PathBuf;

use crate::args::{TrainArgs, report};

pub fn run(args: TrainArgs) -> Result<(), Box<dyn std::error::Error>> {
    let summary = args.execute(|config| PathBuf::from("runs").join(config.regularizer.kind().name()))?;
    print!("{}", report(&summary));
    Ok(())
}
