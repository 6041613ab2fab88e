//! Link, IP and TCP layers: packets in, reassembled TCP byte streams out.
//!
//! ```text
//! Packet ─► link (Ethernet+VLAN, SLL, SLL2, loopback, raw IP)
//!        ─► ip (IPv4 options/AH, IPv6 extension headers, fragments → defrag)
//!        ─► tcp (connections, per-direction reassembly) ─► NetEvent
//! ```
//!
//! [`Dissector`] takes packets and yields [`NetEvent`]s: connections opened,
//! in-order [`StreamData`] per direction, [`StreamGap`]s for bytes that were
//! never captured, closes, and [`SkippedPacket`]s for every byte not
//! delivered as stream data. [`NetStats`] accounts for every captured byte:
//! `bytes = header_bytes + trailer_bytes + delivered.bytes + Σ skipped + pending_bytes`.
//!
//! TCP reassembly follows RFC 9293 §3.4 sequence arithmetic (modulo 2^32):
//! segments are ordered by sequence number, exact retransmissions dropped,
//! overlaps resolved first-received-wins with conflicting bytes reported,
//! holes reported as gaps with their offset and size.

mod defrag;
mod ip;
mod link;
mod reassembly;
mod tcp;
pub mod tls;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use crate::capture::{LinkType, Packet};
use crate::config::TcpLimits;
use crate::{Diagnostic, Direction, Layer, Octets, Timestamp};

use defrag::{Added, Defragmenter, FragKey};
use link::{LinkError, Network};

/// A TCP connection, numbered from 0 in order of first appearance (like
/// tshark's `tcp.stream`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ConnId(pub u32);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An IP address and TCP port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectionOpened {
    pub conn: ConnId,
    /// The side that sent the SYN (or the guess, see `roles_guessed`).
    pub client: Endpoint,
    pub server: Endpoint,
    /// The client's SYN is in the capture.
    pub syn_seen: bool,
    /// No SYN: the server is the SYN-ACK sender if one was seen first,
    /// else the port a server would listen on (a list of common HTTP/2,
    /// gRPC and mesh ports, then ports below 1024), else the lower port,
    /// else the destination of the first packet.
    pub roles_guessed: bool,
    pub packet: u64,
    pub ts: Timestamp,
}

/// In-order bytes of one direction, from one packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamData {
    pub conn: ConnId,
    pub dir: Direction,
    /// Offset in the direction's stream of `data[0]` (0 = the first byte
    /// after the SYN, or the first captured byte without a SYN).
    pub offset: u64,
    pub data: Octets,
    /// The packet that carried these bytes.
    pub packet: u64,
    pub ts: Timestamp,
}

