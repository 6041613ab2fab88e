//! The connection decoder: one TCP connection, both directions, to frames,
//! header blocks, streams and exchanges (RFC 9113).
//!
//! Sans-IO: push each direction's bytes as they come (any chunking), with
//! the packet they came in; pull [`ConnEvent`]s. The decoder recognises the
//! client preface (§3.4), the HTTP/1.1 `Upgrade: h2c` hand-off (RFC 7540
//! §3.2), and — for connections already open when the capture began or
//! after lost bytes — a plausible frame boundary. TLS connections are
//! recognised by their hellos; with a key log ([`Connection::set_key_log`])
//! their records are decrypted (`crate::tls`) and the decrypted stream is
//! read like any other. It never panics: every rule a peer breaks becomes
//! a diagnostic and decoding goes on.

mod blocks;
mod event;
mod fields;
mod flood;
mod frames;
mod http1;
mod marks;
mod prelude;
mod resync;
mod rules;
mod settings;
mod streams;

pub use event::{
    BlockKind, BlockRole, ConnDiagnostic, ConnEvent, Exchange, ExchangeState, FrameEvent,
    HeaderBlockEvent, Http1Event, InlineVec, MessageHead, Origin, PingRtt, Protocol, ProtocolEvent,
    Reset, SettingsEvent, SkipReason, Skipped, Stalled,
};

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use crate::config::{Config, DataPayloads};
use crate::diag::{Diagnostic, Layer, Span};
use crate::frame::{
    self, ErrorCode, Flags, Frame, FrameHeader, FrameReader, FrameType, RawFrame, Setting,
    FRAME_HEADER_LEN,
};
use crate::hpack::{self, HeaderBlock, TableState, UnknownCause};
use crate::idhash::{IdMap, IdSet};
use crate::octets::{HexBytes, Octets};
use crate::time::{Direction, PerDir, Timestamp};

use frame::ByteQueue;
use marks::Marks;
use settings::PeerSettings;
use streams::Stream;

/// Whether a frame header could start a real frame (RFC 9113 §6 rules:
/// known type, flags, stream and length fit the type).
pub fn plausible_frame_header(head: &FrameHeader) -> bool {
    resync::plausible(head)
}

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Largest flow-control window (RFC 9113 §6.9.1).
const MAX_WINDOW: i64 = 0x7fff_ffff;

/// Whether the connection's beginning is in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnStart {
    /// The first bytes pushed are the connection's first bytes (the SYN
    /// was seen, or the input is a raw byte stream).
    Beginning,
    /// The connection was already open: look for a frame boundary, and
    /// start HPACK with an unknown table.
    Midstream,
}

/// Byte accounting for one direction: every byte is in exactly one bucket
/// (`frame_bytes`, `preface_bytes`, `http1_bytes`, `skipped`, `tls_bytes`),
/// once the connection is finished.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DirStats {
    /// Bytes pushed (not counting gaps).
    pub bytes: u64,
    /// TLS decrypted with a key log: record headers, encryption overhead
    /// (nonces, tags, padding), handshake, alert and change-cipher-spec
    /// records. The decrypted application data is counted in the other
    /// buckets.
    #[serde(skip_serializing_if = "is_zero")]
    pub tls_bytes: u64,
    /// TLS records read (decrypted connections).
    #[serde(skip_serializing_if = "is_zero")]
    pub tls_records: u64,
    /// Application data decrypted (not a bucket: these bytes are in
    /// `frame_bytes`, `preface_bytes`, `http1_bytes` or `skipped`).
    #[serde(skip_serializing_if = "is_zero")]
    pub decrypted_bytes: u64,
    /// Bytes of complete frames (headers and payloads).
    pub frame_bytes: u64,
    pub frames: u64,
    pub preface_bytes: u64,
    pub http1_bytes: u64,
    /// Bytes not decoded, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Bytes lost (TCP gaps), never pushed.
    pub lost: u64,
    pub header_blocks: u64,
}

