//! `hsic-infogan classifier train`: the classifiers that evaluation uses, trained once and
//! cached: MNIST's digit classifier, or dSprites' factor classifier (`--dataset shapes`).

use std::path::PathBuf;
use std::time::Instant;

use burn::data::dataset::Dataset;
use burn::prelude::Device;
use clap::{Args, Subcommand, ValueEnum};
use hsic_infogan_data::mnist::{self, MnistKind, Split};
use hsic_infogan_data::shapes::Factor;
use hsic_infogan_eval::classifier::{self, ClassifierInfo};
use hsic_infogan_eval::factor_classifier::{self, FactorClassifierConfig, FactorClassifierInfo};

use super::shared::{DataDirArg, DeviceArg, Hint};
use crate::progress::{StatusLine, showing_downloads};

#[derive(Debug, Subcommand)]
pub enum ClassifierCommand {
    /// Train a classifier, measure its test accuracy and cache both.
    Train(TrainArgs),
}

/// The data sets that have a classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ClassifierDataset {
    /// MNIST's digits (FID and the categorical codes' accuracy of MNIST runs).
    Mnist,
    /// dSprites' five factors (FID of `shapes` runs).
    Shapes,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[arg(long, value_enum, default_value_t = ClassifierDataset::Mnist)]
    dataset: ClassifierDataset,
    /// MNIST: epochs over the 60,000 training digits.
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// shapes: Adam steps, each on 128 freshly rendered images.
    #[arg(long, default_value_t = 3000)]
    steps: usize,
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
        let device = args.device.device.open()?;
        let dir = classifier::dir_or_cache(args.out.as_deref())?;
        match args.dataset {
            ClassifierDataset::Mnist => train_mnist(&args, &device, dir),
            ClassifierDataset::Shapes => train_shapes(&args, &device, dir),
        }
    }
}

fn train_mnist(args: &TrainArgs, device: &Device, dir: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    if args.epochs == 0 {
        return Err("--epochs must be at least 1".into());
    }
    let data_dir = args.data_dir.data_dir.as_deref();
    let files = showing_downloads(|on_download| mnist::find_with(MnistKind::Mnist, data_dir, on_download))
        .map_err(Hint::with_hint)?;
    let (train, test) = (files.load(Split::Train)?, files.load(Split::Test)?);
    let mut epoch_start = Instant::now();
    let model = classifier::train(&train, args.epochs, args.seed, device, |epoch, loss| {
        let seconds = epoch_start.elapsed().as_secs_f64();
        eprintln!("classifier epoch {epoch}/{}: loss {loss:.4}, {seconds:.0} s", args.epochs);
        epoch_start = Instant::now();
    });
    let test_accuracy = classifier::accuracy(&model, &test, device);
    classifier::save(&model, &ClassifierInfo::new(test_accuracy, args.epochs, args.seed), &dir)?;
    println!(
        "test accuracy {:.2}% on {} MNIST test images; saved in {}",
        100.0 * test_accuracy,
        test.len(),
        dir.display()
    );
    Ok(())
}

/// Images the factor classifier's accuracy is measured on (drawn with seed + 1).
const SHAPES_TEST_IMAGES: usize = 5000;

fn train_shapes(args: &TrainArgs, device: &Device, dir: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    if args.steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    let recipe = FactorClassifierConfig::new().with_steps(args.steps).with_seed(args.seed);
    let (start, mut line) = (Instant::now(), StatusLine::new());
    let every = if line.tty() { 10 } else { 250 };
    let model = factor_classifier::train(&recipe, device, |step, loss| {
        if step % every == 0 || step == recipe.steps {
            let seconds = start.elapsed().as_secs_f64();
            line.show(&format!("factor classifier step {step}/{}: loss {loss:.3}, {seconds:.0} s", recipe.steps));
        }
    });
    line.keep();
    let test_accuracy = factor_classifier::accuracy(&model, SHAPES_TEST_IMAGES, args.seed.wrapping_add(1), device);
    let info = FactorClassifierInfo::new(recipe, test_accuracy.clone(), SHAPES_TEST_IMAGES);
    factor_classifier::save(&model, &info, &dir)?;
    let accuracy: Vec<String> =
        Factor::ALL.iter().zip(&test_accuracy).map(|(f, a)| format!("{} {:.1}%", f.name(), 100.0 * a)).collect();
    println!(
        "test accuracy {} on {SHAPES_TEST_IMAGES} fresh dSprites images; saved in {}",
        accuracy.join(", "),
        dir.display()
    );
    Ok(())
}
