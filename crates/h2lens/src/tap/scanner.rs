//! Finds JSON objects in a byte stream: pretty-printed objects back to back
//! (`linkerd tap -o json`, Envoy's JSON file sink), one per line (WebSocket
//! frames saved as lines), or elements of a top-level array.
//!
//! A brace-depth scanner that knows strings and escapes finds each object's
//! end; serde_json then parses the object alone, so one bad object costs
//! only itself.

use crate::diag::{Diagnostic, Layer};

/// A complete top-level object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawObject {
    /// Offset of `{` in the input.
    pub offset: u64,
    pub bytes: Vec<u8>,
}

#[derive(Debug)]
pub(crate) enum ScanItem {
    Object(RawObject),
    Diagnostic(Diagnostic),
}

#[derive(Debug)]
pub(crate) struct ObjectScanner {
    max_object: usize,
    offset: u64,
    depth: u32,
    in_string: bool,
    escape: bool,
    buf: Vec<u8>,
    obj_start: u64,
    /// Bytes of the current object beyond `max_object` (dropped).
    overflow: u64,
    /// Start of a run of bytes that are not JSON between objects.
    junk_start: Option<u64>,
    junk_len: u64,
}

impl ObjectScanner {
    pub(crate) fn new(max_object: u32) -> Self {
        ObjectScanner {
            max_object: max_object as usize,
            offset: 0,
            depth: 0,
            in_string: false,
            escape: false,
            buf: Vec::new(),
            obj_start: 0,
            overflow: 0,
            junk_start: None,
            junk_len: 0,
        }
    }

    pub(crate) fn push(&mut self, bytes: &[u8], out: &mut Vec<ScanItem>) {
        for &b in bytes {
            let at = self.offset;
            self.offset = self.offset.saturating_add(1);
            if self.depth == 0 {
                match b {
                    b'{' => {
                        self.end_junk(out);
                        self.depth = 1;
                        self.obj_start = at;
                        self.buf.clear();
                        self.overflow = 0;
                        self.keep(b);
                    }
                    // Whitespace and the punctuation of a top-level array.
                    b' ' | b'\t' | b'\r' | b'\n' | b'[' | b']' | b',' => self.end_junk(out),
                    _ => {
                        if self.junk_start.is_none() {
                            self.junk_start = Some(at);
                        }
                        self.junk_len += 1;
                    }
                }
                continue;
            }
            self.keep(b);
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth = self.depth.saturating_add(1),
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.complete(out);
                    }
                }
                _ => {}
            }
        }
    }

    fn keep(&mut self, b: u8) {
        if self.buf.len() < self.max_object {
            self.buf.push(b);
        } else {
            self.overflow = self.overflow.saturating_add(1);
        }
    }

    fn complete(&mut self, out: &mut Vec<ScanItem>) {
        if self.overflow > 0 {
            out.push(ScanItem::Diagnostic(
                Diagnostic::error(
                    Layer::Tap,
                    "tap.object_too_large",
                    format!(
                        "a JSON object of {} bytes exceeds the limit of {}; skipped{}",
                        self.buf.len() as u64 + self.overflow,
                        self.max_object,
                        crate::config::limit_hint("grpc.max_tap_object_size")
                    ),
                )
                .at(self.obj_start),
            ));
            self.buf.clear();
            return;
        }
        out.push(ScanItem::Object(RawObject {
            offset: self.obj_start,
            bytes: std::mem::take(&mut self.buf),
        }));
    }

    fn end_junk(&mut self, out: &mut Vec<ScanItem>) {
        if let Some(start) = self.junk_start.take() {
            out.push(ScanItem::Diagnostic(
                Diagnostic::warning(
                    Layer::Tap,
                    "tap.not_json",
                    format!(
                        "{} bytes between JSON objects are not JSON; skipped",
                        self.junk_len
                    ),
                )
                .at(start),
            ));
            self.junk_len = 0;
        }
    }

    /// End of input: reports an object cut short (an interrupted tap).
    pub(crate) fn finish(&mut self, out: &mut Vec<ScanItem>) {
        self.end_junk(out);
        if self.depth > 0 {
            let len = self.buf.len() as u64 + self.overflow;
            out.push(ScanItem::Diagnostic(
                Diagnostic::error(
                    Layer::Tap,
                    "tap.partial_object",
                    format!(
                        "the input ends inside a JSON object ({len} bytes, {} levels still open), \
                         as when a tap is interrupted; that last event is lost, earlier ones are kept",
                        self.depth
                    ),
                )
                .at(self.obj_start),
            ));
            self.depth = 0;
            self.buf.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(input: &[u8], step: usize) -> Vec<String> {
        let mut s = ObjectScanner::new(1 << 20);
        let mut out = Vec::new();
        for c in input.chunks(step) {
            s.push(c, &mut out);
        }
        s.finish(&mut out);
        out.into_iter()
            .map(|i| match i {
                ScanItem::Object(o) => {
                    format!("{}:{}", o.offset, String::from_utf8(o.bytes).unwrap())
                }
                ScanItem::Diagnostic(d) => format!("{}@{}", d.code, d.offset.unwrap()),
            })
            .collect()
    }

    #[test]
    fn strings_escapes_and_partial() {
        let input = br#"{"a":"}{\"\\"} x {"b":[{}]}
[{"c":1},{"d":2}] {"e": "#;
        for step in [1, 2, 5, 100] {
            assert_eq!(
                scan(input, step),
                [
                    r#"0:{"a":"}{\"\\"}"#,
                    "tap.not_json@15",
                    r#"17:{"b":[{}]}"#,
                    r#"29:{"c":1}"#,
                    r#"37:{"d":2}"#,
                    "tap.partial_object@46"
                ]
            );
        }
    }
}
