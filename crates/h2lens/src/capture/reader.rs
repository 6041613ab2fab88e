//! The push/pull capture reader: buffers only the current incomplete
//! record or block, parses lazily in [`Reader::next_event`].

use std::collections::VecDeque;

use super::pcapng::{self, BLOCK_OVERHEAD, BYTE_ORDER_MAGIC, SHB_TYPE};
use super::{
    pcap, ByteOrder, CaptureEvent, CaptureFormat, CaptureStats, DecryptionSecrets, FileInfo,
    InterfaceInfo, LinkType, Packet, SecretsType, SectionInfo, SkippedBlock, TsResolution,
};
use crate::config::{limit_hint, CaptureLimits};
use crate::{Diagnostic, Layer, Octets, Span, Timestamp};

/// Reads a pcap or pcapng file pushed in chunks of any size.
///
/// ```
/// use h2lens::capture::{CaptureEvent, Reader};
/// let mut reader = Reader::new(&Default::default());
/// reader.push(&[0xd4, 0xc3, 0xb2, 0xa1]); // more bytes as they arrive…
/// reader.finish();
/// while let Some(event) = reader.next_event() {
///     if let CaptureEvent::Diagnostic(d) = &event {
///         eprintln!("{d}");
///     }
/// }
/// ```
///
/// Events do not depend on how the input was chunked. Memory: the bytes
/// pushed and not yet parsed; a parsed record's bytes are released on the
/// next push (the buffer is compacted when its consumed part is at least as
/// large as its live part, so compaction is amortised O(1) per byte).
#[derive(Debug)]
pub struct Reader {
    max_record: u32,
    max_interfaces: u32,
    buf: Vec<u8>,
    /// Read offset in `buf`.
    pos: usize,
    /// File offset of `buf[0]`.
    base: u64,
    input_done: bool,
    state: State,
    /// After an unrecoverable error: everything else is undecodable.
    stopped: bool,
    /// Bytes of an oversized block still to drop.
    discard: u64,
    /// Bytes the current unit needs in total (for the end-of-file message).
    need: u64,
    queue: VecDeque<CaptureEvent>,
    /// [`Reader::next_in_place`] is stepping: a packet may be handed out in place.
    in_place: bool,
    /// The packet [`Reader::next_in_place`] hands out in place.
    ready: Option<PacketMeta>,
    /// Last packet number handed out.
    packets: u64,
    stats: CaptureStats,
    ended: bool,
}

#[derive(Debug)]
enum State {
    Magic,
    Pcap(PcapState),
    Pcapng(NgState),
}

#[derive(Clone, Copy, Debug)]
struct PcapState {
    order: ByteOrder,
    resolution: TsResolution,
    link_type: LinkType,
}

#[derive(Debug)]
struct NgState {
    /// Byte order of the current section.
    order: ByteOrder,
    /// Section Header Blocks seen.
    sections: u32,
    interfaces: Vec<NgInterface>,
}

#[derive(Clone, Copy, Debug)]
struct NgInterface {
    link_type: LinkType,
    snaplen: u32,
    resolution: TsResolution,
    offset_secs: i64,
}

/// Where consumed bytes are counted.
#[derive(Clone, Copy, Debug)]
enum Account {
    Metadata,
    Skipped,
    Undecodable,
}

enum Step {
    Progress,
    NeedMore,
}

/// A packet's facts, its data still in the reader's buffer.
#[derive(Clone, Copy, Debug)]
struct PacketMeta {
    number: u64,
    interface: u32,
    link_type: LinkType,
    ts: Timestamp,
    captured_len: u32,
    original_len: u32,
    span: Span,
    /// File offset of the data (`captured_len` bytes).
    data_offset: u64,
}

impl PacketMeta {
    fn with_data(self, data: Octets) -> Packet {
        Packet {
            number: self.number,
            interface: self.interface,
            link_type: self.link_type,
            ts: self.ts,
            captured_len: self.captured_len,
            original_len: self.original_len,
            truncated: self.captured_len < self.original_len,
            data,
            span: self.span,
            data_offset: self.data_offset,
        }
    }
}

