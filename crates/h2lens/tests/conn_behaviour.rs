//! The connection decoder on hand-built connections: each test is one RFC
//! 9113 rule or one situation from the field, with the expected outcome
//! taken from the RFC text.

use h2lens::conn::{BlockRole, ConnEvent, ConnStart, Connection, ExchangeState, Origin, PREFACE};
use h2lens::hpack::{Encoder, EncoderOptions, HuffmanPolicy, IndexingPolicy};
use h2lens::{Config, Direction, Timestamp};

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const CONTINUATION: u8 = 9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const ACK: u8 = 0x1;

struct Conn {
    conn: Connection,
    packet: u64,
}

impl Conn {
    fn new() -> Conn {
        Conn::with_config(Config::default())
    }

    fn with_config(cfg: Config) -> Conn {
        let mut c = Conn {
            conn: Connection::new(&cfg, ConnStart::Beginning),
            packet: 0,
        };
        c.send(C2S, PREFACE);
        c.send(C2S, &frame(SETTINGS, 0, 0, &[]));
        c.send(S2C, &frame(SETTINGS, 0, 0, &[]));
        c.send(C2S, &frame(SETTINGS, ACK, 0, &[]));
        c.send(S2C, &frame(SETTINGS, ACK, 0, &[]));
        c
    }

    fn send(&mut self, dir: Direction, bytes: &[u8]) {
        self.packet += 1;
        let origin = Origin {
            packet: self.packet,
            ts: Timestamp(self.packet as i64 * 1_000_000),
        };
        self.conn.push(dir, bytes, origin);
    }

    fn finish(mut self) -> Vec<ConnEvent> {
        self.conn.finish();
        std::iter::from_fn(|| self.conn.next_event()).collect()
    }
}

fn codes(events: &[ConnEvent]) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| match e {
            ConnEvent::Diagnostic(d) => Some(d.diagnostic.code),
            _ => None,
        })
        .collect()
}

fn blocks(events: &[ConnEvent]) -> Vec<&h2lens::conn::HeaderBlockEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            ConnEvent::HeaderBlock(b) => Some(&**b),
            _ => None,
        })
        .collect()
}

fn encoder() -> Encoder {
    Encoder::new(EncoderOptions {
        huffman: HuffmanPolicy::Never,
        indexing: IndexingPolicy::Incremental,
        ..EncoderOptions::default()
    })
}

fn request(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/payments.v1.Payments/GetPayment"),
        (":authority", "payments:50051"),
        ("content-type", "application/grpc"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    h.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    h
}

/// The origin story: repeated `actorscopes` metadata in a block that spills
/// into a CONTINUATION frame decodes as one block, every value in order.
#[test]
fn repeated_metadata_across_continuation() {
    let mut c = Conn::new();
    let block = encoder().encode(&request(&[
        ("actorscopes", "api"),
        ("actorscopes", "actor1"),
        ("actorscopes", "actor2"),
    ]));
    let (first, rest) = block.split_at(block.len() / 2);
    c.send(C2S, &frame(HEADERS, 0, 1, first));
    c.send(C2S, &frame(CONTINUATION, END_HEADERS, 1, rest));
    let events = c.finish();
    let b = blocks(&events);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].continuation_frames, 1);
    assert_eq!(b[0].packets.len(), 2);
    assert!(b[0].end_headers);
    let actors: Vec<&[u8]> = b[0]
        .hpack
        .fields
        .iter()
        .filter(|f| f.name.as_bytes() == b"actorscopes")
        .map(|f| f.value.as_bytes())
        .collect();
    assert_eq!(actors, [&b"api"[..], b"actor1", b"actor2"]);
    assert!(codes(&events).is_empty(), "{:?}", codes(&events));
}

/// §6.10: a header block must be continued by CONTINUATION frames on the
/// same stream, with nothing in between.
#[test]
fn interleaved_frame_inside_a_header_block() {
    let mut c = Conn::new();
    let block = encoder().encode(&request(&[]));
    let (first, rest) = block.split_at(10);
    c.send(C2S, &frame(HEADERS, 0, 1, first));
    c.send(C2S, &frame(PING, 0, 0, &[0; 8]));
    c.send(C2S, &frame(CONTINUATION, END_HEADERS, 1, rest));
    let events = c.finish();
    let codes = codes(&events);
    assert!(
        codes.contains(&"frame.header_block_interleaved"),
        "{codes:?}"
    );
    assert!(codes.contains(&"frame.orphan_continuation"), "{codes:?}");
    let b = blocks(&events);
    assert!(
        !b[0].end_headers,
        "the cut block says END_HEADERS never came"
    );
}

