//! TCP (RFC 9293): segment headers, the connection table, and who is the
//! client.
//!
//! A connection is a 4-tuple incarnation: a SYN (without ACK) on a tuple
//! whose connection did not start with that same SYN begins a new
//! connection (port reuse), like tshark's `tcp.stream`. Without a SYN the
//! first segment seen starts each direction.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use etherparse::TcpSlice;

use super::reassembly::{Half, HalfLimits};
use super::{
    CloseKind, ConnId, ConnectionOpened, Endpoint, GapReason, NetDiagnostic, NetEvent, NetStats,
    PacketRef, SkipReason, SkippedPacket, StreamClosed, StreamData, StreamGap,
};
use crate::config::TcpLimits;
use crate::{Diagnostic, Direction, Layer, Octets};

/// A TCP segment's header fields and payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    /// Acknowledgment number (meaningful when `ack`).
    pub ack_num: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub header_len: usize,
    pub payload: &'a [u8],
}

impl<'a> Segment<'a> {
    /// Parses a TCP header (RFC 9293 §3.1) at the start of `bytes`; the
    /// rest is payload. The error says why, in plain words.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Segment<'a>, String> {
        use etherparse::err::tcp::{HeaderError, HeaderSliceError};
        let tcp = TcpSlice::from_slice(bytes).map_err(|e| match e {
            HeaderSliceError::Len(l) => format!(
                "TCP header needs {} bytes, {} are present",
                l.required_len, l.len
            ),
            HeaderSliceError::Content(HeaderError::DataOffsetTooSmall { data_offset }) => {
                format!("TCP data offset {data_offset} is below the minimum of 5 (RFC 9293 §3.1)")
            }
        })?;
        Ok(Segment {
            src_port: tcp.source_port(),
            dst_port: tcp.destination_port(),
            seq: tcp.sequence_number(),
            ack_num: tcp.acknowledgment_number(),
            syn: tcp.syn(),
            ack: tcp.ack(),
            fin: tcp.fin(),
            rst: tcp.rst(),
            header_len: tcp.header_slice().len(),
            payload: tcp.payload(),
        })
    }
}

/// Per-segment tallies of stream bytes not delivered.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub retransmission: u64,
    pub conflict: u64,
    pub old: u64,
    pub before_start: u64,
}

/// Where a direction's results go: events with connection context, and
/// the counters.
pub(crate) struct Sink<'a> {
    pub conn: ConnId,
    pub dir: Direction,
    /// The packet being handled.
    pub pkt: PacketRef,
    pub events: &'a mut VecDeque<NetEvent>,
    pub stats: &'a mut NetStats,
    pub tally: Tally,
}

