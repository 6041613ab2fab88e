//! What the connection decoder reports. Every event is owned and
//! serializable; together they are the JSON schema of `h2lens --json`.

use serde::Serialize;

use crate::diag::{Diagnostic, Span};
use crate::frame::{ErrorCode, Frame, FrameHeader, PrioritySpec, Setting};
use crate::hpack::HeaderBlock;
use crate::octets::{HexBytes, Octets};
use crate::time::{Direction, Timestamp};
use crate::tls::CipherSuite;

/// A list that is almost always one element long (a header block's
/// frames: most blocks fit in one HEADERS frame), kept in place until it
/// grows. Serialized as a plain list.
pub type InlineVec<T> = smallvec::SmallVec<[T; 1]>;

/// Where in the input something was: the direction, the packet (1-based
/// as tshark counts; 0 when the input had no packets) and its time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub packet: u64,
    pub ts: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ConnEvent {
    // Large variants are boxed: events are moved several times on their way
    // out (queues, threads), and an enum is as large as its largest variant.
    Protocol(Box<ProtocolEvent>),
    Frame(Box<FrameEvent>),
    HeaderBlock(Box<HeaderBlockEvent>),
    Http1(Box<Http1Event>),
    Settings(SettingsEvent),
    Exchange(Box<Exchange>),
    PingRtt(PingRtt),
    Stalled(Stalled),
    Skipped(Skipped),
    Diagnostic(Box<ConnDiagnostic>),
}

/// How the connection's bytes were recognised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "protocol", rename_all = "snake_case")]
pub enum Protocol {
    /// HTTP/2 with prior knowledge: the client preface (RFC 9113 §3.4).
    H2PriorKnowledge,
    /// HTTP/1.1 `Upgrade: h2c` then `101 Switching Protocols` (RFC 7540 §3.2).
    H2cUpgrade,
    /// Already open when the capture began (or resumed after a gap):
    /// found by a plausible run of frame headers.
    H2Midstream,
    /// Plain HTTP/1.x: classified and skipped.
    Http1,
    /// TLS. Without a key log (or its entry for this connection) the
    /// application data cannot be read; with one, `decrypted` is set and
    /// `inner` says what the decrypted stream carries.
    Tls {
        #[serde(skip_serializing_if = "Option::is_none")]
        sni: Option<Octets>,
        /// Protocols the client offered (ALPN).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        alpn: Vec<Octets>,
        /// The protocol the server chose, when visible (TLS 1.2, or TLS
        /// 1.3 decrypted: it is in EncryptedExtensions).
        #[serde(skip_serializing_if = "Option::is_none")]
        selected_alpn: Option<Octets>,
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<String>,
        /// The cipher suite the server chose.
        #[serde(skip_serializing_if = "Option::is_none")]
        cipher_suite: Option<CipherSuite>,
        /// Records were decrypted with a key log.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        decrypted: bool,
        /// What the decrypted application data is.
        #[serde(skip_serializing_if = "Option::is_none")]
        inner: Option<Box<Protocol>>,
    },
    /// Something else.
    Unknown,
}

