//! One TLS connection's decryption, both directions: which keys protect
//! each record, in order, from the key log's secrets.
//!
//! TLS 1.3 (RFC 8446): after the ServerHello every record of outer type
//! application_data is protected, first with the handshake traffic keys,
//! then — after the sender's Finished — with the application traffic keys
//! (`*_TRAFFIC_SECRET_0`), updated by KeyUpdate (§4.6.3). The Finished is
//! found by reading the decrypted handshake messages; if that fails (a
//! message h2lens could not follow) the next keys are tried.
//!
//! TLS 1.2 (RFC 5246): after a side's ChangeCipherSpec every record it
//! sends is protected with the keys expanded from the `CLIENT_RANDOM`
//! master secret.
//!
//! Every byte pushed ends in exactly one of [`TlsDirStats`]'
//! `overhead_bytes` (record headers, protection overhead, handshake,
//! alerts, change cipher spec), `plaintext_bytes` (application data,
//! handed out in [`SessionEvent::ApplicationData`]) and
//! `undecrypted_bytes` ([`SessionEvent::Undecrypted`] spans).

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;

use super::aead::{record_overhead, RecordKeys};
use super::keylog::{KeyLog, SessionSecrets};
use super::record::{content_type as ct, Record, RecordReader};
use super::schedule::{tls12_key_block, tls13_next_secret, tls13_traffic_keys};
use super::suite::{CipherSuite, SuiteParams};
use crate::net::tls::{ClientHello, ServerHello, TlsVersion};
use crate::{Diagnostic, Direction, Layer, Octets, PerDir, Span};

/// Why bytes were not decrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undecrypted {
    /// The key log has no secrets for this connection's client random (or
    /// no ClientHello was seen).
    NoKeys,
    /// The key log lacks the secret these records need.
    MissingSecret,
    /// A cipher suite h2lens cannot decrypt (CBC, CCM, …).
    UnsupportedSuite,
    /// The record did not authenticate with the keys it should use.
    DecryptFailed,
    /// Protected records before the ServerHello (TLS 1.3 0-RTT early data).
    EarlyData,
    /// Record framing was lost (a TCP gap, or bytes that are not a record).
    FramingLost,
    /// A record cut short by the end of the stream.
    Truncated,
}

impl Undecrypted {
    pub fn describe(self) -> &'static str {
        match self {
            Undecrypted::NoKeys => "no key log entry",
            Undecrypted::MissingSecret => "secret missing from the key log",
            Undecrypted::UnsupportedSuite => "cipher suite not supported",
            Undecrypted::DecryptFailed => "record did not authenticate",
            Undecrypted::EarlyData => "0-RTT early data",
            Undecrypted::FramingLost => "record framing lost",
            Undecrypted::Truncated => "record cut short",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionEvent {
    /// The application data of one record, decrypted. `record` is the
    /// record's span in the direction's stream.
    ApplicationData {
        dir: Direction,
        record: Span,
        data: Octets,
    },
    /// Stream bytes that were not decrypted, and why.
    Undecrypted {
        dir: Direction,
        span: Span,
        reason: Undecrypted,
    },
    /// The first record of `dir` decrypted.
    Decrypting {
        dir: Direction,
        version: TlsVersion,
        suite: CipherSuite,
    },
    /// The server's ALPN choice, read from the encrypted
    /// EncryptedExtensions (TLS 1.3).
    Alpn { protocol: Octets },
    /// An alert (RFC 8446 §6), in the clear or decrypted.
    Alert {
        dir: Direction,
        level: u8,
        description: u8,
        encrypted: bool,
        offset: u64,
    },
    /// `dir`'s sender updated its traffic keys (RFC 8446 §4.6.3).
    KeyUpdate { dir: Direction, offset: u64 },
    Diagnostic {
        dir: Direction,
        diagnostic: Diagnostic,
    },
}

/// Byte accounting of one direction.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TlsDirStats {
    /// Bytes pushed.
    pub bytes: u64,
    pub records: u64,
    pub decrypted_records: u64,
    /// Record headers, nonces, tags, padding, and the content of
    /// handshake, alert and change-cipher-spec records.
    pub overhead_bytes: u64,
    /// Application data decrypted.
    pub plaintext_bytes: u64,
    pub undecrypted_bytes: u64,
}

#[derive(Debug)]
enum Secrets {
    /// No ClientHello yet: records wait.
    Undecided,
    Missing,
    Found(Box<SessionSecrets>),
}

/// Which keys protect a TLS 1.3 direction now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Epoch {
    Plain,
    Handshake,
    Application,
}

