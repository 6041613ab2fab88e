//! Streams (RFC 9113 §5.1): their state, and the exchange each builds.

use super::fields::FieldView;
use super::*;
use crate::octets::Octets;
use crate::time::Direction;

#[derive(Debug)]
pub(crate) struct Stream {
    /// END_STREAM seen from each side.
    pub ended: PerDir<bool>,
    /// Flow-control window of each sender on this stream (§6.9).
    pub window: PerDir<i64>,
    pub stalled: PerDir<bool>,
    /// Request content-type is `application/grpc…`.
    pub grpc: bool,
    /// A PUSH_PROMISE reserved it and no response has come yet.
    pub reserved: bool,
    pub exchange: Exchange,
}

impl Stream {
    pub fn new(id: u32, window: PerDir<i64>, began_before_capture: bool) -> Stream {
        Stream {
            ended: PerDir::default(),
            window,
            stalled: PerDir::default(),
            grpc: false,
            reserved: false,
            exchange: Exchange {
                stream_id: id,
                state: ExchangeState::Incomplete,
                began_before_capture,
                promised_on: None,
                method: None,
                scheme: None,
                authority: None,
                path: None,
                status: None,
                content_type: None,
                grpc_status: None,
                request: None,
                informational: Vec::new(),
                response: None,
                request_trailers: None,
                response_trailers: None,
                request_bytes: 0,
                response_bytes: 0,
                request_data_frames: 0,
                response_data_frames: 0,
                start: None,
                request_end: None,
                response_end: None,
                end: None,
                reset: None,
                anomalies: 0,
            },
        }
    }

    pub fn both_ended(&self) -> bool {
        self.ended.client_to_server && self.ended.server_to_client
    }

    /// Takes request facts from a request (or promised request) block.
    pub fn set_request(&mut self, fields: &(impl FieldView + ?Sized), head: MessageHead) {
        let ex = &mut self.exchange;
        // One pass; the first of each name counts (as `pseudo` finds it).
        let (mut method, mut scheme, mut authority, mut path, mut content_type) =
            (None, None, None, None, None);
        for f in fields.fields() {
            let slot = match f.name {
                b":method" => &mut method,
                b":scheme" => &mut scheme,
                b":authority" => &mut authority,
                b":path" => &mut path,
                b"content-type" => &mut content_type,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(Octets::copy_from(f.value));
            }
        }
        ex.method = method;
        ex.scheme = scheme;
        ex.authority = authority;
        ex.path = path;
        ex.content_type = content_type;
        self.grpc = ex
            .content_type
            .as_ref()
            .is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"));
        ex.start.get_or_insert(head.ts);
        ex.request = Some(head);
    }

    /// Takes `grpc-status` from a response or trailers block.
    pub fn note_grpc_status(&mut self, fields: &(impl FieldView + ?Sized)) {
        if let Some(status) = header(fields, b"grpc-status") {
            self.exchange.grpc_status = Some(status);
        }
    }
}

/// The side that opens stream `id`: clients use odd ids, servers (by
/// PUSH_PROMISE) even ones (RFC 9113 §5.1.1).
pub(crate) fn initiator(id: u32) -> Direction {
    if id % 2 == 1 {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    }
}

/// The first field named `name` (pseudo-headers come first, §8.3).
pub(crate) fn pseudo(fields: &(impl FieldView + ?Sized), name: &[u8]) -> Option<Octets> {
    fields.first(name).map(Octets::copy_from)
}

pub(crate) fn header(fields: &(impl FieldView + ?Sized), name: &[u8]) -> Option<Octets> {
    pseudo(fields, name)
}

/// `:status` as a number.
pub(crate) fn status(fields: &(impl FieldView + ?Sized)) -> Option<u16> {
    fields
        .first(b":status")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|s| s.parse().ok())
}

impl Core {
    pub(super) fn new_stream(&mut self, id: u32, began_before_capture: bool) -> Stream {
        self.streams_seen += 1;
        // A sender's stream window starts at its receiver's setting.
        let window = PerDir::new(
            i64::from(self.settings[Direction::ServerToClient].initial_window_size),
            i64::from(self.settings[Direction::ClientToServer].initial_window_size),
        );
        Stream::new(id, window, began_before_capture)
    }

    /// A client HEADERS opening stream `id` (§5.1.1).
    pub(super) fn open_client_stream(&mut self, id: u32, origin: Origin) {
        let c2s = Direction::ClientToServer;
        if self.start == ConnStart::Midstream {
            // Below the first stream seen, a stream began before the capture.
            if self.first_seen[c2s].is_some_and(|first| id < first) {
                self.insert_stream(id, true, origin);
                return;
            }
        } else if id % 2 == 0 {
            self.diag(
                Some(c2s),
                Some(id),
                origin,
                Diagnostic::error(
                    Layer::Stream,
                    "stream.even_client_id",
                    format!("client opened stream {id}; client streams are odd"),
                )
                .rfc("RFC 9113 §5.1.1"),
            );
        }
        if id <= self.max_stream[c2s] && id % 2 == 1 {
            let message = format!(
                "HEADERS opening stream {id} after stream {}: stream {id} is closed, and new stream ids must increase",
                self.max_stream[c2s]
            );
            self.diag(
                Some(c2s),
                Some(id),
                origin,
                Diagnostic::error(Layer::Stream, "stream.id_not_increasing", message)
                    .rfc("RFC 9113 §5.1.1"),
            );
        }
        if let Some(limit) = self.settings[Direction::ServerToClient].max_concurrent_streams {
            let open = u64::from(self.client_streams);
            if open >= u64::from(limit) && self.start == ConnStart::Beginning {
                self.diag(
                    Some(c2s),
                    Some(id),
                    origin,
                    Diagnostic::warning(
                        Layer::Stream,
                        "stream.concurrency_exceeded",
                        format!(
                            "stream {id} exceeds the server's SETTINGS_MAX_CONCURRENT_STREAMS of {limit}"
                        ),
                    )
                    .rfc("RFC 9113 §5.1.2"),
                );
            }
        }
        self.insert_stream(id, false, origin);
    }