impl DirStats {
    /// The bytes in the buckets (`frame_bytes`, `preface_bytes`,
    /// `http1_bytes`, `skipped`, `tls_bytes`): `bytes`, once the connection
    /// is finished.
    pub fn accounted_bytes(&self) -> u64 {
        [self.preface_bytes, self.http1_bytes, self.tls_bytes]
            .iter()
            .chain(self.skipped.values())
            .fold(self.frame_bytes, |sum, n| sum.saturating_add(*n))
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What the header block and exchange events left out
/// (`OutputOptions::block_events`, `exchange_events`) would have counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotEmitted {
    pub header_blocks: u64,
    /// Fields in those blocks.
    pub header_fields: u64,
    pub exchanges: u64,
}

/// Totals for the connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConnStats {
    pub client_to_server: DirStats,
    pub server_to_client: DirStats,
    pub streams: u64,
    pub exchanges: u64,
    pub diagnostics: u64,
}

/// What a direction's bytes are being read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Nothing decided yet.
    Start,
    /// An HTTP/1.x head is arriving.
    Http1Head,
    /// After an h2c upgrade request: waiting for the client preface.
    SeekPreface,
    /// HTTP/2 frames.
    Frames,
    /// Looking for a frame boundary.
    Resync(UnknownCause),
    /// A TLS handshake record was seen: the direction is handed to the TLS
    /// layer (`DirInput::tls`), and this mode becomes the mode of the
    /// decrypted stream (starting at `Start`).
    Tls,
    /// Everything else in this direction is skipped.
    Skip(SkipReason),
}

/// A header block being assembled from HEADERS/PUSH_PROMISE and
/// CONTINUATION frames (§4.3).
#[derive(Debug)]
struct PendingBlock {
    stream_id: u32,
    kind: BlockKind,
    promised_stream_id: Option<u32>,
    bytes: Vec<u8>,
    frames: InlineVec<u64>,
    packets: InlineVec<u64>,
    fragments: InlineVec<Span>,
    end_stream: bool,
    padded: bool,
    priority: Option<frame::PrioritySpec>,
    continuation_frames: u32,
    /// A limit cut the block: it will not be decoded.
    over_limit: bool,
}

impl PendingBlock {
    fn new(
        stream_id: u32,
        kind: BlockKind,
        promised_stream_id: Option<u32>,
        end_stream: bool,
        padded: bool,
        priority: Option<frame::PrioritySpec>,
    ) -> PendingBlock {
        PendingBlock {
            stream_id,
            kind,
            promised_stream_id,
            bytes: Vec::new(),
            frames: InlineVec::new(),
            packets: InlineVec::new(),
            fragments: InlineVec::new(),
            end_stream,
            padded,
            priority,
            continuation_frames: 0,
            over_limit: false,
        }
    }
}

/// Per-direction input state.
#[derive(Debug)]
struct DirInput {
    mode: Mode,
    /// Bytes before frames (preface, HTTP/1 head, resync search).
    queue: ByteQueue,
    marks: Marks,
    /// Stream offset of the next byte to be pushed.
    offset: u64,
    frame_index: u64,
    block: Option<PendingBlock>,
    /// In a TLS direction: the TCP side (hello inspection, packet marks);
    /// everything else here then reads the decrypted stream.
    tls: Option<TlsDir>,
    stats: DirStats,
}

/// The TCP side of a TLS direction.
#[derive(Debug)]
struct TlsDir {
    hello: crate::net::tls::HelloInspector,
    /// TCP stream offset of the next byte.
    offset: u64,
    /// Which packet each TCP byte came in.
    marks: Marks,
    /// Bytes read before the hellos were (skipped once they are, so that
    /// the protocol event comes first however the bytes arrived).
    held: Option<(Span, Origin)>,
}

impl TlsDir {
    /// Adds `span` to the bytes held back, returns all of them once the
    /// hello inspection is over.
    fn hold(&mut self, span: Span, origin: Origin) -> Option<(Span, Origin)> {
        let held = match self.held.take() {
            Some((run, first)) => (Span::new(run.start, span.end), first),
            None => (span, origin),
        };
        if self.hello.is_done() {
            Some(held)
        } else {
            self.held = Some(held);
            None
        }
    }
}

