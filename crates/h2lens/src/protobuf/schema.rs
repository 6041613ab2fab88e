//! Decoding by a schema: a protoset (serialized
//! `google.protobuf.FileDescriptorSet`, as `protoc --include_imports
//! --descriptor_set_out` and grpcurl's `-protoset` use) and `prost-reflect`.
//!
//! The output is the proto3 JSON mapping (lowerCamelCase names, 64-bit
//! integers as strings, default values omitted), which is what grpcurl
//! prints.

use prost_reflect::{
    DescriptorPool, DynamicMessage, MessageDescriptor, MethodDescriptor, SerializeOptions,
};
use serde::Serialize;

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
    pool: DescriptorPool,
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
        DescriptorPool::decode(bytes)
            .map(|pool| Schema { pool })
            .map_err(|e| {
                Diagnostic::error(
                    Layer::Protobuf,
                    "protobuf.bad_protoset",
                    format!("the protoset is not a usable FileDescriptorSet: {e}"),
                )
            })
    }

    fn method_descriptor(&self, path: &[u8]) -> Option<MethodDescriptor> {
        let path = std::str::from_utf8(path).ok()?;
        let (service, method) = path.strip_prefix('/')?.split_once('/')?;
        self.pool
            .get_service_by_name(service)?
            .methods()
            .find(|m| m.name() == method)
    }

    /// The method named by a gRPC `:path` (`/package.Service/Method`).
    pub fn method(&self, path: &[u8]) -> Option<MethodInfo> {
        let m = self.method_descriptor(path)?;
        Some(MethodInfo {
            service: m.parent_service().full_name().to_string(),
            method: m.name().to_string(),
            input_type: m.input().full_name().to_string(),
            output_type: m.output().full_name().to_string(),
            client_streaming: m.is_client_streaming(),
            server_streaming: m.is_server_streaming(),
        })
    }

    /// Decodes one message of the method named by `path`.
    pub fn decode_for_method(
        &self,
        path: &[u8],
        role: MessageRole,
        message: &[u8],
    ) -> Result<SchemaDecode, Diagnostic> {
        let Some(m) = self.method_descriptor(path) else {
            return Err(Diagnostic::info(
                Layer::Protobuf,
                "protobuf.method_not_in_schema",
                format!(
                    "the schema has no method for path \"{}\"",
                    crate::octets::display_bytes(path)
                ),
            ));
        };
        let desc = match role {
            MessageRole::Request => m.input(),
            MessageRole::Response => m.output(),
        };
        decode_with(desc, message)
    }

    /// Decodes a message of a named type (`package.Message`).
    pub fn decode_as(&self, type_name: &str, message: &[u8]) -> Result<SchemaDecode, Diagnostic> {
        let Some(desc) = self.pool.get_message_by_name(type_name) else {
            return Err(Diagnostic::info(
                Layer::Protobuf,
                "protobuf.type_not_in_schema",
                format!("the schema has no message type \"{type_name}\""),
            ));
        };
        decode_with(desc, message)
    }
}

fn decode_with(desc: MessageDescriptor, message: &[u8]) -> Result<SchemaDecode, Diagnostic> {
    let type_name = desc.full_name().to_string();
    let msg = DynamicMessage::decode(desc, message).map_err(|e| {
        Diagnostic::error(
            Layer::Protobuf,
            "protobuf.schema_decode_failed",
            format!("the message does not decode as {type_name}: {e}"),
        )
    })?;
    let json = msg
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .map_err(|e| {
            Diagnostic::error(
                Layer::Protobuf,
                "protobuf.json_failed",
                format!("the {type_name} message has no JSON form: {e}"),
            )
        })?;
    let unknown_fields = msg.unknown_fields().map(|f| f.number()).collect();
    Ok(SchemaDecode {
        type_name,
        json,
        unknown_fields,
    })
}
