//! Before frames: the client preface (RFC 9113 §3.4), the HTTP/1.1
//! `Upgrade: h2c` hand-off (RFC 7540 §3.2), TLS and plain HTTP/1
//! classification, and the frame-boundary search for mid-connection joins.
//!
//! A TLS direction: its TCP bytes go to the hello inspector (`net::tls`)
//! and, with a key log, to the decryption session (`crate::tls`); the
//! decrypted application data comes back through `push_plain`, with the
//! packet that completed its record, and is read like a TCP stream.

use super::*;
use crate::net::tls::{HelloInspector, TlsEvent};
use crate::tls::{Session, SessionEvent, Undecrypted};

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
                    self.enter_tls(dir);
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

    /// Skips TLS bytes that cannot be decrypted (no key log): `span`, and
    /// what was held back while the hellos were read, once they are.
    fn skip_tls(&mut self, dir: Direction, span: Option<(Span, Origin)>) {
        let Some(tls) = self.inputs[dir].tls.as_mut() else {
            return;
        };
        let run = match span {
            Some((span, origin)) => tls.hold(span, origin),
            None => tls.held.take(),
        };
        if let Some((span, origin)) = run {
            self.skip(dir, span, SkipReason::Tls, origin);
        }
    }

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
        // A TLS handshake record (not inside decrypted TLS).
        if input.tls.is_none() {
            match crate::net::tls::looks_like_tls(bytes) {
                Some(true) => {
                    input.mode = Mode::Tls;
                    return true;
                }
                None if bytes.first() == Some(&0x16) => return false,
                _ => {}
            }
        }
        // The server's preface is a SETTINGS frame (§3.4), unless the bytes
        // already read as HTTP/1 (an h2c upgrade's `HTTP/1.1 101`). HTTP/1
        // is tested first whatever the length, so that the choice does not
        // depend on how many bytes have arrived: a SETTINGS header never
        // starts with a letter and a space (that would declare a payload of
        // megabytes), so nothing real is lost.
        let http1_start = http1::classify(bytes);
        let is_http1 = matches!(http1_start, http1::Start::Request | http1::Start::Response);
        if dir == Direction::ServerToClient && !is_http1 {
            match FrameHeader::parse_prefix(bytes) {
                Some(head) if head.kind == FrameType::SETTINGS && head.stream_id == 0 => {
                    input.mode = Mode::Frames;
                    return true;
                }
                // Too short to tell a SETTINGS frame header from anything
                // else: wait for all 9 bytes.
                None if could_be_settings_header(bytes) => return false,
                _ => {}
            }
        }
        match http1_start {
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
        self.emit(ConnEvent::Http1(Box::new(Http1Event {
            dir,
            start_line: Octets::new(head.start_line.clone()),
            headers: head.headers.clone(),
            span,
            origin,
        })));
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

    /// Takes what the TLS hello inspector of `dir` found; hands the hellos
    /// to the decryption session.
    pub(super) fn poll_tls(&mut self, dir: Direction) {
        loop {
            let Some(tls) = self.inputs[dir].tls.as_mut() else {
                return;
            };
            let origin = tls.marks.last();
            let Some(event) = tls.hello.next_event() else {
                return;
            };
            match event {
                TlsEvent::ClientHello(hello) => {
                    if let Some(session) = self.tls.as_mut() {
                        session.client_hello(&hello);
                    }
                    let version = hello
                        .supported_versions
                        .iter()
                        .copied()
                        .filter(|v| !v.is_grease())
                        .max_by_key(|v| v.0)
                        .or(Some(hello.legacy_version))
                        .map(version_name);
                    self.set_protocol(
                        Protocol::Tls {
                            sni: hello.sni,
                            alpn: hello.alpn,
                            selected_alpn: None,
                            version,
                            cipher_suite: None,
                            decrypted: false,
                            inner: None,
                        },
                        dir,
                        origin,
                    );
                }
                TlsEvent::ServerHello(hello) => {
                    if let Some(session) = self.tls.as_mut() {
                        session.server_hello(&hello);
                    }
                    if self.protocol.is_none() {
                        self.set_protocol(
                            Protocol::Tls {
                                sni: None,
                                alpn: Vec::new(),
                                selected_alpn: None,
                                version: None,
                                cipher_suite: None,
                                decrypted: false,
                                inner: None,
                            },
                            dir,
                            origin,
                        );
                    }
                    if let Some(Protocol::Tls {
                        selected_alpn,
                        version,
                        cipher_suite,
                        ..
                    }) = self.protocol.as_mut()
                    {
                        if hello.alpn.is_some() {
                            *selected_alpn = hello.alpn;
                        }
                        if !hello.hello_retry_request {
                            *version = Some(version_name(hello.selected_version));
                            *cipher_suite = Some(crate::tls::CipherSuite(hello.cipher_suite));
                        }
                    }
                }
                TlsEvent::Diagnostic(d) => self.diag(Some(dir), None, origin, d),
                TlsEvent::Done {
                    reason: crate::net::tls::HelloEnd::Limit,
                    offset,
                } => {
                    let message = format!(
                        "the TLS handshake of {} is still unread after {} bytes; hellos are not looked for further{}",
                        dir.arrow(),
                        self.cfg.tcp.max_tls_hello_bytes,
                        crate::config::limit_hint("tcp.max_tls_hello_bytes")
                    );
                    self.diag(
                        Some(dir),
                        None,
                        origin,
                        Diagnostic::warning(Layer::Tls, "tls.hello_limit", message).at(offset),
                    );
                }
                TlsEvent::Alert { .. } | TlsEvent::Done { .. } => {}
            }
        }
    }

    /// The packet that carried TCP byte `offset` of TLS direction `dir`.
    fn tcp_origin(&self, dir: Direction, offset: u64) -> Origin {
        self.inputs[dir]
            .tls
            .as_ref()
            .map(|t| t.marks.at(offset))
            .unwrap_or_default()
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

fn version_name(v: crate::net::tls::TlsVersion) -> String {
    v.name()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

impl Connection {
    /// The direction starts with a TLS handshake record: hand its TCP side
    /// to the TLS layer, and read what it decrypts from offset 0.
    fn enter_tls(&mut self, dir: Direction) {
        let core = &mut self.core;
        let input = &mut core.inputs[dir];
        let bytes = input.queue.available().to_vec();
        input.tls = Some(TlsDir {
            hello: HelloInspector::new(core.cfg.tcp.max_tls_hello_bytes),
            offset: input.queue.offset(),
            marks: std::mem::take(&mut input.marks),
            held: None,
        });
        input.queue.reset_to(0);
        input.offset = 0;
        input.mode = Mode::Start;
        if core.tls.is_none() {
            if let Some(key_log) = &core.key_log {
                core.tls = Some(Box::new(Session::new(
                    key_log.clone(),
                    core.cfg.tcp.max_tls_hello_bytes,
                )));
            }
        }
        self.push_tls(dir, &bytes);
    }

    /// TCP bytes of a TLS direction (their packet mark already set).
    pub(super) fn push_tls(&mut self, dir: Direction, bytes: &[u8]) {
        let core = &mut self.core;
        let Some(tls) = core.inputs[dir].tls.as_mut() else {
            return;
        };
        let start = tls.offset;
        tls.offset = tls.offset.saturating_add(bytes.len() as u64);
        if !tls.hello.is_done() {
            tls.hello.push(bytes);
        }
        // Hellos first: the session needs them for the records that follow.
        core.poll_tls(dir);
        match core.tls.as_mut() {
            Some(session) => {
                session.push(dir, bytes);
                self.drain_tls();
            }
            None => {
                let origin = core.tcp_origin(dir, start);
                let span = Span::new(start, start + bytes.len() as u64);
                core.skip_tls(dir, Some((span, origin)));
            }
        }
    }

    /// A gap in a TLS direction: record framing is lost, and so is the
    /// decrypted stream from there on.
    pub(super) fn gap_tls(&mut self, dir: Direction, len: u64, origin: Origin) {
        let Some(tls) = self.core.inputs[dir].tls.as_mut() else {
            return;
        };
        let at = tls.offset;
        tls.marks.push(at, origin);
        tls.offset = tls.offset.saturating_add(len);
        tls.hello.finish();
        self.core.poll_tls(dir);
        self.core.skip_tls(dir, None);
        let input = &mut self.core.inputs[dir];
        input.stats.lost = input.stats.lost.saturating_add(len);
        self.core.flow_known = false;
        self.flush_partial(dir, SkipReason::TruncatedFrame, "a TCP gap");
        let message = format!(
            "{len} bytes of {} were lost (TCP gap) in a TLS stream",
            dir.arrow()
        );
        self.core.diag(
            Some(dir),
            None,
            origin,
            Diagnostic::warning(Layer::Tcp, "tcp.gap", message).at(at),
        );
        if let Some(session) = self.core.tls.as_mut() {
            session.gap(dir, len);
            self.drain_tls();
        }
    }

    /// The end of a TLS direction: hello inspection and records still open.
    pub(super) fn finish_tls(&mut self, dir: Direction) {
        let Some(tls) = self.core.inputs[dir].tls.as_mut() else {
            return;
        };
        tls.hello.finish();
        self.core.poll_tls(dir);
        self.core.skip_tls(dir, None);
        if let Some(session) = self.core.tls.as_mut() {
            session.finish(dir);
            self.drain_tls();
        }
    }

    /// Takes what the decryption session produced: decrypted application
    /// data into the HTTP/2 path, the rest into events and accounting.
    fn drain_tls(&mut self) {
        while let Some(event) = self.core.tls.as_mut().and_then(|s| s.next_event()) {
            match event {
                SessionEvent::ApplicationData { dir, record, data } => {
                    // Decrypted data appears with the packet that completed
                    // its record (as in Wireshark).
                    let origin = self.core.tcp_origin(dir, record.end.saturating_sub(1));
                    self.push_plain(dir, data.as_bytes(), origin);
                }
                SessionEvent::Undecrypted { dir, span, reason } => {
                    let origin = self.core.tcp_origin(dir, span.start);
                    let reason = match reason {
                        Undecrypted::NoKeys => SkipReason::Tls,
                        _ => SkipReason::TlsNotDecrypted,
                    };
                    self.core.skip(dir, span, reason, origin);
                }
                SessionEvent::Decrypting { .. } => {
                    if let Some(Protocol::Tls { decrypted, .. }) = self.core.protocol.as_mut() {
                        *decrypted = true;
                    }
                }
                SessionEvent::Alpn { protocol } => {
                    if let Some(Protocol::Tls { selected_alpn, .. }) = self.core.protocol.as_mut() {
                        *selected_alpn = Some(protocol);
                    }
                }
                SessionEvent::Alert {
                    dir,
                    level,
                    description,
                    encrypted,
                    offset,
                } => {
                    // close_notify (0) is the normal end.
                    if description != 0 {
                        let origin = self.core.tcp_origin(dir, offset);
                        let message = format!(
                            "{} sent a{} TLS alert: {} ({description}){}",
                            side_name(dir),
                            if level == 2 { " fatal" } else { "" },
                            alert_name(description),
                            if encrypted { "" } else { ", in the clear" }
                        );
                        let d = if level == 2 {
                            Diagnostic::error(Layer::Tls, "tls.alert", message)
                        } else {
                            Diagnostic::warning(Layer::Tls, "tls.alert", message)
                        };
                        self.core
                            .diag(Some(dir), None, origin, d.at(offset).rfc("RFC 8446 §6"));
                    }
                }
                SessionEvent::KeyUpdate { dir, offset } => {
                    let origin = self.core.tcp_origin(dir, offset);
                    self.core.diag(
                        Some(dir),
                        None,
                        origin,
                        Diagnostic::info(
                            Layer::Tls,
                            "tls.key_update",
                            format!(
                                "{} updated its TLS traffic keys (KeyUpdate)",
                                side_name(dir)
                            ),
                        )
                        .at(offset)
                        .rfc("RFC 8446 §4.6.3"),
                    );
                }
                SessionEvent::Diagnostic { dir, diagnostic } => {
                    let origin = self.core.tcp_origin(dir, diagnostic.offset.unwrap_or(0));
                    self.core.diag(Some(dir), None, origin, diagnostic);
                }
            }
        }
        if let Some(session) = self.core.tls.as_ref() {
            for dir in [Direction::ClientToServer, Direction::ServerToClient] {
                let tls = session.stats(dir);
                let stats = &mut self.core.inputs[dir].stats;
                stats.tls_bytes = tls.overhead_bytes;
                stats.tls_records = tls.records;
                stats.decrypted_bytes = tls.plaintext_bytes;
            }
        }
    }
}

/// Alert descriptions (RFC 8446 §6, RFC 5246 §7.2).
fn alert_name(description: u8) -> &'static str {
    match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "unknown alert",
    }
}

/// Whether `bytes`, shorter than a frame header, can still begin a SETTINGS
/// frame header on stream 0 (type 0x4 at byte 3, stream id 0 in bytes 5..9
/// but for the reserved bit).
fn could_be_settings_header(bytes: &[u8]) -> bool {
    bytes.len() < FRAME_HEADER_LEN
        && bytes.get(3).is_none_or(|t| *t == 0x4)
        && bytes
            .iter()
            .enumerate()
            .skip(5)
            .all(|(i, b)| if i == 5 { b & 0x7f == 0 } else { *b == 0 })
}