/// What [`Reader::next_in_place`] yields.
#[derive(Debug)]
pub enum Next<'a> {
    /// A packet, its data in place.
    Packet(PacketView<'a>),
    /// Anything else (and packets that follow a queued event).
    Event(CaptureEvent),
}

/// A [`Packet`] whose data is borrowed from the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketView<'a> {
    pub number: u64,
    pub interface: u32,
    pub link_type: LinkType,
    pub ts: Timestamp,
    pub captured_len: u32,
    pub original_len: u32,
    pub truncated: bool,
    pub data: &'a [u8],
    pub span: Span,
    pub data_offset: u64,
}

impl PacketView<'_> {
    pub fn to_packet(&self) -> Packet {
        Packet {
            number: self.number,
            interface: self.interface,
            link_type: self.link_type,
            ts: self.ts,
            captured_len: self.captured_len,
            original_len: self.original_len,
            truncated: self.truncated,
            data: Octets::copy_from(self.data),
            span: self.span,
            data_offset: self.data_offset,
        }
    }
}

impl Reader {
    pub fn new(limits: &CaptureLimits) -> Self {
        Reader {
            max_record: limits.max_record_size,
            max_interfaces: limits.max_interfaces,
            buf: Vec::new(),
            pos: 0,
            base: 0,
            input_done: false,
            state: State::Magic,
            stopped: false,
            discard: 0,
            need: 0,
            queue: VecDeque::new(),
            in_place: false,
            ready: None,
            packets: 0,
            stats: CaptureStats::default(),
            ended: false,
        }
    }

