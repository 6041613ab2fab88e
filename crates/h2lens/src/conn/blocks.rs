//! Header blocks: HEADERS / PUSH_PROMISE plus CONTINUATION frames, decoded
//! and placed in their exchange (RFC 9113 §4.3, §6.10, §8.1).

use super::fields::FieldView;
use super::rules::header_rule_findings;
use super::*;
use crate::config::HeaderFields;

impl Core {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn open_block(
        &mut self,
        dir: Direction,
        mut block: PendingBlock,
        bytes: &[u8],
        fragment: Span,
        index: u64,
        origin: Origin,
        end_headers: bool,
    ) {
        block.frames.push(index);
        block.packets.push(origin.packet);
        block.fragments.push(fragment);
        let max_size = self.cfg.frame.max_header_block_size as usize;
        if end_headers && bytes.len() <= max_size {
            // The whole block is in this frame: decode it where it lies,
            // without parking it in `inputs` (in WebAssembly each move of
            // the block is a `memory.copy`, a call out of the module).
            self.decode_block(dir, block, true, origin, Some(bytes));
            return;
        }
        block.bytes.extend_from_slice(bytes);
        self.inputs[dir].block = Some(block);
        self.check_block_limits(dir, origin);
        if end_headers {
            self.finish_block(dir, true, origin);
        }
    }

    pub(super) fn on_continuation(
        &mut self,
        dir: Direction,
        index: u64,
        header: &FrameHeader,
        bytes: &[u8],
        fragment: Span,
        origin: Origin,
    ) {
        let Some(block) = self.inputs[dir].block.as_mut() else {
            let message = format!(
                "CONTINUATION on stream {} without a HEADERS or PUSH_PROMISE to continue",
                header.stream_id
            );
            self.diag_full(
                Some(dir),
                Some(header.stream_id),
                Some(index),
                None,
                origin,
                Diagnostic::error(Layer::Frame, "frame.orphan_continuation", message)
                    .rfc("RFC 9113 §6.10"),
            );
            return;
        };
        block.continuation_frames = block.continuation_frames.saturating_add(1);
        block.frames.push(index);
        block.packets.push(origin.packet);
        block.fragments.push(fragment);
        if !block.over_limit {
            block.bytes.extend_from_slice(bytes);
        }
        self.check_block_limits(dir, origin);
        if header.has(Flags::END_HEADERS) {
            self.finish_block(dir, true, origin);
        }
    }

    /// Cuts a block that passes the CONTINUATION count or size limit.
    pub(super) fn check_block_limits(&mut self, dir: Direction, origin: Origin) {
        let max_cont = self.cfg.frame.max_continuation_frames;
        let max_size = self.cfg.frame.max_header_block_size as usize;
        let Some(block) = self.inputs[dir].block.as_mut() else {
            return;
        };
        if block.over_limit {
            return;
        }
        let reason = if block.continuation_frames > max_cont {
            format!(
                "header block on stream {} has more than {max_cont} CONTINUATION frames (a CONTINUATION flood, CVE-2024-27316 / CVE-2023-45288); the rest is not decoded{}",
                block.stream_id,
                crate::config::limit_hint("frame.max_continuation_frames")
            )
        } else if block.bytes.len() > max_size {
            format!(
                "header block on stream {} exceeds {max_size} bytes; the rest is not decoded{}",
                block.stream_id,
                crate::config::limit_hint("frame.max_header_block_size")
            )
        } else {
            return;
        };
        block.over_limit = true;
        block.bytes = Vec::new();
        let stream = block.stream_id;
        self.diag(
            Some(dir),
            Some(stream),
            origin,
            Diagnostic::error(Layer::Frame, "frame.header_block_limit", reason),
        );
    }

    /// Decodes a finished (or cut) block and places it in its exchange.
    pub(super) fn finish_block(&mut self, dir: Direction, end_headers: bool, origin: Origin) {
        if let Some(block) = self.inputs[dir].block.take() {
            self.decode_block(dir, block, end_headers, origin, None);
        }
    }

