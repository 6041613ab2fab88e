//! Streaming base64 for `application/grpc-web-text` bodies.
//!
//! gRPC-Web text bodies are base64 (RFC 4648 §4, standard alphabet); a
//! sender may encode each chunk separately, so padding can appear in the
//! middle of the body ("xx==yyyy"). Decoding therefore goes quad by quad,
//! and a quad may be split across pushes.

/// The value of one base64 character, `None` for `=` and anything else.
fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// A problem in the text, with its offset in the text stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TextError {
    /// A byte outside the base64 alphabet (skipped).
    InvalidByte { offset: u64, byte: u8 },
    /// A quad with padding in a wrong place (`=` first or second, or a
    /// data character after `=`); the quad is dropped.
    BadPadding { offset: u64 },
    /// The text ended inside a quad.
    Truncated { offset: u64, chars: u8 },
}

#[derive(Debug, Default)]
pub(crate) struct Base64Stream {
    quad: [u8; 4],
    filled: u8,
    /// Offset in the text of the first char of the current quad.
    quad_start: u64,
    /// Text bytes consumed so far.
    consumed: u64,
}

impl Base64Stream {
    /// Decodes `text`, appending bytes to `out` and problems to `errors`.
    pub(crate) fn push(&mut self, text: &[u8], out: &mut Vec<u8>, errors: &mut Vec<TextError>) {
        for &c in text {
            let offset = self.consumed;
            self.consumed = self.consumed.saturating_add(1);
            if c == b'\r' || c == b'\n' || c == b' ' || c == b'\t' {
                // Whitespace is not base64 either; report it like any byte.
                errors.push(TextError::InvalidByte { offset, byte: c });
                continue;
            }
            if c != b'=' && sextet(c).is_none() {
                errors.push(TextError::InvalidByte { offset, byte: c });
                continue;
            }
            if self.filled == 0 {
                self.quad_start = offset;
            }
            if let Some(slot) = self.quad.get_mut(usize::from(self.filled)) {
                *slot = c;
            }
            self.filled = self.filled.saturating_add(1);
            if self.filled == 4 {
                self.filled = 0;
                self.decode_quad(out, errors);
            }
        }
    }

    fn decode_quad(&mut self, out: &mut Vec<u8>, errors: &mut Vec<TextError>) {
        let [a, b, c, d] = self.quad;
        let (Some(a), Some(b)) = (sextet(a), sextet(b)) else {
            errors.push(TextError::BadPadding {
                offset: self.quad_start,
            });
            return;
        };
        out.push((a << 2) | (b >> 4));
        match (sextet(c), sextet(d), c == b'=', d == b'=') {
            (Some(c), Some(d), _, _) => {
                out.push((b << 4) | (c >> 2));
                out.push((c << 6) | d);
            }
            (Some(c), None, _, true) => out.push((b << 4) | (c >> 2)),
            (None, None, true, true) => {}
            _ => errors.push(TextError::BadPadding {
                offset: self.quad_start,
            }),
        }
    }

    /// End of text: reports a partial quad.
    pub(crate) fn finish(&mut self, errors: &mut Vec<TextError>) {
        if self.filled != 0 {
            errors.push(TextError::Truncated {
                offset: self.quad_start,
                chars: self.filled,
            });
            self.filled = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(text: &[u8], step: usize) -> (Vec<u8>, Vec<TextError>) {
        let mut s = Base64Stream::default();
        let (mut out, mut errs) = (Vec::new(), Vec::new());
        for chunk in text.chunks(step) {
            s.push(chunk, &mut out, &mut errs);
        }
        s.finish(&mut errs);
        (out, errs)
    }

    #[test]
    fn padded_chunks_back_to_back() {
        // "f" + "oo" + "bar", each encoded on its own (RFC 4648 §10 vectors).
        for step in 1..8 {
            let (out, errs) = decode_all(b"Zg==b28=YmFy", step);
            assert_eq!(out, b"foobar");
            assert!(errs.is_empty());
        }
    }

    #[test]
    fn reports_junk_and_truncation() {
        let (out, errs) = decode_all(b"Zm9v!YmE", 3);
        assert_eq!(out, b"foo");
        assert_eq!(
            errs,
            vec![
                TextError::InvalidByte {
                    offset: 4,
                    byte: b'!'
                },
                TextError::Truncated {
                    offset: 5,
                    chars: 3
                }
            ]
        );
        let (_, errs) = decode_all(b"=abc", 4);
        assert_eq!(errs, vec![TextError::BadPadding { offset: 0 }]);
    }
}