impl DirInput {
    fn new(mode: Mode) -> DirInput {
        DirInput {
            mode,
            queue: ByteQueue::new(),
            marks: Marks::default(),
            offset: 0,
            frame_index: 0,
            block: None,
            tls: None,
            stats: DirStats::default(),
        }
    }
}

/// Decodes one connection. See the module documentation.
#[derive(Debug)]
pub struct Connection {
    readers: PerDir<FrameReader>,
    core: Core,
}

/// Everything but the frame readers, so a frame borrowed from a reader can
/// be handled with `&mut Core`.
#[derive(Debug)]
struct Core {
    cfg: Config,
    start: ConnStart,
    protocol: Option<Protocol>,
    inputs: PerDir<DirInput>,
    /// Settings in force that each side sent (index: sender).
    settings: PerDir<PeerSettings>,
    /// Settings each side sent that its peer has not yet acknowledged.
    pending_settings: PerDir<VecDeque<Vec<Setting>>>,
    /// HPACK decoder for the blocks each side sends.
    hpack: PerDir<hpack::Decoder>,
    /// Connection flow-control window of each sender.
    conn_window: PerDir<i64>,
    /// Runs of frames that may be a flood attack, by sender.
    floods: PerDir<flood::FloodWatch>,
    conn_stalled: PerDir<bool>,
    /// Flow-control accounting is exact only from the connection start
    /// and without gaps.
    flow_known: bool,
    streams: IdMap<u32, Stream>,
    /// How many of `streams` the client opened (odd ids), kept as streams
    /// come and go: the concurrency check needs it at every new stream.
    client_streams: u32,
    /// Recently reset streams, which may still see frames in flight.
    recently_reset: IdSet<u32>,
    recently_reset_order: VecDeque<u32>,
    /// Highest stream id each side has opened.
    max_stream: PerDir<u32>,
    /// Lowest stream id seen of each side (mid-connection: lower ones
    /// began before the capture).
    first_seen: PerDir<Option<u32>>,
    /// GOAWAY last-stream-id each side sent.
    goaway: PerDir<Option<u32>>,
    /// PINGs each side sent, awaiting an ACK.
    pings: PerDir<VecDeque<([u8; 8], Origin)>>,
    /// An h2c upgrade request waiting for its 101.
    upgrade: Option<UpgradeRequest>,
    /// Secrets to decrypt TLS with.
    key_log: Option<Arc<crate::tls::KeyLog>>,
    /// Decryption of this connection's TLS (both directions), when there
    /// is a key log.
    tls: Option<Box<crate::tls::Session>>,
    next_block_id: u64,
    /// Names and values of the block being finished when fields are only
    /// counted (`OutputOptions::header_fields`), reused.
    plain: fields::PlainFields,
    /// Frames by type not yet taken by [`Connection::take_frame_counts`],
    /// counted when frame events are off (`OutputOptions::frame_events`).
    frame_counts: Vec<(FrameType, u64)>,
    /// Blocks and exchanges not made into events, not yet taken by
    /// [`Connection::take_not_emitted`].
    not_emitted: NotEmitted,
    events: VecDeque<ConnEvent>,
    /// A run of skipped bytes not yet emitted (see `flush_skip`).
    pending_skip: Option<Skipped>,
    exchanges: u64,
    diagnostics: u64,
    streams_seen: u64,
    finished: bool,
}

#[derive(Debug)]
struct UpgradeRequest {
    head: http1::Head,
    settings: Vec<Setting>,
    origin: Origin,
}

