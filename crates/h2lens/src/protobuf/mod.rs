//! Protobuf payloads: schema-less raw decoding (like `protoc --decode_raw`)
//! and decoding by a protoset (a serialized `FileDescriptorSet`).
//!
//! - [`raw`]: the wire format (protobuf "Encoding" guide) without a schema:
//!   every field with its number, wire type, value interpretations and byte
//!   span, plus [`raw::to_text_format`] which prints what `protoc
//!   --decode_raw` prints.
//! - [`schema`]: a [`Schema`] from a protoset; messages of a gRPC method
//!   decoded to proto3 JSON.

pub mod raw;
pub mod schema;

pub use raw::{
    decode_raw, iter_fields, to_text_format, RawDecode, RawField, RawLimits, RawMessage, RawValue,
    WireType, WireValue,
};
pub use schema::{MessageRole, Schema};
