//! Decoding by a schema: a protoset (serialized
//! `google.protobuf.FileDescriptorSet`, as `protoc --include_imports
//! --descriptor_set_out` and grpcurl's `-protoset` use).
//!
//! The output is the proto3 JSON mapping (lowerCamelCase names, 64-bit
//! integers as strings, default values omitted), which is what grpcurl
//! prints; `tests/protobuf_json_oracle.rs` checks it against Python
//! protobuf's `json_format` on messages of every field type.
//!
//! Why not `prost-reflect`: it served well, but built the well-known types'
//! descriptors as code and carried a full reflection API, 28 % of the
//! WebAssembly module (docs/BUILD.md), for what is here a read-only walk
//! of a message by its descriptor: `descriptor` reads the protoset with
//! this crate's own wire reader, `json` and `wkt` write the JSON.

mod descriptor;
mod json;
mod wkt;

use serde::Serialize;

use descriptor::{MethodDesc, Pool};

use crate::diag::{Diagnostic, Layer};

/// Which message of a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    /// Client to server: the method's input type.
    Request,
    /// Server to client: the method's output type.
    Response,
}

/// Services and messages known from a protoset.
#[derive(Clone, Debug)]
pub struct Schema {
    pool: Pool,
}

/// A method as the schema describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MethodInfo {
    /// `package.Service`.
    pub service: String,
    pub method: String,
    pub input_type: String,
    pub output_type: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
}

/// A message decoded by its type.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemaDecode {
    /// Full name of the message type, e.g. `payments.v1.Payment`.
    pub type_name: String,
    /// Proto3 JSON.
    pub json: serde_json::Value,
    /// Fields present on the wire but not in the schema (a schema older
    /// than the sender): their numbers, in wire order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_fields: Vec<u32>,
}

impl Schema {
    /// Loads a protoset.
    pub fn from_protoset(bytes: &[u8]) -> Result<Schema, Diagnostic> {
        Pool::decode(bytes)
            .map(|pool| Schema { pool })
            .map_err(|e| {
                Diagnostic::error(
                    Layer::Protobuf,
                    "protobuf.bad_protoset",
                    format!("the protoset is not a usable FileDescriptorSet: {}", e.0),
                )
            })
    }

    fn method_descriptor(&self, path: &[u8]) -> Option<(&str, &MethodDesc)> {
        let path = std::str::from_utf8(path).ok()?;
        let (service, method) = path.strip_prefix('/')?.split_once('/')?;
        let (name, methods) = self.pool.services.get_key_value(service)?;
        Some((name.as_str(), methods.iter().find(|m| m.name == method)?))
    }

    /// The method named by a gRPC `:path` (`/package.Service/Method`).
    pub fn method(&self, path: &[u8]) -> Option<MethodInfo> {
        let (service, m) = self.method_descriptor(path)?;
        Some(MethodInfo {
            service: service.to_string(),
            method: m.name.clone(),
            input_type: m.input_type.clone(),
            output_type: m.output_type.clone(),
            client_streaming: m.client_streaming,
            server_streaming: m.server_streaming,
        })
    }

    /// Decodes one message of the method named by `path`.
    pub fn decode_for_method(
        &self,
        path: &[u8],
        role: MessageRole,
        message: &[u8],
    ) -> Result<SchemaDecode, Diagnostic> {
        let Some((_, m)) = self.method_descriptor(path) else {
            return Err(Diagnostic::info(
                Layer::Protobuf,
                "protobuf.method_not_in_schema",
                format!(
                    "the schema has no method for path \"{}\"",
                    crate::octets::display_bytes(path)
                ),
            ));
        };
        let type_name = match role {
            MessageRole::Request => &m.input_type,
            MessageRole::Response => &m.output_type,
        };
        self.decode_with(type_name, message)
    }

    /// Decodes a message of a named type (`package.Message`).
    pub fn decode_as(&self, type_name: &str, message: &[u8]) -> Result<SchemaDecode, Diagnostic> {
        if !self.pool.messages.contains_key(type_name) && !wkt::is_well_known(type_name) {
            return Err(Diagnostic::info(
                Layer::Protobuf,
                "protobuf.type_not_in_schema",
                format!("the schema has no message type \"{type_name}\""),
            ));
        }
        self.decode_with(type_name, message)
    }

    fn decode_with(&self, type_name: &str, message: &[u8]) -> Result<SchemaDecode, Diagnostic> {
        let mut unknown_fields = Vec::new();
        let decoded = match self.pool.messages.get(type_name) {
            Some(desc) if !wkt::is_well_known(type_name) => {
                json::message(&self.pool, desc, message, 0, Some(&mut unknown_fields))
            }
            _ => json::message_value(&self.pool, type_name, message, 0),
        };
        let json = decoded.map_err(|e| {
            Diagnostic::error(
                Layer::Protobuf,
                "protobuf.schema_decode_failed",
                format!("the message does not decode as {type_name}: {}", e.0),
            )
        })?;
        Ok(SchemaDecode {
            type_name: type_name.to_string(),
            json,
            unknown_fields,
        })
    }
}
