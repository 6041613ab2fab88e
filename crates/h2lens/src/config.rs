//! Every limit in one place, with safe defaults.
//!
//! Limits bound memory and work on hostile input; exceeding one is reported
//! as a diagnostic, never a panic. The defaults follow what common peers
//! accept (nghttp2, h2, Wireshark) with headroom.

use serde::{Deserialize, Serialize};

/// The words a diagnostic about a limit ends with: which limit it is (its
/// path in [`Config`]) and how to raise it, from the CLI and from
/// JavaScript.
pub fn limit_hint(path: &str) -> String {
    format!(" (limit {path}: raise it with `--limit {path}=N`, or `config.{path}` in JavaScript)")
}

/// All limits of all layers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub hpack: HpackLimits,
    pub frame: FrameLimits,
    pub flood: FloodLimits,
    pub tcp: TcpLimits,
    pub capture: CaptureLimits,
    pub grpc: GrpcLimits,
    pub output: OutputOptions,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HpackLimits {
    /// Largest dynamic table a peer may announce with
    /// SETTINGS_HEADER_TABLE_SIZE that we will honour (RFC 7541 §4.2); a
    /// larger announcement is capped here and reported.
    pub max_table_size: u32,
    /// Largest decoded header list (RFC 9113 §6.5.2 accounting: name +
    /// value + 32 per field) before the block is cut and reported.
    pub max_header_list_size: u32,
    /// Most fields decoded in one header block before it is cut and
    /// reported. With the 32-octet overhead per field above, this bounds
    /// "tiny entry amplification": thousands of 1-byte indexed references
    /// each producing a field.
    pub max_fields_per_block: u32,
    /// Largest single string literal (after Huffman decoding).
    pub max_string_len: u32,
    /// How many evicted entries to remember, to explain an index that
    /// points past the table.
    pub eviction_history: u32,
}

