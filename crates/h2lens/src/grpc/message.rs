//! Length-prefixed messages out of one direction's body (gRPC HTTP2
//! "Length-Prefixed-Message"; gRPC-Web frames).
//!
//! ```text
//! +-------+-------------------+----------------------+
//! | flags | length (u32, BE)  | message (length B)   |
//! +-------+-------------------+----------------------+
//! ```
//!
//! Flag bit 0 is the Compressed-Flag. In gRPC-Web, flag bit 7 (0x80) marks
//! the frame holding the trailers as an HTTP/1 header block. DATA frame
//! boundaries have nothing to do with message boundaries, so the reader
//! takes bytes in any chunking and gives the same events for any chunking.

use std::collections::VecDeque;

use serde::Serialize;

use super::content_type::Framing;
use super::encoding::{decompress, Encoding};
use super::headers::Header;
use super::web_text::{Base64Stream, TextError};
use crate::config::GrpcLimits;
use crate::diag::{Diagnostic, Layer, Span};
use crate::octets::Octets;

/// The Compressed-Flag bit.
pub const FLAG_COMPRESSED: u8 = 0x01;
/// gRPC-Web: the frame carries trailers, not a message.
pub const FLAG_WEB_TRAILERS: u8 = 0x80;

const PREFIX_LEN: u8 = 5;

/// One message, as sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrpcMessage {
    /// 0-based position among this direction's messages.
    pub index: u32,
    /// The flags byte as sent.
    pub flags: u8,
    /// Compressed-Flag (flag bit 0).
    pub compressed: bool,
    /// Message-Length as declared in the prefix.
    pub declared_len: u32,
    /// Prefix and message within this direction's body byte stream (for
    /// grpc-web-text: within the base64-decoded stream).
    pub span: Span,
    /// The message bytes as sent (still compressed when `compressed`), at
    /// most [`GrpcLimits::max_message_size`] of them.
    pub payload: Octets,
    /// The message was longer than the limit: `payload` holds only its
    /// start; the rest was skipped.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub payload_truncated: bool,
    /// The body ended before the declared length: `payload` holds what came.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// The decompressed message, when compressed and decompression worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decompressed: Option<Octets>,
    /// Problems with this message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

impl GrpcMessage {
    /// The serialized message (protobuf, JSON…): decompressed when it was
    /// compressed and could be decompressed, else the payload as sent.
    /// `None` when compressed and not decompressible, or cut short.
    pub fn message_bytes(&self) -> Option<&[u8]> {
        if self.payload_truncated || self.incomplete {
            return None;
        }
        if self.compressed {
            self.decompressed.as_ref().map(|d| d.as_bytes())
        } else {
            Some(self.payload.as_bytes())
        }
    }
}

/// gRPC-Web trailers carried in the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WebTrailers {
    /// The frame (prefix and block) within the body byte stream.
    pub span: Span,
    /// Fields in the order sent; names and values as sent (values with
    /// surrounding whitespace trimmed, RFC 9112 §5).
    pub fields: Vec<Header>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// What the reader produces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReaderEvent {
    Message(GrpcMessage),
    Trailers(WebTrailers),
    /// A problem not tied to one message (body ended mid-prefix, bad
    /// base64, bytes after the gRPC-Web trailers).
    Diagnostic(Diagnostic),
}

/// The message in progress.
#[derive(Debug)]
struct Pending {
    start: u64,
    flags: u8,
    declared_len: u32,
    kept: Vec<u8>,
    /// Payload bytes still to come.
    remaining: u32,
}

