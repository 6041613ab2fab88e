//! One module per subcommand.

pub mod diff;
pub mod filter;
pub mod grpc;
pub mod har;
pub mod hpack;
pub mod input;
pub mod jsonl;
pub mod limits;
pub mod listing;
pub mod output;
