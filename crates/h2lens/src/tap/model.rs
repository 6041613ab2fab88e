//! What tap inputs decode to.

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::grpc::Header;
use crate::octets::Octets;
use crate::time::{Direction, Timestamp};

/// The input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TapFormat {
    /// `linkerd viz tap -o json` / `linkerd tap -o json`: pretty-printed
    /// objects back to back.
    LinkerdJson,
    /// The Linkerd dashboard's `/api/tap` WebSocket frames (protobuf JSON),
    /// one per line or back to back.
    LinkerdWebSocket,
    /// Envoy tap `TraceWrapper` JSON (`JSON_BODY_AS_BYTES` /
    /// `JSON_BODY_AS_STRING` sinks), objects back to back.
    EnvoyJson,
    /// Envoy tap `PROTO_BINARY_LENGTH_DELIMITED`: varint length + message.
    EnvoyProtoLengthDelimited,
}

/// What a tap input can and cannot tell, stated once per input so no view
/// implies more than the input holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fidelity {
    /// Header encoding (HPACK representations, indices, Huffman) is known.
    pub hpack: bool,
    /// Header order across different names is the wire order.
    pub wire_order_across_names: bool,
    /// In plain words.
    pub statement: &'static str,
}

impl TapFormat {
    pub fn fidelity(self) -> Fidelity {
        match self {
            TapFormat::LinkerdJson | TapFormat::LinkerdWebSocket => Fidelity {
                hpack: false,
                wire_order_across_names: false,
                statement: "linkerd tap reports headers as the proxy decoded them: no HPACK \
                    encoding, pseudo-headers first, then values grouped by name (order within \
                    one name is kept, order across names is not the wire order); ignored \
                    headers are dropped and request trailers are never tapped",
            },
            TapFormat::EnvoyJson | TapFormat::EnvoyProtoLengthDelimited => Fidelity {
                hpack: false,
                wire_order_across_names: true,
                statement: "Envoy HTTP traces carry decoded headers in Envoy's header-map \
                    order, with no HPACK encoding; Envoy socket traces carry the raw bytes of \
                    the connection (after TLS), i.e. the full wire view, returned as socket \
                    chunks for the HTTP/2 decoder",
            },
        }
    }
}

/// An endpoint as the tap names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Metadata labels (namespace, pod, tls, …), sorted by key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<(String, String)>,
}

/// A body as an Envoy trace holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TapBody {
    pub bytes: Octets,
    /// Envoy cut the body at its buffer limit.
    pub truncated: bool,
    /// The trace gave it as `as_string` (JSON_BODY_AS_STRING: not
    /// byte-exact for non-UTF-8 bodies).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_string: bool,
}

/// Which tool produced an exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TapSource {
    Linkerd,
    Envoy,
}

/// One request/response seen by a tap.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TapExchange {
    /// Linkerd: `base:stream`; Envoy: the trace id.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<TapSource>,
    /// Index (0-based) of the input object that first mentioned it.
    pub first_object: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<Endpoint>,
    /// Linkerd `routeMeta` labels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub route_labels: Vec<(String, String)>,
    /// `INBOUND` / `OUTBOUND` (Linkerd).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Octets>,
    /// Request headers in the order the tap gives them.
    pub request_headers: Vec<Header>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_trailers: Option<Vec<Header>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<TapBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    pub response_headers: Vec<Header>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_trailers: Option<Vec<Header>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<TapBody>,
    /// `grpcStatusCode` (Linkerd: the CLI prints 0 also for non-gRPC
    /// responses, so 0 there may mean "not gRPC"; `None` after a reset) or
    /// the `grpc-status` trailer (Envoy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<u32>,
    /// HTTP/2 error code of a reset stream (Linkerd `resetErrorCode`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_code: Option<u32>,
    /// Request start to response headers, ns.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::jsint::opt_u64"
    )]
    pub response_init_ns: Option<u64>,
    /// Request start to response end, ns.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::jsint::opt_u64"
    )]
    pub response_end_ns: Option<u64>,
    /// Response headers to response end, ns.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::jsint::opt_u64"
    )]
    pub since_response_init_ns: Option<u64>,
    /// Envoy `headers_received_time` of request / response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_headers_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_headers_time: Option<Timestamp>,
    /// Response body bytes (Linkerd `responseBytes`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::jsint::opt_u64"
    )]
    pub response_bytes: Option<u64>,
    /// Every part the format defines was seen (Linkerd: the three events;
    /// Envoy streamed: request and response headers, and the end).
    pub complete: bool,
    /// Which parts are missing when not complete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<&'static str>,
    /// Header order is the wire order (false for Linkerd; see [`Fidelity`]).
    pub wire_order: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// A socket event's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SocketEventKind {
    /// Bytes the tapped side (Envoy) received.
    Read,
    /// Bytes the tapped side sent.
    Write,
    /// The connection closed.
    Closed,
}

/// An address pair of a tapped connection, as Envoy names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SocketConnection {
    /// Envoy's own address on the connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<Endpoint>,
    /// The peer's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Endpoint>,
}