impl Sink<'_> {
    pub(crate) fn data(&mut self, offset: u64, data: Vec<u8>, pkt: PacketRef) {
        self.stats.delivered.add(data.len() as u64);
        self.events.push_back(NetEvent::Data(StreamData {
            conn: self.conn,
            dir: self.dir,
            offset,
            data: Octets::from(data),
            packet: pkt.number,
            ts: pkt.ts,
        }));
    }

    pub(crate) fn gap(&mut self, offset: u64, len: u64, reason: GapReason, pkt: PacketRef) {
        self.stats.gaps.add(len);
        self.events.push_back(NetEvent::Gap(StreamGap {
            conn: self.conn,
            dir: self.dir,
            offset,
            len,
            packet: pkt.number,
            ts: pkt.ts,
            reason,
        }));
    }

    pub(crate) fn closed(&mut self, kind: CloseKind, offset: u64, pkt: PacketRef) {
        self.events.push_back(NetEvent::Closed(StreamClosed {
            conn: self.conn,
            dir: self.dir,
            kind,
            offset,
            packet: pkt.number,
            ts: pkt.ts,
        }));
    }

    pub(crate) fn diag(&mut self, pkt: PacketRef, diagnostic: Diagnostic) {
        self.events.push_back(NetEvent::Diagnostic(NetDiagnostic {
            packet: pkt.number,
            conn: Some(self.conn),
            dir: Some(self.dir),
            diagnostic,
        }));
    }

    /// Overlapping bytes that differ from the copy kept.
    pub(crate) fn conflict(
        &mut self,
        offset: u64,
        len: u64,
        differ: u64,
        first_packet: Option<u64>,
    ) {
        let first = match first_packet {
            Some(n) => format!("the copy received first (packet {n})"),
            None => "the bytes already delivered".to_string(),
        };
        let pkt = self.pkt;
        self.diag(
            pkt,
            Diagnostic::warning(
                Layer::Tcp,
                "tcp.overlap_conflict",
                format!(
                    "{differ} of {len} overlapping bytes at stream offset {offset} ({}) differ from {first}; the first copy is kept",
                    self.dir.arrow()
                ),
            )
            .at(offset)
            .rfc("RFC 9293 §3.10.7.4"),
        );
    }

    /// Emits one [`SkippedPacket`] per non-zero tally.
    fn flush_tally(&mut self) {
        let t = std::mem::take(&mut self.tally);
        // Reason, bytes, words, and the limit that decides it (if any).
        for (reason, bytes, detail, limit) in [
            (
                SkipReason::Retransmission,
                t.retransmission,
                "retransmitted bytes identical to those already kept",
                None,
            ),
            (
                SkipReason::OverlapConflict,
                t.conflict,
                "overlapping bytes that differ from those kept (first received wins)",
                None,
            ),
            (
                SkipReason::OldRetransmission,
                t.old,
                "retransmitted bytes older than the comparison window, dropped unchecked",
                Some("tcp.retransmit_check_bytes"),
            ),
            (
                SkipReason::BeforeStreamStart,
                t.before_start,
                "bytes before the first captured byte of this direction",
                None,
            ),
        ] {
            if bytes > 0 {
                self.stats.skipped.entry(reason).or_default().add(bytes);
                self.events.push_back(NetEvent::Skipped(SkippedPacket {
                    packet: self.pkt.number,
                    layer: Layer::Tcp,
                    reason,
                    detail: format!(
                        "{} ({}){}",
                        detail,
                        self.dir.arrow(),
                        limit.map(crate::config::limit_hint).unwrap_or_default()
                    ),
                    bytes,
                    conn: Some(self.conn),
                }));
            }
        }
    }
}

#[derive(Debug)]
struct Conn {
    id: ConnId,
    client: Endpoint,
    /// The client's SYN (without ACK) was seen, with this ISN.
    client_isn: Option<u32>,
    halves: [Half; 2],
    finished: bool,
}

/// The connection table.
#[derive(Debug)]
pub(crate) struct Connections {
    half_limits: HalfLimits,
    max_connections: usize,
    conns: Vec<Conn>,
    /// Current connection of each 4-tuple (endpoints in sorted order).
    by_tuple: HashMap<(Endpoint, Endpoint), usize>,
    active: usize,
    said_limit: bool,
}

