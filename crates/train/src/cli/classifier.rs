//! `hsic-infogan classifier train`: the MNIST classifier that evaluation uses, trained once and
//! cached.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use hsic_infogan_data::mnist::{MnistKind, Search, Split, load_split, locate};
use hsic_infogan_train::eval::classifier::{self, ClassifierInfo};
use hsic_infogan_train::open_device;

#[derive(Debug, Subcommand)]
pub enum ClassifierCommand {
    /// Train the MNIST classifier, measure its test accuracy and cache both.
    Train(TrainArgs),
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// A folder holding the MNIST files; searched first.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    #[arg(long, default_value = "flex")]
    device: String,
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
        let kind = MnistKind::Mnist;
        let place = locate(kind, &Search::standard(kind, args.data_dir.as_deref()))?;
        let (train, test) = (load_split(kind, Split::Train, &place.dir)?, load_split(kind, Split::Test, &place.dir)?);
        let device = open_device(&args.device)?;
        let model = classifier::train(&train, args.epochs, args.seed, &device, true);
        let test_accuracy = classifier::accuracy(&model, &test, &device);
        let dir = match args.out {
            Some(dir) => dir,
            None => classifier::cache_dir()?,
        };
        classifier::save(&model, &ClassifierInfo::new(test_accuracy, args.epochs, args.seed), &dir)?;
        println!("test accuracy {:.2}% on 10,000 MNIST test images; saved in {}", 100.0 * test_accuracy, dir.display());
        Ok(())
    }
}