impl Connection {
    pub fn new(cfg: &Config, start: ConnStart) -> Connection {
        let mode = match start {
            ConnStart::Beginning => Mode::Start,
            ConnStart::Midstream => Mode::Resync(UnknownCause::CaptureStart),
        };
        let hpack_decoder = || match start {
            ConnStart::Beginning => hpack::Decoder::new(&cfg.hpack),
            ConnStart::Midstream => {
                hpack::Decoder::with_unknown_table(&cfg.hpack, UnknownCause::CaptureStart)
            }
        };
        let max_payload = cfg.frame.max_frame_size;
        Connection {
            readers: PerDir::both(FrameReader::new(max_payload)),
            core: Core {
                cfg: cfg.clone(),
                start,
                protocol: None,
                inputs: PerDir::new(DirInput::new(mode), DirInput::new(mode)),
                settings: PerDir::default(),
                pending_settings: PerDir::default(),
                hpack: PerDir::new(hpack_decoder(), hpack_decoder()),
                conn_window: PerDir::both(65_535),
                floods: PerDir::default(),
                conn_stalled: PerDir::default(),
                flow_known: start == ConnStart::Beginning,
                streams: IdMap::default(),
                client_streams: 0,
                recently_reset: IdSet::default(),
                recently_reset_order: VecDeque::new(),
                max_stream: PerDir::default(),
                first_seen: PerDir::default(),
                goaway: PerDir::default(),
                pings: PerDir::default(),
                upgrade: None,
                key_log: None,
                tls: None,
                next_block_id: 0,
                plain: fields::PlainFields::default(),
                frame_counts: Vec::new(),
                not_emitted: NotEmitted::default(),
                events: VecDeque::new(),
                pending_skip: None,
                exchanges: 0,
                diagnostics: 0,
                streams_seen: 0,
                finished: false,
            },
        }
    }

    /// Secrets to decrypt TLS with (an NSS key log). Takes effect for TLS
    /// whose ClientHello comes after this call; call it before pushing.
    pub fn set_key_log(&mut self, key_log: Arc<crate::tls::KeyLog>) {
        if let Some(session) = self.core.tls.as_mut() {
            session.set_key_log(key_log.clone());
        }
        self.core.key_log = Some(key_log);
    }

    /// Decodes bytes that `dir`'s sender sent, which arrived in the packet
    /// `origin` describes.
    pub fn push(&mut self, dir: Direction, bytes: &[u8], origin: Origin) {
        if bytes.is_empty() || self.core.finished {
            return;
        }
        let input = &mut self.core.inputs[dir];
        input.stats.bytes = input.stats.bytes.saturating_add(bytes.len() as u64);
        if let Some(tls) = input.tls.as_mut() {
            tls.marks.push(tls.offset, origin);
            self.push_tls(dir, bytes);
        } else {
            self.push_plain(dir, bytes, origin);
        }
        self.release_marks(dir);
    }

    /// Decodes bytes of the stream HTTP/2 is read from (the TCP stream,
    /// or the decrypted TLS stream).
    fn push_plain(&mut self, dir: Direction, bytes: &[u8], origin: Origin) {
        let input = &mut self.core.inputs[dir];
        input.marks.push(input.offset, origin);
        let start = input.offset;
        input.offset = input.offset.saturating_add(bytes.len() as u64);
        match input.mode {
            Mode::Frames => {
                let core = &mut self.core;
                self.readers[dir].push_with(bytes, |raw| core.handle_frame(dir, raw));
            }
            Mode::Skip(reason) => {
                let span = Span::new(start, start + bytes.len() as u64);
                self.core.skip(dir, span, reason, origin);
            }
            _ => {
                input.queue.push(bytes);
                self.advance(dir, false);
            }
        }
    }

    /// `len` bytes of `dir` were lost (a TCP gap): what was being read is
    /// cut, and later HPACK state may be wrong until it can be trusted
    /// again.
    pub fn gap(&mut self, dir: Direction, len: u64, origin: Origin) {
        if self.core.finished || len == 0 {
            return;
        }
        if self.core.inputs[dir].tls.is_some() {
            return self.gap_tls(dir, len, origin);
        }
        self.flush_partial(dir, SkipReason::TruncatedFrame, "a TCP gap");
        // Bytes still waiting to be classified (a protocol not yet
        // recognised, an HTTP/1 head, a frame boundary being sought) can no
        // longer be: the bytes that would complete them are lost.
        self.core.skip_queued(dir);
        let core = &mut self.core;
        let input = &mut core.inputs[dir];
        let at = input.offset;
        input.offset = input.offset.saturating_add(len);
        input.stats.lost = input.stats.lost.saturating_add(len);
        input.marks.push(at, origin);
        let was_h2 = matches!(input.mode, Mode::Frames | Mode::Resync(_));
        if !matches!(input.mode, Mode::Skip(_)) {
            input.mode = Mode::Resync(UnknownCause::Gap);
            input.queue.reset_to(input.offset);
        }
        core.flow_known = false;
        if was_h2 {
            core.hpack[dir].mark_gap();
        }
        let message = format!(
            "{len} bytes of {} were lost (TCP gap); later header values are decoded against a partly unknown table",
            dir.arrow()
        );
        core.diag(
            Some(dir),
            None,
            origin,
            Diagnostic::warning(Layer::Tcp, "tcp.gap", message).at(at),
        );
    }