impl Connections {
    pub(crate) fn new(limits: &TcpLimits) -> Self {
        Connections {
            half_limits: HalfLimits {
                max_bytes: u64::from(limits.max_out_of_order_bytes),
                max_segments: limits.max_out_of_order_segments as usize,
                history: limits.retransmit_check_bytes as usize,
            },
            max_connections: limits.max_connections as usize,
            conns: Vec::new(),
            by_tuple: HashMap::new(),
            active: 0,
            said_limit: false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn segment(
        &mut self,
        src_ip: IpAddr,
        dst_ip: IpAddr,
        seg: &Segment<'_>,
        missing: u64,
        pkt: PacketRef,
        events: &mut VecDeque<NetEvent>,
        stats: &mut NetStats,
    ) {
        let src = Endpoint {
            ip: src_ip,
            port: seg.src_port,
        };
        let dst = Endpoint {
            ip: dst_ip,
            port: seg.dst_port,
        };
        let key = if src <= dst { (src, dst) } else { (dst, src) };
        let syn_only = seg.syn && !seg.ack;
        let index = match self.by_tuple.get(&key).copied() {
            Some(i) => {
                let same_syn = self
                    .conns
                    .get(i)
                    .is_some_and(|c| c.client == src && c.client_isn == Some(seg.seq));
                if syn_only && !same_syn {
                    // A new SYN on these ports: a new connection (RFC 9293
                    // §3.4 quiet time aside, ports are reused all the time).
                    let old = self.conns.get(i).map(|c| c.id);
                    self.end(i, pkt, events, stats);
                    let new = self.open(key, src, dst, seg, pkt, events, stats);
                    if let (Some(old), Some(new)) = (old, new.and_then(|n| self.conns.get(n))) {
                        events.push_back(NetEvent::Diagnostic(NetDiagnostic {
                            packet: pkt.number,
                            conn: Some(new.id),
                            dir: None,
                            diagnostic: Diagnostic::info(
                                Layer::Tcp,
                                "tcp.port_reuse",
                                format!("a new SYN from {src} reuses the ports of connection {old}; it starts connection {}", new.id),
                            ),
                        }));
                    }
                    new
                } else {
                    Some(i)
                }
            }
            None => self.open(key, src, dst, seg, pkt, events, stats),
        };
        let Some(conn) = index.and_then(|i| self.conns.get_mut(i)) else {
            // Over the connection limit: headers were counted, the payload
            // is skipped.
            let bytes = seg.payload.len() as u64;
            stats
                .skipped
                .entry(SkipReason::ConnectionLimit)
                .or_default()
                .add(bytes);
            events.push_back(NetEvent::Skipped(SkippedPacket {
                packet: pkt.number,
                layer: Layer::Tcp,
                reason: SkipReason::ConnectionLimit,
                detail: format!(
                    "{src} → {dst}: more than {} connections at once (tcp.max_connections)",
                    self.max_connections
                ),
                bytes,
                conn: None,
            }));
            return;
        };
        let dir = if src == conn.client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let was_finished = conn.finished;
        let mut sink = Sink {
            conn: conn.id,
            dir,
            pkt,
            events,
            stats,
            tally: Tally::default(),
        };
        let [c2s, s2c] = &mut conn.halves;
        let (half, other) = match dir {
            Direction::ClientToServer => (c2s, s2c),
            Direction::ServerToClient => (s2c, c2s),
        };
        if seg.syn {
            // The SYN occupies one sequence number (RFC 9293 §3.4).
            half.start(seg.seq.wrapping_add(1));
        }
        let data_seq = seg.seq.wrapping_add(u32::from(seg.syn));
        if seg.rst {
            if !seg.payload.is_empty() {
                let bytes = seg.payload.len() as u64;
                sink.stats
                    .skipped
                    .entry(SkipReason::RstPayload)
                    .or_default()
                    .add(bytes);
                sink.events.push_back(NetEvent::Skipped(SkippedPacket {
                    packet: pkt.number,
                    layer: Layer::Tcp,
                    reason: SkipReason::RstPayload,
                    detail: format!(
                        "RST segment payload (RFC 9293 §3.10.7.1 allows diagnostic text), {}",
                        dir.arrow()
                    ),
                    bytes,
                    conn: Some(conn.id),
                }));
            }
            half.rst(data_seq, pkt, &mut sink);
            let mut other_sink = Sink {
                dir: dir.reverse(),
                tally: Tally::default(),
                ..sink
            };
            other.flush(&mut other_sink);
            other.release();
            other_sink.flush_tally();
            if !was_finished {
                conn.finished = true;
                self.active = self.active.saturating_sub(1);
            }
            return;
        }
        if !seg.payload.is_empty() || missing > 0 {
            half.segment(data_seq, seg.payload, missing, pkt, &mut sink);
        }
        if seg.fin {
            let fin_seq = data_seq
                .wrapping_add(seg.payload.len() as u32)
                .wrapping_add(missing as u32);
            half.fin(fin_seq, pkt, &mut sink);
        }
        sink.flush_tally();
        if seg.ack {
            let mut other_sink = Sink {
                dir: dir.reverse(),
                tally: Tally::default(),
                ..sink
            };
            other.ack(seg.ack_num, &mut other_sink);
            other_sink.flush_tally();
        }
        if !was_finished && half.closed() && other.closed() {
            half.release();
            other.release();
            conn.finished = true;
            self.active = self.active.saturating_sub(1);
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn open(
        &mut self,
        key: (Endpoint, Endpoint),
        src: Endpoint,
        dst: Endpoint,
        seg: &Segment<'_>,
        pkt: PacketRef,
        events: &mut VecDeque<NetEvent>,
        stats: &mut NetStats,
    ) -> Option<usize> {
        if self.active >= self.max_connections {
            if !self.said_limit {
                self.said_limit = true;
                events.push_back(NetEvent::Diagnostic(NetDiagnostic {
                    packet: pkt.number,
                    conn: None,
                    dir: None,
                    diagnostic: Diagnostic::error(
                        Layer::Tcp,
                        "tcp.connection_limit",
                        format!(
                            "more than {} TCP connections open at once; \
                             segments of further connections are skipped until some close{}",
                            self.max_connections,
                            crate::config::limit_hint("tcp.max_connections")
                        ),
                    ),
                }));
            }
            self.by_tuple.remove(&key);
            return None;
        }
        let syn_only = seg.syn && !seg.ack;
        let (client, server, roles_guessed) = if syn_only {
            (src, dst, false)
        } else if seg.syn {
            // SYN-ACK: its sender is the server.
            (dst, src, true)
        } else if looks_like_server(src.port, dst.port) {
            (dst, src, true)
        } else {
            (src, dst, true)
        };
        let id = ConnId(u32::try_from(self.conns.len()).unwrap_or(u32::MAX));
        let index = self.conns.len();
        self.conns.push(Conn {
            id,
            client,
            client_isn: syn_only.then_some(seg.seq),
            halves: [Half::new(self.half_limits), Half::new(self.half_limits)],
            finished: false,
        });
        self.by_tuple.insert(key, index);
        self.active += 1;
        stats.connections += 1;
        events.push_back(NetEvent::ConnectionOpened(ConnectionOpened {
            conn: id,
            client,
            server,
            syn_seen: syn_only,
            roles_guessed,
            packet: pkt.number,
            ts: pkt.ts,
        }));
        Some(index)
    }

    /// Ends a connection (its ports were reused, or the capture ended):
    /// holes become gaps, buffered bytes are delivered.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn end(
        &mut self,
        index: usize,
        pkt: PacketRef,
        events: &mut VecDeque<NetEvent>,
        stats: &mut NetStats,
    ) {
        let Some(conn) = self.conns.get_mut(index) else {
            return;
        };
        if !conn.finished {
            conn.finished = true;
            self.active = self.active.saturating_sub(1);
        }
        // Also for a finished connection: segments that came after its
        // close may be buffered.
        for (half, dir) in conn
            .halves
            .iter_mut()
            .zip([Direction::ClientToServer, Direction::ServerToClient])
        {
            let mut sink = Sink {
                conn: conn.id,
                dir,
                pkt,
                events: &mut *events,
                stats: &mut *stats,
                tally: Tally::default(),
            };
            half.flush(&mut sink);
            half.release();
            sink.flush_tally();
        }
    }

    /// End of capture: every open connection is flushed.
    pub(crate) fn finish(&mut self, events: &mut VecDeque<NetEvent>, stats: &mut NetStats) {
        let pkt = PacketRef {
            number: 0,
            ts: crate::Timestamp::default(),
        };
        for index in 0..self.conns.len() {
            self.end(index, pkt, events, stats);
        }
    }
}

/// Without a handshake, is `a` (rather than `b`) the server's port?
///
/// A port that HTTP/2 and gRPC servers and meshes listen on wins (50051,
/// the gRPC default, is inside Linux's ephemeral range, so "lower port"
/// alone gets a mid-stream gRPC capture backwards); then a port below 1024;
/// then the lower port. On a tie the destination is the server.
pub(crate) fn looks_like_server(a: u16, b: u16) -> bool {
    fn rank(port: u16) -> u8 {
        match port {
            80 | 443 | 8080 | 8443 | 8000 | 8008 | 8888 | 3000 | 5000 | 9000 | 9090 | 9091
            | 50051 => 0,
            // Envoy/Istio sidecar and admin ports, Linkerd proxy ports.
            15000..=15090 | 4140..=4191 => 0,
            0..=1023 => 1,
            _ => 2,
        }
    }
    (rank(a), a) < (rank(b), b)
}
