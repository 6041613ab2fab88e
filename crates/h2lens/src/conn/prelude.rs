//! Before frames: the client preface (RFC 9113 §3.4), the HTTP/1.1
//! `Upgrade: h2c` hand-off (RFC 7540 §3.2), TLS and plain HTTP/1
//! classification, and the frame-boundary search for mid-connection joins.

use super::*;
use crate::net::tls::TlsEvent;

impl Connection {
    /// Runs the pre-frame modes over queued bytes until they need more.
    pub(super) fn advance(&mut self, dir: Direction, at_end: bool) {
        loop {
            let progressed = match self.core.inputs[dir].mode {
                Mode::Start => self.core.decide_start(dir),
                Mode::Http1Head => self.core.read_http1_head(dir, at_end),
                Mode::SeekPreface => self.core.seek_preface(dir),
                Mode::Resync(cause) => self.core.resync(dir, cause, at_end),
                Mode::Frames => {
                    // Hand what was queued to the frame reader.
                    let input = &mut self.core.inputs[dir];
                    let offset = input.queue.offset();
                    let reader = &mut self.readers[dir];
                    reader.reset_to(offset);
                    reader.push(input.queue.available());
                    input.queue.reset_to(input.offset);
                    self.drain_frames(dir);
                    return;
                }
                Mode::Tls => {
                    let input = &mut self.core.inputs[dir];
                    let start = input.queue.offset();
                    let len = input.queue.len();
                    if let Some(tls) = input.tls.as_mut() {
                        if !tls.is_done() {
                            tls.push(input.queue.available());
                        }
                    }
                    input.queue.consume(len);
                    let origin = input.marks.at(start);
                    self.core.skip(
                        dir,
                        Span::new(start, start + len as u64),
                        SkipReason::Tls,
                        origin,
                    );
                    self.core.poll_tls(dir);
                    return;
                }
                Mode::Skip(reason) => {
                    let input = &mut self.core.inputs[dir];
                    let start = input.queue.offset();
                    let len = input.queue.len();
                    input.queue.consume(len);
                    let origin = input.marks.at(start);
                    self.core
                        .skip(dir, Span::new(start, start + len as u64), reason, origin);
                    return;
                }
            };
            if !progressed {
                return;
            }
        }
    }
}

impl Core {
    // Each pre-frame mode returns whether it made progress.

    pub(super) fn decide_start(&mut self, dir: Direction) -> bool {
        let input = &mut self.inputs[dir];
        let bytes = input.queue.available();
        let origin = input.marks.at(input.queue.offset());
        if bytes.is_empty() {
            return false;
        }
        // The client preface (RFC 9113 §3.4).
        if dir == Direction::ClientToServer {
            if bytes.len() < PREFACE.len() && PREFACE.starts_with(bytes) {
                return false;
            }
            if bytes.starts_with(PREFACE) {
                input.queue.consume(PREFACE.len());
                input.stats.preface_bytes += PREFACE.len() as u64;
                input.mode = Mode::Frames;
                self.set_protocol(Protocol::H2PriorKnowledge, dir, origin);
                return true;
            }
        }
        // A TLS handshake record: inspect the hellos, skip the rest.
        match crate::net::tls::looks_like_tls(bytes) {
            Some(true) => {
                input.mode = Mode::Tls;
                input.tls = Some(crate::net::tls::HelloInspector::new(
                    self.cfg.tcp.max_tls_hello_bytes,
                ));
                return true;
            }
            None if bytes.first() == Some(&0x16) => return false,
            _ => {}
        }
        // The server's preface is a SETTINGS frame (§3.4).
        if dir == Direction::ServerToClient {
            match FrameHeader::parse_prefix(bytes) {
                Some(head) if head.kind == FrameType::SETTINGS && head.stream_id == 0 => {
                    input.mode = Mode::Frames;
                    return true;
                }
                None if bytes.len() < FRAME_HEADER_LEN && !bytes.starts_with(b"H") => {
                    return false;
                }
                _ => {}
            }
        }
        match http1::classify(bytes) {
            http1::Start::NeedMore => false,
            http1::Start::Request | http1::Start::Response => {
                input.mode = Mode::Http1Head;
                true
            }
            http1::Start::No => {
                // Not a known start: look for frames anyway.
                input.mode = Mode::Resync(UnknownCause::CaptureStart);
                true
            }
        }
    }