/// Sans-IO reader of one direction's messages.
///
/// ```
/// use h2lens::grpc::{Encoding, Framing, MessageReader, ReaderEvent};
/// let mut r = MessageReader::new(Framing::Grpc, Encoding::Identity, &Default::default());
/// r.push(&[0, 0, 0, 0, 2, 0x08]);
/// r.push(&[0x01]);
/// r.finish();
/// let Some(ReaderEvent::Message(m)) = r.next_event() else { panic!() };
/// assert_eq!(m.payload.as_bytes(), &[0x08, 0x01]);
/// ```
#[derive(Debug)]
pub struct MessageReader {
    framing: Framing,
    encoding: Encoding,
    max_message: u32,
    max_decompressed: u32,
    text: Option<Base64Stream>,
    /// Binary body bytes consumed so far.
    offset: u64,
    prefix: [u8; 5],
    prefix_filled: u8,
    prefix_start: u64,
    pending: Option<Pending>,
    next_index: u32,
    /// gRPC-Web: trailers were seen; later bytes are reported.
    trailers_seen: bool,
    after_trailers_reported: bool,
    finished: bool,
    events: VecDeque<ReaderEvent>,
}

impl MessageReader {
    /// `encoding` is the direction's `grpc-encoding` ([`Encoding::Identity`]
    /// when absent).
    pub fn new(framing: Framing, encoding: Encoding, limits: &GrpcLimits) -> Self {
        MessageReader {
            framing,
            encoding,
            max_message: limits.max_message_size,
            max_decompressed: limits.max_decompressed_size,
            text: (framing == Framing::GrpcWebText).then(Base64Stream::default),
            offset: 0,
            prefix: [0; 5],
            prefix_filled: 0,
            prefix_start: 0,
            pending: None,
            next_index: 0,
            trailers_seen: false,
            after_trailers_reported: false,
            finished: false,
            events: VecDeque::new(),
        }
    }

    /// Body bytes consumed so far (base64-decoded bytes for grpc-web-text).
    pub fn body_offset(&self) -> u64 {
        self.offset
    }

    /// Feeds DATA payload bytes (after HTTP/2 padding is removed).
    pub fn push(&mut self, bytes: &[u8]) {
        if self.finished {
            return;
        }
        if let Some(mut text) = self.text.take() {
            // Quad by quad, so errors and messages interleave the same way
            // for every chunking.
            let mut out = Vec::with_capacity(3);
            let mut errors = Vec::new();
            for byte in bytes {
                text.push(std::slice::from_ref(byte), &mut out, &mut errors);
                self.report_text_errors(&mut errors);
                if !out.is_empty() {
                    self.push_binary(&out);
                    out.clear();
                }
            }
            self.text = Some(text);
        } else {
            self.push_binary(bytes);
        }
    }

