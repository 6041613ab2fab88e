//! Mesh tap streams: `linkerd tap -o json`, the Linkerd dashboard's
//! WebSocket frames, and Envoy tap traces (JSON or length-delimited
//! protobuf).
//!
//! Tap inputs are not the wire. Linkerd and Envoy HTTP traces carry headers
//! as the proxy decoded them (no HPACK; Linkerd does not even keep the order
//! across names); each input announces this first with a
//! [`TapEvent::Format`] and its [`Fidelity`]. Envoy *socket* traces do carry
//! the wire: their bytes come out as [`SocketChunk`]s for the HTTP/2
//! connection decoder.
//!
//! [`TapDecoder`] is sans-IO (push chunks, `finish`, `next_event`);
//! [`parse`] is the whole-input helper; [`detect`] names a format from the
//! first bytes.

mod envoy;
mod envoy_binary;
mod json;
mod linkerd;
pub mod model;
mod scanner;

use std::collections::VecDeque;

use serde::Serialize;

pub use model::{
    Endpoint, Fidelity, SocketChunk, SocketConnection, SocketEventKind, SocketTrace,
    SocketTraceInfo, TapBody, TapEvent, TapExchange, TapFormat, TapSource, TappedSide,
};

use crate::config::GrpcLimits;
use crate::diag::{Diagnostic, Layer};
use scanner::{ObjectScanner, ScanItem};

/// Names the format of a tap input from its first bytes: for JSON, the
/// first object (or its first few hundred bytes); for binary, the length
/// prefix and first tag.
pub fn detect(prefix: &[u8]) -> Option<TapFormat> {
    let start = prefix.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = prefix.get(start..)?;
    match rest.first()? {
        b'{' | b'[' => {
            let text = String::from_utf8_lossy(rest);
            let has = |k: &str| text.contains(k);
            if has("\"requestInitEvent\"")
                || has("\"responseInitEvent\"")
                || has("\"responseEndEvent\"")
            {
                Some(TapFormat::LinkerdJson)
            } else if has("\"requestInit\"") || has("\"responseInit\"") || has("\"responseEnd\"") {
                Some(TapFormat::LinkerdWebSocket)
            } else if has("\"http_buffered_trace\"")
                || has("\"http_streamed_trace_segment\"")
                || has("\"socket_buffered_trace\"")
                || has("\"socket_streamed_trace_segment\"")
            {
                Some(TapFormat::EnvoyJson)
            } else if has("\"sourceMeta\"") || has("{\"ipv4\"") || has("\"ipv4\":") {
                // A WebSocket frame whose event key is beyond the prefix.
                Some(TapFormat::LinkerdWebSocket)
            } else if has("\"proxyDirection\"") || (has("\"source\"") && has("\"destination\"")) {
                // The CLI prints source, destination, routeMeta and
                // proxyDirection before the event.
                Some(TapFormat::LinkerdJson)
            } else {
                None
            }
        }
        _ => {
            // varint length, then a TraceWrapper tag: field 1-4, LEN.
            let mut pos = 0;
            let mut len: u64 = 0;
            for i in 0..10u32 {
                let b = *prefix.get(pos)?;
                pos += 1;
                len |= u64::from(b & 0x7f) << (7 * i);
                if b & 0x80 == 0 {
                    break;
                }
            }
            let tag = *prefix.get(pos)?;
            (len > 0 && matches!(tag, 0x0a | 0x12 | 0x1a | 0x22))
                .then_some(TapFormat::EnvoyProtoLengthDelimited)
        }
    }
}

enum Mode {
    /// Waiting for the first byte that is not whitespace.
    Undecided(Vec<u8>),
    Json(ObjectScanner),
    Binary(BinaryReader),
}

impl std::fmt::Debug for TapDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TapDecoder")
            .field("format", &self.format)
            .field("objects", &self.objects)
            .finish_non_exhaustive()
    }
}