    pub(super) fn read_http1_head(&mut self, dir: Direction, at_end: bool) -> bool {
        let input = &mut self.inputs[dir];
        let start = input.queue.offset();
        let origin = input.marks.at(start);
        let Some(head) = http1::parse_head(input.queue.available()) else {
            if input.queue.len() > http1::MAX_HEAD || at_end {
                input.mode = Mode::Skip(SkipReason::Http1);
                return true;
            }
            return false;
        };
        input.queue.consume(head.len);
        input.stats.http1_bytes += head.len as u64;
        let span = Span::new(start, start + head.len as u64);
        self.emit(ConnEvent::Http1(Http1Event {
            dir,
            start_line: Octets::new(head.start_line.clone()),
            headers: head.headers.clone(),
            span,
            origin,
        }));
        match dir {
            Direction::ClientToServer => {
                let upgrade = head.has_token("upgrade", "h2c");
                if upgrade {
                    let settings = head
                        .header("http2-settings")
                        .and_then(|v| http1::decode_http2_settings(v.as_bytes()))
                        .map(|p| settings::parse_payload(&p))
                        .unwrap_or_default();
                    self.upgrade = Some(UpgradeRequest {
                        head,
                        settings,
                        origin,
                    });
                    self.inputs[dir].mode = Mode::SeekPreface;
                } else {
                    self.set_protocol(Protocol::Http1, dir, origin);
                    self.skip_everything(SkipReason::Http1);
                }
            }
            Direction::ServerToClient => {
                if head.status() == Some(101) && self.upgrade.is_some() {
                    self.inputs[dir].mode = Mode::Frames;
                    self.start_upgraded(origin);
                } else if head
                    .status()
                    .is_some_and(|s| (100..200).contains(&s) && s != 101)
                {
                    // An interim response (100 Continue): the real one follows.
                } else {
                    self.set_protocol(Protocol::Http1, dir, origin);
                    self.skip_everything(SkipReason::Http1);
                }
            }
        }
        true
    }

    /// RFC 7540 §3.2: after 101, stream 1 carries the upgraded request,
    /// half-closed from the client, and `HTTP2-Settings` count as the
    /// client's acknowledged first SETTINGS.
    pub(super) fn start_upgraded(&mut self, origin: Origin) {
        let Some(up) = self.upgrade.take() else {
            return;
        };
        self.set_protocol(Protocol::H2cUpgrade, Direction::ServerToClient, origin);
        self.apply_settings(Direction::ClientToServer, up.settings.clone(), true, origin);
        self.insert_stream(1, false, origin);
        let Some(stream) = self.streams.get_mut(&1) else {
            return;
        };
        let ex = &mut stream.exchange;
        if let Some((method, target)) = up.head.request_line() {
            ex.method = Some(Octets::from(method));
            ex.path = Some(Octets::from(target));
        }
        ex.scheme = Some(Octets::from("http"));
        ex.authority = up.head.header("host").cloned();
        ex.content_type = up.head.header("content-type").cloned();
        ex.start = Some(up.origin.ts);
        ex.request = Some(MessageHead {
            block: None,
            packet: up.origin.packet,
            ts: up.origin.ts,
            status: None,
        });
        ex.request_end = Some(up.origin.ts);
        stream.ended[Direction::ClientToServer] = true;
    }