    /// No more input: report what was cut short and every exchange still
    /// open.
    pub fn finish(&mut self) {
        if self.core.finished {
            return;
        }
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            if matches!(self.core.inputs[dir].mode, Mode::Resync(_)) {
                self.advance(dir, true);
            }
            self.finish_tls(dir);
            self.flush_partial(dir, SkipReason::TruncatedFrame, "the end of the capture");
            self.core.skip_queued(dir);
        }
        self.core.close_all_streams();
        self.core.flush_skip();
        self.core.finished = true;
    }

    /// The next event, in the order things happened.
    pub fn next_event(&mut self) -> Option<ConnEvent> {
        self.core.events.pop_front()
    }

    /// With frame events off (`OutputOptions::frame_events`): hands over
    /// how many frames of each type were decoded since the last call.
    pub fn take_frame_counts(&mut self, mut each: impl FnMut(FrameType, u64)) {
        for (kind, n) in self.core.frame_counts.drain(..) {
            each(kind, n);
        }
    }

    /// With block or exchange events off (`OutputOptions::block_events`,
    /// `exchange_events`): hands over what those events would have counted
    /// since the last call.
    pub fn take_not_emitted(&mut self) -> NotEmitted {
        std::mem::take(&mut self.core.not_emitted)
    }

    /// Moves all pending events into `out` (cheaper than one at a time).
    pub fn drain_events(&mut self, out: &mut Vec<ConnEvent>) {
        out.extend(self.core.events.drain(..));
    }

    pub fn protocol(&self) -> Option<&Protocol> {
        self.core.protocol.as_ref()
    }

    pub fn stats(&self) -> ConnStats {
        ConnStats {
            client_to_server: self.core.inputs[Direction::ClientToServer].stats.clone(),
            server_to_client: self.core.inputs[Direction::ServerToClient].stats.clone(),
            streams: self.core.streams_seen,
            exchanges: self.core.exchanges,
            diagnostics: self.core.diagnostics,
        }
    }

    /// The HPACK decoder of the blocks `dir`'s sender sends (for table
    /// views).
    pub fn hpack_decoder(&self, dir: Direction) -> &hpack::Decoder {
        &self.core.hpack[dir]
    }

    /// Both peers announced gRPC true-binary metadata (0xfe03), so `-bin`
    /// values may be raw bytes behind a 0x00 octet.
    pub fn true_binary_metadata(&self) -> bool {
        self.core
            .settings
            .iter()
            .all(|(_, s)| s.true_binary_metadata)
    }

    /// Forgets packet marks for bytes no longer needed.
    fn release_marks(&mut self, dir: Direction) {
        let held = self.core.tls.as_ref().map(|s| s.held_from(dir));
        let input = &mut self.core.inputs[dir];
        if let Some(tls) = input.tls.as_mut() {
            tls.marks.release_before(held.unwrap_or(tls.offset));
        }
        // Only the reader of the current mode holds bytes (the other one's
        // offset stays where it was left, and would pin every mark).
        let mut keep_from = match input.mode {
            Mode::Frames => self.readers[dir].offset(),
            Mode::Skip(_) => input.offset,
            _ => input.queue.offset(),
        };
        if let Some(first) = input.block.as_ref().and_then(|b| b.fragments.first()) {
            keep_from = keep_from.min(first.start);
        }
        input.marks.release_before(keep_from);
    }

    fn drain_frames(&mut self, dir: Direction) {
        while let Some(raw) = self.readers[dir].next_frame() {
            self.core.handle_frame(dir, raw);
        }
    }

    /// Reports the partial frame and header block of `dir` as cut by
    /// `cause`.
    fn flush_partial(&mut self, dir: Direction, reason: SkipReason, cause: &str) {
        let reader = &mut self.readers[dir];
        let input = &self.core.inputs[dir];
        if input.mode == Mode::Frames && reader.in_frame() {
            let span = reader.partial_span();
            let start = span.start;
            let header = reader.partial_header();
            let origin = input.marks.at(start);
            reader.reset_to(input.offset);
            let what = match header {
                Some(h) => format!(
                    "{} frame on stream {} ({} payload bytes declared)",
                    h.kind, h.stream_id, h.length
                ),
                None => "frame header".to_string(),
            };
            self.core.diag(
                Some(dir),
                header.map(|h| h.stream_id),
                origin,
                Diagnostic::warning(
                    Layer::Frame,
                    "frame.truncated",
                    format!("{what} cut short by {cause}"),
                )
                .at(start),
            );
            self.core.skip(dir, span, reason, origin);
        }
        let input = &self.core.inputs[dir];
        if let Some(block) = &input.block {
            let stream_id = block.stream_id;
            let origin = input.marks.last();
            self.core.diag(
                Some(dir),
                Some(stream_id),
                origin,
                Diagnostic::warning(
                    Layer::Frame,
                    "frame.header_block_cut",
                    format!("header block cut short by {cause}: END_HEADERS never arrived"),
                )
                .rfc("RFC 9113 §4.3"),
            );
            self.core.finish_block(dir, false, origin);
        }
    }
}

