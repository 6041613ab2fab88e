//! HTTP-level rules on decoded header fields (RFC 9113 §8.2, §8.3).

use super::*;

/// HTTP-level rules on the decoded fields (RFC 9113 §8.2, §8.3).
pub(super) fn header_rule_findings(block: &HeaderBlockEvent) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let fields = &block.hpack.fields;
    let mut seen_regular = false;
    for f in fields.iter().filter(|f| !f.unknown) {
        let name = f.name.as_bytes();
        if name.first() == Some(&b':') {
            if seen_regular {
                out.push(
                    Diagnostic::error(
                        Layer::Stream,
                        "http.pseudo_after_regular",
                        format!("pseudo-header {} after a regular header", f.name.display()),
                    )
                    .rfc("RFC 9113 §8.3"),
                );
            }
            if matches!(
                block.role,
                BlockRole::RequestTrailers | BlockRole::ResponseTrailers
            ) {
                out.push(
                    Diagnostic::error(
                        Layer::Stream,
                        "http.pseudo_in_trailers",
                        format!("pseudo-header {} in trailers", f.name.display()),
                    )
                    .rfc("RFC 9113 §8.1"),
                );
            }
        } else {
            seen_regular = true;
        }
        if name.iter().any(|b| b.is_ascii_uppercase()) {
            out.push(
                Diagnostic::error(
                    Layer::Stream,
                    "http.uppercase_name",
                    format!("header name {} has upper-case letters", f.name.display()),
                )
                .rfc("RFC 9113 §8.2.1"),
            );
        }
        let connection_specific = matches!(
            name,
            b"connection" | b"keep-alive" | b"proxy-connection" | b"transfer-encoding" | b"upgrade"
        ) || (name == b"te" && f.value.as_bytes() != b"trailers");
        if connection_specific {
            out.push(
                Diagnostic::error(
                    Layer::Stream,
                    "http.connection_specific",
                    format!(
                        "connection-specific header {}: {} is not allowed in HTTP/2",
                        f.name.display(),
                        f.value.display()
                    ),
                )
                .rfc("RFC 9113 §8.2.2"),
            );
        }
    }
    let complete =
        block.hpack.error.is_none() && matches!(block.hpack.table_state, TableState::Synced);
    if complete && matches!(block.role, BlockRole::Request | BlockRole::PushRequest) {
        let has = |n: &[u8]| fields.iter().any(|f| f.name.as_bytes() == n);
        let is_connect = fields
            .iter()
            .any(|f| f.name.as_bytes() == b":method" && f.value.as_bytes() == b"CONNECT");
        let required: &[&[u8]] = if is_connect {
            &[b":method", b":authority"]
        } else {
            &[b":method", b":scheme", b":path"]
        };
        for name in required {
            if !has(name) {
                out.push(
                    Diagnostic::error(
                        Layer::Stream,
                        "http.missing_pseudo",
                        format!("request without {}", String::from_utf8_lossy(name)),
                    )
                    .rfc("RFC 9113 §8.3.1"),
                );
            }
        }
    }
    out
}
