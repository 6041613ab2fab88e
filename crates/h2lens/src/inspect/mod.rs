//! The whole pipeline: any supported input in, one event stream out.
//!
//! ```text
//! pcap / pcapng ─ capture ─ net (IP, TCP reassembly) ─┐
//! raw HTTP/2 bytes ───────────────────────────────────┼─ conn ─ events
//! Envoy socket taps ──────────────────────────────────┘
//! linkerd / Envoy HTTP taps ─ tap ─────────────────────── events
//! ```
//!
//! Sans-IO like every layer: [`Inspector::push`] file bytes in any chunking,
//! [`Inspector::finish`] at the end, pull [`Event`]s. The events do not
//! depend on the chunking.

mod capture_stage;
mod collect;
mod event;
mod grpc_stage;
mod raw;
mod summary;
mod tap_stage;

pub use collect::{CollectedExchange, Collector, Header};
pub use event::{
    ByteAccounting, Carries, ConnectionEnd, ConnectionInfo, ConnectionSummary, DiagnosticCounts,
    Endpoint, Event, EventKind, InputInfo, Notice, Summary,
};

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::config::{Config, DataPayloads};
use crate::diag::{Diagnostic, Layer};
use crate::tap::TapFormat;

/// The input formats h2lens reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    Pcap,
    Pcapng,
    /// One connection's bytes, from its start (client preface first), or
    /// one direction's frames.
    Http2,
    /// `linkerd viz tap -o json` (or `linkerd tap -o json`).
    LinkerdJson,
    /// The Linkerd dashboard's tap WebSocket frames.
    LinkerdWebsocket,
    /// Envoy tap traces as JSON.
    EnvoyJson,
    /// Envoy tap traces, `PROTO_BINARY_LENGTH_DELIMITED`.
    EnvoyProtoLengthDelimited,
}

impl InputFormat {
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Pcap => "pcap",
            InputFormat::Pcapng => "pcapng",
            InputFormat::Http2 => "raw HTTP/2",
            InputFormat::LinkerdJson => "linkerd tap JSON",
            InputFormat::LinkerdWebsocket => "linkerd dashboard tap frames",
            InputFormat::EnvoyJson => "Envoy tap JSON",
            InputFormat::EnvoyProtoLengthDelimited => "Envoy tap (length-delimited protobuf)",
        }
    }

    fn is_tap(self) -> bool {
        matches!(
            self,
            InputFormat::LinkerdJson
                | InputFormat::LinkerdWebsocket
                | InputFormat::EnvoyJson
                | InputFormat::EnvoyProtoLengthDelimited
        )
    }
}

impl From<TapFormat> for InputFormat {
    fn from(f: TapFormat) -> InputFormat {
        match f {
            TapFormat::LinkerdJson => InputFormat::LinkerdJson,
            TapFormat::LinkerdWebSocket => InputFormat::LinkerdWebsocket,
            TapFormat::EnvoyJson => InputFormat::EnvoyJson,
            TapFormat::EnvoyProtoLengthDelimited => InputFormat::EnvoyProtoLengthDelimited,
        }
    }
}

/// Recognises the input format from its first bytes; `None` if undecided
/// (too few bytes) or unknown. With `at_end`, undecided means unknown.
///
/// Only the first [`DETECT_WINDOW`] bytes are read, and every rule either
/// decides from bytes it has seen in full or asks for more, so the format
/// does not depend on how much input happened to arrive (on chunking).
pub fn detect(prefix: &[u8], at_end: bool) -> Detection {
    let at_end = at_end || prefix.len() >= DETECT_WINDOW;
    let prefix = prefix.get(..DETECT_WINDOW).unwrap_or(prefix);
    match prefix.first_chunk::<4>() {
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4])
        | Some([0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d]) => {
            return Detection::Format(InputFormat::Pcap)
        }
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => return Detection::Format(InputFormat::Pcapng),
        _ => {}
    }
    // Tap streams are JSON objects (or length-delimited protobuf), told
    // apart by the keys of their first objects: looked for in the whole
    // window (or the whole input, if shorter).
    let text_start = prefix.iter().position(|b| !b.is_ascii_whitespace());
    match text_start.and_then(|i| prefix.get(i)) {
        Some(b'{' | b'[') => {
            if !at_end {
                return Detection::NeedMore;
            }
            return match crate::tap::detect(prefix) {
                Some(f) => Detection::Format(f.into()),
                None => Detection::Unknown,
            };
        }
        // Only whitespace so far: JSON may begin so.
        None if !at_end => return Detection::NeedMore,
        _ => {}
    }
    let preface = crate::conn::PREFACE.as_slice();
    if prefix.starts_with(preface) {
        return Detection::Format(InputFormat::Http2);
    }
    if !at_end && (prefix.len() < 4 || preface.starts_with(prefix)) {
        return Detection::NeedMore;
    }
    // A run of frame headers from a connection start (for example one
    // direction of a connection).
    if let Some(head) = crate::frame::FrameHeader::parse_prefix(prefix) {
        if crate::conn::plausible_frame_header(&head) {
            return Detection::Format(InputFormat::Http2);
        }
    } else if !at_end {
        return Detection::NeedMore;
    }
    // A length-delimited Envoy trace: a varint (up to 10 bytes), then a tag.
    if !at_end && prefix.len() < 11 {
        return Detection::NeedMore;
    }
    match crate::tap::detect(prefix) {
        Some(f) => Detection::Format(f.into()),
        None => Detection::Unknown,
    }
}

