//! The command tree: `hsic-infogan <command> ...`.

mod data;
mod table;

use clap::{Parser, Subcommand};

/// HSIC-InfoGAN on Burn: InfoGAN with the Q network replaced by an HSIC term.
#[derive(Debug, Parser)]
#[command(name = "hsic-infogan", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect the data sets.
    #[command(subcommand)]
    Data(data::DataCommand),
}

impl Cli {
    pub fn run(self) -> Result<(), Box<dyn std::error::Error>> {
        match self.command {
            Command::Data(command) => command.run(),
        }
    }
}
