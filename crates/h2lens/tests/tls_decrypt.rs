//! TLS decryption (`h2lens::tls`) against independent oracles:
//!
//! * RFC 8448 §3, the TLS 1.3 example handshake (TLS_AES_128_GCM_SHA256):
//!   its records must authenticate and yield the RFC's application data
//!   (tests/fixtures/tls/rfc8448_1rtt.json, made by
//!   scripts/fixtures/make_rfc8448_vectors.py);
//! * the real curl ↔ nghttpd capture and its key log, at the connection
//!   level: hostile mutations never panic and every byte stays accounted
//!   for (the decode itself is checked against tshark in
//!   crates/h2lens-cli/tests/corpus_headers.rs).

mod net_support;

use std::sync::Arc;

use h2lens::config::TcpLimits;
use h2lens::conn::{ConnEvent, ConnStart, Connection, Origin, SkipReason};
use h2lens::net::tls::{HelloInspector, TlsEvent};
use h2lens::net::NetEvent;
use h2lens::octets::from_hex;
use h2lens::tls::{KeyLog, Session, SessionEvent, Undecrypted};
use h2lens::{Config, Direction, Timestamp};
use net_support::*;
use proptest::prelude::*;
use serde_json::Value;

/// One side's write: sender and bytes.
type Write = (Direction, Vec<u8>);

/// RFC 8448's records in the order they were sent, the application data
/// both sides send, and the key log.
fn rfc8448() -> (Vec<Write>, Vec<u8>, String) {
    let v = json_fixture("tls/rfc8448_1rtt.json");
    let records = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let dir = match r["dir"].as_str().unwrap() {
                "client_to_server" => Direction::ClientToServer,
                _ => Direction::ServerToClient,
            };
            (dir, from_hex(r["hex"].as_str().unwrap()).unwrap())
        })
        .collect();
    let app = from_hex(v["app_data"].as_str().unwrap()).unwrap();
    (records, app, v["keylog"].as_str().unwrap().to_string())
}

/// Runs a session over `writes`, hellos found by the hello inspector as
/// the connection decoder does; each write pushed in `chunk`-byte pieces.
fn run_session(writes: &[Write], keylog: &str, chunk: usize) -> (Vec<SessionEvent>, Session) {
    let (log, diags) = KeyLog::parse(keylog.as_bytes());
    assert!(diags.is_empty(), "{diags:?}");
    let mut session = Session::new(Arc::new(log), 1 << 16);
    let mut hellos = [HelloInspector::new(1 << 16), HelloInspector::new(1 << 16)];
    let mut events = Vec::new();
    for (dir, bytes) in writes {
        for piece in bytes.chunks(chunk.max(1)) {
            let insp = &mut hellos[dir.index()];
            insp.push(piece);
            while let Some(e) = insp.next_event() {
                match e {
                    TlsEvent::ClientHello(h) => session.client_hello(&h),
                    TlsEvent::ServerHello(h) => session.server_hello(&h),
                    _ => {}
                }
            }
            session.push(*dir, piece);
            events.extend(std::iter::from_fn(|| session.next_event()));
        }
    }
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        session.finish(dir);
    }
    events.extend(std::iter::from_fn(|| session.next_event()));
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        let s = session.stats(dir);
        assert_eq!(
            s.bytes,
            s.overhead_bytes + s.plaintext_bytes + s.undecrypted_bytes,
            "{dir:?}: {s:?}"
        );
    }
    (events, session)
}

fn app_data(events: &[SessionEvent], want: Direction) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::ApplicationData { dir, data, .. } if *dir == want => {
                Some(data.as_bytes().to_vec())
            }
            _ => None,
        })
        .flatten()
        .collect()
}