/// How many bytes of input [`detect`] reads at most: enough for the first
/// objects of every JSON tap format.
pub const DETECT_WINDOW: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detection {
    Format(InputFormat),
    NeedMore,
    Unknown,
}

/// How to decode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    pub config: Config,
    /// Skip detection.
    pub format: Option<InputFormat>,
    /// Summarise gRPC calls (keeps the DATA of gRPC streams until each
    /// call ends).
    pub grpc: bool,
    /// Decode gRPC messages without a schema, like `protoc --decode_raw`.
    pub decode_raw: bool,
    /// A `FileDescriptorSet` (protoset) to decode gRPC messages by their
    /// method's types.
    #[serde(skip)]
    pub protoset: Option<Vec<u8>>,
    /// Keep every exchange's headers (and bodies of gRPC streams when
    /// `grpc` is on) for [`Inspector::exchanges`] and HAR export. Costs
    /// memory proportional to the input.
    pub collect: bool,
    /// An NSS key log (`SSLKEYLOGFILE` text) to decrypt TLS in captures
    /// with. Decryption Secrets Blocks in a pcapng are used as well.
    #[serde(skip)]
    pub keylog: Option<Vec<u8>>,
    /// Decode only some of a capture's connections (see [`Shard`]).
    pub shard: Shard,
}

/// Which of a capture's connections an inspector decodes, so that several
/// inspectors (say, one per thread) can share the work of one capture: each
/// reads the whole input, but only shard `index` of `count` decodes the
/// connections whose number `conn % count == index` (numbers are the same
/// in every shard). Shard 0 also reports everything outside connections
/// (the input event, notices of the capture, link, IP and TCP layers);
/// other shards report only their connections' events and their summary. Inputs that are not captures are
/// decoded by shard 0 alone. [`Summary::add_shard`] combines the shards'
/// summaries into the one a single inspector gives, and
/// [`Inspector::next_event_keyed`] orders their events as one inspector
/// does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Default for Shard {
    fn default() -> Shard {
        Shard { index: 0, count: 1 }
    }
}

impl Shard {
    /// Whether this shard decodes connection `conn`.
    pub fn owns(self, conn: u32) -> bool {
        self.count <= 1 || conn % self.count == self.index
    }

    /// Whether this shard reports what lies outside connections.
    pub fn is_first(self) -> bool {
        self.index == 0 || self.count <= 1
    }
}

/// Decodes a whole input. See the module documentation.
#[derive(Debug)]
pub struct Inspector {
    config: Config,
    forced: Option<InputFormat>,
    /// TLS secrets from [`Options::keylog`].
    key_log: Option<std::sync::Arc<crate::tls::KeyLog>>,
    shard: Shard,
    stage: Stage,
    /// Bytes held while the format is undecided.
    pending: Vec<u8>,
    out: Out,
    finished: bool,
}

/// Where the stages put their events, each as it is made: counted into the
/// summary, seen by the gRPC stage and the collector, queued for
/// [`Inspector::next_event`].
#[derive(Debug)]
pub(super) struct Out {
    /// Events with their position (see [`Inspector::next_event_keyed`]).
    events: VecDeque<(u64, Event)>,
    /// The input point being decoded: the capture stage moves it on for
    /// every capture and TCP/IP event it reads (the same in every shard).
    pub(super) position: u64,
    pub(super) summary: Summary,
    grpc: Option<grpc_stage::GrpcStage>,
    /// Exchanges kept for [`Inspector::exchanges`], when asked for.
    collector: Option<(Collector, Vec<CollectedExchange>)>,
    /// Notices belong to shard 0 (see [`Shard`]).
    drop_notices: bool,
}

