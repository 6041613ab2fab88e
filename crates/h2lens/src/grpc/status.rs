//! `grpc-status` codes and the percent-encoded `grpc-message`.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::diag::{Diagnostic, Layer};
use crate::octets::Octets;

/// A gRPC status code (`grpc/status.h`, `doc/statuscodes.md`). Open: codes
/// above 16 are kept as numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(pub u32);

impl StatusCode {
    pub const OK: StatusCode = StatusCode(0);
    pub const CANCELLED: StatusCode = StatusCode(1);
    pub const UNKNOWN: StatusCode = StatusCode(2);
    pub const INVALID_ARGUMENT: StatusCode = StatusCode(3);
    pub const DEADLINE_EXCEEDED: StatusCode = StatusCode(4);
    pub const NOT_FOUND: StatusCode = StatusCode(5);
    pub const ALREADY_EXISTS: StatusCode = StatusCode(6);
    pub const PERMISSION_DENIED: StatusCode = StatusCode(7);
    pub const RESOURCE_EXHAUSTED: StatusCode = StatusCode(8);
    pub const FAILED_PRECONDITION: StatusCode = StatusCode(9);
    pub const ABORTED: StatusCode = StatusCode(10);
    pub const OUT_OF_RANGE: StatusCode = StatusCode(11);
    pub const UNIMPLEMENTED: StatusCode = StatusCode(12);
    pub const INTERNAL: StatusCode = StatusCode(13);
    pub const UNAVAILABLE: StatusCode = StatusCode(14);
    pub const DATA_LOSS: StatusCode = StatusCode(15);
    pub const UNAUTHENTICATED: StatusCode = StatusCode(16);

    /// The canonical upper-case name, `None` for unknown codes.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "OK",
            1 => "CANCELLED",
            2 => "UNKNOWN",
            3 => "INVALID_ARGUMENT",
            4 => "DEADLINE_EXCEEDED",
            5 => "NOT_FOUND",
            6 => "ALREADY_EXISTS",
            7 => "PERMISSION_DENIED",
            8 => "RESOURCE_EXHAUSTED",
            9 => "FAILED_PRECONDITION",
            10 => "ABORTED",
            11 => "OUT_OF_RANGE",
            12 => "UNIMPLEMENTED",
            13 => "INTERNAL",
            14 => "UNAVAILABLE",
            15 => "DATA_LOSS",
            16 => "UNAUTHENTICATED",
            _ => return None,
        })
    }

    /// Parses a `grpc-status` value: decimal ASCII digits, no leading zeros
    /// (gRPC HTTP2 "Status"). Leading zeros are accepted with a warning.
    pub fn parse(value: &[u8]) -> Result<(StatusCode, Option<Diagnostic>), Diagnostic> {
        let bad = || {
            Diagnostic::error(
                Layer::Grpc,
                "grpc.bad_status",
                format!(
                    "grpc-status \"{}\" is not a decimal status code",
                    crate::octets::display_bytes(value)
                ),
            )
            .rfc("gRPC HTTP2 Status")
        };
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let mut code: u32 = 0;
        for d in value {
            code = code
                .checked_mul(10)
                .and_then(|c| c.checked_add(u32::from(d - b'0')))
                .ok_or_else(bad)?;
        }
        let warn = (value.len() > 1 && value.first() == Some(&b'0')).then(|| {
            Diagnostic::warning(
                Layer::Grpc,
                "grpc.status_leading_zero",
                "grpc-status has a leading zero",
            )
            .rfc("gRPC HTTP2 Status")
        });
        Ok((StatusCode(code), warn))
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// Serialized as `{"code": 7, "name": "PERMISSION_DENIED"}` (name omitted
/// for unknown codes).
impl Serialize for StatusCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("StatusCode", 2)?;
        s.serialize_field("code", &self.0)?;
        match self.name() {
            Some(name) => s.serialize_field("name", name)?,
            None => s.skip_field("name")?,
        }
        s.end()
    }
}

/// A `grpc-message`: the wire form and its percent-decoded bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrpcMessageText {
    /// As on the wire.
    pub raw: Octets,
    /// Percent-decoded bytes (invalid `%` sequences kept literally).
    pub decoded: Octets,
    /// For people: the decoded bytes as UTF-8, escaped where invalid.
    pub display: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// Percent-decodes a `grpc-message` (gRPC HTTP2 "Status-Message", RFC 3986
/// §2.1). A `%` not followed by two hex digits is kept as is, as the spec
/// allows ("decode valid portions while leaving broken %-encodings as-is").
pub fn decode_grpc_message(raw: &[u8]) -> GrpcMessageText {
    let mut decoded = Vec::with_capacity(raw.len());
    let mut diagnostics = Vec::new();
    let mut i = 0usize;
    while let Some(&b) = raw.get(i) {
        if b == b'%' {
            let hi = raw.get(i + 1).and_then(|&d| crate::octets::hex_value(d));
            let lo = raw.get(i + 2).and_then(|&d| crate::octets::hex_value(d));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                decoded.push((hi << 4) | lo);
                i += 3;
                continue;
            }
            diagnostics.push(
                Diagnostic::warning(
                    Layer::Grpc,
                    "grpc.message_bad_percent",
                    "grpc-message has a '%' not followed by two hex digits; kept literally",
                )
                .at(i as u64)
                .rfc("gRPC HTTP2 Status-Message"),
            );
        } else if !(0x20..=0x7e).contains(&b) {
            diagnostics.push(
                Diagnostic::warning(
                    Layer::Grpc,
                    "grpc.message_unencoded_byte",
                    format!("grpc-message has byte 0x{b:02x}, which should be percent-encoded"),
                )
                .at(i as u64)
                .rfc("gRPC HTTP2 Status-Message"),
            );
        }
        decoded.push(b);
        i += 1;
    }
    let display = crate::octets::display_bytes(&decoded).into_owned();
    if std::str::from_utf8(&decoded).is_err() {
        diagnostics.push(
            Diagnostic::warning(
                Layer::Grpc,
                "grpc.message_not_utf8",
                "the decoded grpc-message is not valid UTF-8",
            )
            .rfc("gRPC HTTP2 Status-Message"),
        );
    }
    GrpcMessageText {
        raw: Octets::from(raw),
        decoded: Octets::from(decoded),
        display,
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_unknown_codes() {
        assert_eq!(StatusCode(16).name(), Some("UNAUTHENTICATED"));
        assert_eq!(StatusCode(17).name(), None);
        assert_eq!(
            StatusCode::parse(b"7").unwrap().0,
            StatusCode::PERMISSION_DENIED
        );
        assert_eq!(StatusCode::parse(b"99").unwrap().0, StatusCode(99));
        assert!(StatusCode::parse(b"07").unwrap().1.is_some());
        assert!(StatusCode::parse(b"").is_err());
        assert!(StatusCode::parse(b"-1").is_err());
        assert!(StatusCode::parse(b"99999999999").is_err());
        let json = serde_json::to_string(&StatusCode(4)).unwrap();
        assert_eq!(json, r#"{"code":4,"name":"DEADLINE_EXCEEDED"}"#);
    }

    #[test]
    fn invalid_percent_kept() {
        let m = decode_grpc_message(b"50%ZZ done %4");
        assert_eq!(m.decoded.as_bytes(), b"50%ZZ done %4");
        assert_eq!(m.diagnostics.len(), 2);
        let m = decode_grpc_message(b"%e2%80%93");
        assert_eq!(m.display, "\u{2013}");
        let m = decode_grpc_message(b"%ff");
        assert_eq!(m.display, "\\xff");
    }
}
