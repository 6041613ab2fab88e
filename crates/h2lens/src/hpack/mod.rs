//! HPACK (RFC 7541): header compression for HTTP/2.
//!
//! This module knows nothing of frames or connections: it decodes and
//! encodes complete header blocks. One [`Decoder`] (and one [`Encoder`])
//! serves one direction of one connection.
//!
//! Beyond a plain decoder, every [`Field`] says how it was encoded, which
//! table index it referenced and what that resolved to, and the decoder
//! emits [`TableEvent`]s so a viewer can replay the dynamic table.

mod block;
mod error;

pub use block::{
    Field, HeaderBlock, IndexRef, Representation, TableEvent, TableKind, TableState, TableSummary,
    UnknownCause,
};
pub use error::{DecodeError, DecodeErrorKind, EvictedEntry};

mod stub;
pub use stub::Decoder;
