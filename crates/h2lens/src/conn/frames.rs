//! Handling each frame: streams, flow control (RFC 9113 §6.9), settings
//! (§6.5), PING round trips.

use super::*;
use crate::frame::{FrameError, GoAway};

impl Core {
    pub(super) fn handle_frame(&mut self, dir: Direction, raw: RawFrame<'_>) {
        let header = raw.header;
        let span = Span::new(raw.offset, raw.end());
        let input = &mut self.inputs[dir];
        let index = input.frame_index;
        input.frame_index += 1;
        input.stats.frames += 1;
        // A frame skipped for its size: its header is decoded, its payload
        // is counted as skipped (below).
        let decoded = if raw.skipped {
            FRAME_HEADER_LEN as u64
        } else {
            span.len()
        };
        input.stats.frame_bytes = input.stats.frame_bytes.saturating_add(decoded);
        let first = input.marks.at(span.start);
        let origin = input.marks.at(span.end.saturating_sub(1));

        // §4.3, §6.10: a header block must be continued before anything else.
        let block_open = input.block.as_ref().map(|b| b.stream_id);
        if let Some(block_stream) = block_open {
            if header.kind != FrameType::CONTINUATION || header.stream_id != block_stream {
                self.block_interrupted(dir, block_stream, index, &header, span, origin);
            }
        }

        let parsed = if raw.skipped {
            None
        } else {
            match Frame::parse(&header, raw.payload) {
                Ok(frame) => Some(frame),
                Err(err) => {
                    return self.unparsable_frame(dir, index, span, first, origin, &raw, err);
                }
            }
        };

        // Data payload to attach, before `raw` goes out of scope.
        let data_payload = match (&parsed, self.cfg.output.data_payloads) {
            (Some(Frame::Data(data)), DataPayloads::All) => {
                Some(Octets::from(frame::slice(raw.payload, data.data)))
            }
            (Some(Frame::Data(data)), DataPayloads::Grpc)
                if self.streams.get(&header.stream_id).is_some_and(|s| s.grpc) =>
            {
                Some(Octets::from(frame::slice(raw.payload, data.data)))
            }
            _ => None,
        };
        let fragment = match &parsed {
            Some(Frame::Headers(h)) => Some((frame::slice(raw.payload, h.fragment), h.fragment)),
            Some(Frame::PushPromise(p)) => {
                Some((frame::slice(raw.payload, p.fragment), p.fragment))
            }
            Some(Frame::Continuation(c)) => {
                Some((frame::slice(raw.payload, c.fragment), c.fragment))
            }
            _ => None,
        };
        let fragment = fragment.map(|(bytes, s)| {
            let base = span.start + FRAME_HEADER_LEN as u64;
            (bytes, s.offset_by(base))
        });
        self.push_frame_event(
            dir,
            index,
            header,
            parsed.clone(),
            span,
            first,
            origin,
            &raw,
        );
        if let Some(ConnEvent::Frame(f)) = self.events.back_mut() {
            f.data = data_payload;
        }

        // §4.2: frames larger than the receiver's SETTINGS_MAX_FRAME_SIZE.
        let max = self.settings[dir.reverse()].max_frame_size;
        if header.length > max {
            self.frame_too_large(dir, &header, index, span, origin, max);
        }
        if raw.skipped {
            return self.frame_over_buffer(dir, &header, index, span, origin);
        }
        let Some(frame) = parsed else {
            return;
        };
        let unanswered_reset = dir == Direction::ClientToServer
            && matches!(frame, Frame::RstStream(_))
            && self
                .streams
                .get(&header.stream_id)
                .is_some_and(|s| s.exchange.status.is_none());
        if let Some(flood) = self.floods[dir].frame(
            &header,
            &frame,
            unanswered_reset,
            origin.ts,
            &self.cfg.flood,
        ) {
            self.frame_diag(dir, &header, index, span, origin, flood);
        }
        match frame {
            Frame::Data(data) => self.on_data(dir, index, &header, data.data.len(), origin),
            Frame::Headers(h) => {
                if let Some((bytes, fragment)) = fragment {
                    self.open_block(
                        dir,
                        PendingBlock::new(
                            header.stream_id,
                            BlockKind::Headers,
                            None,
                            header.has(Flags::END_STREAM),
                            h.pad_length.is_some(),
                            h.priority,
                        ),
                        bytes,
                        fragment,
                        index,
                        origin,
                        header.has(Flags::END_HEADERS),
                    );
                }
            }
            Frame::PushPromise(p) => {
                if let Some((bytes, fragment)) = fragment {
                    self.open_block(
                        dir,
                        PendingBlock::new(
                            header.stream_id,
                            BlockKind::PushPromise,
                            Some(p.promised_stream_id),
                            false,
                            p.pad_length.is_some(),
                            None,
                        ),
                        bytes,
                        fragment,
                        index,
                        origin,
                        header.has(Flags::END_HEADERS),
                    );
                }
            }
            Frame::Continuation(_) => {
                if let Some((bytes, fragment)) = fragment {
                    self.on_continuation(dir, index, &header, bytes, fragment, origin);
                }
            }
            Frame::RstStream(rst) => self.on_rst(dir, &header, rst.error_code, origin),
            Frame::Settings(s) => {
                if s.ack {
                    self.on_settings_ack(dir, origin);
                } else {
                    self.pending_settings[dir].push_back(s.settings);
                }
            }
            Frame::Ping(ping) => self.on_ping(dir, ping.ack, ping.opaque_data, origin),
            Frame::GoAway(g) => self.on_goaway(dir, index, &g, origin),
            Frame::WindowUpdate(w) => self.on_window_update(dir, &header, w.increment, origin),
            Frame::Priority(_)
            | Frame::AltSvc(_)
            | Frame::Origin(_)
            | Frame::PriorityUpdate(_)
            | Frame::Unknown(_) => {}
        }
    }