/// A key set and the secret it came from (TLS 1.3, for KeyUpdate).
#[derive(Debug)]
struct Keys {
    record: RecordKeys,
    secret: Option<Vec<u8>>,
}

#[derive(Debug)]
struct DirState {
    reader: RecordReader,
    /// Records held until the session knows whether it has keys.
    pending: VecDeque<Record>,
    pending_bytes: usize,
    /// TLS 1.2: this side sent ChangeCipherSpec.
    ccs: bool,
    epoch: Epoch,
    /// Keys were set up (or found missing) for the current epoch.
    keys_ready: bool,
    keys: Option<Keys>,
    /// TLS 1.3: the application keys, after the handshake keys.
    next: Option<Keys>,
    handshake: HandshakeStream,
    /// Records in a row that did not authenticate.
    failures: u64,
    reported_failure: bool,
    reported_missing: bool,
    decrypting: bool,
    /// Framing is lost: everything else is undecrypted.
    stopped: bool,
    stats: TlsDirStats,
}

impl DirState {
    fn new() -> DirState {
        DirState {
            reader: RecordReader::new(),
            pending: VecDeque::new(),
            pending_bytes: 0,
            ccs: false,
            epoch: Epoch::Plain,
            keys_ready: false,
            keys: None,
            next: None,
            handshake: HandshakeStream::default(),
            failures: 0,
            reported_failure: false,
            reported_missing: false,
            decrypting: false,
            stopped: false,
            stats: TlsDirStats::default(),
        }
    }
}

/// Decrypts one TLS connection. See the module documentation.
#[derive(Debug)]
pub struct Session {
    keylog: Arc<KeyLog>,
    max_pending: usize,
    secrets: Secrets,
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    version: Option<TlsVersion>,
    suite: Option<CipherSuite>,
    dirs: PerDir<DirState>,
    events: VecDeque<SessionEvent>,
}

/// Bodies of these handshake messages are kept to be read (others are
/// only counted).
const HS_FINISHED: u8 = 20;
const HS_KEY_UPDATE: u8 = 24;
const HS_ENCRYPTED_EXTENSIONS: u8 = 8;
/// Largest handshake message body kept to be read.
const MAX_KEPT_MESSAGE: usize = 1 << 14;

impl Session {
    /// `max_pending`: bytes of records held while no ClientHello has been
    /// seen (`TcpLimits::max_tls_hello_bytes`).
    pub fn new(keylog: Arc<KeyLog>, max_pending: u32) -> Session {
        Session {
            keylog,
            max_pending: max_pending as usize,
            secrets: Secrets::Undecided,
            client_random: None,
            server_random: None,
            version: None,
            suite: None,
            dirs: PerDir::new(DirState::new(), DirState::new()),
            events: VecDeque::new(),
        }
    }

    /// A newer key log (more Decryption Secrets Blocks). Used by sessions
    /// whose ClientHello is still to come.
    pub fn set_key_log(&mut self, keylog: Arc<KeyLog>) {
        self.keylog = keylog;
    }

    /// Whether the key log has secrets for this session: `None` until the
    /// ClientHello.
    pub fn has_keys(&self) -> Option<bool> {
        match self.secrets {
            Secrets::Undecided => None,
            Secrets::Missing => Some(false),
            Secrets::Found(_) => Some(true),
        }
    }

    pub fn client_random(&self) -> Option<&[u8; 32]> {
        self.client_random.as_ref()
    }

    pub fn stats(&self, dir: Direction) -> &TlsDirStats {
        &self.dirs[dir].stats
    }