    /// Takes what the TLS hello inspector of `dir` found.
    pub(super) fn poll_tls(&mut self, dir: Direction) {
        loop {
            let input = &mut self.inputs[dir];
            let origin = input.marks.last();
            let Some(event) = input.tls.as_mut().and_then(|t| t.next_event()) else {
                return;
            };
            match event {
                TlsEvent::ClientHello(hello) => {
                    let version = hello
                        .supported_versions
                        .iter()
                        .copied()
                        .filter(|v| !v.is_grease())
                        .max_by_key(|v| v.0)
                        .or(Some(hello.legacy_version))
                        .map(|v| {
                            v.name()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        });
                    self.set_protocol(
                        Protocol::Tls {
                            sni: hello.sni,
                            alpn: hello.alpn,
                            selected_alpn: None,
                            version,
                        },
                        dir,
                        origin,
                    );
                }
                TlsEvent::ServerHello(hello) => {
                    if self.protocol.is_none() {
                        self.set_protocol(
                            Protocol::Tls {
                                sni: None,
                                alpn: Vec::new(),
                                selected_alpn: None,
                                version: None,
                            },
                            dir,
                            origin,
                        );
                    }
                    if let Some(Protocol::Tls {
                        selected_alpn,
                        version,
                        ..
                    }) = self.protocol.as_mut()
                    {
                        if hello.alpn.is_some() {
                            *selected_alpn = hello.alpn;
                        }
                        if !hello.hello_retry_request {
                            let v = hello.selected_version;
                            *version = Some(
                                v.name()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string()),
                            );
                        }
                    }
                }
                TlsEvent::Diagnostic(d) => self.diag(Some(dir), None, origin, d),
                TlsEvent::Alert { .. } | TlsEvent::Done { .. } => {}
            }
        }
    }

    pub(super) fn seek_preface(&mut self, dir: Direction) -> bool {
        let input = &mut self.inputs[dir];
        let bytes = input.queue.available();
        let found = bytes.windows(PREFACE.len()).position(|w| w == PREFACE);
        let skip = match found {
            Some(at) => at,
            None => bytes.len().saturating_sub(PREFACE.len() - 1),
        };
        // Bytes before the preface are the upgrade request's body.
        input.queue.consume(skip);
        input.stats.http1_bytes += skip as u64;
        if found.is_some() {
            input.queue.consume(PREFACE.len());
            input.stats.preface_bytes += PREFACE.len() as u64;
            input.mode = Mode::Frames;
            return true;
        }
        false
    }

    pub(super) fn resync(&mut self, dir: Direction, cause: UnknownCause, at_end: bool) -> bool {
        let input = &mut self.inputs[dir];
        let bytes = input.queue.available();
        if bytes.is_empty() {
            return false;
        }
        let start = input.queue.offset();
        let search = resync::find_boundary(bytes, at_end);
        let (drop, found) = match search {
            resync::Search::Found(at) => (at, true),
            resync::Search::NotBefore(at) => (at, false),
        };
        let origin = input.marks.at(start);
        input.queue.consume(drop);
        if drop > 0 {
            self.skip(
                dir,
                Span::new(start, start + drop as u64),
                SkipReason::BeforeFrameBoundary,
                origin,
            );
        }
        if !found {
            return false;
        }
        let boundary = start + drop as u64;
        let clean_start = boundary == 0 && self.start == ConnStart::Beginning;
        self.inputs[dir].mode = Mode::Frames;
        if clean_start {
            self.set_protocol(Protocol::H2PriorKnowledge, dir, origin);
        } else {
            self.set_protocol(Protocol::H2Midstream, dir, origin);
            if cause == UnknownCause::CaptureStart && boundary > 0 {
                // Bytes before the boundary may have held table insertions.
                self.hpack[dir].mark_gap();
            }
            if self.start == ConnStart::Beginning && cause == UnknownCause::CaptureStart {
                // The connection start was seen, yet frames begin later:
                // treat what came before as unknown.
                self.flow_known = false;
            }
            let message = format!(
                "{}: frames found at byte {boundary} ({})",
                dir.arrow(),
                match cause {
                    UnknownCause::CaptureStart => "the capture began mid-connection",
                    UnknownCause::Gap => "after lost bytes",
                }
            );
            self.diag(
                Some(dir),
                None,
                origin,
                Diagnostic::info(Layer::Frame, "frame.resynchronised", message).at(boundary),
            );
        }
        true
    }
}