    /// Appends file bytes. Bytes pushed after [`Reader::finish`] are ignored.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.input_done || bytes.is_empty() {
            return;
        }
        if self.stopped {
            // Nothing more will be parsed: count without buffering.
            self.compact();
            self.base = self.base.saturating_add(bytes.len() as u64);
            self.count(Account::Undecodable, bytes.len());
            return;
        }
        self.compact();
        self.buf.extend_from_slice(bytes);
    }

    /// Marks the end of the file: an incomplete record is reported, then
    /// the final [`CaptureEvent::End`] follows the remaining events.
    pub fn finish(&mut self) {
        self.input_done = true;
    }

    pub fn next_event(&mut self) -> Option<CaptureEvent> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            if self.ended {
                return None;
            }
            if !self.stopped {
                if let Step::Progress = self.step() {
                    continue;
                }
            }
            if !self.input_done {
                return None;
            }
            self.end_of_input();
        }
    }

    /// As [`Reader::next_event`], but a packet comes as a view of the
    /// reader's buffer instead of a copy (the same events in the same
    /// order; the view lives until the next call).
    pub fn next_in_place(&mut self) -> Option<Next<'_>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(Next::Event(event));
            }
            if self.ended {
                return None;
            }
            if !self.stopped {
                self.in_place = true;
                let step = self.step();
                self.in_place = false;
                if let Some(meta) = self.ready.take() {
                    // Nothing is queued after a packet within one step.
                    return Some(Next::Packet(PacketView {
                        number: meta.number,
                        interface: meta.interface,
                        link_type: meta.link_type,
                        ts: meta.ts,
                        captured_len: meta.captured_len,
                        original_len: meta.original_len,
                        truncated: meta.captured_len < meta.original_len,
                        data: self.packet_data(&meta),
                        span: meta.span,
                        data_offset: meta.data_offset,
                    }));
                }
                if let Step::Progress = step {
                    continue;
                }
            }
            if !self.input_done {
                return None;
            }
            self.end_of_input();
        }
    }

    /// Counters so far (final once [`CaptureEvent::End`] was returned).
    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    /// The format, once the first bytes were parsed.
    pub fn format(&self) -> Option<CaptureFormat> {
        match self.state {
            State::Magic => None,
            State::Pcap(_) => Some(CaptureFormat::Pcap),
            State::Pcapng(_) => Some(CaptureFormat::Pcapng),
        }
    }

    // ---- buffer ----

    fn avail(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos as u64)
    }

    fn compact(&mut self) {
        if self.pos == 0 {
            return;
        }
        let live = self.buf.len().saturating_sub(self.pos);
        if live == 0 {
            self.buf.clear();
            // Do not keep a huge allocation from one big push around.
            if self.buf.capacity() > 4 << 20 {
                self.buf.shrink_to(1 << 20);
            }
        } else if self.pos >= live {
            self.buf.drain(..self.pos);
        } else {
            return;
        }
        self.base = self.base.saturating_add(self.pos as u64);
        self.pos = 0;
    }

    fn count(&mut self, account: Account, n: usize) {
        let n = n as u64;
        self.stats.bytes = self.stats.bytes.saturating_add(n);
        let counter = match account {
            Account::Metadata => &mut self.stats.metadata_bytes,
            Account::Skipped => &mut self.stats.skipped_bytes,
            Account::Undecodable => &mut self.stats.undecodable_bytes,
        };
        *counter = counter.saturating_add(n);
    }

    fn advance(&mut self, account: Account, n: usize) {
        let n = n.min(self.buf.len().saturating_sub(self.pos));
        self.pos += n;
        self.count(account, n);
    }

    /// Consumes a packet unit: `data_len` bytes of packet data, the rest
    /// metadata.
    fn advance_packet(&mut self, total: usize, data_len: usize) {
        let data_len = data_len.min(total);
        self.advance(Account::Metadata, total - data_len);
        let n = data_len.min(self.buf.len().saturating_sub(self.pos));
        self.pos += n;
        self.stats.bytes = self.stats.bytes.saturating_add(n as u64);
        self.stats.packet_data_bytes = self.stats.packet_data_bytes.saturating_add(n as u64);
    }

    // ---- events ----

    fn emit(&mut self, event: CaptureEvent) {
        self.queue.push_back(event);
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn diag(&mut self, diagnostic: Diagnostic) {
        self.stats.diagnostics += 1;
        self.queue.push_back(CaptureEvent::Diagnostic(diagnostic));
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn skipped(&mut self, block_type: u32, reason: String, span: Span) {
        self.stats.skipped_blocks += 1;
        self.emit(CaptureEvent::Skipped(SkippedBlock {
            block_type,
            name: pcapng::block_name(block_type),
            reason,
            span,
        }));
    }

    /// Unrecoverable: report, count the rest as undecodable, stop.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn stop(&mut self, diagnostic: Diagnostic) {
        self.diag(diagnostic);
        self.stopped = true;
        let rest = self.avail().len();
        self.advance(Account::Undecodable, rest);
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn end_of_input(&mut self) {
        let rest = self.avail().len();
        let at = self.offset();
        if self.discard > 0 {
            self.diag(
                Diagnostic::error(
                    Layer::Capture,
                    "capture.truncated_record",
                    format!(
                        "the file ends inside an oversized block that was being skipped; \
                         {} of its bytes are missing",
                        self.discard
                    ),
                )
                .at(at),
            );
        } else if rest > 0 {
            let (code, what) = match self.state {
                State::Magic => ("capture.truncated_header", "the file header"),
                State::Pcap(_) => ("capture.truncated_record", "a packet record"),
                State::Pcapng(_) => ("capture.truncated_record", "a block"),
            };
            self.diag(
                Diagnostic::error(
                    Layer::Capture,
                    code,
                    format!(
                        "the file ends in the middle of {what}: {rest} of its {} bytes are present",
                        self.need.max(rest as u64)
                    ),
                )
                .at(at),
            );
            self.advance(Account::Undecodable, rest);
        } else if matches!(self.state, State::Magic) && !self.stopped {
            self.diag(Diagnostic::error(
                Layer::Capture,
                "capture.empty_file",
                "the input is empty: no capture file header",
            ));
        }
        self.ended = true;
        let stats = self.stats.clone();
        self.emit(CaptureEvent::End(stats));
    }

    // ---- parsing ----

    fn step(&mut self) -> Step {
        if self.discard > 0 {
            let n = usize::try_from(self.discard)
                .unwrap_or(usize::MAX)
                .min(self.avail().len());
            if n == 0 {
                return Step::NeedMore;
            }
            self.advance(Account::Skipped, n);
            self.discard -= n as u64;
            return Step::Progress;
        }
        match &self.state {
            State::Magic => self.magic(),
            State::Pcap(p) => {
                let p = *p;
                self.pcap_record(p)
            }
            State::Pcapng(ng) => {
                let order = ng.order;
                self.pcapng_block(order)
            }
        }
    }

    fn needs(&mut self, n: usize) -> Step {
        self.need = n as u64;
        Step::NeedMore
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn magic(&mut self) -> Step {
        let at = self.offset();
        let Some(&magic) = self.avail().first_chunk::<4>() else {
            return self.needs(4);
        };
        if pcap::magic(magic).is_some() {
            let Some(header) = self
                .avail()
                .first_chunk::<{ pcap::FILE_HEADER_LEN }>()
                .and_then(pcap::file_header)
            else {
                return self.needs(pcap::FILE_HEADER_LEN);
            };
            let span = Span::new(at, at + pcap::FILE_HEADER_LEN as u64);
            self.emit(CaptureEvent::FileInfo(FileInfo {
                format: CaptureFormat::Pcap,
                byte_order: header.magic.order,
                version_major: header.version_major,
                version_minor: header.version_minor,
                ts_resolution: Some(header.magic.resolution),
                snaplen: Some(header.snaplen),
                span,
            }));
            if header.version_major != 2 {
                self.diag(
                    Diagnostic::warning(
                        Layer::Capture,
                        "capture.unusual_version",
                        format!(
                            "pcap version {}.{}; readers expect 2.4 (records are read as 2.4)",
                            header.version_major, header.version_minor
                        ),
                    )
                    .at(at + 4),
                );
            }
            self.stats.interfaces = 1;
            self.emit(CaptureEvent::Interface(InterfaceInfo {
                section: 0,
                id: 0,
                link_type: header.link_type,
                snaplen: header.snaplen,
                ts_resolution: header.magic.resolution,
                ts_offset_secs: 0,
                fcs_len: header.fcs_len,
                name: None,
                description: None,
                span,
            }));
            self.advance(Account::Metadata, pcap::FILE_HEADER_LEN);
            self.state = State::Pcap(PcapState {
                order: header.magic.order,
                resolution: header.magic.resolution,
                link_type: header.link_type,
            });
            Step::Progress
        } else if u32::from_le_bytes(magic) == SHB_TYPE {
            self.state = State::Pcapng(NgState {
                order: ByteOrder::LittleEndian,
                sections: 0,
                interfaces: Vec::new(),
            });
            Step::Progress
        } else {
            self.stop(
                Diagnostic::error(
                    Layer::Capture,
                    "capture.bad_magic",
                    format!(
                        "not a pcap or pcapng file: it starts with {} \
                         (pcap starts with a1b2c3d4 or a1b23c4d in either byte order, pcapng with 0a0d0d0a)",
                        crate::octets::to_hex(&magic)
                    ),
                )
                .at(at),
            );
            Step::Progress
        }
    }

    fn pcap_record(&mut self, p: PcapState) -> Step {
        let at = self.offset();
        let Some(head) = self.avail().first_chunk::<{ pcap::RECORD_HEADER_LEN }>() else {
            return self.needs(pcap::RECORD_HEADER_LEN);
        };
        let rh = pcap::record_header(p.order, head);
        if rh.captured_len > self.max_record {
            self.stop(
                Diagnostic::error(
                    Layer::Capture,
                    "capture.record_too_long",
                    format!(
                        "packet record {} claims {} captured bytes, more than the limit of {}; \
                         the file is most likely corrupt here, so reading stops{}",
                        self.packets + 1,
                        rh.captured_len,
                        self.max_record,
                        limit_hint("capture.max_record_size")
                    ),
                )
                .at(at + 8),
            );
            return Step::Progress;
        }
        let data_len = rh.captured_len as usize;
        let total = pcap::RECORD_HEADER_LEN.saturating_add(data_len);
        if self.avail().len() < total {
            return self.needs(total);
        }
        let mult: i64 = if p.resolution == TsResolution::NANOS {
            1
        } else {
            1_000
        };
        let ts = Timestamp(
            i64::from(rh.ts_secs)
                .saturating_mul(1_000_000_000)
                .saturating_add(i64::from(rh.ts_frac).saturating_mul(mult)),
        );
        self.packets += 1;
        let number = self.packets;
        if rh.captured_len > rh.original_len {
            self.diag(
                Diagnostic::warning(
                    Layer::Capture,
                    "capture.captured_longer_than_original",
                    format!(
                        "packet {number}: captured length {} is larger than the original length {}",
                        rh.captured_len, rh.original_len
                    ),
                )
                .at(at + 8),
            );
        }
        self.emit_packet(PacketMeta {
            number,
            interface: 0,
            link_type: p.link_type,
            ts,
            captured_len: rh.captured_len,
            original_len: rh.original_len,
            span: Span::new(at, at + total as u64),
            data_offset: at + pcap::RECORD_HEADER_LEN as u64,
        });
        self.advance_packet(total, data_len);
        Step::Progress
    }

    /// A packet whose data is in `buf` (see [`PacketMeta::data_offset`]):
    /// handed out in place by [`Reader::next_in_place`] when nothing is queued before
    /// it, else queued with a copy of its data.
    fn emit_packet(&mut self, packet: PacketMeta) {
        self.stats.packets += 1;
        if packet.captured_len < packet.original_len {
            self.stats.truncated_packets += 1;
        }
        if self.in_place && self.queue.is_empty() && self.ready.is_none() {
            self.ready = Some(packet);
        } else {
            let data = Octets::copy_from(self.packet_data(&packet));
            self.emit(CaptureEvent::Packet(packet.with_data(data)));
        }
    }

    /// The bytes of a packet parsed from `buf` (valid until the next push).
    fn packet_data(&self, packet: &PacketMeta) -> &[u8] {
        let start =
            usize::try_from(packet.data_offset.saturating_sub(self.base)).unwrap_or(usize::MAX);
        let end = start.saturating_add(packet.captured_len as usize);
        self.buf.get(start..end).unwrap_or_default()
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn pcapng_block(&mut self, section_order: ByteOrder) -> Step {
        let at = self.offset();
        let avail = self.avail();
        let Some(&type_bytes) = avail.first_chunk::<4>() else {
            return self.needs(BLOCK_OVERHEAD);
        };
        let is_shb = u32::from_le_bytes(type_bytes) == SHB_TYPE;
        let order = if is_shb {
            // §4.1: the byte-order magic tells this section's byte order.
            let Some(&bom) = avail.get(8..).and_then(|b| b.first_chunk::<4>()) else {
                return self.needs(BLOCK_OVERHEAD);
            };
            match u32::from_le_bytes(bom) {
                BYTE_ORDER_MAGIC => ByteOrder::LittleEndian,
                m if m == BYTE_ORDER_MAGIC.swap_bytes() => ByteOrder::BigEndian,
                _ => {
                    self.stop(
                        Diagnostic::error(
                            Layer::Capture,
                            "capture.bad_byte_order_magic",
                            format!(
                                "section header block has byte-order magic {}, not 1a2b3c4d \
                                 in either byte order; cannot read the section",
                                crate::octets::to_hex(&bom)
                            ),
                        )
                        .at(at + 8)
                        .rfc("draft-ietf-opsawg-pcapng §4.1"),
                    );
                    return Step::Progress;
                }
            }
        } else {
            section_order
        };
        let block_type = order.u32(type_bytes);
        let Some(len) = order.read_u32(avail, 4) else {
            return self.needs(BLOCK_OVERHEAD);
        };
        if (len as usize) < BLOCK_OVERHEAD || len % 4 != 0 {
            self.stop(
                Diagnostic::error(
                    Layer::Capture,
                    "capture.bad_block_length",
                    format!(
                        "{} block has length {len}; a block length is a multiple of 4 \
                         and at least 12, so the file cannot be followed from here",
                        pcapng::block_name(block_type)
                    ),
                )
                .at(at + 4)
                .rfc("draft-ietf-opsawg-pcapng §3.1"),
            );
            return Step::Progress;
        }
        let is_packet = matches!(
            block_type,
            pcapng::EPB_TYPE | pcapng::PB_TYPE | pcapng::SPB_TYPE
        );
        if len > self.max_record {
            let msg = format!(
                "{} block of {len} bytes is larger than the limit of {}{}",
                pcapng::block_name(block_type),
                self.max_record,
                limit_hint("capture.max_record_size")
            );
            if is_shb {
                self.stop(Diagnostic::error(Layer::Capture, "capture.block_too_long", msg).at(at));
                return Step::Progress;
            }
            let reason = if is_packet {
                self.packets += 1;
                format!("packet {} skipped: {msg}", self.packets)
            } else {
                msg.clone()
            };
            self.diag(Diagnostic::error(Layer::Capture, "capture.block_too_long", msg).at(at));
            self.skipped(block_type, reason, Span::new(at, at + u64::from(len)));
            self.discard = u64::from(len);
            return Step::Progress;
        }
        let len = len as usize;
        let Some(block) = avail.get(..len) else {
            return self.needs(len);
        };
        let trailer = order.read_u32(block, len - 4).unwrap_or(0);
        if trailer as usize != len {
            self.stop(
                Diagnostic::error(
                    Layer::Capture,
                    "capture.bad_block_length",
                    format!(
                        "{} block starts with length {len} but ends with length {trailer}; \
                         the file is corrupt here",
                        pcapng::block_name(block_type)
                    ),
                )
                .at(at + len as u64 - 4)
                .rfc("draft-ietf-opsawg-pcapng §3.1"),
            );
            return Step::Progress;
        }
        let body = block.get(8..len - 4).unwrap_or_default();
        // Copy the body out of the buffer borrow: blocks are bounded by the
        // limit, and packet data is copied into the event anyway.
        let span = Span::new(at, at + len as u64);
        match block_type {
            SHB_TYPE => {
                let body = body.to_vec();
                self.section_header(order, &body, span)
            }
            pcapng::IDB_TYPE => {
                let body = body.to_vec();
                self.interface_description(order, &body, span)
            }
            pcapng::EPB_TYPE | pcapng::PB_TYPE | pcapng::SPB_TYPE => {
                self.packet_block(order, block_type, span)
            }
            pcapng::DSB_TYPE => {
                let parsed = pcapng::decryption_secrets(order, body)
                    .map(|(t, data)| (t, Octets::from(data)));
                match parsed {
                    Ok((secrets_type, data)) => {
                        self.stats.secrets_blocks += 1;
                        let section = self.section_index();
                        self.emit(CaptureEvent::Secrets(DecryptionSecrets {
                            section,
                            secrets_type: SecretsType(secrets_type),
                            data,
                            span,
                        }));
                        self.advance(Account::Metadata, len);
                    }
                    Err(problem) => self.bad_block(block_type, problem, span),
                }
                Step::Progress
            }
            _ => {
                let name = pcapng::block_name(block_type);
                let reason = if pcapng::is_numbered_record(block_type) {
                    // Wireshark shows these blocks as frames: keep packet
                    // numbers equal to tshark's.
                    self.packets += 1;
                    format!(
                        "{name} block (type 0x{block_type:08x}) is not network traffic; tshark shows it as frame {}",
                        self.packets
                    )
                } else {
                    format!(
                        "{name} block (type 0x{block_type:08x}) is not needed to decode traffic"
                    )
                };
                self.skipped(block_type, reason, span);
                self.advance(Account::Skipped, len);
                Step::Progress
            }
        }
    }

    fn section_index(&self) -> u32 {
        match &self.state {
            State::Pcapng(ng) => ng.sections.saturating_sub(1),
            _ => 0,
        }
    }

    /// A block whose content is malformed but whose framing is sound:
    /// report it and skip it.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn bad_block(&mut self, block_type: u32, problem: String, span: Span) {
        let name = pcapng::block_name(block_type);
        self.diag(
            Diagnostic::error(
                Layer::Capture,
                "capture.bad_block",
                format!("malformed {name} block: {problem}"),
            )
            .at(span.start),
        );
        self.skipped(block_type, problem, span);
        self.advance(Account::Skipped, span.len() as usize);
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn section_header(&mut self, order: ByteOrder, body: &[u8], span: Span) -> Step {
        let shb = match pcapng::section_header(order, body) {
            Ok(shb) => shb,
            Err(problem) => {
                self.stop(
                    Diagnostic::error(
                        Layer::Capture,
                        "capture.bad_block",
                        format!("malformed section header block: {problem}"),
                    )
                    .at(span.start),
                );
                return Step::Progress;
            }
        };
        if shb.version_major != 1 {
            self.stop(
                Diagnostic::error(
                    Layer::Capture,
                    "capture.unsupported_version",
                    format!(
                        "pcapng section version {}.{}; only major version 1 is defined",
                        shb.version_major, shb.version_minor
                    ),
                )
                .at(span.start + 12)
                .rfc("draft-ietf-opsawg-pcapng §4.1"),
            );
            return Step::Progress;
        }
        let State::Pcapng(ng) = &mut self.state else {
            return Step::Progress;
        };
        let index = ng.sections;
        ng.sections = ng.sections.saturating_add(1);
        ng.order = order;
        ng.interfaces.clear();
        self.stats.sections = self.stats.sections.saturating_add(1);
        if index == 0 {
            self.emit(CaptureEvent::FileInfo(FileInfo {
                format: CaptureFormat::Pcapng,
                byte_order: order,
                version_major: shb.version_major,
                version_minor: shb.version_minor,
                ts_resolution: None,
                snaplen: None,
                span,
            }));
        }
        self.emit(CaptureEvent::Section(SectionInfo {
            index,
            byte_order: order,
            version_major: shb.version_major,
            version_minor: shb.version_minor,
            section_length: u64::try_from(shb.section_length).ok(),
            span,
        }));
        self.advance(Account::Metadata, span.len() as usize);
        Step::Progress
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    fn interface_description(&mut self, order: ByteOrder, body: &[u8], span: Span) -> Step {
        let idb = match pcapng::interface_description(order, body) {
            Ok(idb) => idb,
            Err(problem) => {
                // Keep interface numbering aligned: later packets on this
                // id are reported as using an unusable interface.
                self.bad_block(pcapng::IDB_TYPE, problem, span);
                return Step::Progress;
            }
        };
        for problem in &idb.problems {
            self.diag(
                Diagnostic::warning(
                    Layer::Capture,
                    "capture.bad_option",
                    format!("interface description block: {problem}"),
                )
                .at(span.start),
            );
        }
        let mut resolution = idb
            .if_tsresol
            .map(TsResolution::from_if_tsresol)
            .unwrap_or(TsResolution::MICROS);
        if resolution.units_per_second().is_none() {
            self.diag(
                Diagnostic::warning(
                    Layer::Capture,
                    "capture.bad_tsresol",
                    format!(
                        "if_tsresol {}^-{} does not fit 64-bit timestamps; using microseconds",
                        resolution.base, resolution.exponent
                    ),
                )
                .at(span.start)
                .rfc("draft-ietf-opsawg-pcapng §4.2"),
            );
            resolution = TsResolution::MICROS;
        }
        let section = self.section_index();
        let max = self.max_interfaces as usize;
        let known = match &self.state {
            State::Pcapng(ng) => ng.interfaces.len(),
            _ => return Step::Progress,
        };
        if known >= max {
            self.diag(
                Diagnostic::error(
                    Layer::Capture,
                    "capture.too_many_interfaces",
                    format!(
                        "more than {max} interfaces in one section{}",
                        limit_hint("capture.max_interfaces")
                    ),
                )
                .at(span.start),
            );
            self.skipped(pcapng::IDB_TYPE, "interface limit reached".into(), span);
            self.advance(Account::Skipped, span.len() as usize);
            return Step::Progress;
        }
        let State::Pcapng(ng) = &mut self.state else {
            return Step::Progress;
        };
        let id = ng.interfaces.len() as u32;
        ng.interfaces.push(NgInterface {
            link_type: idb.link_type,
            snaplen: idb.snaplen,
            resolution,
            offset_secs: idb.if_tsoffset.unwrap_or(0),
        });
        self.stats.interfaces = self.stats.interfaces.saturating_add(1);
        self.emit(CaptureEvent::Interface(InterfaceInfo {
            section,
            id,
            link_type: idb.link_type,
            snaplen: idb.snaplen,
            ts_resolution: resolution,
            ts_offset_secs: idb.if_tsoffset.unwrap_or(0),
            fcs_len: idb.if_fcslen,
            name: idb.name,
            description: idb.description,
            span,
        }));
        self.advance(Account::Metadata, span.len() as usize);
        Step::Progress
    }

    fn packet_block(&mut self, order: ByteOrder, block_type: u32, span: Span) -> Step {
        let len = span.len() as usize;
        // Packet blocks always take a number, even when unusable, so that
        // numbers stay equal to tshark's frame numbers.
        self.packets += 1;
        let number = self.packets;
        let parsed = {
            let State::Pcapng(ng) = &self.state else {
                return Step::Progress;
            };
            let snaplen0 = ng.interfaces.first().map_or(0, |i| i.snaplen);
            let block = self
                .buf
                .get(self.pos..self.pos.saturating_add(len))
                .unwrap_or_default();
            let body = block.get(8..len.saturating_sub(4)).unwrap_or_default();
            let parsed = match block_type {
                pcapng::EPB_TYPE => pcapng::enhanced_packet(order, body),
                pcapng::PB_TYPE => pcapng::obsolete_packet(order, body),
                _ => pcapng::simple_packet(order, body, snaplen0),
            };
            parsed.map(|pb| {
                let iface = ng.interfaces.get(pb.interface as usize).copied();
                (
                    pb.interface,
                    iface,
                    ng.interfaces.len(),
                    pb.ts_units,
                    pb.original_len,
                    pb.data.len(),
                    pb.data_at,
                )
            })
        };
        let (interface, iface, known, ts_units, original_len, data_len, data_at) = match parsed {
            Ok(p) => p,
            Err(problem) => {
                self.bad_block(block_type, format!("packet {number}: {problem}"), span);
                return Step::Progress;
            }
        };
        let Some(iface) = iface else {
            let msg = format!(
                "packet {number} refers to interface {interface} but the section describes {known}"
            );
            self.diag(
                Diagnostic::error(Layer::Capture, "capture.unknown_interface", msg.clone())
                    .at(span.start + 8)
                    .rfc("draft-ietf-opsawg-pcapng §4.3"),
            );
            self.skipped(block_type, msg, span);
            self.advance(Account::Skipped, len);
            return Step::Progress;
        };
        let ts = match ts_units {
            Some(units) => iface
                .resolution
                .timestamp(units, iface.offset_secs)
                .unwrap_or_default(),
            None => Timestamp::default(),
        };
        let captured_len = data_len as u32;
        let data_offset = span.start + 8 + data_at as u64;
        if captured_len > original_len && block_type != pcapng::SPB_TYPE {
            self.diag(
                Diagnostic::warning(
                    Layer::Capture,
                    "capture.captured_longer_than_original",
                    format!(
                        "packet {number}: captured length {captured_len} is larger than the original length {original_len}"
                    ),
                )
                .at(span.start),
            );
        }
        self.emit_packet(PacketMeta {
            number,
            interface,
            link_type: iface.link_type,
            ts,
            captured_len,
            original_len,
            span,
            data_offset,
        });
        self.advance_packet(len, captured_len as usize);
        Step::Progress
    }
}