/// One read, write or close on a tapped connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SocketChunk {
    pub trace_id: String,
    /// Position among this trace's events (0-based, input order).
    pub index: u64,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::jsint::opt_u64"
    )]
    pub seq_num: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    pub kind: SocketEventKind,
    pub data: Octets,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub end_stream: bool,
    /// Per-event connection (newer Envoy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<SocketConnection>,
}

/// Which side of the connection Envoy was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TappedSide {
    /// Envoy accepted the connection (a listener's transport socket): its
    /// reads are client→server.
    Server,
    /// Envoy opened the connection (a cluster's transport socket): its
    /// reads are server→client.
    Client,
}

impl SocketEventKind {
    /// The connection direction of these bytes, given which side Envoy was.
    pub fn direction(self, tapped: TappedSide) -> Option<Direction> {
        match (self, tapped) {
            (SocketEventKind::Read, TappedSide::Server)
            | (SocketEventKind::Write, TappedSide::Client) => Some(Direction::ClientToServer),
            (SocketEventKind::Read, TappedSide::Client)
            | (SocketEventKind::Write, TappedSide::Server) => Some(Direction::ServerToClient),
            (SocketEventKind::Closed, _) => None,
        }
    }
}

/// A whole socket trace (one connection), assembled by [`super::parse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SocketTrace {
    pub trace_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<SocketConnection>,
    pub chunks: Vec<SocketChunk>,
    pub read_truncated: bool,
    pub write_truncated: bool,
    /// Which side Envoy was, guessed from the bytes: the side that *reads*
    /// the HTTP/2 client preface (`PRI * HTTP/2.0…`) is the server; the
    /// side that writes it is the client. `None` when no preface is seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tapped_side: Option<TappedSide>,
}

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

impl SocketTrace {
    /// All bytes of one kind, in order.
    pub fn bytes(&self, kind: SocketEventKind) -> Vec<u8> {
        self.chunks
            .iter()
            .filter(|c| c.kind == kind)
            .flat_map(|c| c.data.as_bytes().iter().copied())
            .collect()
    }

    /// Guesses [`TappedSide`] from the first bytes read and written.
    pub fn guess_tapped_side(&self) -> Option<TappedSide> {
        let starts = |kind| {
            let mut first = Vec::new();
            for c in self.chunks.iter().filter(|c| c.kind == kind) {
                first.extend_from_slice(c.data.as_bytes());
                if first.len() >= PREFACE.len() {
                    break;
                }
            }
            first.starts_with(PREFACE)
        };
        if starts(SocketEventKind::Read) {
            Some(TappedSide::Server)
        } else if starts(SocketEventKind::Write) {
            Some(TappedSide::Client)
        } else {
            None
        }
    }
}

/// Socket trace properties carried outside the events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SocketTraceInfo {
    pub trace_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<SocketConnection>,
    pub read_truncated: bool,
    pub write_truncated: bool,
}

/// What the tap decoder produces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TapEvent {
    /// The input format, once, before anything else it produces.
    Format {
        format: TapFormat,
        fidelity: Fidelity,
    },
    /// A joined exchange (emitted when complete, or at `finish` when not).
    Exchange(Box<TapExchange>),
    /// Raw bytes of a tapped connection, for the HTTP/2 connection decoder.
    Socket(SocketChunk),
    /// A socket trace's connection or truncation flags.
    SocketInfo(SocketTraceInfo),
    Diagnostic(Diagnostic),
}

impl TapExchange {
    /// The exchange as input for the gRPC call summary
    /// ([`crate::grpc::summarize`]).
    ///
    /// What a tap cannot say is left out rather than guessed: bodies exist
    /// only in Envoy traces; a Linkerd `resetErrorCode` does not say which
    /// side reset, so no [`crate::grpc::Reset`] is made from it (see
    /// `reset_code`); true-binary metadata never passes a proxy's decoded
    /// view. A response whose headers carry `grpc-status` and that has no
    /// trailers is taken as Trailers-Only. Times: the request starts at 0
    /// and ends at `response_end_ns`, so durations and deadlines work.
    pub fn call_input(&self) -> crate::grpc::CallInput {
        use crate::grpc::headers::first_value;
        use crate::grpc::{BodyChunk, CallInput};
        let has_status = first_value(&self.response_headers, b"grpc-status").is_some();
        let trailers = self.response_trailers.clone().filter(|t| !t.is_empty());
        let trailers_only = has_status && trailers.is_none();
        let body = |b: &Option<TapBody>| {
            b.iter()
                .map(|b| BodyChunk {
                    bytes: b.bytes.to_vec(),
                    time: None,
                })
                .collect()
        };
        CallInput {
            stream_id: None,
            request_headers: self.request_headers.clone(),
            request_trailers: self.request_trailers.clone(),
            request_body: body(&self.request_body),
            request_end_stream: self.complete,
            informational: Vec::new(),
            response_headers: (!self.response_headers.is_empty())
                .then(|| self.response_headers.clone()),
            response_headers_end_stream: trailers_only,
            response_body: body(&self.response_body),
            response_end_stream: self.complete || trailers.is_some(),
            response_trailers: if trailers_only { None } else { trailers },
            reset: None,
            start: self.response_end_ns.map(|_| Timestamp(0)),
            end: self
                .response_end_ns
                .map(|ns| Timestamp(i64::try_from(ns).unwrap_or(i64::MAX))),
            true_binary: false,
        }
    }
}
