//! Which gRPC flavour a `content-type` names.
//!
//! gRPC HTTP2: `application/grpc` followed by nothing, `+proto`, `+json` or a
//! custom suffix. gRPC-Web (`doc/PROTOCOL-WEB.md`): `application/grpc-web`
//! (or with `+proto`, `+json`) for binary bodies and
//! `application/grpc-web-text` (or with `+proto`) for base64 bodies.
//! Media type parameters (`; charset=…`) are allowed and ignored; the type is
//! matched case-insensitively (RFC 9110 §8.3.1).

use serde::Serialize;

/// How messages sit in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// gRPC over HTTP/2: length-prefixed messages, status in HTTP trailers.
    Grpc,
    /// gRPC-Web binary: length-prefixed messages, trailers in a body frame
    /// with flag 0x80.
    GrpcWeb,
    /// gRPC-Web text: the gRPC-Web body, base64-encoded (possibly as several
    /// padded chunks).
    GrpcWebText,
}

/// A classified `content-type`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContentType {
    pub framing: Framing,
    /// The message codec after `+` (`proto`, `json`, or custom), lower
    /// case; `None` when absent (which means `proto`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
}

impl ContentType {
    /// Whether messages are protobuf (explicitly or by default).
    pub fn is_proto(&self) -> bool {
        match self.codec.as_deref() {
            None | Some("proto") => true,
            Some(_) => false,
        }
    }
}

/// Classifies a `content-type` value; `None` when it is not a gRPC type.
pub fn classify_content_type(value: &[u8]) -> Option<ContentType> {
    let text = std::str::from_utf8(value).ok()?;
    // The media type is everything before the first parameter.
    let media = text.split(';').next().unwrap_or(text).trim();
    let media = media.to_ascii_lowercase();
    let (base, codec) = match media.split_once('+') {
        Some((base, codec)) => (base, Some(codec.to_string())),
        None => (media.as_str(), None),
    };
    let framing = match base {
        "application/grpc" => Framing::Grpc,
        "application/grpc-web" => Framing::GrpcWeb,
        "application/grpc-web-text" => Framing::GrpcWebText,
        _ => return None,
    };
    Some(ContentType { framing, codec })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_flavour() {
        let c = classify_content_type(b"application/grpc").unwrap();
        assert_eq!((c.framing, c.codec), (Framing::Grpc, None));
        let c = classify_content_type(b"application/grpc+json").unwrap();
        assert_eq!(c.codec.as_deref(), Some("json"));
        assert!(!c.is_proto());
        let c = classify_content_type(b"application/grpc-web+proto").unwrap();
        assert_eq!(c.framing, Framing::GrpcWeb);
        assert!(c.is_proto());
        let c = classify_content_type(b"Application/GRPC-Web-Text; charset=utf-8").unwrap();
        assert_eq!(c.framing, Framing::GrpcWebText);
        assert!(classify_content_type(b"application/grpcx").is_none());
        assert!(classify_content_type(b"application/json").is_none());
        assert!(classify_content_type(&[0xff, 0xfe]).is_none());
    }
}
