//! One direction of a TCP connection: segments in any order → bytes in
//! order, with gaps and overlaps reported.
//!
//! Sequence numbers are mapped to 64-bit stream offsets relative to the
//! next expected byte, with RFC 9293 §3.4 modular comparison (a segment up
//! to 2^31 behind or ahead), so wraparound of the 32-bit space is
//! transparent. Out-of-order pieces live in a `BTreeMap` keyed by offset,
//! never overlapping each other, always after the cursor.

use std::collections::{BTreeMap, VecDeque};

use super::tcp::Sink;
use super::{CloseKind, GapReason, PacketRef};
use crate::{Diagnostic, Layer};

#[derive(Debug)]
enum Piece {
    Data(Vec<u8>, PacketRef),
    /// Bytes the capture did not hold (snaplen); a later copy replaces it.
    NotCaptured(u64, PacketRef),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Data(d, _) => d.len() as u64,
            Piece::NotCaptured(n, _) => *n,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct HalfLimits {
    pub max_bytes: u64,
    pub max_segments: usize,
    pub history: usize,
}

#[derive(Debug)]
pub(crate) struct Half {
    limits: HalfLimits,
    started: bool,
    /// Sequence number of stream offset 0.
    base_seq: u32,
    /// Offset of the next byte to deliver.
    cursor: u64,
    buffer: BTreeMap<u64, Piece>,
    buffered_bytes: u64,
    /// The last delivered bytes, `[history_start, cursor)`.
    history: VecDeque<u8>,
    history_start: u64,
    fin: Option<(u64, PacketRef)>,
    closed: bool,
    /// The highest acknowledgment number the peer sent for this direction.
    acked: Option<u32>,
}

impl Half {
    pub(crate) fn new(limits: HalfLimits) -> Self {
        Half {
            limits,
            started: false,
            base_seq: 0,
            cursor: 0,
            buffer: BTreeMap::new(),
            buffered_bytes: 0,
            history: VecDeque::new(),
            history_start: 0,
            fin: None,
            closed: false,
            acked: None,
        }
    }

    pub(crate) fn closed(&self) -> bool {
        self.closed
    }

    /// Starts the stream: `seq` is the sequence number of offset 0.
    pub(crate) fn start(&mut self, seq: u32) {
        if !self.started {
            self.started = true;
            self.base_seq = seq;
        }
    }

    /// Stream offset of `seq` (may be negative: before the start).
    fn offset_of(&self, seq: u32) -> i64 {
        let cursor_seq = self.base_seq.wrapping_add(self.cursor as u32);
        let rel = seq.wrapping_sub(cursor_seq) as i32;
        (self.cursor as i64).saturating_add(i64::from(rel))
    }

    /// A segment's payload: `data` captured bytes at `seq`, then `missing`
    /// bytes the capture cut off.
    pub(crate) fn segment(
        &mut self,
        seq: u32,
        data: &[u8],
        missing: u64,
        pkt: PacketRef,
        sink: &mut Sink<'_>,
    ) {
        self.start(seq);
        let mut start = self.offset_of(seq);
        let mut data = data;
        let captured_end = start.saturating_add(data.len() as i64);
        if start < 0 {
            let cut = usize::try_from(start.unsigned_abs())
                .unwrap_or(usize::MAX)
                .min(data.len());
            sink.tally.before_start += cut as u64;
            data = data.get(cut..).unwrap_or_default();
            start = start.saturating_add(cut as i64);
        }
        let mut start = start.max(0) as u64;
        if start < self.cursor && !data.is_empty() {
            let old = ((self.cursor - start) as usize).min(data.len());
            let (before, after) = data.split_at(old);
            self.compare_with_history(start, before, sink);
            data = after;
            start += old as u64;
        }
        if !data.is_empty() {
            if start == self.cursor && self.buffer.is_empty() {
                self.deliver(data.to_vec(), pkt, sink);
            } else {
                sink.stats.pending_bytes += data.len() as u64;
                self.insert_data(start, data, pkt, sink);
            }
        }
        if missing > 0 {
            let m_start = captured_end.max(0) as u64;
            let m_end = m_start.saturating_add(missing);
            if m_end > self.cursor {
                let m_start = m_start.max(self.cursor);
                self.insert_not_captured(m_start, m_end - m_start, pkt);
            }
        }
        self.drain(sink);
        self.resolve_acked(sink);
        self.enforce_limits(sink);
    }

