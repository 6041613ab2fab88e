//! `h2lens hpack …`

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum HpackCommand {}

pub fn run(command: HpackCommand) -> Result<ExitCode, String> {
    match command {}
}
