//! One module per subcommand.

pub mod filter;
pub mod grpc;
pub mod hpack;
pub mod input;
pub mod jsonl;
pub mod listing;