    /// The peer acknowledged up to `ack` (the next sequence number it
    /// expects from this direction).
    pub(crate) fn ack(&mut self, ack: u32, sink: &mut Sink<'_>) {
        let newer = match self.acked {
            None => true,
            // RFC 9293 §3.4: modular "greater than".
            Some(prev) => (ack.wrapping_sub(prev) as i32) > 0,
        };
        if newer {
            self.acked = Some(ack);
            self.resolve_acked(sink);
        }
    }

    /// A hole the peer has acknowledged will never be filled: the receiver
    /// got those bytes, the capture did not. Only declared when later
    /// bytes are buffered (the sender has moved on), so a capture that
    /// merely shows the ACK before the data does not lose bytes.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn resolve_acked(&mut self, sink: &mut Sink<'_>) {
        let Some(acked) = self.acked else { return };
        if !self.started {
            return;
        }
        while let Some((&start, piece)) = self.buffer.first_key_value() {
            let ack_at = self.offset_of(acked);
            if start <= self.cursor || ack_at <= self.cursor as i64 {
                break;
            }
            let pkt = match piece {
                Piece::Data(_, p) | Piece::NotCaptured(_, p) => *p,
            };
            let end = (ack_at as u64).min(start);
            self.gap(end - self.cursor, GapReason::NotCaptured, pkt, sink);
            self.drain(sink);
        }
    }

    /// A FIN at `seq` (the sequence number it occupies).
    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(crate) fn fin(&mut self, seq: u32, pkt: PacketRef, sink: &mut Sink<'_>) {
        self.start(seq);
        if self.closed {
            return;
        }
        let at = self.offset_of(seq);
        if at < self.cursor as i64 {
            // A FIN inside delivered data: ignore (a retransmission of an
            // earlier segment with a bogus FIN would be odd; report).
            sink.diag(pkt, Diagnostic::warning(Layer::Tcp, "tcp.fin_before_delivered_data",
                format!("FIN at stream offset {at} lies inside bytes already delivered (up to {}); ignored", self.cursor)).at(at.max(0) as u64));
            return;
        }
        let at = at as u64;
        match self.fin {
            Some((prev, _)) if prev != at => {
                sink.diag(pkt, Diagnostic::warning(Layer::Tcp, "tcp.fin_moved",
                    format!("FIN at stream offset {at}, but an earlier FIN was at {prev}; the earlier one is kept")).at(at));
            }
            Some(_) => {}
            None => self.fin = Some((at, pkt)),
        }
        self.check_fin(sink);
    }

    /// An RST from this direction's sender: everything buffered is
    /// delivered (holes become gaps) and the direction closes.
    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(crate) fn rst(&mut self, seq: u32, pkt: PacketRef, sink: &mut Sink<'_>) {
        self.start(seq);
        if self.closed {
            return;
        }
        self.flush(sink);
        if !self.closed {
            self.closed = true;
            sink.closed(CloseKind::Rst, self.cursor, pkt);
        }
        self.release();
    }

    /// The connection ended (the peer reset it, or the capture ended):
    /// holes become gaps, buffered data is delivered, a pending FIN closes.
    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(crate) fn flush(&mut self, sink: &mut Sink<'_>) {
        while let Some((&start, piece)) = self.buffer.first_key_value() {
            if start > self.cursor {
                let pkt = match piece {
                    Piece::Data(_, p) | Piece::NotCaptured(_, p) => *p,
                };
                self.gap(start - self.cursor, GapReason::MissingSegment, pkt, sink);
            } else if start < self.cursor {
                // Cannot happen (pieces always start at or after the
                // cursor); dropped to guarantee progress.
                if let Some(Piece::Data(d, _)) = self.buffer.remove(&start) {
                    self.buffered_bytes = self.buffered_bytes.saturating_sub(d.len() as u64);
                    sink.stats.pending_bytes =
                        sink.stats.pending_bytes.saturating_sub(d.len() as u64);
                    sink.tally.retransmission += d.len() as u64;
                }
                continue;
            }
            self.drain(sink);
        }
        if let Some((at, pkt)) = self.fin {
            if at > self.cursor && !self.closed {
                self.gap(at - self.cursor, GapReason::MissingSegment, pkt, sink);
            }
            self.check_fin(sink);
        }
    }