    /// End of the direction's body (END_STREAM or reset): reports a message
    /// cut short.
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        if let Some(mut text) = self.text.take() {
            let mut errors = Vec::new();
            text.finish(&mut errors);
            self.report_text_errors(&mut errors);
        }
        self.finished = true;
        if self.prefix_filled > 0 {
            let got = self
                .prefix
                .get(..usize::from(self.prefix_filled))
                .unwrap_or_default();
            self.events.push_back(ReaderEvent::Diagnostic(
                Diagnostic::error(
                    Layer::Grpc,
                    "grpc.truncated_prefix",
                    format!(
                        "the body ended {} bytes into a 5-byte message prefix ({})",
                        self.prefix_filled,
                        crate::octets::to_hex(got)
                    ),
                )
                .at(self.prefix_start)
                .rfc("gRPC HTTP2 Length-Prefixed-Message"),
            ));
        }
        if let Some(p) = self.pending.take() {
            let received = p.declared_len.saturating_sub(p.remaining);
            let diag = Diagnostic::error(
                Layer::Grpc,
                "grpc.incomplete_message",
                format!(
                    "the body ended {received} bytes into a message that declared {} bytes",
                    p.declared_len
                ),
            )
            .at(p.start)
            .rfc("gRPC HTTP2 Length-Prefixed-Message");
            self.emit(p, true, vec![diag]);
        }
    }

    /// The next event, in body order; `None` when nothing is ready.
    pub fn next_event(&mut self) -> Option<ReaderEvent> {
        self.events.pop_front()
    }

    fn report_text_errors(&mut self, errors: &mut Vec<TextError>) {
        for e in errors.drain(..) {
            let diag = match e {
                TextError::InvalidByte { offset, byte } => Diagnostic::error(
                    Layer::Grpc,
                    "grpc.web_text_invalid_byte",
                    format!("byte 0x{byte:02x} in a grpc-web-text body is not base64; skipped"),
                )
                .at(offset),
                TextError::BadPadding { offset } => Diagnostic::error(
                    Layer::Grpc,
                    "grpc.web_text_bad_padding",
                    "a base64 quad in a grpc-web-text body has misplaced '=' padding; \
                     its bytes are dropped",
                )
                .at(offset),
                TextError::Truncated { offset, chars } => Diagnostic::error(
                    Layer::Grpc,
                    "grpc.web_text_truncated",
                    format!(
                        "the grpc-web-text body ends inside a base64 quad ({chars} of 4 characters)"
                    ),
                )
                .at(offset),
            };
            self.events
                .push_back(ReaderEvent::Diagnostic(diag.rfc("RFC 4648 §4")));
        }
    }

    fn push_binary(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.trailers_seen && !self.after_trailers_reported {
                {
                    self.after_trailers_reported = true;
                    self.events.push_back(ReaderEvent::Diagnostic(
                        Diagnostic::error(
                            Layer::Grpc,
                            "grpc.web_data_after_trailers",
                            "bytes follow the gRPC-Web trailers frame, which must be last; \
                             they are still decoded",
                        )
                        .at(self.offset)
                        .rfc("gRPC-Web PROTOCOL-WEB.md"),
                    ));
                }
            }
            match self.pending.as_mut() {
                None => {
                    if self.prefix_filled == 0 {
                        self.prefix_start = self.offset;
                    }
                    let need = usize::from(PREFIX_LEN.saturating_sub(self.prefix_filled));
                    let take = need.min(bytes.len());
                    let (head, rest) = bytes.split_at(take);
                    if let Some(dst) = self.prefix.get_mut(
                        usize::from(self.prefix_filled)..usize::from(self.prefix_filled) + take,
                    ) {
                        dst.copy_from_slice(head);
                    }
                    self.prefix_filled = self.prefix_filled.saturating_add(take as u8);
                    self.offset = self.offset.saturating_add(take as u64);
                    bytes = rest;
                    if self.prefix_filled == PREFIX_LEN {
                        self.prefix_filled = 0;
                        let [flags, a, b, c, d] = self.prefix;
                        let declared_len = u32::from_be_bytes([a, b, c, d]);
                        let p = Pending {
                            start: self.prefix_start,
                            flags,
                            declared_len,
                            kept: Vec::new(),
                            remaining: declared_len,
                        };
                        if declared_len == 0 {
                            self.emit(p, false, Vec::new());
                        } else {
                            self.pending = Some(p);
                        }
                    }
                }
                Some(p) => {
                    let take = (p.remaining as usize).min(bytes.len());
                    let (head, rest) = bytes.split_at(take);
                    let room = (self.max_message as usize).saturating_sub(p.kept.len());
                    let keep = head.get(..room.min(head.len())).unwrap_or_default();
                    p.kept.extend_from_slice(keep);
                    p.remaining = p.remaining.saturating_sub(take as u32);
                    self.offset = self.offset.saturating_add(take as u64);
                    bytes = rest;
                    if p.remaining == 0 {
                        if let Some(p) = self.pending.take() {
                            self.emit(p, false, Vec::new());
                        }
                    }
                }
            }
        }
    }

    fn emit(&mut self, p: Pending, incomplete: bool, mut diagnostics: Vec<Diagnostic>) {
        let received = p.declared_len.saturating_sub(p.remaining);
        let span = Span::new(
            p.start,
            p.start
                .saturating_add(u64::from(PREFIX_LEN))
                .saturating_add(u64::from(received)),
        );
        let web = matches!(self.framing, Framing::GrpcWeb | Framing::GrpcWebText);
        if web && p.flags & FLAG_WEB_TRAILERS != 0 {
            self.trailers_seen = true;
            let (fields, mut parse_diags) = parse_web_trailers(&p.kept, p.start.saturating_add(5));
            diagnostics.append(&mut parse_diags);
            if p.flags & !FLAG_WEB_TRAILERS != 0 {
                diagnostics.push(
                    Diagnostic::warning(
                        Layer::Grpc,
                        "grpc.web_trailer_flags",
                        format!(
                            "the gRPC-Web trailers frame has flags 0x{:02x}; only 0x80 is defined",
                            p.flags
                        ),
                    )
                    .at(p.start),
                );
            }
            if p.declared_len as usize > p.kept.len() && !incomplete {
                diagnostics.push(too_large(
                    p.start,
                    p.declared_len,
                    self.max_message,
                    "trailers",
                ));
            }
            self.events.push_back(ReaderEvent::Trailers(WebTrailers {
                span,
                fields,
                diagnostics,
            }));
            return;
        }
        let index = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        let compressed = p.flags & FLAG_COMPRESSED != 0;
        let reserved = if web {
            p.flags & !(FLAG_COMPRESSED | FLAG_WEB_TRAILERS)
        } else {
            p.flags & !FLAG_COMPRESSED
        };
        if reserved != 0 {
            diagnostics.push(
                Diagnostic::error(
                    Layer::Grpc,
                    "grpc.bad_message_flags",
                    format!(
                        "message {index} has flags 0x{:02x}; the Compressed-Flag must be 0 or 1",
                        p.flags
                    ),
                )
                .at(p.start)
                .rfc("gRPC HTTP2 Compressed-Flag"),
            );
        }
        let payload_truncated = p.kept.len() < received as usize;
        if payload_truncated {
            diagnostics.push(too_large(
                p.start,
                p.declared_len,
                self.max_message,
                "message",
            ));
        }
        let mut decompressed = None;
        if compressed && !incomplete && !payload_truncated {
            if self.encoding == Encoding::Identity {
                diagnostics.push(
                    Diagnostic::error(
                        Layer::Grpc,
                        "grpc.compressed_without_encoding",
                        format!(
                            "message {index} has the Compressed-Flag set, but grpc-encoding is \
                             identity or absent; it cannot be decompressed"
                        ),
                    )
                    .at(p.start)
                    .rfc("gRPC HTTP2 Compressed-Flag"),
                );
            } else {
                match decompress(&self.encoding, &p.kept, self.max_decompressed) {
                    Ok(bytes) => decompressed = Some(Octets::from(bytes)),
                    Err(e) => diagnostics.push(e.diagnostic(&self.encoding, index).at(p.start)),
                }
            }
        }
        self.events.push_back(ReaderEvent::Message(GrpcMessage {
            index,
            flags: p.flags,
            compressed,
            declared_len: p.declared_len,
            span,
            payload: Octets::from(p.kept),
            payload_truncated,
            incomplete,
            decompressed,
            diagnostics,
        }));
    }
}