/// Why stream bytes are missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The receiver acknowledged these bytes and later ones were captured,
    /// but these are not in the capture (the capture dropped them).
    NotCaptured,
    /// Later bytes were captured but these never were (lost, or dropped by
    /// the capture), found at the end of the capture, a close, or a FIN
    /// beyond the last byte.
    MissingSegment,
    /// The out-of-order buffer limit (`TcpLimits`) was reached while
    /// waiting for these bytes.
    BufferLimit,
    /// The segment was captured only in part (snaplen, or a frame shorter
    /// than its IP length).
    CaptureTruncated,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamGap {
    pub conn: ConnId,
    pub dir: Direction,
    pub offset: u64,
    pub len: u64,
    /// The packet that revealed the gap (the first one after it, or the
    /// truncated one).
    pub packet: u64,
    pub ts: Timestamp,
    pub reason: GapReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseKind {
    /// FIN, reached in order: the direction's stream is complete.
    Fin,
    /// RST from this direction's sender: the connection is aborted (both
    /// directions end; only the sender's direction gets this event).
    Rst,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamClosed {
    pub conn: ConnId,
    pub dir: Direction,
    pub kind: CloseKind,
    /// Stream offset of the FIN / RST.
    pub offset: u64,
    pub packet: u64,
    pub ts: Timestamp,
}

/// Why bytes were not delivered as stream data. Also the keys of
/// [`NetStats::skipped`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The link type is not one we decode.
    UnsupportedLinkType,
    /// A link-layer frame carrying something other than IP.
    NotIp,
    /// An IP packet carrying something other than TCP.
    NotTcp,
    /// The capture cut the packet inside a header.
    Truncated,
    /// A header is invalid.
    Malformed,
    /// Fragment bytes already received (the first kept).
    FragmentOverlap,
    /// Fragments of a datagram that never completed (or were evicted by the
    /// fragment buffer limit).
    FragmentIncomplete,
    /// More connections than `TcpLimits::max_connections` at once.
    ConnectionLimit,
    /// Retransmitted bytes identical to those already kept.
    Retransmission,
    /// Overlapping bytes that differ from those already kept (the first
    /// received are kept).
    OverlapConflict,
    /// Retransmitted bytes older than the comparison window
    /// (`TcpLimits::retransmit_check_bytes`), dropped unchecked.
    OldRetransmission,
    /// Bytes before the first byte of the direction's stream (seen only
    /// when the SYN was not captured and segments arrived reordered).
    BeforeStreamStart,
    /// Payload of an RST segment (diagnostic text, not stream data).
    RstPayload,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedPacket {
    pub packet: u64,
    pub layer: Layer,
    pub reason: SkipReason,
    /// What exactly, in plain words.
    pub detail: String,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn: Option<ConnId>,
}

/// A diagnostic with its packet and connection context. `offset` in the
/// diagnostic is a byte offset in the packet for header problems, or in the
/// direction's stream when `dir` is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NetDiagnostic {
    pub packet: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn: Option<ConnId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<Direction>,
    pub diagnostic: Diagnostic,
}

/// A count of things and of their bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ByteCount {
    pub count: u64,
    pub bytes: u64,
}

impl ByteCount {
    fn add(&mut self, bytes: u64) {
        self.count += 1;
        self.bytes = self.bytes.saturating_add(bytes);
    }
}

/// Where every captured byte went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetStats {
    pub packets: u64,
    /// Captured bytes of all packets handled.
    pub bytes: u64,
    /// Link, IP (options, extension headers) and TCP headers.
    pub header_bytes: u64,
    /// Captured bytes after an IP datagram (Ethernet padding, FCS).
    pub trailer_bytes: u64,
    pub tcp_segments: u64,
    /// Stream bytes delivered (`count`: [`StreamData`] events).
    pub delivered: ByteCount,
    pub skipped: BTreeMap<SkipReason, ByteCount>,
    /// Bytes held right now in out-of-order and fragment buffers (0 after
    /// [`Dissector::finish`]).
    pub pending_bytes: u64,
    /// Stream bytes missing from the capture (`count`: [`StreamGap`]s).
    /// Not part of `bytes`: they were never captured.
    pub gaps: ByteCount,
    pub connections: u64,
    pub fragmented_datagrams: u64,
}

/// Why a packet too short for a header is skipped: the capture cut it
/// (`cut`: its snapshot length, or its datagram's) or it was sent so.
fn short_packet(cut: bool) -> SkipReason {
    if cut {
        SkipReason::Truncated
    } else {
        SkipReason::Malformed
    }
}

impl NetStats {
    fn skip(&mut self, reason: SkipReason, bytes: u64) {
        self.skipped.entry(reason).or_default().add(bytes);
    }

    /// Bytes accounted for: equals `bytes` at all times.
    pub fn accounted_bytes(&self) -> u64 {
        self.header_bytes
            + self.trailer_bytes
            + self.delivered.bytes
            + self.skipped.values().map(|c| c.bytes).sum::<u64>()
            + self.pending_bytes
    }
}

/// What the [`Dissector`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NetEvent {
    ConnectionOpened(ConnectionOpened),
    Data(StreamData),
    Gap(StreamGap),
    Closed(StreamClosed),
    Skipped(SkippedPacket),
    Diagnostic(NetDiagnostic),
    /// The last event, after [`Dissector::finish`].
    Summary(NetStats),
}

