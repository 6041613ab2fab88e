//! h2lens: a sans-IO decoder that shows what HTTP/2 and gRPC traffic really
//! carried on the wire.
//!
//! Layers, each usable on its own and each a push-bytes / pull-events stage:
//!
//! ```text
//! capture (pcap, pcapng) → net (link, IP, TCP reassembly) → frame (RFC 9113)
//!        → hpack (RFC 7541) → conn (streams, exchanges) → grpc
//! tap (linkerd / Envoy) ────────────────────────────────┘
//! (TLS records are decrypted by `tls` with a key log before `frame`.)
//! ```
//!
//! No layer does I/O, and no input can make a layer panic: malformed input
//! becomes a [`Diagnostic`] with a byte offset, and every limit lives in
//! [`Config`].
#![forbid(unsafe_code)]
// Hostile input must never panic the decoder (a panic in WASM kills the
// user's tab), so the panicking shortcuts are denied outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod config;
pub mod diag;
pub mod jsint;
pub mod octets;
pub mod time;

// Decoding layers, bottom up.
pub mod capture;
pub mod conn;
pub mod frame;
pub mod grpc;
pub mod hpack;
pub mod net;
pub mod protobuf;
pub mod tap;
pub mod tls;

// The whole pipeline, and what is built on its events.
pub mod diff;
pub mod har;
pub mod inspect;

mod idhash;

pub use config::Config;
pub use diag::{Diagnostic, Layer, Severity, Span};
pub use octets::Octets;
pub use time::{Direction, PerDir, Timestamp};
