//! gRPC metadata: which headers are the protocol's and which are the
//! application's, `-bin` values, and the grouped (multimap) view.
//!
//! Reserved (not user metadata), following gRPC HTTP2 "Request-Headers",
//! "Response-Headers" and "Trailers":
//! - pseudo-headers (`:method`, `:path`, `:status`, …);
//! - the Call-Definition and response headers: `te`, `content-type`,
//!   `user-agent`;
//! - every `grpc-*` name ("Header names starting with grpc- … are reserved
//!   for future GRPC use"): `grpc-timeout`, `grpc-encoding`,
//!   `grpc-accept-encoding`, `grpc-message-type`, `grpc-status`,
//!   `grpc-message`, `grpc-status-details-bin`, ….
//!
//! `user-agent` is listed in the spec's Call-Definition, so it is reserved
//! here, although C-core and grpc-go show it to applications as metadata.
//! Everything else is Custom-Metadata.
//!
//! Order: gRPC guarantees order only among values of the same name, and
//! "duplicate header names may have their values joined with ','". We keep
//! both views: `wire` (each field as sent, in order) and `grouped` (each
//! name once, at its first appearance, with its values in wire order).
//! Repeats of the same value stay repeats.

use base64::Engine;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::headers::HeaderPair;
use crate::diag::{Diagnostic, Layer};
use crate::octets::Octets;

/// What a header is to gRPC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderClass {
    /// `:method`, `:path`, `:status`, ….
    Pseudo,
    /// `te`, `content-type`, `user-agent`.
    CallDefinition,
    /// `grpc-*`.
    GrpcReserved,
    /// Application metadata.
    Custom,
}

impl HeaderClass {
    pub fn of(name: &[u8]) -> HeaderClass {
        if name.first() == Some(&b':') {
            HeaderClass::Pseudo
        } else if matches!(name, b"te" | b"content-type" | b"user-agent") {
            HeaderClass::CallDefinition
        } else if name.starts_with(b"grpc-") {
            HeaderClass::GrpcReserved
        } else {
            HeaderClass::Custom
        }
    }

    pub fn is_reserved(self) -> bool {
        self != HeaderClass::Custom
    }
}

/// How a value was carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum ValueEncoding {
    /// An ASCII value (names not ending in `-bin`).
    Text,
    /// A `-bin` value in base64 (RFC 4648 §4); `padded` tells whether `=`
    /// padding was used. `values` > 1 when several values were joined with
    /// `,` into one field.
    Base64 { padded: bool, values: u32 },
    /// A `-bin` value in true-binary form: a 0x00 byte, then the raw bytes
    /// (gRPC proposal G1 "True Binary Metadata", SETTINGS 0xfe03).
    TrueBinary,
    /// A `-bin` value that is neither valid base64 nor true-binary.
    Invalid,
}

/// One header field with its gRPC meaning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MetadataEntry {
    /// Position in the header list given (0-based, wire order).
    pub position: u32,
    pub class: HeaderClass,
    pub name: Octets,
    /// The value exactly as on the wire.
    pub value: Octets,
    pub encoding: ValueEncoding,
    /// For `-bin` names: the decoded values (one, or several when the
    /// field joined values with `,`). Empty for text values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decoded: Vec<Octets>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

impl MetadataEntry {
    /// The values this field stands for: decoded bytes for `-bin`, else the
    /// wire value.
    pub fn values(&self) -> Vec<&Octets> {
        if self.decoded.is_empty() {
            vec![&self.value]
        } else {
            self.decoded.iter().collect()
        }
    }
}

/// All values of one name, in wire order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MetadataGroup {
    pub name: Octets,
    /// Decoded values for `-bin` names, wire values otherwise.
    pub values: Vec<Octets>,
    /// Positions (in the header list) of the fields that carried them.
    pub positions: Vec<u32>,
}