impl Protocol {
    pub fn is_http2(&self) -> bool {
        match self {
            Protocol::H2PriorKnowledge | Protocol::H2cUpgrade | Protocol::H2Midstream => true,
            Protocol::Tls {
                inner: Some(inner), ..
            } => inner.is_http2(),
            _ => false,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Protocol::H2PriorKnowledge => "HTTP/2 (prior knowledge)".into(),
            Protocol::H2cUpgrade => "HTTP/2 (h2c upgrade)".into(),
            Protocol::H2Midstream => "HTTP/2 (joined mid-connection)".into(),
            Protocol::Http1 => "HTTP/1.x".into(),
            Protocol::Tls {
                sni,
                alpn,
                selected_alpn,
                version,
                decrypted,
                inner,
                ..
            } => {
                let mut s = version.clone().unwrap_or_else(|| "TLS".into());
                if *decrypted {
                    s = match inner.as_deref() {
                        Some(p) if p.is_http2() => format!("HTTP/2 over {s} (decrypted)"),
                        Some(Protocol::Http1) => format!("HTTP/1.x over {s} (decrypted)"),
                        Some(other) => format!("{} over {s} (decrypted)", other.describe()),
                        None => format!("{s} (decrypted)"),
                    };
                }
                match selected_alpn {
                    Some(chosen) => s.push_str(&format!(", ALPN {}", chosen.display())),
                    None if !alpn.is_empty() => {
                        let names: Vec<_> = alpn.iter().map(|a| a.display().into_owned()).collect();
                        s.push_str(&format!(", ALPN offered {}", names.join(",")));
                    }
                    None => {}
                }
                if let Some(sni) = sni {
                    s.push_str(&format!(", SNI {}", sni.display()));
                }
                if !*decrypted {
                    s.push_str(", needs a key log");
                }
                s
            }
            Protocol::Unknown => "unknown".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProtocolEvent {
    #[serde(flatten)]
    pub protocol: Protocol,
    /// The direction whose bytes decided it.
    pub dir: Direction,
    #[serde(flatten)]
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FrameEvent {
    pub dir: Direction,
    /// Frame number in this direction (0-based).
    pub index: u64,
    #[serde(flatten)]
    pub header: FrameHeader,
    /// The parsed payload; `None` when it broke a frame rule (see the
    /// diagnostic that follows) or was too large to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<Frame>,
    /// The whole frame (header and payload) in the direction's byte stream
    /// (for TLS decrypted with a key log: the stream of decrypted
    /// application data).
    pub span: Span,
    /// The packet in which the frame's last byte arrived (where tshark
    /// shows the frame).
    pub packet: u64,
    /// The packet in which its first byte arrived.
    pub first_packet: u64,
    pub ts: Timestamp,
    /// The frame's bytes, as hex, when asked for
    /// (`OutputOptions::frame_bytes`: the payload is cut at that many bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<HexBytes>,
    /// DATA payload without padding, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Octets>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockKind {
    Headers,
    PushPromise,
}

/// What a header block is within its exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockRole {
    Request,
    /// A 1xx response.
    Informational,
    Response,
    RequestTrailers,
    ResponseTrailers,
    /// The request a PUSH_PROMISE promises.
    PushRequest,
    /// Could not be placed (for example on a stream that began before the
    /// capture).
    Unknown,
}

/// One header block: HEADERS or PUSH_PROMISE plus its CONTINUATIONs
/// (RFC 9113 §4.3), decoded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeaderBlockEvent {
    /// Block number in this connection (both directions, 0-based).
    pub id: u64,
    pub dir: Direction,
    pub stream_id: u32,
    #[serde(rename = "type")]
    pub kind: BlockKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promised_stream_id: Option<u32>,
    pub role: BlockRole,
    /// Packet showing the block's first frame (tshark's `frame`).
    pub packet: u64,
    /// Packet of each of the block's frames.
    pub packets: InlineVec<u64>,
    /// Frame numbers (per direction) of the block's frames.
    pub frames: InlineVec<u64>,
    /// Where each fragment lies in the direction's byte stream; field
    /// spans index the concatenation of these.
    pub fragments: InlineVec<Span>,
    pub end_stream: bool,
    /// END_HEADERS was seen (false: the block was cut short).
    pub end_headers: bool,
    pub padded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<PrioritySpec>,
    pub continuation_frames: u32,
    pub ts: Timestamp,
    #[serde(flatten)]
    pub hpack: HeaderBlock,
    /// The block's bytes (fragments joined), as hex, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<HexBytes>,
}

/// An HTTP/1.x message head (the h2c upgrade request and its 101, or a
/// plain HTTP/1 connection's first message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Http1Event {
    pub dir: Direction,
    /// Request line or status line.
    pub start_line: Octets,
    pub headers: Vec<(Octets, Octets)>,
    pub span: Span,
    #[serde(flatten)]
    pub origin: Origin,
}

/// SETTINGS that took effect: sent by `sender`, acknowledged by its peer
/// (RFC 9113 §6.5.3), so they now govern what the peer sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingsEvent {
    /// Who sent the settings.
    pub sender: Direction,
    pub settings: Vec<Setting>,
    /// Acknowledged implicitly (h2c `HTTP2-Settings`, RFC 7540 §3.2.1).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
    #[serde(flatten)]
    pub origin: Origin,
}