/// Sans-IO tap decoder: any of the formats, detected from the input.
pub struct TapDecoder {
    mode: Mode,
    max_object: u32,
    format: Option<TapFormat>,
    objects: u64,
    linkerd: linkerd::LinkerdJoiner,
    envoy: envoy::EnvoyState,
    events: VecDeque<TapEvent>,
    finished: bool,
}

impl TapDecoder {
    pub fn new(limits: &GrpcLimits) -> Self {
        TapDecoder {
            mode: Mode::Undecided(Vec::new()),
            max_object: limits.max_tap_object_size,
            format: None,
            objects: 0,
            linkerd: linkerd::LinkerdJoiner::new(limits.max_tap_open_exchanges),
            envoy: envoy::EnvoyState::new(limits.max_tap_open_exchanges),
            events: VecDeque::new(),
            finished: false,
        }
    }

    /// The format, once known.
    pub fn format(&self) -> Option<TapFormat> {
        self.format
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.finished {
            return;
        }
        let mut items = Vec::new();
        let mut binary = Vec::new();
        match &mut self.mode {
            Mode::Undecided(held) => {
                held.extend_from_slice(bytes);
                match held.iter().find(|b| !b.is_ascii_whitespace()) {
                    None => return,
                    Some(b'{' | b'[') => {
                        let held = std::mem::take(held);
                        let mut s = ObjectScanner::new(self.max_object);
                        s.push(&held, &mut items);
                        self.mode = Mode::Json(s);
                    }
                    Some(_) => {
                        let held = std::mem::take(held);
                        let mut r = BinaryReader::new(self.max_object);
                        r.push(&held, &mut binary);
                        self.mode = Mode::Binary(r);
                    }
                }
            }
            Mode::Json(s) => s.push(bytes, &mut items),
            Mode::Binary(r) => r.push(bytes, &mut binary),
        }
        self.handle_items(items);
        self.handle_binary(binary);
    }

    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let mut items = Vec::new();
        let mut binary = Vec::new();
        match &mut self.mode {
            Mode::Undecided(held) => {
                if !held.is_empty() {
                    self.events.push_back(TapEvent::Diagnostic(Diagnostic::info(
                        Layer::Tap,
                        "tap.empty",
                        "the tap input holds only whitespace",
                    )));
                }
            }
            Mode::Json(s) => s.finish(&mut items),
            Mode::Binary(r) => r.finish(&mut binary),
        }
        self.handle_items(items);
        self.handle_binary(binary);
        let mut out = Vec::new();
        self.linkerd.finish(&mut out);
        self.envoy.finish(&mut out);
        self.events.extend(out);
    }

    pub fn next_event(&mut self) -> Option<TapEvent> {
        self.events.pop_front()
    }

    fn announce(&mut self, format: TapFormat) {
        if self.format.is_none() {
            self.format = Some(format);
            self.events.push_back(TapEvent::Format {
                format,
                fidelity: format.fidelity(),
            });
        } else if self.format != Some(format)
            && !(matches!(self.format, Some(TapFormat::EnvoyProtoLengthDelimited))
                && format == TapFormat::EnvoyJson)
        {
            self.events
                .push_back(TapEvent::Diagnostic(Diagnostic::warning(
                    Layer::Tap,
                    "tap.mixed_formats",
                    format!(
                        "the input mixes tap formats ({:?} after {:?}); both are decoded",
                        format, self.format
                    ),
                )));
        }
    }

    fn handle_items(&mut self, items: Vec<ScanItem>) {
        for item in items {
            match item {
                ScanItem::Diagnostic(d) => self.events.push_back(TapEvent::Diagnostic(d)),
                ScanItem::Object(o) => {
                    let index = self.objects;
                    self.objects += 1;
                    match serde_json::from_slice::<serde_json::Value>(&o.bytes) {
                        Ok(v) => self.handle_value(&v, index, o.offset, None),
                        Err(e) => self.events.push_back(TapEvent::Diagnostic(
                            Diagnostic::error(
                                Layer::Tap,
                                "tap.bad_json",
                                format!("object {index} is not valid JSON: {e}"),
                            )
                            .at(o.offset),
                        )),
                    }
                }
            }
        }
    }

    fn handle_value(
        &mut self,
        v: &serde_json::Value,
        index: u64,
        offset: u64,
        binary: Option<TapFormat>,
    ) {
        let mut out = Vec::new();
        if let Some(f) = linkerd::classify(v) {
            self.announce(f);
            self.linkerd.handle(v, index, offset, &mut out);
        } else if let Some(f) = envoy::classify(v) {
            self.announce(binary.unwrap_or(f));
            self.envoy.handle(v, index, offset, &mut out);
        } else {
            out.push(TapEvent::Diagnostic(
                Diagnostic::warning(
                    Layer::Tap,
                    "tap.unknown_object",
                    format!(
                        "object {index} is neither a Linkerd tap event nor an Envoy trace; skipped"
                    ),
                )
                .at(offset),
            ));
        }
        self.events.extend(out);
    }

    fn handle_binary(&mut self, messages: Vec<BinaryItem>) {
        for m in messages {
            match m {
                BinaryItem::Diagnostic(d) => self.events.push_back(TapEvent::Diagnostic(d)),
                BinaryItem::Message { offset, bytes } => {
                    let index = self.objects;
                    self.objects += 1;
                    let mut unknown = Vec::new();
                    match envoy_binary::trace_wrapper(&bytes, &mut unknown) {
                        Ok(v) => {
                            if !unknown.is_empty() {
                                self.events.push_back(TapEvent::Diagnostic(
                                    Diagnostic::info(
                                        Layer::Tap,
                                        "tap.unknown_fields",
                                        format!(
                                            "trace {index} has fields h2lens does not read: {}",
                                            unknown.join(", ")
                                        ),
                                    )
                                    .at(offset),
                                ));
                            }
                            self.handle_value(
                                &v,
                                index,
                                offset,
                                Some(TapFormat::EnvoyProtoLengthDelimited),
                            );
                        }
                        Err(why) => self.events.push_back(TapEvent::Diagnostic(
                            Diagnostic::error(
                                Layer::Tap,
                                "tap.bad_trace",
                                format!("binary trace {index}: {why}"),
                            )
                            .at(offset),
                        )),
                    }
                }
            }
        }
    }
}

