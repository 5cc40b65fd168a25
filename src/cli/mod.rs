//! The command tree: `hsic-infogan <command> ...`.

mod classifier;
mod compare;
mod data;
mod eval;
mod export;
mod sample;
mod shared;
mod sweep;
mod train;
mod tune;

use clap::{Parser, Subcommand};

pub use train::{TrainArgs, report};

/// HSIC-InfoGAN on Burn: InfoGAN with the Q network replaced by an HSIC term.
#[derive(Debug, Parser)]
#[command(name = "hsic-infogan", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the variants' sizes differing costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect the data sets.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// The MNIST classifier that evaluation uses.
    #[command(subcommand)]
    Classifier(classifier::ClassifierCommand),
    /// Train GAN, InfoGAN or HSIC-InfoGAN into a run folder (or resume one).
    Train(train::TrainArgs),
    /// Traversal figures, samples and NumPy exports from a run's checkpoint.
    Sample(sample::SampleArgs),
    /// The generator as safetensors in PyTorch's layout, with its latent layout as JSON.
    Export(export::ExportArgs),
    /// Score a run. MNIST: categorical-code accuracy on generated samples and, by a post-hoc
    /// encoder, on the real test digits; FID, continuous-code factors, class coverage. dSprites
    /// (shapes): the six disentanglement metrics by Q and by a post-hoc encoder. Writes
    /// RUN/eval.json.
    Eval(eval::EvalArgs),
    /// One markdown table of several evaluated runs.
    Compare(compare::CompareArgs),
    /// Fig. 2: one short HSIC-InfoGAN run per (sigma_x, sigma_c, lambda, seed), each scored.
    Sweep(sweep::SweepArgs),
    /// The paper's tuning strategy, measured: kernel widths by the dependence signal, lambda by
    /// the gradient ratio, then a few short scored runs; writes a config for `train --config`.
    Tune(tune::TuneArgs),
}

impl Cli {
    pub fn run(self) -> Result<(), Box<dyn std::error::Error>> {
        match self.command {
            Command::Data(command) => command.run(),
            Command::Classifier(command) => command.run(),
            Command::Train(args) => train::run(args),
            Command::Sample(args) => sample::run(args),
            Command::Export(args) => export::run(args),
            Command::Eval(args) => eval::run(args),
            Command::Compare(args) => compare::run(args),
            Command::Sweep(args) => sweep::run(args),
            Command::Tune(args) => tune::run(args),
        }
    }
}