/// The packet being handled, for event context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PacketRef {
    pub number: u64,
    pub ts: Timestamp,
}

/// Packets in, TCP streams out. See the module documentation.
#[derive(Debug)]
pub struct Dissector {
    events: VecDeque<NetEvent>,
    stats: NetStats,
    defrag: Defragmenter,
    tcp: tcp::Connections,
    finished: bool,
    /// Diagnostics reported once per kind (e.g. TSO lengths).
    said_tso: bool,
}

impl Dissector {
    pub fn new(limits: &TcpLimits) -> Self {
        Dissector {
            events: VecDeque::new(),
            stats: NetStats::default(),
            defrag: Defragmenter::new(limits.max_fragment_bytes),
            tcp: tcp::Connections::new(limits),
            finished: false,
            said_tso: false,
        }
    }

    /// Handles one captured packet.
    pub fn handle_packet(&mut self, packet: &Packet) {
        self.handle(
            packet.link_type,
            packet.number,
            packet.ts,
            packet.data.as_bytes(),
            packet.original_len,
        );
    }

    /// Handles one packet given by parts; `original_len` is its length on
    /// the wire (to tell a capture cut from a malformed length). Packets
    /// after [`Dissector::finish`] are ignored.
    pub fn handle(
        &mut self,
        link_type: LinkType,
        number: u64,
        ts: Timestamp,
        data: &[u8],
        original_len: u32,
    ) {
        if self.finished {
            return;
        }
        let pkt = PacketRef { number, ts };
        let len = data.len() as u64;
        self.stats.packets += 1;
        self.stats.bytes = self.stats.bytes.saturating_add(len);
        let cut_by_capture = u64::from(original_len) > len;

        let link = match link::decode(link_type, data) {
            Ok(link) => link,
            Err(e) => return self.link_error(pkt, e, cut_by_capture, len),
        };
        let version = match link.network {
            Network::Ipv4 => 4,
            Network::Ipv6 => 6,
            Network::Ip => 0,
            Network::Other(other) => {
                return self.skip_packet(
                    pkt,
                    Layer::Link,
                    SkipReason::NotIp,
                    other.describe(),
                    len,
                );
            }
        };
        let ip_bytes = data.get(link.header_len..).unwrap_or_default();
        let ip = match ip::decode(version, ip_bytes) {
            Ok(ip) => ip,
            Err(e) => return self.ip_error(pkt, e, cut_by_capture, len),
        };
        if ip.length_from_frame && !self.said_tso {
            self.said_tso = true;
            self.diag(pkt, None, None, Diagnostic::info(Layer::Ip, "ip.length_from_frame",
                "IP length field is 0 (segmentation offload on the capturing host, or a jumbogram); the frame length is used; said once"));
        }
        if ip.protocol != ip::PROTO_TCP {
            let what = ip_protocol_name(ip.protocol);
            return self.skip_packet(
                pkt,
                Layer::Ip,
                SkipReason::NotTcp,
                format!("IP protocol {} ({what}), not TCP", ip.protocol),
                len,
            );
        }
        let headers = (link.header_len + ip.header_len) as u64;
        let trailer = ip.trailer_len as u64;
        if let Some(frag) = ip.fragment {
            return self.fragment(pkt, &ip, frag, headers, trailer, cut_by_capture, len);
        }
        let tcp_bytes = ip.payload;
        let segment = match tcp::Segment::parse(tcp_bytes) {
            Ok(segment) => segment,
            Err(detail) => {
                let reason = short_packet(cut_by_capture || tcp_bytes.len() < ip.declared_len);
                return self.skip_packet(pkt, Layer::Tcp, reason, detail, len);
            }
        };
        let missing = ip.declared_len.saturating_sub(tcp_bytes.len()) as u64;
        self.stats.header_bytes += headers + segment.header_len as u64;
        self.stats.trailer_bytes += trailer;
        self.stats.tcp_segments += 1;
        self.tcp.segment(
            ip.src,
            ip.dst,
            &segment,
            missing,
            pkt,
            &mut self.events,
            &mut self.stats,
        );
    }

