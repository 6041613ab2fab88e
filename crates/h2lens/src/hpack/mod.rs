//! HPACK (RFC 7541): header compression for HTTP/2.
//!
//! This module knows nothing of frames or connections: it decodes and
//! encodes complete header blocks. One [`Decoder`] (and one [`Encoder`])
//! serves one direction of one connection.
//!
//! Beyond a plain decoder, every [`Field`] says how it was encoded, which
//! table index it referenced and what that resolved to, and the decoder
//! emits [`TableEvent`]s so a viewer can replay the dynamic table.
//!
//! Layout: `integer` (§5.1), `huffman` (§5.2, Appendix B), `static_table`
//! (Appendix A), `dynamic` (§2.3.2, §4), `decoder` and `encoder` (§6),
//! `story` (the hpack-test-case JSON format).

mod block;
mod decoder;
mod dynamic;
mod encoder;
mod error;
mod huffman;
mod integer;
mod static_table;
pub mod story;

pub use block::{
    Field, HeaderBlock, IndexRef, Representation, TableEntry, TableEvent, TableKind, TableSnapshot,
    TableState, TableSummary, UnknownCause,
};
pub use decoder::{Decoder, DEFAULT_TABLE_SIZE};
pub use encoder::{Encoder, EncoderOptions, HuffmanPolicy, IndexingPolicy};
pub use error::{DecodeError, DecodeErrorKind, EvictedEntry};