impl Out {
    pub(super) fn emit(&mut self, event: Event) {
        if self.drop_notices && matches!(event.kind, EventKind::Notice(_) | EventKind::Input(_)) {
            return;
        }
        self.summary.count(&event);
        if let Some((collector, list)) = self.collector.as_mut() {
            if let Some(exchange) = collector.push(&event) {
                list.push(exchange);
            }
        }
        let call = self.grpc.as_mut().and_then(|g| g.observe(&event));
        self.events.push_back((self.position, event));
        if let Some(call) = call {
            self.summary.count(&call);
            self.events.push_back((self.position, call));
        }
    }
}

#[derive(Debug)]
enum Stage {
    Detecting,
    Raw(Box<raw::RawStage>),
    Capture(Box<capture_stage::CaptureStage>),
    Tap(Box<tap_stage::TapStage>),
    Unknown,
}

impl Inspector {
    pub fn new(options: Options) -> Inspector {
        let mut config = options.config;
        let mut notices = Vec::new();
        let grpc = options.grpc.then(|| {
            config.output.data_payloads = match config.output.data_payloads {
                DataPayloads::None => DataPayloads::Grpc,
                other => other,
            };
            let schema = options.protoset.as_deref().and_then(|bytes| {
                crate::protobuf::Schema::from_protoset(bytes)
                    .map_err(|d| notices.push(d))
                    .ok()
            });
            grpc_stage::GrpcStage::new(&config.grpc, schema, options.decode_raw)
        });
        let key_log = options.keylog.as_deref().map(|text| {
            let (log, diags) = crate::tls::KeyLog::parse(text);
            notices.extend(diags);
            notices.push(Diagnostic::info(
                Layer::Tls,
                "tls.keylog_loaded",
                format!("key log: secrets for {} TLS sessions", log.len()),
            ));
            std::sync::Arc::new(log)
        });
        if options.grpc || options.collect {
            // Calls and collected exchanges are built from the listed
            // fields, the frame events' DATA and the exchange events.
            config.output.header_fields = crate::config::HeaderFields::Explained;
            config.output.frame_events = true;
            config.output.block_events = true;
            config.output.exchange_events = true;
        }
        let collector = options.collect.then(|| {
            let max_body = config.grpc.max_message_size as usize;
            (Collector::new(true, max_body), Vec::new())
        });
        let mut inspector = Inspector {
            config,
            forced: options.format,
            key_log,
            shard: options.shard,
            stage: Stage::Detecting,
            pending: Vec::new(),
            out: Out {
                events: VecDeque::new(),
                position: 0,
                summary: Summary::default(),
                grpc,
                collector,
                drop_notices: !options.shard.is_first(),
            },
            finished: false,
        };
        for diagnostic in notices {
            inspector.emit(Event {
                conn: None,
                kind: EventKind::Notice(Notice {
                    packet: None,
                    diagnostic,
                }),
            });
        }
        inspector
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.finished || bytes.is_empty() {
            return;
        }
        let summary = &mut self.out.summary;
        summary.input_bytes = summary.input_bytes.saturating_add(bytes.len() as u64);
        if let Stage::Detecting = self.stage {
            self.pending.extend_from_slice(bytes);
            self.detect(false);
            return;
        }
        self.feed(bytes);
    }

    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        if let Stage::Detecting = self.stage {
            self.detect(true);
        }
        match &mut self.stage {
            Stage::Raw(raw) => raw.finish(&mut self.out),
            Stage::Capture(capture) => capture.finish(&mut self.out),
            Stage::Tap(tap) => {
                let mut tap_out = Vec::new();
                tap.finish(&mut tap_out);
                self.emit_tap(tap_out);
            }
            Stage::Detecting | Stage::Unknown => {}
        }
        self.finished = true;
        self.out.position = u64::MAX;
        let summary = self.out.summary.clone();
        self.emit(Event {
            conn: None,
            kind: EventKind::Summary(Box::new(summary)),
        });
    }

    pub fn next_event(&mut self) -> Option<Event> {
        self.out.events.pop_front().map(|(_, event)| event)
    }

    /// The next event with its position in the input: a number that never
    /// decreases from one event to the next and names the same input point
    /// in every [`Shard`] of one input (a capture record or TCP/IP event,
    /// each connection's end, the end of the input). Events of one position
    /// all come from one shard (they concern one connection, or none and
    /// then shard 0), so merging the shards' events by position, each
    /// shard's in its own order, gives exactly the events of one inspector.
    pub fn next_event_keyed(&mut self) -> Option<(u64, Event)> {
        self.out.events.pop_front()
    }

    /// The position the input has been decoded to: no event still to come
    /// (queued or not) has a lower one (see
    /// [`Inspector::next_event_keyed`]).
    pub fn position(&self) -> u64 {
        self.out
            .events
            .front()
            .map_or(self.out.position, |(key, _)| *key)
    }

    /// Moves all pending events into `out`.
    pub fn drain(&mut self, out: &mut Vec<Event>) {
        out.extend(self.out.events.drain(..).map(|(_, event)| event));
    }

    /// Totals so far (complete after [`finish`](Self::finish)).
    pub fn summary(&self) -> &Summary {
        &self.out.summary
    }

    fn detect(&mut self, at_end: bool) {
        let detection = match self.forced {
            Some(format) => Detection::Format(format),
            None => detect(&self.pending, at_end),
        };
        let format = match detection {
            Detection::NeedMore => return,
            Detection::Format(format) => format,
            Detection::Unknown => {
                self.stage = Stage::Unknown;
                // Name the first bytes, not how many were buffered: that
                // count depends on the chunking, and events must not.
                let start = crate::octets::to_hex(self.pending.get(..8).unwrap_or(&self.pending));
                self.pending = Vec::new();
                self.emit(Event {
                    conn: None,
                    kind: EventKind::Notice(Notice {
                        packet: None,
                        diagnostic: Diagnostic::error(
                            Layer::Capture,
                            "input.unknown_format",
                            format!(
                                "the input (starting {start}) is not a pcap or pcapng capture, a tap stream, or raw HTTP/2"
                            ),
                        )
                        .at(0),
                    }),
                });
                return;
            }
        };
        self.out.summary.format = Some(format);
        if !format.is_tap() {
            // Tap inputs say what they carry once the tap decoder knows.
            self.emit(Event {
                conn: None,
                kind: EventKind::Input(InputInfo {
                    format,
                    carries: Carries::Wire,
                    fidelity: None,
                }),
            });
        }
        self.stage = match format {
            InputFormat::Pcap | InputFormat::Pcapng => Stage::Capture(Box::new(
                capture_stage::CaptureStage::new(&self.config, self.shard, self.key_log.clone()),
            )),
            // Not a capture: shard 0 decodes it all.
            _ if !self.shard.is_first() => Stage::Unknown,
            InputFormat::Http2 => Stage::Raw(Box::new(raw::RawStage::new(&self.config))),
            _ => Stage::Tap(Box::new(tap_stage::TapStage::new(&self.config))),
        };
        let pending = std::mem::take(&mut self.pending);
        self.feed(&pending);
    }

    fn feed(&mut self, bytes: &[u8]) {
        match &mut self.stage {
            Stage::Raw(raw) => raw.push(bytes, &mut self.out),
            Stage::Capture(capture) => capture.push(bytes, &mut self.out),
            Stage::Tap(tap) => {
                let mut tap_out = Vec::new();
                tap.push(bytes, &mut tap_out);
                self.emit_tap(tap_out);
            }
            Stage::Detecting | Stage::Unknown => {}
        }
    }

    fn emit_tap(&mut self, outputs: Vec<tap_stage::Output>) {
        for output in outputs {
            match output {
                tap_stage::Output::Event(event) => self.emit(event),
                tap_stage::Output::Format(format, fidelity) => {
                    let format = InputFormat::from(format);
                    self.out.summary.format = Some(format);
                    self.emit(Event {
                        conn: None,
                        kind: EventKind::Input(InputInfo {
                            format,
                            carries: Carries::DecodedHeaders,
                            fidelity: Some(fidelity),
                        }),
                    });
                }
                tap_stage::Output::Exchange(exchange) => {
                    let call = self.out.grpc.as_ref().and_then(|g| g.tap_call(&exchange));
                    self.emit(Event {
                        conn: None,
                        kind: EventKind::TapExchange(exchange),
                    });
                    if let Some(call) = call {
                        self.emit(call);
                    }
                }
            }
        }
    }

    /// Every exchange seen so far with its headers, when
    /// [`Options::collect`] was set (complete after
    /// [`finish`](Self::finish)).
    pub fn exchanges(&self) -> &[CollectedExchange] {
        self.out
            .collector
            .as_ref()
            .map(|(_, list)| list.as_slice())
            .unwrap_or(&[])
    }

    /// The exchanges as a HAR 1.2 log (needs [`Options::collect`]).
    pub fn har(&self) -> crate::har::Har {
        crate::har::to_har(self.exchanges())
    }

    fn emit(&mut self, event: Event) {
        self.out.emit(event);
    }
}