    /// A packet whose link layer does not decode: skipped, with why.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn link_error(&mut self, pkt: PacketRef, error: LinkError, cut_by_capture: bool, len: u64) {
        match error {
            LinkError::Unsupported(lt) => {
                self.skip_packet(
                    pkt,
                    Layer::Link,
                    SkipReason::UnsupportedLinkType,
                    format!("link type {lt} is not decoded"),
                    len,
                );
            }
            LinkError::Short { needed, have, what } => {
                let reason = short_packet(cut_by_capture);
                self.skip_packet(
                    pkt,
                    Layer::Link,
                    reason,
                    format!("{what} needs {needed} bytes, the packet has {have}"),
                    len,
                );
            }
            LinkError::TooManyTags => {
                self.skip_packet(
                    pkt,
                    Layer::Link,
                    SkipReason::Malformed,
                    format!("more than {} stacked VLAN tags", link::MAX_VLAN_TAGS),
                    len,
                );
            }
        }
    }

    /// A packet whose IP header does not decode: skipped, with why.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn ip_error(&mut self, pkt: PacketRef, error: ip::IpError, cut_by_capture: bool, len: u64) {
        match error {
            ip::IpError::Short { needed, have, what } => {
                let reason = short_packet(cut_by_capture);
                self.skip_packet(
                    pkt,
                    Layer::Ip,
                    reason,
                    format!("{what} needs {needed} bytes, the packet has {have}"),
                    len,
                );
            }
            ip::IpError::Malformed(detail) => {
                self.skip_packet(pkt, Layer::Ip, SkipReason::Malformed, detail, len);
            }
        }
    }

    /// An IP fragment: held until its datagram is complete, then decoded
    /// as TCP. `cut_by_capture` as for [`short_packet`].
    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn fragment(
        &mut self,
        pkt: PacketRef,
        ip: &ip::IpPacket<'_>,
        frag: ip::Fragment,
        headers: u64,
        trailer: u64,
        cut_by_capture: bool,
        len: u64,
    ) {
        if ip.payload.len() < ip.declared_len {
            return self.skip_packet(
                pkt,
                Layer::Ip,
                short_packet(cut_by_capture),
                "IP fragment cut short; it cannot be reassembled".into(),
                len,
            );
        }
        self.stats.header_bytes += headers;
        self.stats.trailer_bytes += trailer;
        let payload_len = ip.payload.len() as u64;
        self.stats.pending_bytes += payload_len;
        let key = FragKey {
            src: ip.src,
            dst: ip.dst,
            id: frag.id,
            protocol: ip.protocol,
        };
        let outcome = self
            .defrag
            .add(key, frag.offset, frag.more, ip.payload, pkt.number);
        let kept = payload_len.saturating_sub(outcome.overlap as u64);
        if outcome.overlap > 0 {
            self.stats.pending_bytes = self
                .stats
                .pending_bytes
                .saturating_sub(outcome.overlap as u64);
            self.skip(
                pkt,
                Layer::Ip,
                SkipReason::FragmentOverlap,
                format!(
                    "{} bytes of fragment data were already received (the first copy is kept)",
                    outcome.overlap
                ),
                outcome.overlap as u64,
                None,
            );
        }
        for d in outcome.dropped {
            self.stats.pending_bytes = self.stats.pending_bytes.saturating_sub(d.bytes as u64);
            self.skip(pkt, Layer::Ip, SkipReason::FragmentIncomplete,
                format!("{} fragments of datagram id {} from {} (first in packet {}) dropped: fragment buffer full{}", d.fragments, d.key.id, d.key.src, d.first_packet, crate::config::limit_hint("tcp.max_fragment_bytes")),
                d.bytes as u64, None);
        }
        match outcome.added {
            Added::Held => {}
            Added::Rejected(why) => {
                self.stats.pending_bytes = self.stats.pending_bytes.saturating_sub(kept);
                self.skip(
                    pkt,
                    Layer::Ip,
                    SkipReason::Malformed,
                    format!("IP fragment not reassembled: {why}"),
                    kept,
                    None,
                );
            }
            Added::Complete {
                payload,
                fragments: _,
                beyond_end,
            } => {
                let held = (payload.len() + beyond_end) as u64;
                self.stats.pending_bytes = self.stats.pending_bytes.saturating_sub(held);
                if beyond_end > 0 {
                    self.skip(pkt, Layer::Ip, SkipReason::Malformed, format!("{beyond_end} fragment bytes lie beyond the datagram end set by its last fragment"), beyond_end as u64, None);
                }
                self.stats.fragmented_datagrams += 1;
                self.tcp_from_datagram(pkt, ip.src, ip.dst, &payload);
            }
        }
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn tcp_from_datagram(&mut self, pkt: PacketRef, src: IpAddr, dst: IpAddr, payload: &[u8]) {
        match tcp::Segment::parse(payload) {
            Ok(segment) => {
                self.stats.header_bytes += segment.header_len as u64;
                self.stats.tcp_segments += 1;
                self.tcp.segment(
                    src,
                    dst,
                    &segment,
                    0,
                    pkt,
                    &mut self.events,
                    &mut self.stats,
                );
            }
            Err(detail) => {
                self.skip(
                    pkt,
                    Layer::Tcp,
                    SkipReason::Malformed,
                    format!("reassembled datagram: {detail}"),
                    payload.len() as u64,
                    None,
                );
            }
        }
    }

    /// Ends the input: holes become gaps, buffered data is delivered,
    /// incomplete fragments are reported, then [`NetEvent::Summary`].
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.tcp.finish(&mut self.events, &mut self.stats);
        for d in self.defrag.drain() {
            self.stats.pending_bytes = self.stats.pending_bytes.saturating_sub(d.bytes as u64);
            let pkt = PacketRef {
                number: d.first_packet,
                ts: Timestamp::default(),
            };
            self.skip(
                pkt,
                Layer::Ip,
                SkipReason::FragmentIncomplete,
                format!(
                    "{} fragments of datagram id {} from {} never completed",
                    d.fragments, d.key.id, d.key.src
                ),
                d.bytes as u64,
                None,
            );
        }
        let summary = self.stats.clone();
        self.events.push_back(NetEvent::Summary(summary));
    }

    pub fn next_event(&mut self) -> Option<NetEvent> {
        self.events.pop_front()
    }

    pub fn stats(&self) -> &NetStats {
        &self.stats
    }

    fn skip_packet(
        &mut self,
        pkt: PacketRef,
        layer: Layer,
        reason: SkipReason,
        detail: String,
        bytes: u64,
    ) {
        self.skip(pkt, layer, reason, detail, bytes, None);
    }

    fn skip(
        &mut self,
        pkt: PacketRef,
        layer: Layer,
        reason: SkipReason,
        detail: String,
        bytes: u64,
        conn: Option<ConnId>,
    ) {
        self.stats.skip(reason, bytes);
        self.events.push_back(NetEvent::Skipped(SkippedPacket {
            packet: pkt.number,
            layer,
            reason,
            detail,
            bytes,
            conn,
        }));
    }

    fn diag(
        &mut self,
        pkt: PacketRef,
        conn: Option<ConnId>,
        dir: Option<Direction>,
        diagnostic: Diagnostic,
    ) {
        self.events.push_back(NetEvent::Diagnostic(NetDiagnostic {
            packet: pkt.number,
            conn,
            dir,
            diagnostic,
        }));
    }
}

fn ip_protocol_name(p: u8) -> &'static str {
    match p {
        1 => "ICMP",
        2 => "IGMP",
        17 => "UDP",
        47 => "GRE",
        50 => "ESP",
        58 => "ICMPv6",
        59 => "no next header",
        89 => "OSPF",
        132 => "SCTP",
        _ => "other",
    }
}