    /// The stream offset before which no byte is held any more.
    pub fn held_from(&self, dir: Direction) -> u64 {
        let d = &self.dirs[dir];
        d.pending
            .front()
            .map(|r| r.start)
            .unwrap_or(d.reader.offset())
    }

    pub fn next_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// The (first) ClientHello: its random selects the key log entry. A
    /// second ClientHello (after a HelloRetryRequest) carries the same
    /// random (RFC 8446 §4.1.2) and changes nothing.
    pub fn client_hello(&mut self, hello: &ClientHello) {
        if self.client_random.is_some() {
            return;
        }
        let Ok(random) = <[u8; 32]>::try_from(hello.random.0.as_slice()) else {
            return;
        };
        self.client_random = Some(random);
        self.secrets = match self.keylog.get(&random) {
            Some(s) => Secrets::Found(Box::new(s.clone())),
            None => {
                self.events.push_back(SessionEvent::Diagnostic {
                    dir: Direction::ClientToServer,
                    diagnostic: Diagnostic::info(
                        Layer::Tls,
                        "tls.no_keys",
                        format!(
                            "the key log ({} sessions) has no secrets for client random {}; this connection stays encrypted",
                            self.keylog.len(),
                            crate::octets::to_hex(&random)
                        ),
                    )
                    .at(hello.span.start),
                });
                Secrets::Missing
            }
        };
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            while let Some(record) = self.dirs[dir].pending.pop_front() {
                self.dirs[dir].pending_bytes = self.dirs[dir]
                    .pending_bytes
                    .saturating_sub(record.body.len());
                self.record(dir, record);
            }
        }
    }

    /// A ServerHello. A HelloRetryRequest changes nothing: keys come with
    /// the real ServerHello.
    pub fn server_hello(&mut self, hello: &ServerHello) {
        if hello.hello_retry_request || self.version.is_some() {
            return;
        }
        self.server_random = <[u8; 32]>::try_from(hello.random.0.as_slice()).ok();
        self.version = Some(hello.selected_version);
        self.suite = Some(CipherSuite(hello.cipher_suite));
    }

    /// The next bytes of `dir`'s stream.
    pub fn push(&mut self, dir: Direction, bytes: &[u8]) {
        let d = &mut self.dirs[dir];
        d.stats.bytes = d.stats.bytes.saturating_add(bytes.len() as u64);
        if d.stopped || matches!(self.secrets, Secrets::Missing) {
            let reason = if d.stopped {
                Undecrypted::FramingLost
            } else {
                Undecrypted::NoKeys
            };
            let held = d.reader.discard();
            let start = held.start;
            let end = held.end + bytes.len() as u64;
            d.reader.reset_to(end);
            self.undecrypted(dir, Span::new(start, end), reason);
            return;
        }
        d.reader.push(bytes);
        loop {
            let d = &mut self.dirs[dir];
            match d.reader.next_record() {
                None => return,
                Some(Ok(record)) => self.record(dir, record),
                Some(Err(bad)) => {
                    let span = d.reader.discard();
                    d.stopped = true;
                    let reason = self.no_keys_or(Undecrypted::FramingLost);
                    if reason != Undecrypted::NoKeys {
                        self.diag(
                            dir,
                            Diagnostic::error(
                                Layer::Tls,
                                "tls.bad_record",
                                format!(
                                    "bytes at {} are not a TLS record (type {}, version 0x{:04x}, length {}); the rest of this direction is not decrypted",
                                    bad.offset, bad.header.content_type, bad.header.version, bad.header.length
                                ),
                            )
                            .at(bad.offset)
                            .rfc("RFC 8446 §5.1"),
                        );
                    }
                    self.undecrypted(dir, span, reason);
                    return;
                }
            }
        }
    }

    /// `len` bytes of `dir` were lost: record framing and sequence numbers
    /// are gone, so the rest of the direction is not decrypted.
    pub fn gap(&mut self, dir: Direction, len: u64) {
        let d = &mut self.dirs[dir];
        let held = d.reader.discard();
        d.reader.reset_to(held.end.saturating_add(len));
        let first = !d.stopped;
        d.stopped = true;
        let reason = self.no_keys_or(Undecrypted::FramingLost);
        if first && reason != Undecrypted::NoKeys {
            self.diag(
                dir,
                Diagnostic::warning(
                    Layer::Tls,
                    "tls.gap",
                    format!(
                        "{len} bytes of TLS records were lost; the rest of this direction cannot be decrypted"
                    ),
                )
                .at(held.end),
            );
        }
        self.flush_pending(dir, reason);
        self.undecrypted(dir, held, reason);
    }

    /// The direction ended: what is held was never completed.
    pub fn finish(&mut self, dir: Direction) {
        let reason = self.no_keys_or(Undecrypted::Truncated);
        self.flush_pending(dir, Undecrypted::NoKeys);
        let held = self.dirs[dir].reader.discard();
        self.undecrypted(dir, held, reason);
    }

    fn no_keys_or(&self, reason: Undecrypted) -> Undecrypted {
        match self.secrets {
            Secrets::Found(_) => reason,
            Secrets::Undecided | Secrets::Missing => Undecrypted::NoKeys,
        }
    }

    fn flush_pending(&mut self, dir: Direction, reason: Undecrypted) {
        while let Some(record) = self.dirs[dir].pending.pop_front() {
            self.dirs[dir].pending_bytes = 0;
            self.undecrypted(dir, record.span(), reason);
        }
    }

    fn undecrypted(&mut self, dir: Direction, span: Span, reason: Undecrypted) {
        if span.is_empty() {
            return;
        }
        let stats = &mut self.dirs[dir].stats;
        stats.undecrypted_bytes = stats.undecrypted_bytes.saturating_add(span.len());
        self.events
            .push_back(SessionEvent::Undecrypted { dir, span, reason });
    }

    fn diag(&mut self, dir: Direction, diagnostic: Diagnostic) {
        self.events
            .push_back(SessionEvent::Diagnostic { dir, diagnostic });
    }

    fn overhead(&mut self, dir: Direction, bytes: u64) {
        let stats = &mut self.dirs[dir].stats;
        stats.overhead_bytes = stats.overhead_bytes.saturating_add(bytes);
    }

    fn record(&mut self, dir: Direction, record: Record) {
        let d = &mut self.dirs[dir];
        d.stats.records += 1;
        match self.secrets {
            Secrets::Undecided => {
                if d.pending_bytes.saturating_add(record.body.len()) > self.max_pending {
                    // No ClientHello within the limit: give up on keys.
                    self.secrets = Secrets::Missing;
                    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
                        self.flush_pending(dir, Undecrypted::NoKeys);
                    }
                    self.undecrypted(dir, record.span(), Undecrypted::NoKeys);
                } else {
                    d.pending_bytes += record.body.len();
                    d.pending.push_back(record);
                }
            }
            Secrets::Missing => self.undecrypted(dir, record.span(), Undecrypted::NoKeys),
            Secrets::Found(_) => self.protected_or_plain(dir, record),
        }
    }

    fn protected_or_plain(&mut self, dir: Direction, record: Record) {
        let content_type = record.header.content_type;
        let tls13 = self.version == Some(TlsVersion::TLS1_3);
        let protected = match self.version {
            Some(TlsVersion::TLS1_3) => content_type == ct::APPLICATION_DATA,
            Some(_) => self.dirs[dir].ccs,
            // Protected before any ServerHello: TLS 1.3 0-RTT early data.
            None => content_type == ct::APPLICATION_DATA,
        };
        if !protected {
            self.overhead(dir, record.wire_len());
            match content_type {
                ct::CHANGE_CIPHER_SPEC if !tls13 => self.dirs[dir].ccs = true,
                ct::ALERT => {
                    if let [level, description] = *record.body.as_slice() {
                        self.events.push_back(SessionEvent::Alert {
                            dir,
                            level,
                            description,
                            encrypted: false,
                            offset: record.start,
                        });
                    }
                }
                _ => {}
            }
            return;
        }
        if self.version.is_none() {
            self.missing_once(
                dir,
                "protected records before the ServerHello (TLS 1.3 0-RTT early data) are not decrypted",
                record.start,
            );
            return self.undecrypted(dir, record.span(), Undecrypted::EarlyData);
        }
        if !self.dirs[dir].keys_ready {
            self.set_up_keys(dir, record.start);
        }
        if let Some(reason) = self.unusable(dir) {
            return self.undecrypted(dir, record.span(), reason);
        }
        match self.open(dir, &record) {
            Some((content_type, plaintext)) => self.opened(dir, &record, content_type, plaintext),
            None => {
                let d = &mut self.dirs[dir];
                d.failures += 1;
                if !d.reported_failure {
                    d.reported_failure = true;
                    self.diag(
                        dir,
                        Diagnostic::error(
                            Layer::Tls,
                            "tls.decrypt_failed",
                            format!(
                                "the TLS record at {} ({} bytes) did not authenticate with the key log's keys: wrong secrets, or records lost or altered",
                                record.start,
                                record.wire_len()
                            ),
                        )
                        .at(record.start)
                        .rfc("RFC 8446 §5.2"),
                    );
                }
                self.undecrypted(dir, record.span(), Undecrypted::DecryptFailed);
            }
        }
    }

    /// Why `dir`'s protected records cannot be opened now, if so.
    fn unusable(&self, dir: Direction) -> Option<Undecrypted> {
        let d = &self.dirs[dir];
        if d.keys.is_some() || d.next.is_some() {
            return None;
        }
        match self.suite.and_then(CipherSuite::params) {
            None => Some(Undecrypted::UnsupportedSuite),
            Some(_) => Some(Undecrypted::MissingSecret),
        }
    }

    fn missing_once(&mut self, dir: Direction, what: &str, offset: u64) {
        if self.dirs[dir].reported_missing {
            return;
        }
        self.dirs[dir].reported_missing = true;
        self.diag(
            dir,
            Diagnostic::warning(Layer::Tls, "tls.not_decrypted", what.to_string()).at(offset),
        );
    }

    /// Keys for `dir`'s first protected record.
    fn set_up_keys(&mut self, dir: Direction, offset: u64) {
        self.dirs[dir].keys_ready = true;
        let Secrets::Found(secrets) = &self.secrets else {
            return;
        };
        let Some(suite) = self.suite else {
            return;
        };
        let Some(params) = suite.params() else {
            let what = format!(
                "{suite} is not supported: h2lens decrypts AES-GCM and ChaCha20-Poly1305 suites (the ones HTTP/2 allows, RFC 9113 §9.2.2)"
            );
            return self.missing_once(dir, &what, offset);
        };
        let client = dir == Direction::ClientToServer;
        if params.tls13 {
            let (handshake, application) = if client {
                (
                    &secrets.client_handshake_traffic_secret,
                    &secrets.client_traffic_secret_0,
                )
            } else {
                (
                    &secrets.server_handshake_traffic_secret,
                    &secrets.server_traffic_secret_0,
                )
            };
            let handshake = handshake.as_deref().and_then(|s| tls13_keys(params, s));
            let application = application.as_deref().and_then(|s| tls13_keys(params, s));
            let missing = match (&handshake, &application) {
                (Some(_), Some(_)) => None,
                (None, Some(_)) => Some("handshake"),
                (Some(_), None) => Some("application"),
                (None, None) => Some("handshake and application"),
            };
            let d = &mut self.dirs[dir];
            d.epoch = Epoch::Handshake;
            d.keys = handshake;
            d.next = application;
            if let Some(which) = missing {
                let side = if client { "CLIENT" } else { "SERVER" };
                let what = format!(
                    "the key log has no usable {which} traffic secret of the {} ({side}_HANDSHAKE_TRAFFIC_SECRET / {side}_TRAFFIC_SECRET_0); those records are not decrypted",
                    if client { "client" } else { "server" }
                );
                self.missing_once(dir, &what, offset);
            }
            return;
        }
        let keys = match (
            &secrets.master_secret,
            &self.client_random,
            &self.server_random,
        ) {
            (Some(master), Some(cr), Some(sr)) => tls12_key_block(params, master, cr, sr),
            _ => None,
        };
        let keys = keys.and_then(|(c, s)| {
            let keys = if client { c } else { s };
            RecordKeys::new(params, &keys)
        });
        match keys {
            Some(record) => {
                self.dirs[dir].keys = Some(Keys {
                    record,
                    secret: None,
                })
            }
            None => self.missing_once(
                dir,
                "the key log has no usable CLIENT_RANDOM master secret for this TLS 1.2 session",
                offset,
            ),
        }
    }

    /// Opens a protected record: current keys at the expected sequence
    /// number (or past records that failed), else — TLS 1.3 — the next
    /// epoch's keys at 0.
    fn open(&mut self, dir: Direction, record: &Record) -> Option<(u8, Vec<u8>)> {
        let d = &mut self.dirs[dir];
        if let Some(keys) = &mut d.keys {
            let seq = keys.record.seq;
            let mut tries = vec![seq];
            if d.failures > 0 {
                tries.push(seq.saturating_add(d.failures));
            }
            for seq in tries {
                if let Some(opened) = keys.record.open(&record.header, &record.body, seq) {
                    keys.record.seq = seq.saturating_add(1);
                    d.failures = 0;
                    return Some((opened.content_type, opened.plaintext));
                }
            }
        }
        let next = d.next.as_mut()?;
        let opened = next.record.open(&record.header, &record.body, 0)?;
        next.record.seq = 1;
        // The Finished was missed (or never readable): switch anyway.
        d.keys = d.next.take();
        d.epoch = Epoch::Application;
        d.handshake = HandshakeStream::default();
        d.failures = 0;
        Some((opened.content_type, opened.plaintext))
    }

    fn opened(&mut self, dir: Direction, record: &Record, content_type: u8, plaintext: Vec<u8>) {
        let d = &mut self.dirs[dir];
        d.stats.decrypted_records += 1;
        if !d.decrypting {
            d.decrypting = true;
            if let (Some(version), Some(suite)) = (self.version, self.suite) {
                self.events.push_back(SessionEvent::Decrypting {
                    dir,
                    version,
                    suite,
                });
            }
        }
        match content_type {
            ct::APPLICATION_DATA => {
                let len = plaintext.len();
                self.overhead(dir, record_overhead(record.body.len(), len));
                let stats = &mut self.dirs[dir].stats;
                stats.plaintext_bytes = stats.plaintext_bytes.saturating_add(len as u64);
                if len > 0 {
                    self.events.push_back(SessionEvent::ApplicationData {
                        dir,
                        record: record.span(),
                        data: Octets::new(plaintext),
                    });
                }
            }
            ct::HANDSHAKE => {
                self.overhead(dir, record.wire_len());
                let messages = self.dirs[dir].handshake.feed(&plaintext);
                for (kind, body) in messages {
                    self.handshake_message(dir, kind, body, record.start);
                }
            }
            ct::ALERT => {
                self.overhead(dir, record.wire_len());
                if let [level, description] = *plaintext.as_slice() {
                    self.events.push_back(SessionEvent::Alert {
                        dir,
                        level,
                        description,
                        encrypted: true,
                        offset: record.start,
                    });
                }
            }
            other => {
                self.overhead(dir, record.wire_len());
                self.diag(
                    dir,
                    Diagnostic::warning(
                        Layer::Tls,
                        "tls.inner_content_type",
                        format!("decrypted TLS record at {} has content type {other}, not handshake, alert or application data", record.start),
                    )
                    .at(record.start)
                    .rfc("RFC 8446 §5.4"),
                );
            }
        }
    }

    fn handshake_message(&mut self, dir: Direction, kind: u8, body: Option<Vec<u8>>, at: u64) {
        let tls13 = self.version == Some(TlsVersion::TLS1_3);
        match kind {
            HS_ENCRYPTED_EXTENSIONS if dir == Direction::ServerToClient => {
                match body.map(|b| crate::net::tls::encrypted_extensions_alpn(&b)) {
                    Some(Ok(Some(protocol))) => {
                        self.events.push_back(SessionEvent::Alpn { protocol })
                    }
                    Some(Err(problem)) => self.diag(
                        dir,
                        Diagnostic::warning(
                            Layer::Tls,
                            "tls.bad_encrypted_extensions",
                            format!("malformed EncryptedExtensions: {problem}"),
                        )
                        .at(at)
                        .rfc("RFC 8446 §4.3.1"),
                    ),
                    _ => {}
                }
            }
            HS_FINISHED if tls13 => {
                let d = &mut self.dirs[dir];
                if d.epoch == Epoch::Handshake {
                    // RFC 8446 §7.2: after its Finished a side sends with
                    // the application traffic keys.
                    d.keys = d.next.take();
                    d.epoch = Epoch::Application;
                    d.handshake = HandshakeStream::default();
                }
            }
            HS_KEY_UPDATE if tls13 => {
                let hash = self.suite.and_then(CipherSuite::params);
                let d = &mut self.dirs[dir];
                if d.epoch != Epoch::Application {
                    return;
                }
                let updated = hash.and_then(|params| {
                    let secret = d.keys.as_ref()?.secret.as_deref()?;
                    let next = tls13_next_secret(params.hash, secret)?;
                    tls13_keys(params, &next)
                });
                let ok = updated.is_some();
                d.keys = updated;
                self.events
                    .push_back(SessionEvent::KeyUpdate { dir, offset: at });
                if !ok {
                    self.missing_once(
                        dir,
                        "a KeyUpdate could not be followed; later records are not decrypted",
                        at,
                    );
                }
            }
            _ => {}
        }
    }
}