/// The metadata of one header list (request headers, response headers or
/// trailers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    /// Reserved headers (pseudo, call definition, `grpc-*`), in wire order.
    pub reserved: Vec<MetadataEntry>,
    /// User metadata, in wire order.
    pub wire: Vec<MetadataEntry>,
    /// User metadata grouped by name: names in order of first appearance,
    /// values in wire order (the gRPC metadata multimap).
    pub grouped: Vec<MetadataGroup>,
}

impl Metadata {
    /// Splits and decodes a header list. `true_binary`: both peers sent
    /// SETTINGS_GRPC_ALLOW_TRUE_BINARY_METADATA (0xfe03) = 1.
    pub fn from_headers<H: HeaderPair>(headers: &[H], true_binary: bool) -> Metadata {
        let mut md = Metadata::default();
        for (position, h) in headers.iter().enumerate() {
            let entry = decode_entry(
                u32::try_from(position).unwrap_or(u32::MAX),
                h.name(),
                h.value(),
                true_binary,
            );
            if entry.class.is_reserved() {
                md.reserved.push(entry);
                continue;
            }
            let values: Vec<Octets> = entry.values().into_iter().cloned().collect();
            match md.grouped.iter_mut().find(|g| g.name == entry.name) {
                Some(g) => {
                    g.values.extend(values);
                    g.positions.push(entry.position);
                }
                None => md.grouped.push(MetadataGroup {
                    name: entry.name.clone(),
                    values,
                    positions: vec![entry.position],
                }),
            }
            md.wire.push(entry);
        }
        md
    }

    /// The user metadata values of `name`, in wire order.
    pub fn get(&self, name: &[u8]) -> Option<&MetadataGroup> {
        self.grouped.iter().find(|g| g.name.as_bytes() == name)
    }

    /// The grouped view as a JSON-style object `{name: [values…]}` whose
    /// keys keep first-appearance order (serialized through `serialize_map`,
    /// so no sorting map is involved).
    pub fn grouped_object(&self) -> GroupedObject<'_> {
        GroupedObject(&self.grouped)
    }

    /// Diagnostics of every entry, in wire order.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        let mut all: Vec<&MetadataEntry> = self.reserved.iter().chain(&self.wire).collect();
        all.sort_by_key(|e| e.position);
        all.into_iter().flat_map(|e| e.diagnostics.iter())
    }
}

/// See [`Metadata::grouped_object`]. Keys are the names' display text.
pub struct GroupedObject<'a>(&'a [MetadataGroup]);

impl Serialize for GroupedObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for g in self.0 {
            map.serialize_entry(&g.name.display(), &g.values)?;
        }
        map.end()
    }
}

fn decode_entry(position: u32, name: &[u8], value: &[u8], true_binary: bool) -> MetadataEntry {
    let class = HeaderClass::of(name);
    let mut diagnostics = Vec::new();
    let name_ok = name
        .iter()
        .all(|&b| matches!(b, b'0'..=b'9' | b'a'..=b'z' | b'_' | b'-' | b'.'));
    if class == HeaderClass::Custom && (!name_ok || name.is_empty()) {
        diagnostics.push(
            Diagnostic::warning(
                Layer::Grpc,
                "grpc.metadata_bad_name",
                format!(
                    "metadata name \"{}\" has characters outside 0-9 a-z _ - .",
                    crate::octets::display_bytes(name)
                ),
            )
            .rfc("gRPC HTTP2 Header-Name"),
        );
    }
    let (encoding, decoded) = if name.ends_with(b"-bin") {
        decode_bin(name, value, true_binary, &mut diagnostics)
    } else {
        if class == HeaderClass::Custom && !value.iter().all(|b| (0x20..=0x7e).contains(b)) {
            diagnostics.push(
                Diagnostic::warning(
                    Layer::Grpc,
                    "grpc.metadata_bad_value",
                    format!(
                        "value of \"{}\" has bytes outside printable ASCII (0x20-0x7e); \
                         gRPC peers may drop it",
                        crate::octets::display_bytes(name)
                    ),
                )
                .rfc("gRPC HTTP2 ASCII-Value"),
            );
        }
        (ValueEncoding::Text, Vec::new())
    };
    MetadataEntry {
        position,
        class,
        name: Octets::from(name),
        value: Octets::from(value),
        encoding,
        decoded,
        diagnostics,
    }
}

