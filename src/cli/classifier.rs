//! `hsic-infogan classifier train`: the MNIST classifier that evaluation uses, trained once and
//! cached.

use std::path::PathBuf;
use std::time::Instant;

use burn::data::dataset::Dataset;
use clap::{Args, Subcommand};
use hsic_infogan_data::mnist::{self, MnistKind, Split};
use hsic_infogan_eval::classifier::{self, ClassifierInfo};

use super::shared::{DataDirArg, DeviceArg, Hint};
use crate::progress::showing_downloads;

#[derive(Debug, Subcommand)]
pub enum ClassifierCommand {
    /// Train the MNIST classifier, measure its test accuracy and cache both.
    Train(TrainArgs),
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    #[command(flatten)]
    data_dir: DataDirArg,
    #[command(flatten)]
    device: DeviceArg,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to cache it [default: the user cache, ~/.cache/hsic-infogan/classifier].
    #[arg(long)]
    out: Option<PathBuf>,
}

impl ClassifierCommand {
    pub fn run(self) -> Result<(), Box<dyn std::error::Error>> {
        let Self::Train(args) = self;
        if args.epochs == 0 {
            return Err("--epochs must be at least 1".into());
        }
        let device = args.device.device.open()?;
        let data_dir = args.data_dir.data_dir.as_deref();
        let files = showing_downloads(|on_download| mnist::find_with(MnistKind::Mnist, data_dir, on_download))
            .map_err(Hint::with_hint)?;
        let (train, test) = (files.load(Split::Train)?, files.load(Split::Test)?);
        let mut epoch_start = Instant::now();
        let model = classifier::train(&train, args.epochs, args.seed, &device, |epoch, loss| {
            let seconds = epoch_start.elapsed().as_secs_f64();
            eprintln!("classifier epoch {epoch}/{}: loss {loss:.4}, {seconds:.0} s", args.epochs);
            epoch_start = Instant::now();
        });
        let test_accuracy = classifier::accuracy(&model, &test, &device);
        let dir = match args.out {
            Some(dir) => dir,
            None => classifier::cache_dir()?,
        };
        classifier::save(&model, &ClassifierInfo::new(test_accuracy, args.epochs, args.seed), &dir)?;
        println!(
            "test accuracy {:.2}% on {} MNIST test images; saved in {}",
            100.0 * test_accuracy,
            test.len(),
            dir.display()
        );
        Ok(())
    }
}