    /// As [`Core::finish_block`], for a block taken out of `inputs` or
    /// never put there; `direct` holds the block's bytes when they were not
    /// copied into the pending block (a block in one frame).
    fn decode_block(
        &mut self,
        dir: Direction,
        block: PendingBlock,
        end_headers: bool,
        origin: Origin,
        direct: Option<&[u8]>,
    ) {
        let id = self.next_block_id;
        self.next_block_id += 1;
        self.inputs[dir].stats.header_blocks += 1;
        let bytes: &[u8] = direct.unwrap_or(&block.bytes);
        // Count mode keeps names and values in a reused buffer instead of
        // listing them (taken out of `self` while `self` is borrowed below);
        // without block events nothing would read the list either.
        let output = &self.cfg.output;
        let count_only = output.header_fields == HeaderFields::Count || !output.block_events;
        let mut plain = std::mem::take(&mut self.plain);
        plain.clear();
        let mut hb = if block.over_limit {
            self.skip_block_over_limit(dir)
        } else if count_only {
            self.hpack[dir].decode_each(bytes, |name, value, unknown| {
                plain.push(name, value, unknown)
            })
        } else {
            self.hpack[dir].decode(bytes)
        };
        if !self.cfg.output.table_events {
            hb.table_events.clear();
        }
        let first_packet = block.packets.first().copied().unwrap_or(origin.packet);
        let role = if count_only {
            self.place_block(dir, &block, &hb, &plain, id, first_packet, origin)
        } else {
            let listed = std::mem::take(&mut hb.fields);
            let role = self.place_block(
                dir,
                &block,
                &hb,
                listed.as_slice(),
                id,
                first_packet,
                origin,
            );
            hb.fields = listed;
            role
        };
        let complete = hb.error.is_none() && matches!(hb.table_state, TableState::Synced);
        let fields_check = if count_only {
            header_rule_findings(role, &plain, complete)
        } else {
            header_rule_findings(role, hb.fields.as_slice(), complete)
        };
        plain.trim();
        self.plain = plain;
        let diagnostics: Vec<Diagnostic> = hb
            .error
            .iter()
            .map(|e| e.to_diagnostic())
            .chain(hb.diagnostics.iter().cloned())
            .collect();
        let stream_id = block.stream_id;
        // END_STREAM takes effect once the block is complete (§8.1).
        let ends_stream = block.promised_stream_id.is_none() && block.end_stream;
        if self.cfg.output.block_events {
            let bytes = self
                .cfg
                .output
                .header_block_bytes
                .then(|| HexBytes(bytes.to_vec()));
            self.emit_block_event(
                dir,
                id,
                role,
                first_packet,
                end_headers,
                origin,
                block,
                hb,
                bytes,
            );
        } else {
            // As `emit` would, a pending skip run ends here.
            self.flush_skip();
            let counts = &mut self.not_emitted;
            counts.header_blocks += 1;
            counts.header_fields += hb.fields.len() as u64 + u64::from(hb.fields_not_listed);
        }
        for d in diagnostics {
            self.diag_full(Some(dir), Some(stream_id), None, Some(id), origin, d);
        }
        for d in fields_check {
            self.diag_full(Some(dir), Some(stream_id), None, Some(id), origin, d);
        }
        if ends_stream {
            self.end_stream(dir, stream_id, origin);
        }
    }

    /// The event of a decoded block (when block events are on).
    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn emit_block_event(
        &mut self,
        dir: Direction,
        id: u64,
        role: BlockRole,
        packet: u64,
        end_headers: bool,
        origin: Origin,
        block: PendingBlock,
        hpack: HeaderBlock,
        bytes: Option<HexBytes>,
    ) {
        let event = HeaderBlockEvent {
            id,
            dir,
            stream_id: block.stream_id,
            kind: block.kind,
            promised_stream_id: block.promised_stream_id,
            role,
            packet,
            packets: block.packets,
            frames: block.frames,
            fragments: block.fragments,
            end_stream: block.end_stream,
            end_headers,
            padded: block.padded,
            priority: block.priority,
            continuation_frames: block.continuation_frames,
            ts: origin.ts,
            hpack,
            bytes,
        };
        self.emit(ConnEvent::HeaderBlock(Box::new(event)));
    }

    /// A block cut by a limit is not decoded. Its bytes were (as the frames
    /// carrying them), and the limit diagnostic says why; the table is now
    /// partly unknown.
    #[cfg_attr(target_family = "wasm", inline(never))]
    fn skip_block_over_limit(&mut self, dir: Direction) -> HeaderBlock {
        let decoder = &mut self.hpack[dir];
        let state = decoder.state().clone();
        decoder.mark_gap();
        HeaderBlock {
            block: 0,
            fields: Vec::new(),
            fields_not_listed: 0,
            table_events: Vec::new(),
            error: None,
            diagnostics: Vec::new(),
            table_state: state,
            table: Default::default(),
        }
    }