impl Default for HpackLimits {
    fn default() -> Self {
        HpackLimits {
            max_table_size: 1 << 20,
            max_header_list_size: 16 << 20,
            max_fields_per_block: 10_000,
            max_string_len: 16 << 20,
            eviction_history: 256,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrameLimits {
    /// Largest frame payload buffered, whatever SETTINGS_MAX_FRAME_SIZE
    /// says (RFC 9113 §4.2 allows up to 2^24-1).
    pub max_frame_size: u32,
    /// CONTINUATION frames allowed in one header block before it is cut
    /// (the "CONTINUATION flood", CVE-2024-27316 and friends).
    pub max_continuation_frames: u32,
    /// Largest header block (HEADERS/PUSH_PROMISE + CONTINUATION bytes).
    pub max_header_block_size: u32,
    /// Streams tracked per connection before the oldest closed ones are
    /// forgotten.
    pub max_streams_per_connection: u32,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits {
            max_frame_size: (1 << 24) - 1,
            max_continuation_frames: 1024,
            max_header_block_size: 16 << 20,
            max_streams_per_connection: 100_000,
        }
    }
}

/// When a run of frames that carry no request or response is reported as
/// one of the HTTP/2 flood attacks (the 2019 family, CVE-2019-9512 to
/// -9518, and rapid reset, CVE-2023-44487). A passive decoder cannot see
/// the receiver's queues; it counts, per direction, frames of one kind sent
/// since that direction last sent a header block or DATA with a payload,
/// and reports when a count reaches its threshold within `window_seconds`
/// of capture time (inputs without timestamps: whatever the time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FloodLimits {
    /// PING frames (ping flood, CVE-2019-9512).
    pub pings: u32,
    /// SETTINGS frames (settings flood, CVE-2019-9515).
    pub settings: u32,
    /// RST_STREAM frames (reset flood, CVE-2019-9514: the peer is made to
    /// reset stream after stream).
    pub resets: u32,
    /// PRIORITY frames (resource loop, CVE-2019-9513).
    pub priorities: u32,
    /// DATA, HEADERS and CONTINUATION frames with nothing in them and no
    /// END_STREAM (empty frames flood, CVE-2019-9518).
    pub empty_frames: u32,
    /// Streams the client opened and reset before any response came
    /// (rapid reset, CVE-2023-44487); the run is not interrupted by other
    /// frames.
    pub rapid_resets: u32,
    /// The time a run must fit in to count as a flood.
    pub window_seconds: u32,
}

impl Default for FloodLimits {
    fn default() -> Self {
        FloodLimits {
            pings: 1000,
            settings: 1000,
            resets: 1000,
            priorities: 1000,
            empty_frames: 100,
            rapid_resets: 1000,
            window_seconds: 10,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TcpLimits {
    /// Out-of-order bytes buffered per direction before the hole is given up
    /// as a gap.
    pub max_out_of_order_bytes: u32,
    /// Out-of-order segments buffered per direction.
    pub max_out_of_order_segments: u32,
    /// TCP connections tracked at once.
    pub max_connections: u32,
    /// IP fragment bytes buffered at once (all datagrams in progress).
    pub max_fragment_bytes: u32,
    /// Delivered bytes remembered per direction, to tell an exact
    /// retransmission from one that carries different bytes.
    pub retransmit_check_bytes: u32,
    /// Bytes of a direction's stream start kept to find a TLS hello
    /// (`net::tls`); also the TLS records held for decryption until the
    /// ClientHello says which key log entry applies (`tls::Session`).
    pub max_tls_hello_bytes: u32,
}

impl Default for TcpLimits {
    fn default() -> Self {
        TcpLimits {
            max_out_of_order_bytes: 4 << 20,
            max_out_of_order_segments: 4096,
            max_connections: 65_536,
            max_fragment_bytes: 4 << 20,
            retransmit_check_bytes: 64 << 10,
            max_tls_hello_bytes: 64 << 10,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaptureLimits {
    /// Largest pcap record / pcapng block accepted. A larger pcapng block
    /// is skipped (its length frames it); a larger pcap record stops the
    /// reader, since a corrupt length is far more likely than such a packet.
    pub max_record_size: u32,
    /// pcapng interfaces remembered per section (each Interface Description
    /// Block adds one).
    pub max_interfaces: u32,
}

impl Default for CaptureLimits {
    fn default() -> Self {
        CaptureLimits {
            max_record_size: 16 << 20,
            max_interfaces: 4096,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GrpcLimits {
    /// Largest gRPC message kept (compressed length prefix), bytes.
    pub max_message_size: u32,
    /// Largest decompressed message.
    pub max_decompressed_size: u32,
    /// Deepest protobuf nesting explored without a schema.
    pub max_protobuf_depth: u32,
    /// Fields decoded in one schema-less protobuf decode (across nesting)
    /// before it stops.
    pub max_protobuf_fields: u32,
    /// Largest tap event kept (one JSON object or one length-delimited
    /// Envoy trace); a larger one is skipped and reported.
    pub max_tap_object_size: u32,
    /// Tap exchanges waiting for their other events (Linkerd) or segments
    /// (Envoy streamed) before the oldest is given up as incomplete.
    pub max_tap_open_exchanges: u32,
}

impl Default for GrpcLimits {
    fn default() -> Self {
        GrpcLimits {
            max_message_size: 16 << 20,
            max_decompressed_size: 64 << 20,
            max_protobuf_depth: 32,
            max_protobuf_fields: 1 << 20,
            max_tap_object_size: 64 << 20,
            max_tap_open_exchanges: 100_000,
        }
    }
}

/// What the event stream includes (not limits, but cost knobs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputOptions {
    /// Attach each frame's bytes to its event (for hex views), up to this
    /// many bytes per frame; 0 attaches none.
    pub frame_bytes: u32,
    /// Attach each header block's bytes to its event.
    pub header_block_bytes: bool,
    /// Emit table events (inserted / evicted) on header blocks.
    pub table_events: bool,
    /// Which DATA payloads to attach to frame events (for gRPC messages).
    pub data_payloads: DataPayloads,
    /// Whether header block events list their fields.
    pub header_fields: HeaderFields,
    /// Emit a frame event per frame. Off, frames are decoded and checked
    /// all the same (every diagnostic, exchange and count stays), and
    /// `inspect::Summary::frames` still counts them, but no frame event is
    /// made: for consumers that never look at frames (the CLI's `summary`,
    /// `headers`, `exchanges`, `anomalies`). Ignored when gRPC calls or
    /// exchanges are collected, and for tap inputs.
    pub frame_events: bool,
    /// Emit a header block event per block. Off, blocks are decoded and
    /// checked all the same (every diagnostic, exchange and table change
    /// stays; diagnostics still name their block), and
    /// `inspect::Summary` still counts blocks and fields: for consumers
    /// that never look at blocks (the CLI's `summary`, `frames`,
    /// `anomalies`). Ignored when gRPC calls or exchanges are collected,
    /// and for tap inputs.
    pub block_events: bool,
    /// Emit an exchange event per request/response. Off, exchanges are
    /// followed all the same and `inspect::Summary` counts them. Ignored
    /// as `block_events` is.
    pub exchange_events: bool,
}

/// Whether header block events list their fields (`HeaderBlock::fields`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderFields {
    /// Every field with its value and how it was encoded.
    #[default]
    Explained,
    /// Only their number (`HeaderBlock::fields_not_listed`), for consumers
    /// that need totals, exchanges or anomalies but not the fields (the
    /// CLI's `summary`, `frames`, `exchanges` and `anomalies`). Decoding,
    /// table tracking, exchanges and every diagnostic are the same; no
    /// field is copied. Ignored when gRPC calls or exchanges are collected
    /// (`inspect::Options::grpc`, `collect`), which need the fields.
    Count,
}

/// Which DATA payloads the connection decoder attaches to frame events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataPayloads {
    #[default]
    None,
    /// Only on streams whose request content-type is `application/grpc…`.
    Grpc,
    All,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            frame_bytes: 0,
            header_block_bytes: false,
            table_events: true,
            data_payloads: DataPayloads::None,
            header_fields: HeaderFields::Explained,
            frame_events: true,
            block_events: true,
            exchange_events: true,
        }
    }
}