fn tls13_keys(params: SuiteParams, secret: &[u8]) -> Option<Keys> {
    let keys = tls13_traffic_keys(params, secret)?;
    Some(Keys {
        record: RecordKeys::new(params, &keys)?,
        secret: Some(secret.to_vec()),
    })
}

/// Handshake messages inside decrypted records (RFC 8446 §4): 4-byte
/// headers, bodies possibly spread over records. Bodies are kept only for
/// the messages that are read.
#[derive(Debug, Default)]
struct HandshakeStream {
    header: Vec<u8>,
    kind: u8,
    remaining: usize,
    body: Option<Vec<u8>>,
}

impl HandshakeStream {
    /// Completed messages: type and body (when kept).
    fn feed(&mut self, mut data: &[u8]) -> Vec<(u8, Option<Vec<u8>>)> {
        let mut done = Vec::new();
        while !data.is_empty() {
            if self.remaining == 0 && self.header.len() < 4 {
                let need = 4 - self.header.len();
                let (head, rest) = data.split_at(need.min(data.len()));
                self.header.extend_from_slice(head);
                data = rest;
                let Some(&[kind, a, b, c]) = self.header.first_chunk::<4>() else {
                    continue;
                };
                self.kind = kind;
                self.remaining = (usize::from(a) << 16) | (usize::from(b) << 8) | usize::from(c);
                let keep = matches!(kind, HS_ENCRYPTED_EXTENSIONS | HS_KEY_UPDATE)
                    && self.remaining <= MAX_KEPT_MESSAGE;
                self.body = keep.then(|| Vec::with_capacity(self.remaining));
            }
            let take = self.remaining.min(data.len());
            let (part, rest) = data.split_at(take);
            if let Some(body) = &mut self.body {
                body.extend_from_slice(part);
            }
            data = rest;
            self.remaining -= take;
            if self.remaining == 0 && self.header.len() == 4 {
                done.push((self.kind, self.body.take()));
                self.header.clear();
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_messages_across_records() {
        let mut hs = HandshakeStream::default();
        let msgs = [
            vec![8, 0, 0, 2, 0, 0],
            vec![11, 0, 0, 3, 1, 2, 3],
            vec![20, 0, 0, 0],
        ]
        .concat();
        let mut got = Vec::new();
        for chunk in msgs.chunks(3) {
            got.extend(hs.feed(chunk));
        }
        assert_eq!(got, vec![(8, Some(vec![0, 0])), (11, None), (20, None)]);
    }
}
