//! gRPC over HTTP/2: messages, status, metadata, gRPC-Web.
//!
//! Everything here is sans-IO and independent of the HTTP/2 decoder: inputs
//! are header lists in wire order (anything implementing [`HeaderPair`]) and
//! DATA payload bytes in any chunking. The rules come from the gRPC
//! "gRPC over HTTP2" document (`doc/PROTOCOL-HTTP2.md`, cited below as
//! "gRPC HTTP2") and the gRPC-Web document (`doc/PROTOCOL-WEB.md`).
//!
//! - [`content_type`]: which gRPC flavour a `content-type` names.
//! - [`MessageReader`]: length-prefixed messages out of one direction's body.
//! - [`status`]: `grpc-status` names and the percent-decoded `grpc-message`.
//! - [`timeout`](mod@timeout): `grpc-timeout`.
//! - [`metadata`]: reserved headers vs user metadata, `-bin` values, the
//!   grouped (multimap) view.
//! - [`call`]: a whole call summarised from one HTTP/2 exchange.

pub mod call;
pub mod content_type;
pub mod encoding;
pub mod headers;
pub mod message;
pub mod metadata;
pub mod status;
pub mod timeout;
mod web_text;

pub use call::{
    summarize, BodyChunk, CallInput, CallMessage, CallOptions, DeadlineCheck, GrpcCall, Reset,
    ResetSummary, StatusSource,
};
pub use content_type::{classify_content_type, ContentType, Framing};
pub use encoding::Encoding;
pub use headers::{Header, HeaderPair};
pub use message::{GrpcMessage, MessageReader, ReaderEvent, WebTrailers};
pub use metadata::{Metadata, MetadataEntry, MetadataGroup, ValueEncoding};
pub use status::{decode_grpc_message, GrpcMessageText, StatusCode};
pub use timeout::{parse_timeout, GrpcTimeout, TimeoutUnit};