    /// Adds a stream, keeping the number tracked within the configured
    /// limit (the oldest is given up as incomplete).
    pub(super) fn insert_stream(&mut self, id: u32, began_before_capture: bool, origin: Origin) {
        let side = initiator(id);
        self.max_stream[side] = self.max_stream[side].max(id);
        let first = self.first_seen[side].get_or_insert(id);
        *first = (*first).min(id);
        if self.streams.len() >= self.cfg.frame.max_streams_per_connection as usize {
            if let Some(oldest) = self.streams.keys().min().copied() {
                self.diag(
                    None,
                    Some(oldest),
                    origin,
                    Diagnostic::warning(
                        Layer::Stream,
                        "stream.limit",
                        format!(
                            "more than {} open streams; stream {oldest} is no longer followed{}",
                            self.cfg.frame.max_streams_per_connection,
                            crate::config::limit_hint("frame.max_streams_per_connection")
                        ),
                    ),
                );
                self.close_stream(oldest, ExchangeState::Incomplete, origin.ts);
            }
        }
        let stream = self.new_stream(id, began_before_capture);
        if self.streams.insert(id, stream).is_none() && id % 2 == 1 {
            self.client_streams += 1;
        }
    }

    /// Takes stream `id` out of the open streams.
    fn remove_stream(&mut self, id: u32) -> Option<Stream> {
        let stream = self.streams.remove(&id)?;
        if id % 2 == 1 {
            self.client_streams = self.client_streams.saturating_sub(1);
        }
        Some(stream)
    }

    /// Finds (or, for streams that began before the capture, creates) the
    /// stream a non-opening frame refers to, reporting frames on idle or
    /// closed streams. Returns whether the stream is open.
    pub(super) fn stream_for_frame(
        &mut self,
        dir: Direction,
        id: u32,
        kind: FrameType,
        origin: Origin,
    ) -> bool {
        if self.streams.contains_key(&id) {
            return true;
        }
        let side = initiator(id);
        let max = self.max_stream[side];
        if self.start == ConnStart::Midstream {
            let seen = self.first_seen[side].is_some_and(|first| (first..=max).contains(&id));
            if !seen {
                self.insert_stream(id, true, origin);
                return true;
            }
        } else if id > max {
            self.diag(
                Some(dir),
                Some(id),
                origin,
                Diagnostic::error(
                    Layer::Stream,
                    "stream.idle",
                    format!("{kind} on idle stream {id}, which was never opened"),
                )
                .rfc("RFC 9113 §5.1"),
            );
            return false;
        }
        // Closed. Frames in flight after a reset are expected (§5.4.2), and
        // WINDOW_UPDATE, PRIORITY and RST_STREAM may follow END_STREAM
        // briefly (§5.1).
        if self.recently_reset.contains(&id) {
            return false;
        }
        if matches!(
            kind,
            FrameType::DATA | FrameType::HEADERS | FrameType::CONTINUATION
        ) {
            self.diag(
                Some(dir),
                Some(id),
                origin,
                Diagnostic::error(
                    Layer::Stream,
                    "stream.closed",
                    format!("{kind} on stream {id}, which is closed"),
                )
                .rfc("RFC 9113 §5.1"),
            );
        } else if kind == FrameType::RST_STREAM {
            self.diag(
                Some(dir),
                Some(id),
                origin,
                Diagnostic::info(
                    Layer::Stream,
                    "stream.reset_after_close",
                    format!("RST_STREAM on stream {id} after both sides ended it"),
                )
                .rfc("RFC 9113 §5.1"),
            );
        }
        false
    }

    pub(super) fn end_stream(&mut self, dir: Direction, id: u32, origin: Origin) {
        let Some(stream) = self.streams.get_mut(&id) else {
            return;
        };
        stream.ended[dir] = true;
        match dir {
            Direction::ClientToServer => stream.exchange.request_end = Some(origin.ts),
            Direction::ServerToClient => stream.exchange.response_end = Some(origin.ts),
        }
        if stream.both_ended() {
            self.close_stream(id, ExchangeState::Complete, origin.ts);
        }
    }

    pub(super) fn close_stream(&mut self, id: u32, state: ExchangeState, ts: Timestamp) {
        let Some(mut stream) = self.remove_stream(id) else {
            return;
        };
        if state == ExchangeState::Reset {
            // Remember a few resets, to accept frames still in flight.
            if self.recently_reset.len() >= 1024 {
                if let Some(old) = self.recently_reset_order.pop_front() {
                    self.recently_reset.remove(&old);
                }
            }
            self.recently_reset.insert(id);
            self.recently_reset_order.push_back(id);
        }
        stream.exchange.state = state;
        stream.exchange.end = Some(ts);
        self.emit_exchange(stream.exchange);
    }

    pub(super) fn close_all_streams(&mut self) {
        let mut ids: Vec<u32> = self.streams.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            // A GOAWAY from the peer of the initiator refused higher streams.
            let refused = self.goaway[initiator(id).reverse()].is_some_and(|last| id > last);
            let state = if refused {
                ExchangeState::Refused
            } else {
                ExchangeState::Incomplete
            };
            let Some(mut stream) = self.remove_stream(id) else {
                continue;
            };
            stream.exchange.state = state;
            self.emit_exchange(stream.exchange);
        }
    }
}
