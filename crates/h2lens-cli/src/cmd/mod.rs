//! One module per subcommand.

pub mod hpack;
