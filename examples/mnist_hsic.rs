//! The main job: HSIC-InfoGAN on MNIST with the paper's settings (batch 100, 100 epochs,
//! Adam 2e-4 / 1e-3, beta1 0.5) and this project's measured HSIC defaults, into
//! `runs/mnist_hsic`. Takes the flags of `hsic-infogan train`, e.g.
//!
//!     cargo run --release --example mnist_hsic -- --epochs 5 --out runs/try

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hsic_infogan::{TrainArgs, report};

/// See [`hsic_infogan::allocator`].
#[global_allocator]
static ALLOCATOR: hsic_infogan::allocator::Allocator = hsic_infogan::allocator::Allocator;

#[derive(Parser)]
#[command(about = "Train HSIC-InfoGAN on MNIST and write the paper's figures")]
struct Cli {
    #[command(flatten)]
    train: TrainArgs,
}

fn main() -> ExitCode {
    hsic_infogan::allocator::keep_freed_memory();
    let cli = Cli::parse();
    match cli.train.execute(|_| PathBuf::from("runs/mnist_hsic")) {
        Ok(summary) => {
            print!("{}", report(&summary));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
