//! `hsic-infogan`: the project's command line. One module per command under `cli/`.

use std::process::ExitCode;

use clap::Parser;
use hsic_infogan::Cli;

/// mimalloc keeps the tens of megabytes a training step allocates and frees instead of faulting
/// them in again: a step on flex runs about 15% faster than with glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match Cli::parse().run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
