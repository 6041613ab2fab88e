//! `h2lens`: decode HTTP/2, HPACK and gRPC from captures and taps.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Every header block and event is an allocation or a few, made on one
/// thread and often freed on another: mimalloc's per-thread free lists do
/// that in about half the time glibc's malloc takes (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Capture facts, connections, and where every byte went.
    Summary(cmd::listing::ListArgs),
    /// Every header block in capture order, decoded.
    Headers(cmd::listing::HeadersArgs),
    /// Every HTTP/2 frame.
    Frames(cmd::listing::ListArgs),
    /// One line per request/response exchange.
    Exchanges(cmd::listing::ListArgs),
    /// Every protocol anomaly, in plain words.
    Anomalies(cmd::listing::ListArgs),
    /// gRPC calls: status, metadata (wire order and grouped), messages.
    Grpc(cmd::grpc::GrpcArgs),
    /// Compare two hops (two captures) or two exchanges of one capture.
    Diff(cmd::diff::DiffArgs),
    /// Every exchange as HAR 1.2 (opens in browser devtools).
    Har(cmd::har::HarArgs),
    /// HPACK tools: inflate stories, encode, explain one block.
    #[command(subcommand)]
    Hpack(cmd::hpack::HpackCommand),
    /// Every limit (table sizes, buffers, flood thresholds) and its default.
    Limits(cmd::limits::LimitsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Summary(a) => cmd::listing::run_summary(a),
        Command::Headers(a) => cmd::listing::run_headers(a),
        Command::Frames(a) => cmd::listing::run_list(cmd::listing::Listing::Frames, a),
        Command::Exchanges(a) => cmd::listing::run_list(cmd::listing::Listing::Exchanges, a),
        Command::Anomalies(a) => cmd::listing::run_list(cmd::listing::Listing::Anomalies, a),
        Command::Grpc(a) => cmd::grpc::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Har(a) => cmd::har::run(a),
        Command::Hpack(c) => cmd::hpack::run(c),
        Command::Limits(a) => cmd::limits::run(a),
    };
    match result {
        Ok(code) if code == ExitCode::SUCCESS => {
            match cmd::input::INPUT_STATUS.load(std::sync::atomic::Ordering::Relaxed) {
                0 => code,
                status => ExitCode::from(status),
            }
        }
        Ok(code) => code,
        Err(err) => {
            eprintln!("h2lens: {err}");
            ExitCode::from(2)
        }
    }
}
