//! `h2lens`: decode HTTP/2, HPACK and gRPC from captures and taps.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(
    name = "h2lens",
    version,
    about = "See what HTTP/2 and gRPC really put on the wire"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// HPACK tools: inflate stories, encode, explain one block.
    #[command(subcommand)]
    Hpack(cmd::hpack::HpackCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hpack(c) => cmd::hpack::run(c),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("h2lens: {err}");
            ExitCode::from(2)
        }
    }
}