fn too_large(start: u64, declared: u32, limit: u32, what: &str) -> Diagnostic {
    Diagnostic::warning(
        Layer::Grpc,
        "grpc.message_too_large",
        format!(
            "a {what} of {declared} bytes exceeds the limit of {limit}; \
             only its first {limit} bytes are kept{}",
            crate::config::limit_hint("grpc.max_message_size")
        ),
    )
    .at(start)
}

/// Parses the HTTP/1-style block of a gRPC-Web trailers frame: lines
/// `name: value` separated by CRLF (a bare LF is accepted and reported).
fn parse_web_trailers(block: &[u8], base: u64) -> (Vec<Header>, Vec<Diagnostic>) {
    let mut fields = Vec::new();
    let mut diags = Vec::new();
    let mut pos = 0usize;
    for raw_line in block.split(|&b| b == b'\n') {
        let line_start = pos;
        pos = pos.saturating_add(raw_line.len()).saturating_add(1);
        let line = match raw_line.strip_suffix(b"\r") {
            Some(l) => l,
            None => {
                // The last piece after a final CRLF is empty: not a line.
                if pos <= block.len() && !raw_line.is_empty() {
                    diags.push(
                        Diagnostic::warning(
                            Layer::Grpc,
                            "grpc.web_trailer_bare_lf",
                            "a gRPC-Web trailer line ends with LF instead of CRLF",
                        )
                        .at(base.saturating_add(line_start as u64)),
                    );
                }
                raw_line
            }
        };
        if line.is_empty() {
            continue;
        }
        match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let (name, value) = line.split_at(colon);
                let value = value.get(1..).unwrap_or_default();
                let value = value.trim_ascii();
                if name.iter().any(u8::is_ascii_uppercase) {
                    diags.push(
                        Diagnostic::warning(
                            Layer::Grpc,
                            "grpc.web_trailer_uppercase",
                            format!(
                                "gRPC-Web trailer name \"{}\" has upper-case letters; \
                                 names should be lower case",
                                crate::octets::display_bytes(name)
                            ),
                        )
                        .at(base.saturating_add(line_start as u64))
                        .rfc("gRPC-Web PROTOCOL-WEB.md"),
                    );
                }
                fields.push((Octets::from(name), Octets::from(value)));
            }
            None => diags.push(
                Diagnostic::error(
                    Layer::Grpc,
                    "grpc.web_trailer_no_colon",
                    format!(
                        "gRPC-Web trailer line \"{}\" has no ':'; kept as a name with an empty value",
                        crate::octets::display_bytes(line)
                    ),
                )
                .at(base.saturating_add(line_start as u64)),
            ),
        }
    }
    (fields, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(framing: Framing, enc: Encoding, body: &[u8], step: usize) -> Vec<ReaderEvent> {
        let mut r = MessageReader::new(framing, enc, &GrpcLimits::default());
        for c in body.chunks(step.max(1)) {
            r.push(c);
        }
        r.finish();
        std::iter::from_fn(|| r.next_event()).collect()
    }

    #[test]
    fn web_trailers_frame() {
        let block = b"grpc-status: 0\r\ngrpc-message: ok\r\nx-a: 1\r\nx-a: 2\r\n";
        let mut body = vec![0, 0, 0, 0, 1, 0x2a];
        body.push(0x80);
        body.extend_from_slice(&(block.len() as u32).to_be_bytes());
        body.extend_from_slice(block);
        let ev = run(Framing::GrpcWeb, Encoding::Identity, &body, 1);
        assert_eq!(ev.len(), 2);
        let ReaderEvent::Trailers(t) = &ev[1] else {
            panic!("{ev:?}")
        };
        let names: Vec<_> = t
            .fields
            .iter()
            .map(|(n, v)| (n.display().into_owned(), v.display().into_owned()))
            .collect();
        assert_eq!(
            names,
            [
                ("grpc-status", "0"),
                ("grpc-message", "ok"),
                ("x-a", "1"),
                ("x-a", "2")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert!(t.diagnostics.is_empty());
        assert_eq!(t.span, Span::new(6, 6 + 5 + block.len() as u64));
    }

    #[test]
    fn incomplete_and_flags() {
        let ev = run(Framing::Grpc, Encoding::Identity, &[2, 0, 0, 0, 3, 1], 2);
        let ReaderEvent::Message(m) = &ev[0] else {
            panic!()
        };
        assert!(m.incomplete);
        let codes: Vec<_> = m.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["grpc.incomplete_message", "grpc.bad_message_flags"]);
        let ev = run(Framing::Grpc, Encoding::Identity, &[0, 0, 0], 1);
        let ReaderEvent::Diagnostic(d) = &ev[0] else {
            panic!()
        };
        assert_eq!(d.code, "grpc.truncated_prefix");
    }

    #[test]
    fn size_limit_keeps_start() {
        let limits = GrpcLimits {
            max_message_size: 4,
            ..GrpcLimits::default()
        };
        let mut r = MessageReader::new(Framing::Grpc, Encoding::Identity, &limits);
        r.push(&[0, 0, 0, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0]);
        r.finish();
        let Some(ReaderEvent::Message(m)) = r.next_event() else {
            panic!()
        };
        assert_eq!(m.payload.as_bytes(), &[1, 2, 3, 4]);
        assert!(m.payload_truncated);
        assert_eq!(m.span, Span::new(0, 11));
        let Some(ReaderEvent::Message(m)) = r.next_event() else {
            panic!()
        };
        assert_eq!((m.index, m.declared_len, m.span), (1, 0, Span::new(11, 16)));
    }
}