    /// §4.3, §6.10: a frame other than the CONTINUATION of the open header
    /// block; the block ends unfinished.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn block_interrupted(
        &mut self,
        dir: Direction,
        block_stream: u32,
        index: u64,
        header: &FrameHeader,
        span: Span,
        origin: Origin,
    ) {
        let message = format!(
            "{} frame on stream {} arrived while the header block of stream {block_stream} awaited CONTINUATION",
            header.kind, header.stream_id
        );
        self.diag_full(
            Some(dir),
            Some(block_stream),
            Some(index),
            None,
            origin,
            Diagnostic::error(Layer::Frame, "frame.header_block_interleaved", message)
                .rfc("RFC 9113 §6.10")
                .at(span.start),
        );
        self.finish_block(dir, false, origin);
    }

    /// A frame whose payload does not parse: its event (without a parsed
    /// frame) and the parse error.
    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn unparsable_frame(
        &mut self,
        dir: Direction,
        index: u64,
        span: Span,
        first: Origin,
        origin: Origin,
        raw: &RawFrame<'_>,
        err: FrameError,
    ) {
        let header = raw.header;
        self.push_frame_event(dir, index, header, None, span, first, origin, raw);
        let name = header.kind.to_string();
        self.frame_diag(dir, &header, index, span, origin, err.to_diagnostic(&name));
        if header.kind.carries_header_block() {
            // The block's bytes are unreadable: HPACK state is now unknown.
            self.hpack[dir].mark_gap();
        }
    }

    /// §4.2: a frame larger than the receiver's SETTINGS_MAX_FRAME_SIZE.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn frame_too_large(
        &mut self,
        dir: Direction,
        header: &FrameHeader,
        index: u64,
        span: Span,
        origin: Origin,
        max: u32,
    ) {
        let message = format!(
            "{} frame of {} bytes exceeds the receiver's SETTINGS_MAX_FRAME_SIZE of {max}",
            header.kind, header.length
        );
        let d = Diagnostic::error(Layer::Frame, "frame.too_large", message).rfc("RFC 9113 §4.2");
        self.frame_diag(dir, header, index, span, origin, d);
    }

    /// A frame larger than h2lens buffers: its payload is skipped.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn frame_over_buffer(
        &mut self,
        dir: Direction,
        header: &FrameHeader,
        index: u64,
        span: Span,
        origin: Origin,
    ) {
        let message = format!(
            "{} frame of {} bytes is larger than h2lens buffers; its payload is skipped{}",
            header.kind,
            header.length,
            crate::config::limit_hint("frame.max_frame_size")
        );
        let d = Diagnostic::warning(Layer::Frame, "frame.over_buffer_limit", message);
        self.frame_diag(dir, header, index, span, origin, d);
        self.skip(
            dir,
            Span::new(span.start + FRAME_HEADER_LEN as u64, span.end),
            SkipReason::FrameTooLarge,
            origin,
        );
        if header.kind.carries_header_block() {
            self.hpack[dir].mark_gap();
        }
    }

    /// §6.8: GOAWAY, reported as a diagnostic (a warning unless NO_ERROR).
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn on_goaway(&mut self, dir: Direction, index: u64, g: &GoAway, origin: Origin) {
        self.goaway[dir] = Some(g.last_stream_id);
        let mut message = format!(
            "{} sent GOAWAY {} (last stream {})",
            side_name(dir),
            g.error_code,
            g.last_stream_id
        );
        if !g.debug_data.is_empty() {
            message.push_str(&format!(": {}", g.debug_data.display()));
        }
        let diagnostic = if g.error_code == ErrorCode::NO_ERROR {
            Diagnostic::info(Layer::Frame, "frame.goaway", message)
        } else {
            Diagnostic::warning(Layer::Frame, "frame.goaway_error", message)
        };
        self.diag_full(
            Some(dir),
            None,
            Some(index),
            None,
            origin,
            diagnostic.rfc("RFC 9113 §6.8"),
        );
    }

    /// A diagnostic about the frame `index` of `dir` at `span`, on its
    /// stream (none for stream 0).
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn frame_diag(
        &mut self,
        dir: Direction,
        header: &FrameHeader,
        index: u64,
        span: Span,
        origin: Origin,
        d: Diagnostic,
    ) {
        let stream = (header.stream_id != 0).then_some(header.stream_id);
        self.diag_full(
            Some(dir),
            stream,
            Some(index),
            None,
            origin,
            d.at(span.start),
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_frame_event(
        &mut self,
        dir: Direction,
        index: u64,
        header: FrameHeader,
        frame: Option<Frame>,
        span: Span,
        first: Origin,
        origin: Origin,
        raw: &RawFrame<'_>,
    ) {
        if !self.cfg.output.frame_events {
            match self
                .frame_counts
                .iter_mut()
                .find(|(k, _)| *k == header.kind)
            {
                Some((_, n)) => *n += 1,
                None => self.frame_counts.push((header.kind, 1)),
            }
            return;
        }
        let bytes = match self.cfg.output.frame_bytes {
            0 => None,
            limit => {
                let mut v = Vec::with_capacity(FRAME_HEADER_LEN + raw.payload.len());
                v.extend_from_slice(&header.encode());
                let keep = raw.payload.len().min(limit as usize);
                v.extend_from_slice(raw.payload.get(..keep).unwrap_or(&[]));
                Some(HexBytes(v))
            }
        };
        self.emit(ConnEvent::Frame(Box::new(FrameEvent {
            dir,
            index,
            header,
            frame,
            span,
            packet: origin.packet,
            first_packet: first.packet,
            ts: origin.ts,
            bytes,
            data: None,
        })));
    }

    pub(super) fn on_data(
        &mut self,
        dir: Direction,
        index: u64,
        header: &FrameHeader,
        data_len: u64,
        origin: Origin,
    ) {
        let id = header.stream_id;
        // The whole payload, padding included, is flow-controlled (§6.9.1).
        let flow_len = i64::from(header.length);
        // Connection-level flow control applies even to unknown streams.
        if self.flow_known {
            let window = &mut self.conn_window[dir];
            *window -= flow_len;
            let now = *window;
            if now < 0 {
                self.diag_full(
                    Some(dir),
                    Some(id),
                    Some(index),
                    None,
                    origin,
                    Diagnostic::error(
                        Layer::FlowControl,
                        "flow.connection_window_exceeded",
                        format!(
                            "{} sent {} bytes beyond the connection flow-control window",
                            side_name(dir),
                            -now
                        ),
                    )
                    .rfc("RFC 9113 §6.9.1"),
                );
            }
            if now <= 0 && !self.conn_stalled[dir] {
                self.conn_stalled[dir] = true;
                self.emit(ConnEvent::Stalled(Stalled {
                    dir,
                    stream_id: 0,
                    origin,
                }));
            }
        }
        if !self.stream_for_frame(dir, id, FrameType::DATA, origin) {
            return;
        }
        let flow_known = self.flow_known;
        let Some(stream) = self.streams.get_mut(&id) else {
            return;
        };
        if stream.ended[dir] {
            let message = format!("DATA on stream {id} after {} ended it", side_name(dir));
            self.diag_full(
                Some(dir),
                Some(id),
                Some(index),
                None,
                origin,
                Diagnostic::error(Layer::Stream, "stream.closed", message).rfc("RFC 9113 §5.1"),
            );
            return;
        }
        match dir {
            Direction::ClientToServer => {
                stream.exchange.request_bytes += data_len;
                stream.exchange.request_data_frames += 1;
            }
            Direction::ServerToClient => {
                stream.exchange.response_bytes += data_len;
                stream.exchange.response_data_frames += 1;
            }
        }
        let mut exceeded = None;
        let mut stalled = false;
        if flow_known {
            let window = &mut stream.window[dir];
            *window -= flow_len;
            if *window < 0 {
                exceeded = Some(-*window);
            }
            if *window <= 0 && !stream.stalled[dir] {
                stream.stalled[dir] = true;
                stalled = true;
            }
        }
        if let Some(over) = exceeded {
            self.diag_full(
                Some(dir),
                Some(id),
                Some(index),
                None,
                origin,
                Diagnostic::error(
                    Layer::FlowControl,
                    "flow.stream_window_exceeded",
                    format!(
                        "{} sent {over} bytes beyond stream {id}'s flow-control window",
                        side_name(dir)
                    ),
                )
                .rfc("RFC 9113 §6.9.1"),
            );
        }
        if stalled {
            self.emit(ConnEvent::Stalled(Stalled {
                dir,
                stream_id: id,
                origin,
            }));
        }
        if header.has(Flags::END_STREAM) {
            self.end_stream(dir, id, origin);
        }
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(super) fn on_rst(
        &mut self,
        dir: Direction,
        header: &FrameHeader,
        code: ErrorCode,
        origin: Origin,
    ) {
        let id = header.stream_id;
        if !self.stream_for_frame(dir, id, FrameType::RST_STREAM, origin) {
            return;
        }
        if let Some(stream) = self.streams.get_mut(&id) {
            stream.exchange.reset = Some(Reset {
                error_code: code,
                by: dir,
                origin,
            });
        }
        self.close_stream(id, ExchangeState::Reset, origin.ts);
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(super) fn on_window_update(
        &mut self,
        dir: Direction,
        header: &FrameHeader,
        increment: u32,
        origin: Origin,
    ) {
        // WINDOW_UPDATE comes from a receiver granting its peer room.
        let sender = dir.reverse();
        let inc = i64::from(increment);
        let id = header.stream_id;
        if id != 0 && !self.stream_for_frame(dir, id, FrameType::WINDOW_UPDATE, origin) {
            return;
        }
        if !self.flow_known {
            return;
        }
        let now = if id == 0 {
            let window = &mut self.conn_window[sender];
            *window += inc;
            if *window > 0 {
                self.conn_stalled[sender] = false;
            }
            *window
        } else {
            let Some(stream) = self.streams.get_mut(&id) else {
                return;
            };
            let window = &mut stream.window[sender];
            *window += inc;
            if *window > 0 {
                stream.stalled[sender] = false;
            }
            *window
        };
        if now > MAX_WINDOW {
            let what = if id == 0 {
                "connection window".to_string()
            } else {
                format!("stream {id} window")
            };
            self.diag(
                Some(dir),
                (id != 0).then_some(id),
                origin,
                Diagnostic::error(
                    Layer::FlowControl,
                    "flow.window_overflow",
                    format!("{what} raised to {now}, above 2^31-1"),
                )
                .rfc("RFC 9113 §6.9.1"),
            );
        }
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(super) fn on_settings_ack(&mut self, dir: Direction, origin: Origin) {
        // An ACK from `dir` acknowledges the oldest SETTINGS its peer sent.
        let sender = dir.reverse();
        match self.pending_settings[sender].pop_front() {
            Some(settings) => self.apply_settings(sender, settings, false, origin),
            None if self.start == ConnStart::Beginning && self.flow_known => self.diag(
                Some(dir),
                None,
                origin,
                Diagnostic::warning(
                    Layer::Frame,
                    "frame.unexpected_settings_ack",
                    "SETTINGS ACK without an outstanding SETTINGS to acknowledge",
                )
                .rfc("RFC 9113 §6.5.3"),
            ),
            None => {}
        }
    }

    /// Settings `sender` announced now govern what its peer sends.
    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(super) fn apply_settings(
        &mut self,
        sender: Direction,
        settings: Vec<Setting>,
        implicit: bool,
        origin: Origin,
    ) {
        let peer = sender.reverse();
        let current = &mut self.settings[sender];
        let old_window = i64::from(current.initial_window_size);
        current.apply(&settings);
        let new_window = i64::from(current.initial_window_size);
        let table = current.header_table_size;
        // HEADER_TABLE_SIZE bounds the decoder of what the peer sends (§6.5.2).
        if settings
            .iter()
            .any(|x| x.id == frame::SettingId::HEADER_TABLE_SIZE)
        {
            let limit = self.cfg.hpack.max_table_size;
            self.hpack[peer].set_settings_table_size(table.min(limit));
            if table > limit {
                self.diag(
                    Some(sender),
                    None,
                    origin,
                    Diagnostic::warning(
                        Layer::Hpack,
                        "hpack.table_size_capped",
                        format!(
                            "SETTINGS_HEADER_TABLE_SIZE {table} is above h2lens's limit of {limit}; decoding with the limit{}",
                            crate::config::limit_hint("hpack.max_table_size")
                        ),
                    ),
                );
            }
        }
        // §6.9.2: a new initial window size shifts every stream window.
        let delta = new_window - old_window;
        if delta != 0 {
            for stream in self.streams.values_mut() {
                stream.window[peer] += delta;
            }
        }
        self.emit(ConnEvent::Settings(SettingsEvent {
            sender,
            settings,
            implicit,
            origin,
        }));
    }

    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(super) fn on_ping(&mut self, dir: Direction, ack: bool, data: [u8; 8], origin: Origin) {
        if !ack {
            let pings = &mut self.pings[dir];
            if pings.len() >= 64 {
                pings.pop_front();
            }
            pings.push_back((data, origin));
            return;
        }
        // An ACK answers a PING the other side sent.
        let pings = &mut self.pings[dir.reverse()];
        let Some(pos) = pings.iter().position(|(p, _)| *p == data) else {
            return;
        };
        if let Some((_, sent)) = pings.remove(pos) {
            self.emit(ConnEvent::PingRtt(PingRtt {
                dir: dir.reverse(),
                rtt_nanos: origin.ts.nanos_since(sent.ts),
                ping_packet: sent.packet,
                origin,
            }));
        }
    }
}