impl Core {
    /// Skips the bytes of `dir` still queued before the frame layer (see
    /// [`Connection::finish`] and [`Connection::gap`]), with the reason the
    /// current mode gives them.
    fn skip_queued(&mut self, dir: Direction) {
        let input = &mut self.inputs[dir];
        let rest = input.queue.len();
        if rest == 0 {
            return;
        }
        let start = input.queue.offset();
        let span = Span::new(start, start + rest as u64);
        input.queue.consume(rest);
        let reason = match input.mode {
            Mode::Http1Head | Mode::SeekPreface => SkipReason::Http1,
            Mode::Resync(_) => SkipReason::BeforeFrameBoundary,
            Mode::Tls => SkipReason::Tls,
            Mode::Skip(reason) => reason,
            Mode::Start | Mode::Frames => SkipReason::UnknownProtocol,
        };
        let origin = input.marks.last();
        self.skip(dir, span, reason, origin);
    }

    fn emit(&mut self, event: ConnEvent) {
        self.flush_skip();
        self.events.push_back(event);
    }

    /// An exchange ends: its event, or its count when exchange events are
    /// off. Either way a pending skip run ends here, so the events that
    /// are made do not depend on the option.
    fn emit_exchange(&mut self, exchange: Exchange) {
        self.exchanges += 1;
        if self.cfg.output.exchange_events {
            self.emit(ConnEvent::Exchange(Box::new(exchange)));
        } else {
            self.flush_skip();
            self.not_emitted.exchanges += 1;
        }
    }

    /// Emits the run of skipped bytes being gathered. Runs are joined
    /// until another event is emitted, whatever the chunking, so the event
    /// stream does not depend on how input was pushed or drained.
    fn flush_skip(&mut self) {
        if let Some(skipped) = self.pending_skip.take() {
            self.events.push_back(ConnEvent::Skipped(skipped));
        }
    }

    fn diag(
        &mut self,
        dir: Option<Direction>,
        stream_id: Option<u32>,
        origin: Origin,
        d: Diagnostic,
    ) {
        self.diag_full(dir, stream_id, None, None, origin, d);
    }

