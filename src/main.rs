//! `hsic-infogan`: the project's command line. One module per command under `cli/`.

use std::process::ExitCode;

use clap::Parser;
use hsic_infogan::Cli;

/// See [`hsic_infogan::allocator`].
#[global_allocator]
static ALLOCATOR: hsic_infogan::allocator::Allocator = hsic_infogan::allocator::Allocator;

fn main() -> ExitCode {
    hsic_infogan::allocator::keep_freed_memory();
    match Cli::parse().run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