    /// Frees buffers of a finished direction.
    pub(crate) fn release(&mut self) {
        self.history = VecDeque::new();
        self.history_start = self.cursor;
    }

    fn check_fin(&mut self, sink: &mut Sink<'_>) {
        if let Some((at, pkt)) = self.fin {
            if at == self.cursor && !self.closed {
                self.closed = true;
                self.fin = None;
                sink.closed(CloseKind::Fin, at, pkt);
            }
        }
    }

    fn deliver(&mut self, data: Vec<u8>, pkt: PacketRef, sink: &mut Sink<'_>) {
        let len = data.len() as u64;
        if self.limits.history > 0 {
            if data.len() >= self.limits.history {
                self.history.clear();
                let keep = data
                    .get(data.len() - self.limits.history..)
                    .unwrap_or_default();
                self.history.extend(keep);
            } else {
                // `Extend<&u8>` copies the slice in one go.
                self.history.extend(data.iter());
                let excess = self.history.len().saturating_sub(self.limits.history);
                self.history.drain(..excess);
            }
            self.history_start = (self.cursor + len) - self.history.len() as u64;
        } else {
            self.history_start = self.cursor + len;
        }
        sink.data(self.cursor, data, pkt);
        self.cursor += len;
        self.check_fin(sink);
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn gap(&mut self, len: u64, reason: GapReason, pkt: PacketRef, sink: &mut Sink<'_>) {
        sink.gap(self.cursor, len, reason, pkt);
        self.cursor += len;
        self.history.clear();
        self.history_start = self.cursor;
        self.check_fin(sink);
    }

    /// Delivers buffered pieces that start at the cursor.
    fn drain(&mut self, sink: &mut Sink<'_>) {
        while let Some(entry) = self.buffer.first_entry() {
            if *entry.key() != self.cursor {
                break;
            }
            match entry.remove() {
                Piece::Data(data, pkt) => {
                    self.buffered_bytes = self.buffered_bytes.saturating_sub(data.len() as u64);
                    sink.stats.pending_bytes =
                        sink.stats.pending_bytes.saturating_sub(data.len() as u64);
                    self.deliver(data, pkt, sink);
                }
                Piece::NotCaptured(len, pkt) => {
                    self.gap(len, GapReason::CaptureTruncated, pkt, sink)
                }
            }
        }
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn enforce_limits(&mut self, sink: &mut Sink<'_>) {
        while self.buffered_bytes > self.limits.max_bytes
            || self.buffer.len() > self.limits.max_segments
        {
            let Some((&start, piece)) = self.buffer.first_key_value() else {
                break;
            };
            let pkt = match piece {
                Piece::Data(_, p) | Piece::NotCaptured(_, p) => *p,
            };
            if start > self.cursor {
                let (at, len) = (self.cursor, start - self.cursor);
                let message = format!(
                    "{len} missing bytes at stream offset {at} ({}) given up as lost: {} out-of-order bytes in {} segments were waiting for them{}{}",
                    sink.dir.arrow(),
                    self.buffered_bytes,
                    self.buffer.len(),
                    crate::config::limit_hint("tcp.max_out_of_order_bytes"),
                    crate::config::limit_hint("tcp.max_out_of_order_segments"),
                );
                sink.diag(
                    pkt,
                    crate::Diagnostic::warning(crate::Layer::Tcp, "tcp.buffer_limit", message)
                        .at(at),
                );
                self.gap(len, GapReason::BufferLimit, pkt, sink);
            }
            self.drain(sink);
        }
    }

    /// Bytes before the cursor: compare with what was delivered.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn compare_with_history(&mut self, start: u64, data: &[u8], sink: &mut Sink<'_>) {
        let end = start + data.len() as u64;
        // Part older than the history: cannot be checked.
        let unchecked_end = end.min(self.history_start).max(start);
        sink.tally.old += unchecked_end - start;
        let from = unchecked_end;
        if from >= end {
            return;
        }
        let (same, differ) = {
            let mut same = 0u64;
            let mut differ = 0u64;
            let hist_from = (from - self.history_start) as usize;
            let ours = data.get((from - start) as usize..).unwrap_or_default();
            for (a, b) in ours.iter().zip(self.history.iter().skip(hist_from)) {
                if a == b {
                    same += 1;
                } else {
                    differ += 1;
                }
            }
            (same, differ)
        };
        sink.tally.retransmission += same;
        if differ > 0 {
            sink.tally.conflict += differ;
            sink.conflict(from, end - from, differ, None);
        }
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn insert_data(&mut self, start: u64, data: &[u8], pkt: PacketRef, sink: &mut Sink<'_>) {
        let end = start + data.len() as u64;
        let keys = self.overlapping(start, end);
        let mut pos = start;
        for k in keys {
            let Some(p_len) = self.buffer.get(&k).map(Piece::len) else {
                continue;
            };
            let p_end = k + p_len;
            if k > pos {
                self.put_data(
                    pos,
                    data.get((pos - start) as usize..(k - start) as usize)
                        .unwrap_or_default(),
                    pkt,
                );
                pos = k;
            }
            let o_start = pos.max(k);
            let o_end = end.min(p_end);
            if o_end <= o_start {
                continue;
            }
            let ours = data
                .get((o_start - start) as usize..(o_end - start) as usize)
                .unwrap_or_default();
            if let Some(Piece::Data(theirs, their_pkt)) = self.buffer.get(&k) {
                let theirs = theirs
                    .get((o_start - k) as usize..(o_end - k) as usize)
                    .unwrap_or_default();
                let differ = ours.iter().zip(theirs).filter(|(a, b)| a != b).count() as u64;
                let same = ours.len() as u64 - differ;
                sink.tally.retransmission += same;
                if differ > 0 {
                    sink.tally.conflict += differ;
                    sink.conflict(o_start, o_end - o_start, differ, Some(their_pkt.number));
                }
                // Counted as pending on entry, but not kept.
                sink.stats.pending_bytes =
                    sink.stats.pending_bytes.saturating_sub(ours.len() as u64);
            } else if let Some(Piece::NotCaptured(len, hole_pkt)) = self.buffer.remove(&k) {
                // Split the hole around the bytes we now have.
                let h_end = k + len;
                if o_start > k {
                    self.buffer
                        .insert(k, Piece::NotCaptured(o_start - k, hole_pkt));
                }
                if h_end > o_end {
                    self.buffer
                        .insert(o_end, Piece::NotCaptured(h_end - o_end, hole_pkt));
                }
                self.put_data(o_start, ours, pkt);
            }
            pos = o_end;
        }
        if pos < end {
            self.put_data(
                pos,
                data.get((pos - start) as usize..).unwrap_or_default(),
                pkt,
            );
        }
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn insert_not_captured(&mut self, start: u64, len: u64, pkt: PacketRef) {
        let end = start + len;
        let keys = self.overlapping(start, end);
        let mut pos = start;
        for k in keys {
            let Some(piece) = self.buffer.get(&k) else {
                continue;
            };
            let p_end = k + piece.len();
            if k > pos {
                self.buffer.insert(pos, Piece::NotCaptured(k - pos, pkt));
            }
            pos = pos.max(p_end);
        }
        if pos < end {
            self.buffer.insert(pos, Piece::NotCaptured(end - pos, pkt));
        }
    }

    fn put_data(&mut self, at: u64, data: &[u8], pkt: PacketRef) {
        if data.is_empty() {
            return;
        }
        self.buffered_bytes += data.len() as u64;
        self.buffer.insert(at, Piece::Data(data.to_vec(), pkt));
    }

    /// Keys of buffered pieces that overlap `[start, end)`, in order.
    fn overlapping(&self, start: u64, end: u64) -> Vec<u64> {
        let mut keys = Vec::new();
        if let Some((&k, p)) = self.buffer.range(..start).next_back() {
            if k + p.len() > start {
                keys.push(k);
            }
        }
        keys.extend(self.buffer.range(start..end).map(|(&k, _)| k));
        keys
    }
}