enum BinaryItem {
    Message { offset: u64, bytes: Vec<u8> },
    Diagnostic(Diagnostic),
}

/// `PROTO_BINARY_LENGTH_DELIMITED`: varint length, then the message.
struct BinaryReader {
    max: u32,
    offset: u64,
    len_bytes: u8,
    len: u64,
    start: u64,
    /// Reading a message body of `len` bytes.
    in_body: bool,
    buf: Vec<u8>,
    skipped: u64,
}

impl BinaryReader {
    fn new(max: u32) -> Self {
        BinaryReader {
            max,
            offset: 0,
            len_bytes: 0,
            len: 0,
            start: 0,
            in_body: false,
            buf: Vec::new(),
            skipped: 0,
        }
    }

    fn push(&mut self, mut bytes: &[u8], out: &mut Vec<BinaryItem>) {
        while let Some((&b, rest)) = bytes.split_first() {
            if !self.in_body {
                if self.len_bytes == 0 {
                    self.start = self.offset;
                    self.len = 0;
                }
                self.offset += 1;
                bytes = rest;
                if self.len_bytes >= 10 {
                    // Not a varint: nothing after this can be framed.
                    continue;
                }
                self.len |= u64::from(b & 0x7f) << (7 * u32::from(self.len_bytes));
                self.len_bytes += 1;
                if b & 0x80 == 0 {
                    self.len_bytes = 0;
                    self.in_body = true;
                    self.buf.clear();
                    self.skipped = 0;
                    if self.len == 0 {
                        self.complete(out);
                    }
                } else if self.len_bytes >= 10 {
                    out.push(BinaryItem::Diagnostic(
                        Diagnostic::error(Layer::Tap, "tap.bad_length", "a trace length prefix is not a valid varint; the rest of the input cannot be framed")
                            .at(self.start),
                    ));
                }
                continue;
            }
            let have = self.buf.len() as u64 + self.skipped;
            let want = usize::try_from(self.len.saturating_sub(have)).unwrap_or(usize::MAX);
            let take = want.min(bytes.len());
            let (head, rest) = bytes.split_at(take);
            let room = (self.max as usize).saturating_sub(self.buf.len());
            let keep = head.len().min(room);
            self.buf
                .extend_from_slice(head.get(..keep).unwrap_or_default());
            self.skipped += (head.len() - keep) as u64;
            self.offset += take as u64;
            bytes = rest;
            if self.buf.len() as u64 + self.skipped == self.len {
                self.complete(out);
            }
        }
    }