fn undecrypted(events: &[SessionEvent]) -> Vec<(Direction, Undecrypted)> {
    events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Undecrypted { dir, reason, .. } => Some((*dir, *reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn rfc8448_records_decrypt_to_its_application_data() {
    let (records, app, keylog) = rfc8448();
    let (events, session) = run_session(&records, &keylog, usize::MAX);
    assert_eq!(app_data(&events, Direction::ClientToServer), app);
    assert_eq!(app_data(&events, Direction::ServerToClient), app);
    assert_eq!(undecrypted(&events), []);
    // Both sides end with an encrypted close_notify (level 1, alert 0).
    let alerts: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Alert {
                dir,
                level,
                description,
                encrypted,
                ..
            } => Some((*dir, *level, *description, *encrypted)),
            _ => None,
        })
        .collect();
    assert_eq!(
        alerts,
        [
            (Direction::ClientToServer, 1, 0, true),
            (Direction::ServerToClient, 1, 0, true)
        ]
    );
    // Server: handshake flight (handshake keys), NewSessionTicket, data,
    // close_notify (application keys after its Finished). Client:
    // Finished, data, close_notify.
    assert_eq!(
        session.stats(Direction::ServerToClient).decrypted_records,
        4
    );
    assert_eq!(
        session.stats(Direction::ClientToServer).decrypted_records,
        3
    );
    assert_eq!(session.stats(Direction::ClientToServer).plaintext_bytes, 50);
    // The same events however the records are cut.
    for chunk in [1, 3, 100] {
        assert_eq!(
            run_session(&records, &keylog, chunk).0,
            events,
            "chunk {chunk}"
        );
    }
}

#[test]
fn rfc8448_altered_record_is_reported_and_the_next_still_decrypts() {
    let (mut records, app, keylog) = rfc8448();
    // Flip a ciphertext bit of the server's application data record.
    let (dir, data) = &mut records[6];
    assert_eq!(*dir, Direction::ServerToClient);
    data[10] ^= 1;
    let (events, _) = run_session(&records, &keylog, usize::MAX);
    assert_eq!(
        undecrypted(&events),
        [(Direction::ServerToClient, Undecrypted::DecryptFailed)]
    );
    assert!(events.iter().any(|e| matches!(e, SessionEvent::Diagnostic { diagnostic, .. } if diagnostic.code == "tls.decrypt_failed")));
    assert_eq!(app_data(&events, Direction::ClientToServer), app);
    assert!(app_data(&events, Direction::ServerToClient).is_empty());
    // The close_notify after it opens at the next sequence number.
    assert!(events.iter().any(|e| matches!(
        e,
        SessionEvent::Alert {
            dir: Direction::ServerToClient,
            encrypted: true,
            ..
        }
    )));
}

#[test]
fn rfc8448_missing_secrets() {
    let (records, app, keylog) = rfc8448();
    // Without the server's handshake secret its flight stays encrypted;
    // the application keys are found by trying them on the next record.
    let no_shs: String = keylog
        .lines()
        .filter(|l| !l.starts_with("SERVER_HANDSHAKE"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (events, _) = run_session(&records, &no_shs, usize::MAX);
    assert_eq!(
        undecrypted(&events),
        [(Direction::ServerToClient, Undecrypted::DecryptFailed)]
    );
    assert_eq!(app_data(&events, Direction::ServerToClient), app);
    // Without the server's application secret its data stays encrypted.
    let no_sap: String = keylog
        .lines()
        .filter(|l| !l.starts_with("SERVER_TRAFFIC_SECRET_0"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (events, _) = run_session(&records, &no_sap, usize::MAX);
    assert!(app_data(&events, Direction::ServerToClient).is_empty());
    assert_eq!(app_data(&events, Direction::ClientToServer), app);
    assert!(undecrypted(&events)
        .iter()
        .all(|(d, r)| *d == Direction::ServerToClient && *r == Undecrypted::MissingSecret));
    // A key log for another session: nothing is decrypted, all reported
    // as "no keys".
    let other = keylog.replace("cb34ecb1", "00000000");
    let (events, _) = run_session(&records, &other, usize::MAX);
    assert!(events
        .iter()
        .all(|e| !matches!(e, SessionEvent::ApplicationData { .. })));
    assert!(undecrypted(&events)
        .iter()
        .all(|(_, r)| *r == Undecrypted::NoKeys));
    assert!(events.iter().any(|e| matches!(e, SessionEvent::Diagnostic { diagnostic, .. } if diagnostic.code == "tls.no_keys")));
}

/// The corpus TLS capture as connection writes: (connection, sender,
/// bytes, packet), in capture order.
fn corpus_writes() -> Vec<(u32, Direction, Vec<u8>, u64)> {
    let (_, events) = net_events(
        &read_fixture("corpus/h2_tls_curl.pcap"),
        Chunking::Whole,
        &TcpLimits::default(),
    );
    events
        .into_iter()
        .filter_map(|e| match e {
            NetEvent::Data(d) => Some((d.conn.0, d.dir, d.data.as_bytes().to_vec(), d.packet)),
            _ => None,
        })
        .collect()
}

fn corpus_keylog() -> Arc<KeyLog> {
    let (log, _) = KeyLog::parse(&read_fixture("corpus/h2_tls_curl.keys.log"));
    Arc::new(log)
}

/// Runs one connection; checks that every byte is in exactly one bucket.
fn run_conn(
    writes: &[(Direction, Vec<u8>, u64)],
    keylog: Option<Arc<KeyLog>>,
    chunk: usize,
) -> Vec<ConnEvent> {
    let mut conn = Connection::new(&Config::default(), ConnStart::Beginning);
    if let Some(k) = keylog {
        conn.set_key_log(k);
    }
    for (dir, bytes, packet) in writes {
        let origin = Origin {
            packet: *packet,
            ts: Timestamp(*packet as i64),
        };
        for piece in bytes.chunks(chunk.max(1)) {
            conn.push(*dir, piece, origin);
        }
    }
    conn.finish();
    let stats = conn.stats();
    for s in [&stats.client_to_server, &stats.server_to_client] {
        assert_eq!(s.bytes, s.accounted_bytes(), "{s:?}");
    }
    std::iter::from_fn(|| conn.next_event()).collect()
}

fn one_conn(id: u32) -> Vec<(Direction, Vec<u8>, u64)> {
    corpus_writes()
        .into_iter()
        .filter(|w| w.0 == id)
        .map(|(_, d, b, p)| (d, b, p))
        .collect()
}

#[test]
fn corpus_connections_decrypt_at_the_connection_level() {
    for id in 0..3 {
        let writes = one_conn(id);
        let events = run_conn(&writes, Some(corpus_keylog()), usize::MAX);
        let blocks = events
            .iter()
            .filter(|e| matches!(e, ConnEvent::HeaderBlock(_)))
            .count();
        assert!(blocks >= 2, "conn {id}: {blocks} blocks");
        assert!(!events.iter().any(|e| matches!(e, ConnEvent::Skipped(_))));
        assert_eq!(run_conn(&writes, Some(corpus_keylog()), 1), events);
        // Without a key log: everything skipped as TLS, as before.
        let plain = run_conn(&writes, None, usize::MAX);
        assert!(plain
            .iter()
            .all(|e| !matches!(e, ConnEvent::HeaderBlock(_))));
        assert!(plain
            .iter()
            .any(|e| matches!(e, ConnEvent::Skipped(s) if s.reason == SkipReason::Tls)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Altered, cut or reordered bytes of a real decrypted connection
    /// never panic, and every byte stays accounted for.
    #[test]
    fn altered_tls_connection_never_panics(
        id in 0u32..3,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        chunk in 1usize..2000,
    ) {
        let mut writes = one_conn(id);
        for (w, at, x) in &flips {
            let n = writes.len();
            let (_, bytes, _) = &mut writes[w.index(n)];
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] ^= x;
            }
        }
        if let Some(cut) = cut {
            let n = cut.index(writes.len());
            writes.truncate(n);
        }
        run_conn(&writes, Some(corpus_keylog()), chunk);
    }

    /// Arbitrary bytes after a real ClientHello and ServerHello, with the
    /// key log that matches them.
    #[test]
    fn arbitrary_records_never_panic(
        tail in proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..300)), 0..8),
        framed in any::<bool>(),
    ) {
        let real = one_conn(0);
        let mut writes: Vec<(Direction, Vec<u8>, u64)> = real.into_iter().take(4).collect();
        for (client, mut bytes) in tail {
            if framed {
                // Make it look like a protected record.
                let mut rec = vec![23, 3, 3];
                rec.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
                rec.append(&mut bytes);
                bytes = rec;
            }
            let dir = if client { Direction::ClientToServer } else { Direction::ServerToClient };
            writes.push((dir, bytes, 99));
        }
        run_conn(&writes, Some(corpus_keylog()), 5);
    }

    /// Hostile key logs never panic: wrong secret sizes, junk lines.
    #[test]
    fn arbitrary_key_logs_never_panic(
        text in proptest::collection::vec(any::<u8>(), 0..400),
        secret_len in 0usize..80,
    ) {
        let _ = KeyLog::parse(&text);
        // The corpus session's labels with secrets of any size.
        let randoms: Vec<String> = String::from_utf8(read_fixture("corpus/h2_tls_curl.keys.log"))
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                format!("{} {} {}\n", f[0], f[1], "ab".repeat(secret_len))
            })
            .collect();
        let (log, _) = KeyLog::parse(randoms.concat().as_bytes());
        run_conn(&one_conn(id_of(secret_len)), Some(Arc::new(log)), 64);
    }
}

fn id_of(n: usize) -> u32 {
    (n % 3) as u32
}

#[test]
fn key_log_fixture_parses_cleanly() {
    let (log, diags) = KeyLog::parse(&read_fixture("corpus/h2_tls_curl.keys.log"));
    assert!(diags.is_empty(), "{diags:?}");
    // Two TLS 1.3 sessions (5 lines each) and one TLS 1.2 (CLIENT_RANDOM).
    assert_eq!(log.len(), 3);
    let v: Value = json_fixture("corpus/h2_tls_curl.hellos.json");
    for h in v["hellos"].as_array().unwrap() {
        if h["type"] == "client_hello" {
            let random: [u8; 32] = from_hex(h["random"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            assert!(log.get(&random).is_some(), "{}", h["random"]);
        }
    }
}

/// A TLS 1.2 session whose suite h2lens does not decrypt (CBC): its
/// records are reported, with the suite named, never guessed at.
#[test]
fn unsupported_suite_is_reported() {
    use h2lens::net::tls::{ClientHello, ServerHello, TlsVersion};
    use h2lens::octets::HexBytes;
    use h2lens::Span;
    let random = [0x42u8; 32];
    let keylog = format!(
        "CLIENT_RANDOM {} {}\n",
        h2lens::octets::to_hex(&random),
        "11".repeat(48)
    );
    let mut session = Session::new(Arc::new(KeyLog::parse(keylog.as_bytes()).0), 1 << 16);
    session.client_hello(&ClientHello {
        legacy_version: TlsVersion::TLS1_2,
        random: HexBytes(random.to_vec()),
        supported_versions: vec![],
        sni: None,
        alpn: vec![],
        cipher_suites: vec![0xc013],
        extensions: vec![],
        span: Span::new(0, 0),
    });
    session.server_hello(&ServerHello {
        legacy_version: TlsVersion::TLS1_2,
        random: HexBytes(vec![7; 32]),
        selected_version: TlsVersion::TLS1_2,
        cipher_suite: 0xc013,
        alpn: None,
        alpn_hidden: false,
        hello_retry_request: false,
        extensions: vec![],
        span: Span::new(0, 0),
    });
    assert_eq!(session.has_keys(), Some(true));
    // ChangeCipherSpec, then a protected Finished and application data.
    let mut stream = vec![20, 3, 3, 0, 1, 1];
    for len in [40u16, 100] {
        stream.extend_from_slice(&[if len == 40 { 22 } else { 23 }, 3, 3]);
        stream.extend_from_slice(&len.to_be_bytes());
        stream.extend(std::iter::repeat_n(0xab, usize::from(len)));
    }
    session.push(Direction::ClientToServer, &stream);
    session.finish(Direction::ClientToServer);
    let events: Vec<_> = std::iter::from_fn(|| session.next_event()).collect();
    assert_eq!(
        undecrypted(&events),
        [
            (Direction::ClientToServer, Undecrypted::UnsupportedSuite),
            (Direction::ClientToServer, Undecrypted::UnsupportedSuite)
        ]
    );
    let notes: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Diagnostic { diagnostic, .. } => Some(diagnostic.message.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        "{notes:?}"
    );
    let s = session.stats(Direction::ClientToServer);
    assert_eq!((s.overhead_bytes, s.undecrypted_bytes), (6, 150));
}

/// Lost bytes in a decrypted direction: what follows cannot be decrypted
/// (record framing and sequence numbers are gone); it is reported, and
/// every byte stays accounted for.
#[test]
fn gap_stops_decryption_of_that_direction() {
    let writes = one_conn(1);
    // The TLS 1.2 connection's server sends the 24 kB body in several
    // segments: lose one in the middle.
    let big: Vec<usize> = writes
        .iter()
        .enumerate()
        .filter(|(_, w)| w.0 == Direction::ServerToClient && w.1.len() > 4000)
        .map(|(i, _)| i)
        .collect();
    assert!(big.len() >= 2, "{big:?}");
    let lost = big[big.len() / 2];
    let mut conn = Connection::new(&Config::default(), ConnStart::Beginning);
    conn.set_key_log(corpus_keylog());
    for (i, (dir, bytes, packet)) in writes.iter().enumerate() {
        let origin = Origin {
            packet: *packet,
            ts: Timestamp(0),
        };
        if i == lost {
            conn.gap(*dir, bytes.len() as u64, origin);
        } else {
            conn.push(*dir, bytes, origin);
        }
    }
    conn.finish();
    let stats = conn.stats();
    let s = &stats.server_to_client;
    assert_eq!(s.bytes, s.accounted_bytes());
    assert_eq!(s.lost, writes[lost].1.len() as u64);
    assert!(
        s.skipped
            .get(&SkipReason::TlsNotDecrypted)
            .copied()
            .unwrap_or(0)
            > 0
    );
    let events: Vec<ConnEvent> = std::iter::from_fn(|| conn.next_event()).collect();
    let codes: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            ConnEvent::Diagnostic(d) => Some(d.diagnostic.code),
            _ => None,
        })
        .collect();
    assert!(
        codes.contains(&"tcp.gap") && codes.contains(&"tls.gap"),
        "{codes:?}"
    );
    // The client side is untouched: its request was decrypted.
    assert!(events.iter().any(|e| matches!(
        e,
        ConnEvent::HeaderBlock(b) if b.dir == Direction::ClientToServer
    )));
}