    fn diag_full(
        &mut self,
        dir: Option<Direction>,
        stream_id: Option<u32>,
        frame: Option<u64>,
        block: Option<u64>,
        origin: Origin,
        diagnostic: Diagnostic,
    ) {
        self.diagnostics += 1;
        if let Some(stream) = stream_id.and_then(|id| self.streams.get_mut(&id)) {
            stream.exchange.anomalies = stream.exchange.anomalies.saturating_add(1);
        }
        self.emit(ConnEvent::Diagnostic(Box::new(ConnDiagnostic {
            dir,
            stream_id,
            frame,
            block,
            origin,
            diagnostic,
        })));
    }

    fn skip(&mut self, dir: Direction, span: Span, reason: SkipReason, origin: Origin) {
        if span.is_empty() {
            return;
        }
        let n = self.inputs[dir].stats.skipped.entry(reason).or_insert(0);
        *n = n.saturating_add(span.len());
        // Consecutive skips for the same reason become one event.
        if let Some(run) = self.pending_skip.as_mut() {
            if run.dir == dir && run.reason == reason && run.span.end == span.start {
                run.span.end = span.end;
                return;
            }
        }
        self.flush_skip();
        self.pending_skip = Some(Skipped {
            dir,
            span,
            reason,
            origin,
        });
    }

    fn set_protocol(&mut self, protocol: Protocol, dir: Direction, origin: Origin) {
        if let Some(Protocol::Tls { inner, .. }) = self.protocol.as_mut() {
            // What the decrypted stream carries.
            if inner.is_none() && !matches!(protocol, Protocol::Tls { .. }) {
                *inner = Some(Box::new(protocol));
                let protocol = self.protocol.clone();
                if let Some(protocol) = protocol {
                    self.emit(ConnEvent::Protocol(Box::new(ProtocolEvent {
                        protocol,
                        dir,
                        origin,
                    })));
                }
            }
            return;
        }
        if self.protocol.is_some() {
            return;
        }
        self.protocol = Some(protocol.clone());
        self.emit(ConnEvent::Protocol(Box::new(ProtocolEvent {
            protocol,
            dir,
            origin,
        })));
    }

    /// Sets every direction to skip (a non-HTTP/2 connection).
    fn skip_everything(&mut self, reason: SkipReason) {
        for input in self.inputs.values_mut() {
            if !matches!(input.mode, Mode::Frames) {
                input.mode = Mode::Skip(reason);
            }
        }
    }
}

fn side_name(dir: Direction) -> &'static str {
    match dir {
        Direction::ClientToServer => "the client",
        Direction::ServerToClient => "the server",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FrameType;

    fn frame(kind: FrameType, flags: u8, stream_id: u32, payload: &[u8]) -> Vec<u8> {
        let head = FrameHeader {
            length: payload.len() as u32,
            kind,
            flags: Flags(flags),
            stream_id,
            reserved_bit: false,
        };
        let mut v = head.encode().to_vec();
        v.extend_from_slice(payload);
        v
    }

    /// The packet marks of a direction stay as few as the bytes buffered,
    /// however long the connection runs (they once grew by one per packet
    /// for a whole connection).
    #[test]
    fn packet_marks_do_not_accumulate() {
        let mut conn = Connection::new(&Config::default(), ConnStart::Beginning);
        let c2s = Direction::ClientToServer;
        let mut first = PREFACE.to_vec();
        first.extend(frame(FrameType::SETTINGS, 0, 0, &[]));
        conn.push(c2s, &first, Origin::default());
        for packet in 1..=5000u64 {
            // A PING per packet, cut in two so one half waits in the reader.
            let ping = frame(FrameType::PING, 0, 0, &packet.to_be_bytes());
            let (a, b) = ping.split_at(7);
            let origin = |n| Origin {
                packet: n,
                ts: Timestamp::default(),
            };
            conn.push(c2s, a, origin(2 * packet));
            conn.push(c2s, b, origin(2 * packet + 1));
        }
        while conn.next_event().is_some() {}
        let marks = conn.core.inputs[c2s].marks.len();
        assert!(marks <= 2, "{marks} marks held");
        assert_eq!(conn.stats().client_to_server.frames, 5001);
    }
}