    /// Places a decoded block in its stream's exchange and returns its role.
    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(target_family = "wasm", inline(never))]
    pub(super) fn place_block(
        &mut self,
        dir: Direction,
        block: &PendingBlock,
        hb: &HeaderBlock,
        fields: &(impl FieldView + ?Sized),
        id: u64,
        packet: u64,
        origin: Origin,
    ) -> BlockRole {
        let head = |status| MessageHead {
            block: Some(id),
            packet,
            ts: origin.ts,
            status,
        };
        if let (BlockKind::PushPromise, Some(promised)) = (block.kind, block.promised_stream_id) {
            if dir == Direction::ClientToServer {
                self.diag(
                    Some(dir),
                    Some(block.stream_id),
                    origin,
                    Diagnostic::error(
                        Layer::Stream,
                        "stream.push_from_client",
                        "a client sent PUSH_PROMISE; only servers push",
                    )
                    .rfc("RFC 9113 §8.4"),
                );
            }
            if !self.settings[Direction::ClientToServer].enable_push {
                self.diag(
                    Some(dir),
                    Some(block.stream_id),
                    origin,
                    Diagnostic::error(
                        Layer::Stream,
                        "stream.push_disabled",
                        "PUSH_PROMISE although the client set SETTINGS_ENABLE_PUSH to 0",
                    )
                    .rfc("RFC 9113 §6.6"),
                );
            }
            let known = self.start == ConnStart::Beginning;
            if known
                && (promised % 2 != 0 || promised <= self.max_stream[Direction::ServerToClient])
            {
                self.diag(
                    Some(dir),
                    Some(promised),
                    origin,
                    Diagnostic::error(
                        Layer::Stream,
                        "stream.bad_promised_id",
                        format!(
                            "promised stream {promised} must be a new even stream id (last was {})",
                            self.max_stream[Direction::ServerToClient]
                        ),
                    )
                    .rfc("RFC 9113 §5.1.1"),
                );
            }
            self.insert_stream(promised, false, origin);
            let Some(stream) = self.streams.get_mut(&promised) else {
                return BlockRole::Unknown;
            };
            stream.reserved = true;
            stream.exchange.promised_on = Some(block.stream_id);
            stream.set_request(fields, head(None));
            // A promised request has no body: the client side is closed.
            stream.ended[Direction::ClientToServer] = true;
            stream.exchange.request_end = Some(origin.ts);
            return BlockRole::PushRequest;
        }
        let stream_id = block.stream_id;
        if !self.streams.contains_key(&stream_id) {
            match dir {
                Direction::ClientToServer => self.open_client_stream(stream_id, origin),
                Direction::ServerToClient => {
                    self.stream_for_frame(dir, stream_id, FrameType::HEADERS, origin);
                }
            }
        }
        let Some(stream) = self.streams.get_mut(&stream_id) else {
            return BlockRole::Unknown;
        };
        if stream.ended[dir] {
            let message = format!(
                "HEADERS on stream {stream_id} after {} already ended it",
                side_name(dir)
            );
            self.diag(
                Some(dir),
                Some(stream_id),
                origin,
                Diagnostic::error(Layer::Stream, "stream.closed", message).rfc("RFC 9113 §5.1"),
            );
            return BlockRole::Unknown;
        }
        match dir {
            Direction::ClientToServer => {
                if stream.exchange.request.is_none() && !stream.exchange.began_before_capture {
                    stream.set_request(fields, head(None));
                    BlockRole::Request
                } else {
                    stream.exchange.request_trailers = Some(head(None));
                    BlockRole::RequestTrailers
                }
            }
            Direction::ServerToClient => {
                stream.reserved = false;
                let status = streams::status(fields);
                match status {
                    Some(s) if (100..200).contains(&s) => {
                        stream.exchange.informational.push(head(Some(s)));
                        BlockRole::Informational
                    }
                    Some(s) if stream.exchange.response.is_none() => {
                        stream.exchange.status = Some(s);
                        stream.exchange.response = Some(head(Some(s)));
                        stream.note_grpc_status(fields);
                        BlockRole::Response
                    }
                    None if stream.exchange.response.is_some()
                        || stream.exchange.began_before_capture =>
                    {
                        stream.exchange.response_trailers = Some(head(None));
                        stream.note_grpc_status(fields);
                        BlockRole::ResponseTrailers
                    }
                    _ if hb.error.is_some() || !matches!(hb.table_state, TableState::Synced) => {
                        BlockRole::Unknown
                    }
                    _ => {
                        // A second response, or one without :status: keep
                        // it as trailers-like, reported by the rule check.
                        stream.exchange.response_trailers = Some(head(None));
                        BlockRole::ResponseTrailers
                    }
                }
            }
        }
    }
}
