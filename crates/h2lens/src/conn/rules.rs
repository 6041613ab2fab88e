//! HTTP-level rules on decoded header fields (RFC 9113 §8.2, §8.3).

use super::fields::FieldView;
use super::*;
use crate::octets::display_bytes;

/// HTTP-level rules on the decoded fields (RFC 9113 §8.2, §8.3) of a block
/// with `role`; `complete`: decoded without error against a synced table.
#[cfg_attr(target_family = "wasm", inline(never))]
pub(super) fn header_rule_findings(
    role: BlockRole,
    fields: &(impl FieldView + ?Sized),
    complete: bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen_regular = false;
    // The pseudo-headers a request needs (§8.3.1), seen anywhere in the
    // block: gathered in the same pass.
    let mut required = RequiredPseudo::default();
    for f in fields.fields() {
        let name = f.name;
        let pseudo = name.first() == Some(&b':');
        if pseudo {
            required.note(name, f.value);
        }
        if f.unknown {
            continue;
        }
        if pseudo {
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
        if has_uppercase(name) {
            out.push(
                Diagnostic::error(
                    Layer::Stream,
                    "http.uppercase_name",
                    format!("header name {} has upper-case letters", display_bytes(name)),
                )
                .rfc("RFC 9113 §8.2.1"),
            );
        }
        // (No pseudo-header is one.)
        let connection_specific = !pseudo
            && (matches!(
                name,
                b"connection"
                    | b"keep-alive"
                    | b"proxy-connection"
                    | b"transfer-encoding"
                    | b"upgrade"
            ) || (name == b"te" && f.value != b"trailers"));
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
        for name in required.missing() {
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
    out
}

/// Which of the request pseudo-headers a block carries.
#[derive(Default)]
struct RequiredPseudo {
    method: bool,
    scheme: bool,
    path: bool,
    authority: bool,
    /// A `:method` of `CONNECT` (§8.5): `:authority` instead of `:scheme`
    /// and `:path`.
    connect: bool,
}

impl RequiredPseudo {
    #[inline(always)]
    fn note(&mut self, name: &[u8], value: &[u8]) {
        match name {
            b":method" => {
                self.method = true;
                self.connect |= value == b"CONNECT";
            }
            b":scheme" => self.scheme = true,
            b":path" => self.path = true,
            b":authority" => self.authority = true,
            _ => {}
        }
    }

    /// The required names that are absent, in the order they are reported
    /// (no allocation when none is).
    fn missing(&self) -> Vec<&'static [u8]> {
        let mut names: Vec<&'static [u8]> = Vec::new();
        if !self.method {
            names.push(b":method");
        }
        if self.connect {
            if !self.authority {
                names.push(b":authority");
            }
        } else {
            if !self.scheme {
                names.push(b":scheme");
            }
            if !self.path {
                names.push(b":path");
            }
        }
        names
    }
}

/// Whether `name` has an ASCII upper-case letter.
#[inline(always)]
fn has_uppercase(name: &[u8]) -> bool {
    use crate::octets::{any_byte_marked, ascii_bytes_in};
    any_byte_marked(name, |x| ascii_bytes_in(x, b'A', b'Z'))
}

#[cfg(test)]
mod tests {
    use super::has_uppercase;

    /// Against the per-byte definition, for every byte value at every
    /// position of names up to 19 bytes long (two words and a remainder).
    #[test]
    fn has_uppercase_matches_the_byte_check() {
        for len in 1..20usize {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut name = vec![b'x'; len];
                    if let Some(slot) = name.get_mut(at) {
                        *slot = b;
                    }
                    assert_eq!(
                        has_uppercase(&name),
                        name.iter().any(u8::is_ascii_uppercase),
                        "{name:?}"
                    );
                }
            }
        }
        assert!(!has_uppercase(b""));
        assert!(has_uppercase(b"content-Type"));
        assert!(!has_uppercase("caf\u{e9}-\u{c9}".as_bytes()));
    }
}