/// §6.10: CONTINUATION on another stream is a protocol error.
#[test]
fn continuation_on_another_stream() {
    let mut c = Conn::new();
    let block = encoder().encode(&request(&[]));
    let (first, rest) = block.split_at(10);
    c.send(C2S, &frame(HEADERS, 0, 1, first));
    c.send(C2S, &frame(CONTINUATION, END_HEADERS, 3, rest));
    let codes = codes(&c.finish());
    assert!(
        codes.contains(&"frame.header_block_interleaved"),
        "{codes:?}"
    );
}

/// A CONTINUATION flood is cut at the configured limit, reported, and
/// never buffered without bound.
#[test]
fn continuation_flood_is_cut() {
    let mut cfg = Config::default();
    cfg.frame.max_continuation_frames = 50;
    let mut c = Conn::with_config(cfg);
    c.send(C2S, &frame(HEADERS, 0, 1, &[0x82]));
    for _ in 0..10_000 {
        c.send(C2S, &frame(CONTINUATION, 0, 1, &[0x40, 1, b'x', 1, b'y']));
    }
    c.send(C2S, &frame(CONTINUATION, END_HEADERS, 1, &[0x82]));
    let events = c.finish();
    let codes = codes(&events);
    assert!(codes.contains(&"frame.header_block_limit"), "{codes:?}");
    let b = blocks(&events);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].continuation_frames, 10_001);
    assert!(b[0].hpack.fields.is_empty(), "a cut block is not decoded");
}

/// An index past the table (§2.3.3) is an error that names what used to
/// live there, and later blocks of that direction are flagged.
#[test]
fn index_to_an_evicted_entry() {
    let mut c = Conn::new();
    let mut enc = encoder();
    c.send(
        C2S,
        &frame(
            HEADERS,
            END_HEADERS | END_STREAM,
            1,
            &enc.encode(&request(&[("actorscopes", "api")])),
        ),
    );
    // The first block inserted 4 entries (:path, :authority, content-type,
    // actorscopes; :method POST and :scheme http are static full
    // matches), so index 69 is beyond the 65-entry table.
    c.send(
        C2S,
        &frame(HEADERS, END_HEADERS | END_STREAM, 3, &[0x80 | 69]),
    );
    c.send(
        C2S,
        &frame(HEADERS, END_HEADERS | END_STREAM, 5, &[0x82, 0x86, 0x84]),
    );
    let events = c.finish();
    let b = blocks(&events);
    let err = b[1].hpack.error.as_ref().expect("error");
    let text = err.to_string();
    assert!(
        text.contains("index 69 is beyond the 65-entry table"),
        "{text}"
    );
    assert!(codes(&events).contains(&"hpack.index_beyond_table"));
    assert_eq!(
        serde_json::to_value(&b[2].hpack.table_state).unwrap()["state"],
        "desynchronised"
    );
}

/// §6.9.1: a sender must not exceed the flow-control window; a window that
/// reaches zero stalls the sender.
#[test]
fn flow_control_window() {
    let mut c = Conn::new();
    c.send(
        C2S,
        &frame(HEADERS, END_HEADERS, 1, &encoder().encode(&request(&[]))),
    );
    // The stream window is 65,535: send 4 × 16,384 = 65,536 bytes.
    for _ in 0..4 {
        c.send(C2S, &frame(DATA, 0, 1, &[0u8; 16_384]));
    }
    let events = c.finish();
    let codes = codes(&events);
    assert!(codes.contains(&"flow.stream_window_exceeded"), "{codes:?}");
    assert!(
        codes.contains(&"flow.connection_window_exceeded"),
        "{codes:?}"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, ConnEvent::Stalled(s) if s.stream_id == 1)));
}

/// §6.5.2 / §4.2: frames larger than the receiver's SETTINGS_MAX_FRAME_SIZE.
#[test]
fn frame_over_max_frame_size() {
    let mut c = Conn::new();
    c.send(
        C2S,
        &frame(HEADERS, END_HEADERS, 1, &encoder().encode(&request(&[]))),
    );
    c.send(C2S, &frame(DATA, END_STREAM, 1, &vec![0u8; 16_385]));
    assert!(codes(&c.finish()).contains(&"frame.too_large"));
}

/// A PING and its ACK give a round trip; RST_STREAM ends the exchange.
#[test]
fn ping_round_trip_and_reset() {
    let mut c = Conn::new();
    c.send(
        C2S,
        &frame(HEADERS, END_HEADERS, 1, &encoder().encode(&request(&[]))),
    );
    c.send(S2C, &frame(PING, 0, 0, b"12345678"));
    c.send(C2S, &frame(PING, ACK, 0, b"12345678"));
    c.send(C2S, &frame(RST_STREAM, 0, 1, &8u32.to_be_bytes()));
    let events = c.finish();
    let rtt = events
        .iter()
        .find_map(|e| match e {
            ConnEvent::PingRtt(p) => Some(p),
            _ => None,
        })
        .expect("ping rtt");
    assert_eq!(rtt.dir, S2C);
    assert_eq!(rtt.rtt_nanos, 1_000_000);
    let ex = events
        .iter()
        .find_map(|e| match e {
            ConnEvent::Exchange(x) => Some(x),
            _ => None,
        })
        .unwrap();
    assert_eq!(ex.state, ExchangeState::Reset);
    let reset = ex.reset.as_ref().unwrap();
    assert_eq!(reset.error_code.name(), Some("CANCEL"));
    assert_eq!(reset.by, C2S);
}