fn decode_bin(
    name: &[u8],
    value: &[u8],
    true_binary: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> (ValueEncoding, Vec<Octets>) {
    if let Some((&0, raw)) = value.split_first() {
        if !true_binary {
            diagnostics.push(
                Diagnostic::warning(
                    Layer::Grpc,
                    "grpc.true_binary_not_negotiated",
                    format!(
                        "\"{}\" is in true-binary form (leading 0x00) but true-binary metadata \
                         was not negotiated (SETTINGS 0xfe03 = 1 from both peers)",
                        crate::octets::display_bytes(name)
                    ),
                )
                .rfc("gRPC G1 True Binary Metadata"),
            );
        }
        return (ValueEncoding::TrueBinary, vec![Octets::from(raw)]);
    }
    // Base64, padded or not (gRPC HTTP2: "Implementations MUST accept padded
    // and un-padded values"), split on ',' first.
    let engine = base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;
    let mut decoded = Vec::new();
    let mut padded = false;
    for piece in value.split(|&b| b == b',') {
        let piece = piece.trim_ascii();
        padded |= piece.ends_with(b"=");
        match engine.decode(piece) {
            Ok(bytes) => decoded.push(Octets::from(bytes)),
            Err(e) => {
                diagnostics.push(
                    Diagnostic::error(
                        Layer::Grpc,
                        "grpc.metadata_bad_base64",
                        format!(
                            "value of \"{}\" is not valid base64 ({e}); kept as sent",
                            crate::octets::display_bytes(name)
                        ),
                    )
                    .rfc("gRPC HTTP2 Binary-Header"),
                );
                return (ValueEncoding::Invalid, Vec::new());
            }
        }
    }
    let values = u32::try_from(decoded.len()).unwrap_or(u32::MAX);
    (ValueEncoding::Base64 { padded, values }, decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_keeps_repeats_and_order() {
        let h = [
            (":path", "/a.B/C"),
            ("b", "1"),
            ("a", "x"),
            ("b", "1"),
            ("grpc-timeout", "1S"),
            ("b", "2"),
            ("k-bin", "AAEC"),
            ("k-bin", "AAE=,/w"),
        ];
        let md = Metadata::from_headers(&h, false);
        assert_eq!(md.reserved.len(), 2);
        assert_eq!(md.wire.len(), 6);
        let json = serde_json::to_string(&md.grouped_object()).unwrap();
        assert_eq!(
            json,
            r#"{"b":["1","1","2"],"a":["x"],"k-bin":["\u0000\u0001\u0002","\u0000\u0001",{"text":"\\xff","hex":"ff"}]}"#
        );
        assert_eq!(md.get(b"b").unwrap().positions, [1, 3, 5]);
        assert_eq!(
            md.wire[5].encoding,
            ValueEncoding::Base64 {
                padded: true,
                values: 2
            }
        );
    }

    #[test]
    fn bad_base64_and_unnegotiated_true_binary() {
        let h = [("a-bin", "!!"), ("b-bin", "\u{0}xy")];
        let md = Metadata::from_headers(&h, false);
        assert_eq!(md.wire[0].encoding, ValueEncoding::Invalid);
        assert_eq!(md.wire[1].encoding, ValueEncoding::TrueBinary);
        assert_eq!(md.wire[1].decoded, [Octets::from("xy")]);
        let codes: Vec<_> = md.diagnostics().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                "grpc.metadata_bad_base64",
                "grpc.true_binary_not_negotiated"
            ]
        );
    }
}