    fn complete(&mut self, out: &mut Vec<BinaryItem>) {
        self.in_body = false;
        if self.skipped > 0 {
            out.push(BinaryItem::Diagnostic(
                Diagnostic::error(
                    Layer::Tap,
                    "tap.object_too_large",
                    format!(
                        "a binary trace of {} bytes exceeds the limit of {}; skipped{}",
                        self.len,
                        self.max,
                        crate::config::limit_hint("grpc.max_tap_object_size")
                    ),
                )
                .at(self.start),
            ));
            self.buf.clear();
            return;
        }
        out.push(BinaryItem::Message {
            offset: self.start,
            bytes: std::mem::take(&mut self.buf),
        });
    }

    fn finish(&mut self, out: &mut Vec<BinaryItem>) {
        if self.in_body || self.len_bytes > 0 {
            let have = self.buf.len() as u64 + self.skipped;
            out.push(BinaryItem::Diagnostic(
                Diagnostic::error(
                    Layer::Tap,
                    "tap.partial_object",
                    format!(
                        "the input ends inside a binary trace ({have} of {} bytes); that trace is lost, earlier ones are kept",
                        self.len
                    ),
                )
                .at(self.start),
            ));
        }
    }
}

/// A whole tap input, decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TapParse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<TapFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<Fidelity>,
    /// Exchanges in order of first appearance.
    pub exchanges: Vec<TapExchange>,
    /// Socket traces in order of first appearance, with chunks in input
    /// order and a guess at which side Envoy was.
    pub sockets: Vec<SocketTrace>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Decodes a whole tap input.
pub fn parse(input: &[u8], limits: &GrpcLimits) -> TapParse {
    let mut d = TapDecoder::new(limits);
    d.push(input);
    d.finish();
    collect(std::iter::from_fn(|| d.next_event()))
}

/// Assembles decoder events into a [`TapParse`].
pub fn collect(events: impl IntoIterator<Item = TapEvent>) -> TapParse {
    let mut p = TapParse::default();
    for e in events {
        match e {
            TapEvent::Format { format, fidelity } => {
                p.format.get_or_insert(format);
                p.fidelity.get_or_insert(fidelity);
            }
            TapEvent::Exchange(x) => p.exchanges.push(*x),
            TapEvent::Socket(c) => {
                let i = socket_index(&mut p.sockets, &c.trace_id);
                if let Some(s) = p.sockets.get_mut(i) {
                    s.chunks.push(c);
                }
            }
            TapEvent::SocketInfo(i) => {
                let at = socket_index(&mut p.sockets, &i.trace_id);
                if let Some(s) = p.sockets.get_mut(at) {
                    if i.connection.is_some() {
                        s.connection = i.connection;
                    }
                    s.read_truncated |= i.read_truncated;
                    s.write_truncated |= i.write_truncated;
                }
            }
            TapEvent::Diagnostic(d) => p.diagnostics.push(d),
        }
    }
    p.exchanges.sort_by_key(|x| x.first_object);
    for s in &mut p.sockets {
        s.tapped_side = s.guess_tapped_side();
    }
    p
}

/// The position of trace `id` in `list`, adding it when new.
fn socket_index(list: &mut Vec<SocketTrace>, id: &str) -> usize {
    match list.iter().position(|s| s.trace_id == id) {
        Some(i) => i,
        None => {
            list.push(SocketTrace {
                trace_id: id.to_string(),
                ..SocketTrace::default()
            });
            list.len() - 1
        }
    }
}