/// §8.2, §8.3: header rules a peer breaks are reported, values kept.
#[test]
fn http_header_rules() {
    let mut c = Conn::new();
    let block = encoder().encode(&[
        (":method", "GET"),
        ("X-Upper", "1"),
        (":path", "/late-pseudo"),
        ("connection", "keep-alive"),
        ("te", "gzip"),
    ]);
    c.send(C2S, &frame(HEADERS, END_HEADERS | END_STREAM, 1, &block));
    let events = c.finish();
    let codes = codes(&events);
    for code in [
        "http.uppercase_name",
        "http.pseudo_after_regular",
        "http.connection_specific",
        "http.missing_pseudo",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let b = blocks(&events);
    assert_eq!(b[0].role, BlockRole::Request);
    assert_eq!(b[0].hpack.fields[1].name.as_bytes(), b"X-Upper");
}

/// §8.3.1: which pseudo-headers a request lacks, each named once; a
/// CONNECT request (§8.5) needs `:authority` and neither `:scheme` nor
/// `:path`. Names with upper-case letters anywhere (first or last of eight
/// bytes, in a short name) are each reported.
#[test]
fn missing_pseudo_headers_named() {
    fn missing(events: &[ConnEvent]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                ConnEvent::Diagnostic(d) if d.diagnostic.code == "http.missing_pseudo" => {
                    Some(d.diagnostic.message.clone())
                }
                _ => None,
            })
            .collect()
    }
    let mut c = Conn::new();
    let mut enc = encoder();
    let get = enc.encode(&[(":method", "GET"), (":path", "/")]);
    c.send(C2S, &frame(HEADERS, END_HEADERS | END_STREAM, 1, &get));
    let connect = enc.encode(&[(":method", "CONNECT"), (":authority", "example.com:443")]);
    c.send(C2S, &frame(HEADERS, END_HEADERS, 3, &connect));
    let bare_connect = enc.encode(&[(":method", "CONNECT")]);
    c.send(C2S, &frame(HEADERS, END_HEADERS, 5, &bare_connect));
    let nothing = enc.encode(&[("x-only", "1")]);
    c.send(C2S, &frame(HEADERS, END_HEADERS | END_STREAM, 7, &nothing));
    let upper = enc.encode(&[
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/"),
        ("Ab", "1"),
        ("abcdefgH", "1"),
        ("Abcdefghi", "1"),
        ("abcdefghijklmnopQ", "1"),
        ("lower-case-only-name", "1"),
    ]);
    c.send(C2S, &frame(HEADERS, END_HEADERS | END_STREAM, 9, &upper));
    let events = c.finish();
    assert_eq!(
        missing(&events),
        [
            "request without :scheme",
            "request without :authority",
            "request without :method",
            "request without :scheme",
            "request without :path",
        ]
    );
    let uppercase = codes(&events)
        .into_iter()
        .filter(|c| *c == "http.uppercase_name")
        .count();
    assert_eq!(uppercase, 4);
}

/// §5.1: frames on idle streams, and DATA after END_STREAM.
#[test]
fn stream_state_rules() {
    let mut c = Conn::new();
    c.send(C2S, &frame(DATA, 0, 7, b"early"));
    c.send(
        C2S,
        &frame(
            HEADERS,
            END_HEADERS | END_STREAM,
            1,
            &encoder().encode(&request(&[])),
        ),
    );
    c.send(C2S, &frame(DATA, 0, 1, b"late"));
    let codes = codes(&c.finish());
    assert!(codes.contains(&"stream.idle"), "{codes:?}");
    assert!(codes.contains(&"stream.closed"), "{codes:?}");
}

/// A SETTINGS_HEADER_TABLE_SIZE takes effect when acknowledged (§6.5.3):
/// the encoder then owes a size update (RFC 7541 §4.2).
#[test]
fn header_table_size_applies_on_ack() {
    let mut c = Conn::new();
    // The server announces a 256-byte table; the client acknowledges.
    c.send(S2C, &frame(SETTINGS, 0, 0, &[0, 1, 0, 0, 1, 0]));
    c.send(C2S, &frame(SETTINGS, ACK, 0, &[]));
    // A client block without the size update it owes.
    c.send(
        C2S,
        &frame(HEADERS, END_HEADERS | END_STREAM, 1, &[0x82, 0x86, 0x84]),
    );
    let events = c.finish();
    let b = blocks(&events);
    assert_eq!(b[0].hpack.table.settings_limit, 256);
    assert!(
        codes(&events).contains(&"hpack.missing_size_update"),
        "{:?}",
        codes(&events)
    );
}

/// SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2): streams in "open" or
/// either "half-closed" state count toward the limit; closed ones (ended by
/// both sides, or reset) do not. With a limit of 2, only the stream that
/// finds two others still open is over it.
#[test]
fn concurrent_streams_over_the_server_limit() {
    let mut c = Conn::new();
    // SETTINGS_MAX_CONCURRENT_STREAMS (0x3) = 2, acknowledged.
    c.send(S2C, &frame(SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 2]));
    c.send(C2S, &frame(SETTINGS, ACK, 0, &[]));
    let mut client = encoder();
    let mut server = encoder();
    let mut open = |c: &mut Conn, id: u32| {
        let block = client.encode(&request(&[]));
        c.send(C2S, &frame(HEADERS, END_HEADERS | END_STREAM, id, &block));
    };
    let mut respond = |c: &mut Conn, id: u32| {
        let block = server.encode(&[(":status".to_string(), "200".to_string())]);
        c.send(S2C, &frame(HEADERS, END_HEADERS | END_STREAM, id, &block));
    };
    open(&mut c, 1);
    open(&mut c, 3);
    respond(&mut c, 1); // 1 closed: {3} open
    open(&mut c, 5); // {3, 5}: within the limit
    open(&mut c, 7); // 3 and 5 still open: over it
    c.send(C2S, &frame(RST_STREAM, 0, 3, &[0, 0, 0, 8])); // 3 reset: {5, 7}
    respond(&mut c, 5);
    respond(&mut c, 7); // none open
    open(&mut c, 9);
    open(&mut c, 11); // {9, 11}: within the limit
    let over: Vec<Option<u32>> = c
        .finish()
        .iter()
        .filter_map(|e| match e {
            ConnEvent::Diagnostic(d) if d.diagnostic.code == "stream.concurrency_exceeded" => {
                Some(d.stream_id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(over, [Some(7)]);
}

/// Events not made (`OutputOptions`: header blocks, exchanges) still end a
/// run of skipped bytes, as a made event does: the events that are made
/// are the same whichever others are left out. Here the server speaks an
/// unknown protocol, so its bytes are skipped in runs, while the client's
/// header block and its reset stream's exchange come in between.
#[test]
fn events_not_made_still_end_a_skip_run() {
    let run = |block_events: bool, exchange_events: bool| {
        let mut cfg = Config::default();
        cfg.output.frame_events = false;
        cfg.output.block_events = block_events;
        cfg.output.exchange_events = exchange_events;
        let mut c = Conn {
            conn: Connection::new(&cfg, ConnStart::Beginning),
            packet: 0,
        };
        c.send(C2S, PREFACE);
        c.send(C2S, &frame(SETTINGS, 0, 0, &[]));
        c.send(
            S2C,
            b"SSH-2.0-OpenSSH_9.2 and more of a protocol that is not HTTP/2\r\n",
        );
        let block = encoder().encode(&request(&[]));
        c.send(C2S, &frame(HEADERS, END_HEADERS | END_STREAM, 1, &block));
        c.send(S2C, b"the second line of the same unknown protocol\r\n");
        c.send(C2S, &frame(RST_STREAM, 0, 1, &8u32.to_be_bytes())); // CANCEL
        c.send(S2C, b"the third line of the same unknown protocol\r\n");
        c.finish()
    };
    let json = |events: &[ConnEvent], leave_out: &dyn Fn(&ConnEvent) -> bool| -> Vec<String> {
        events
            .iter()
            .filter(|e| !leave_out(e))
            .map(|e| serde_json::to_string(e).unwrap())
            .collect()
    };
    let all = run(true, true);
    let skip_runs = all
        .iter()
        .filter(|e| matches!(e, ConnEvent::Skipped(_)))
        .count();
    // Server bytes 0..n in three runs: split by the block, then by the
    // exchange (each run keeps back a few bytes that could start a frame).
    assert_eq!(skip_runs, 3, "{:#?}", json(&all, &|_| false));
    let is_block = |e: &ConnEvent| matches!(e, ConnEvent::HeaderBlock(_));
    let is_exchange = |e: &ConnEvent| matches!(e, ConnEvent::Exchange(_));
    assert_eq!(json(&run(false, true), &|_| false), json(&all, &is_block));
    assert_eq!(
        json(&run(true, false), &|_| false),
        json(&all, &is_exchange)
    );
    assert_eq!(
        json(&run(false, false), &|_| false),
        json(&all, &|e| is_block(e) || is_exchange(e))
    );
}
