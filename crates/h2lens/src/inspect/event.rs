//! The event stream of a whole decode: one schema for the CLI's `--json`,
//! the npm package and the inspector.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::conn::{ConnEvent, ConnStats, Protocol};
use crate::diag::{Diagnostic, Severity};
use crate::time::Timestamp;

use super::InputFormat;

/// One event. `conn` names the connection (in order of first appearance,
/// like tshark's `tcp.stream`) for connection-level events.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn: Option<u32>,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// Appends the event's JSON (what `h2lens … --json` prints for it,
    /// without the newline). Not generic on purpose: the serializer of
    /// every event type is compiled once, here, whoever calls it (the
    /// WebAssembly binding keeps its own code small this way).
    pub fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        serde_json::to_writer(out, self)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The input's format, first.
    Input(InputInfo),
    /// A connection appeared.
    Connection(ConnectionInfo),
    /// A connection ended (or the input did): its totals.
    ConnectionEnd(Box<ConnectionEnd>),
    /// A problem outside any connection (file structure, link layer, a
    /// packet that could not be read).
    Notice(Notice),
    /// A gRPC call, summarised when its exchange ended.
    GrpcCall(Box<crate::grpc::GrpcCall>),
    /// An exchange from a tap stream (decoded headers, no HPACK detail).
    TapExchange(Box<crate::tap::TapExchange>),
    /// Totals, last.
    Summary(Box<Summary>),
    /// Everything the connection decoder reports, with its own `event` tag.
    #[serde(untagged)]
    Conn(ConnEvent),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputInfo {
    pub format: InputFormat,
    /// What the input can show: `wire` (captures, raw HTTP/2, socket taps:
    /// every HPACK detail) or `decoded_headers` (HTTP-level taps).
    pub carries: Carries,
    /// For tap inputs: what they can and cannot tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<crate::tap::Fidelity>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Carries {
    Wire,
    DecodedHeaders,
}

/// An endpoint: an address and a port, as text (`127.0.0.1:50051`,
/// `[::1]:443`).
pub type Endpoint = String;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectionInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Endpoint>,
    /// The connection's start (SYN) is in the input.
    pub from_start: bool,
    /// Which side is the client was guessed (no SYN seen).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub roles_guessed: bool,
    pub packet: u64,
    pub ts: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectionEnd {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    pub stats: ConnStats,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet: Option<u64>,
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
}

/// Totals for the whole input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<InputFormat>,
    /// Input bytes read.
    pub input_bytes: u64,
    pub packets: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_ts: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ts: Option<Timestamp>,
    /// Packets by link type name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub link_types: BTreeMap<String, u64>,
    pub connections: u64,
    pub http2_connections: u64,
    /// Connections by protocol description.
    pub protocols: BTreeMap<String, u64>,
    pub frames: BTreeMap<String, u64>,
    pub header_blocks: u64,
    pub header_fields: u64,
    pub streams: u64,
    pub exchanges: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub grpc_calls: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub tap_exchanges: u64,
    pub diagnostics: DiagnosticCounts,
    pub bytes: ByteAccounting,
    /// Each connection, in connection order: its endpoints, protocol and
    /// where each direction's bytes went (`bytes`, per connection).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connection_list: Vec<ConnectionSummary>,
    /// Where every byte of a capture file went (records, metadata,
    /// skipped blocks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<crate::capture::CaptureStats>,
    /// Where every packet byte went (headers, TCP payload delivered,
    /// skipped by reason, gaps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net: Option<crate::net::NetStats>,
}

/// One connection in [`Summary::connection_list`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConnectionSummary {
    pub conn: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Endpoint>,
    /// What the connection carried, described ([`Protocol::describe`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    pub bytes: crate::time::PerDir<ByteAccounting>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiagnosticCounts {
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
}

impl DiagnosticCounts {
    pub fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

/// Where every byte went. Stream bytes: `decoded + tls + skipped` equals the TCP
/// payload delivered; `lost` were never seen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ByteAccounting {
    /// TCP payload (or raw stream) bytes handed to connection decoders.
    pub stream_bytes: u64,
    /// Of those, decoded as HTTP/2 frames, preface or HTTP/1.x heads
    /// (for TLS decrypted with a key log: of the decrypted data).
    pub decoded: u64,
    /// Of those, TLS record headers, encryption overhead and handshake
    /// records of connections decrypted with a key log.
    #[serde(skip_serializing_if = "is_zero")]
    pub tls: u64,
    /// Of those, not decoded, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Bytes of TCP streams missing from the capture (gaps).
    pub lost: u64,
}

impl ByteAccounting {
    /// One direction of one connection.
    pub fn of_direction(dir: &crate::conn::DirStats) -> ByteAccounting {
        let mut out = ByteAccounting::default();
        out.add_direction(dir);
        out
    }

    /// Adds one direction of one connection.
    pub fn add_direction(&mut self, dir: &crate::conn::DirStats) {
        self.stream_bytes += dir.bytes;
        self.decoded += dir.frame_bytes + dir.preface_bytes + dir.http1_bytes;
        self.tls += dir.tls_bytes;
        self.lost += dir.lost;
        for (reason, n) in &dir.skipped {
            *self
                .skipped
                .entry(reason.describe().to_string())
                .or_insert(0) += n;
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
