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
//!
//! ## Rare paths out of line in WebAssembly
//!
//! Functions on rare paths (diagnostics, IP fragments, RST and FIN, a
//! connection's start and end, out-of-order segments, size updates) carry
//! `#[cfg_attr(target_family = "wasm", inline(never))]`. V8 first runs a
//! module's code in its baseline compiler and recompiles hot functions in
//! the background with its optimising one, which takes superlinearly
//! longer for big functions: with those paths inlined, the hottest
//! function (a header block's decoding) took about 60 ms to optimise,
//! while it ran at baseline speed and the compiler threads took both
//! cores of a two-core machine. Kept out of line, the hot functions are
//! a third to a half their size, and the first decode of the big capture
//! in Node is 7 % faster (docs/BENCHMARKS.md). Natively the compiler
//! decides, except for the HPACK size update, which stays inline as it was
//! (as a call, native `summary` was about 2 % slower). For the same
//! reason the HPACK field loop (`hpack::Decoder::decode_each`) is its own
//! function in WebAssembly, though hot: inlined, the block decoder it
//! serves grew to 10 KB. The other way round, V8 does not inline calls
//! between WebAssembly functions, so a small function called per header
//! field (`has_uppercase`) is forced inline.
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
