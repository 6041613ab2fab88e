//! HTTP-level rules on decoded header fields (RFC 9113 §8.2, §8.3).

use super::fields::FieldView;
use super::*;
use crate::octets::display_bytes;

/// HTTP-level rules on the decoded fields (RFC 9113 §8.2, §8.3) of a block
/// with `role`; `complete`: decoded without error against a synced table.
pub(super) fn header_rule_findings(
    role: BlockRole,
    fields: &(impl FieldView + ?Sized),
    complete: bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen_regular = false;
    for f in fields.fields().filter(|f| !f.unknown) {
        let name = f.name;
        if name.first() == Some(&b':') {
            if seen_regular {
                out.push(
                    Diagnostic::error(
                        Layer::Stream,
                        "http.pseudo_after_regular",
                        format!(
                            "pseudo-header {} after a regular header",
                            display_bytes(name)
                        ),
                    )
                    .rfc("RFC 9113 §8.3"),
                );
            }
            if matches!(
                role,
                BlockRole::RequestTrailers | BlockRole::ResponseTrailers
            ) {
                out.push(
                    Diagnostic::error(
                        Layer::Stream,
                        "http.pseudo_in_trailers",
                        format!("pseudo-header {} in trailers", display_bytes(name)),
                    )
                    .rfc("RFC 9113 §8.1"),
                );
            }
        } else {
            seen_regular = true;
        }
        // Without an early exit the check vectorizes (names are short).
        if name.iter().fold(false, |up, b| up | b.is_ascii_uppercase()) {
            out.push(
                Diagnostic::error(
                    Layer::Stream,
                    "http.uppercase_name",
                    format!("header name {} has upper-case letters", display_bytes(name)),
                )
                .rfc("RFC 9113 §8.2.1"),
            );
        }
        let connection_specific = matches!(
            name,
            b"connection" | b"keep-alive" | b"proxy-connection" | b"transfer-encoding" | b"upgrade"
        ) || (name == b"te" && f.value != b"trailers");
        if connection_specific {
            out.push(
                Diagnostic::error(
                    Layer::Stream,
                    "http.connection_specific",
                    format!(
                        "connection-specific header {}: {} is not allowed in HTTP/2",
                        display_bytes(name),
                        display_bytes(f.value)
                    ),
                )
                .rfc("RFC 9113 §8.2.2"),
            );
        }
    }
    if complete && matches!(role, BlockRole::Request | BlockRole::PushRequest) {
        let has = |n: &[u8]| fields.fields().any(|f| f.name == n);
        let is_connect = fields
            .fields()
            .any(|f| f.name == b":method" && f.value == b"CONNECT");
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