/// A reference to a header block of this connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageHead {
    /// The block's `id`; `None` for the HTTP/1.1 request of an h2c upgrade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
    pub packet: u64,
    pub ts: Timestamp,
    /// `:status` for responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// How an exchange ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeState {
    /// Both sides ended the stream.
    Complete,
    /// RST_STREAM.
    Reset,
    /// Above a GOAWAY's last stream id: not processed by the peer.
    Refused,
    /// The capture ended first.
    Incomplete,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reset {
    pub error_code: ErrorCode,
    pub by: Direction,
    #[serde(flatten)]
    pub origin: Origin,
}

/// One request/response exchange on a stream, summarised; the header
/// blocks it refers to carry the fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exchange {
    pub stream_id: u32,
    pub state: ExchangeState,
    /// The stream began before the capture (its request was not seen).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub began_before_capture: bool,
    /// For a pushed stream: the stream whose PUSH_PROMISE created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promised_on: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<MessageHead>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub informational: Vec<MessageHead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<MessageHead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_trailers: Option<MessageHead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_trailers: Option<MessageHead>,
    /// DATA payload bytes (without padding) each way.
    pub request_bytes: u64,
    pub response_bytes: u64,
    pub request_data_frames: u32,
    pub response_data_frames: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_end: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_end: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset: Option<Reset>,
    /// Diagnostics raised on this stream.
    pub anomalies: u32,
}

/// A PING and its ACK: one round trip as seen at the capture point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PingRtt {
    /// Who sent the PING.
    pub dir: Direction,
    #[serde(serialize_with = "crate::jsint::i64")]
    pub rtt_nanos: i64,
    pub ping_packet: u64,
    #[serde(flatten)]
    pub origin: Origin,
}

/// A flow-control window reached zero: the sender must wait for a
/// WINDOW_UPDATE (RFC 9113 §6.9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stalled {
    /// The blocked sender.
    pub dir: Direction,
    /// 0 for the connection window.
    pub stream_id: u32,
    #[serde(flatten)]
    pub origin: Origin,
}

/// Bytes that were not decoded, and why. Spans are in the direction's
/// byte stream; in a TLS direction that is decrypted, the TLS reasons
/// (`tls`, `tls_not_decrypted`) count TCP stream bytes and the others
/// count bytes of the decrypted stream (where frame spans also lie).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub dir: Direction,
    pub span: Span,
    pub reason: SkipReason,
    #[serde(flatten)]
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Before the first recognisable frame of a mid-connection capture or
    /// after a gap.
    BeforeFrameBoundary,
    /// Part of a frame whose start was lost in a gap.
    TruncatedFrame,
    /// A frame payload over the buffering limit.
    FrameTooLarge,
    /// HTTP/1.x bytes (body or a non-upgraded connection).
    Http1,
    /// TLS records (no key log, or no entry for this connection).
    Tls,
    /// TLS records that could not be decrypted although the key log has
    /// the connection (see the diagnostics: missing secret, unsupported
    /// suite, failed authentication, lost bytes).
    TlsNotDecrypted,
    /// Not a protocol h2lens knows.
    UnknownProtocol,
}

impl SkipReason {
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::BeforeFrameBoundary => "before the first recognisable frame",
            SkipReason::TruncatedFrame => "frame cut by a gap",
            SkipReason::FrameTooLarge => "frame over the buffering limit",
            SkipReason::Http1 => "HTTP/1.x",
            SkipReason::Tls => "TLS without a key log",
            SkipReason::TlsNotDecrypted => "TLS records not decrypted",
            SkipReason::UnknownProtocol => "unknown protocol",
        }
    }
}

/// A diagnostic with where it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnDiagnostic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<Direction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<u32>,
    /// Frame number (per direction) the diagnostic is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// Header block id it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
    #[serde(flatten)]
    pub origin: Origin,
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
}
