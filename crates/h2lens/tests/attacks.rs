//! Attack and damage inputs at the HTTP/2 and HPACK layers, each with the
//! diagnostics it must give. Expected counts come from the RFC rules
//! (RFC 9113 §6.5.2: a field costs name + value + 32 octets) and from how
//! each input is built, not from h2lens's output.
//!
//! Capture-level damage (truncation at every byte, bogus block lengths,
//! lying header lengths) is in `attacks_capture.rs`.

use h2lens::conn::{ConnStart, Connection, Origin, PREFACE};
use h2lens::{Config, Direction, Timestamp};
use serde_json::Value;

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const PRIORITY: u8 = 2;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const CONTINUATION: u8 = 9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// `:method GET`, `:path /`, `:scheme http`: static indices 2, 4, 6.
const GET: &[u8] = &[0x82, 0x84, 0x86];

/// A connection fed write by write; events as JSON.
struct Conn {
    conn: Connection,
    packet: u64,
    events: Vec<Value>,
}

impl Conn {
    fn new(config: Config) -> Conn {
        let mut c = Conn {
            conn: Connection::new(&config, ConnStart::Beginning),
            packet: 0,
            events: Vec::new(),
        };
        let mut hello = PREFACE.to_vec();
        hello.extend(frame(SETTINGS, 0, 0, &[]));
        c.write(C2S, &hello, 0);
        c.write(S2C, &frame(SETTINGS, 0, 0, &[]), 0);
        c
    }

    fn default() -> Conn {
        Conn::new(Config::default())
    }

    /// One write of `dir`, at `ts_ms` milliseconds.
    fn write(&mut self, dir: Direction, bytes: &[u8], ts_ms: i64) {
        self.packet += 1;
        let origin = Origin {
            packet: self.packet,
            ts: Timestamp(ts_ms * 1_000_000),
        };
        self.conn.push(dir, bytes, origin);
        self.drain();
    }

    fn drain(&mut self) {
        while let Some(e) = self.conn.next_event() {
            self.events.push(serde_json::to_value(&e).unwrap());
        }
    }

    fn finish(mut self) -> Vec<Value> {
        self.conn.finish();
        self.drain();
        self.events
    }
}

fn diagnostics<'a>(events: &'a [Value], code: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"] == "diagnostic" && e["code"] == code)
        .collect()
}

fn codes(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "diagnostic")
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect()
}

fn blocks(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["event"] == "header_block")
        .collect()
}

fn field_count(block: &Value) -> usize {
    block["hpack"]["fields"]
        .as_array()
        .or(block["fields"].as_array())
        .map_or(0, Vec::len)
}

/// The one diagnostic with `code`, whose message names `limit` and how to
/// raise it.
fn one_limit_diagnostic<'a>(events: &'a [Value], code: &str, limit: &str) -> &'a Value {
    let found = diagnostics(events, code);
    assert_eq!(found.len(), 1, "{code}: {:?}", codes(events));
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("--limit {limit}="))
            && message.contains(&format!("config.{limit}")),
        "{message}"
    );
    found[0]
}

/// HEADERS + CONTINUATION frames carrying `block` in pieces of at most
/// 16384 bytes (the peer's default SETTINGS_MAX_FRAME_SIZE).
fn header_frames(stream: u32, block: &[u8], flags: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let pieces: Vec<&[u8]> = block.chunks(16384).collect();
    for (i, piece) in pieces.iter().enumerate() {
        let last = if i + 1 == pieces.len() {
            END_HEADERS
        } else {
            0
        };
        let (kind, f) = if i == 0 {
            (HEADERS, flags | last)
        } else {
            (CONTINUATION, last)
        };
        out.extend(frame(kind, f, stream, piece));
    }
    if pieces.is_empty() {
        out.extend(frame(HEADERS, flags | END_HEADERS, stream, &[]));
    }
    out
}

// ---- HPACK bombs (CVE-2016-6581 class) ----

/// One 4000-byte entry, then a block referencing it 20,000 times. Each
/// reference costs 6 + 4000 + 32 = 4038 octets (RFC 9113 §6.5.2), so the
/// default 16 MiB list limit admits floor(16777216 / 4038) = 4154 fields.
#[test]
fn hpack_bomb_stops_at_the_header_list_limit() {
    let mut c = Conn::default();
    // Literal with incremental indexing, new name "x-bomb" (§6.2.1),
    // 4000-byte value: 0x7f 0x81 0x1f is 127 + 0x81 - 0x80 + (0x1f << 7).
    let mut first = GET.to_vec();
    first.extend([0x40, 0x06]);
    first.extend(b"x-bomb");
    first.extend([0x7f, 0xa1, 0x1e]); // 127 + 0x21 + (0x1e << 7) = 4000
    first.extend(std::iter::repeat_n(b'a', 4000));
    c.write(C2S, &header_frames(1, &first, END_STREAM), 1);
    // Index 62: the entry just inserted (§2.3.3).
    let bomb = vec![0xbe; 20_000];
    c.write(C2S, &header_frames(3, &bomb, END_STREAM), 2);
    let events = c.finish();
    let b = blocks(&events);
    assert_eq!(b.len(), 2);
    assert_eq!(field_count(b[0]), 4);
    assert_eq!(field_count(b[1]), 16_777_216 / 4038);
    let d = one_limit_diagnostic(
        &events,
        "hpack.header_list_too_large",
        "hpack.max_header_list_size",
    );
    assert_eq!(d["stream_id"], 3);
    // Decoded bytes stay within the limit.
    let decoded: usize = b[1]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["value"].as_str().unwrap().len() + f["name"].as_str().unwrap().len() + 32)
        .sum();
    assert!(decoded <= 16_777_216);
}

/// Thousands of 1-byte indexed references (`:method GET`, 7 + 3 + 32 = 42
/// octets each): the field-count limit stops the block first; a smaller
/// list limit stops it where the 32-octet accounting says.
#[test]
fn tiny_entry_amplification_stops_at_the_field_limits() {
    let mut c = Conn::default();
    c.write(C2S, &header_frames(1, &[0x82; 12_000], END_STREAM), 1);
    let events = c.finish();
    assert_eq!(field_count(blocks(&events)[0]), 10_000);
    let d = one_limit_diagnostic(
        &events,
        "hpack.too_many_fields",
        "hpack.max_fields_per_block",
    );
    assert_eq!(d["stream_id"], 1);

    let mut config = Config::default();
    config.hpack.max_header_list_size = 4200;
    let mut c = Conn::new(config);
    c.write(C2S, &header_frames(1, &[0x82; 12_000], END_STREAM), 1);
    let events = c.finish();
    assert_eq!(field_count(blocks(&events)[0]), 4200 / 42);
    one_limit_diagnostic(
        &events,
        "hpack.header_list_too_large",
        "hpack.max_header_list_size",
    );
}

// ---- CONTINUATION floods (CVE-2024-27316, CVE-2023-45288) ----

/// HEADERS without END_HEADERS, then 3000 CONTINUATION frames: cut after
/// the 1024th with one diagnostic; the connection is still decoded after
/// the block ends.
#[test]
fn continuation_flood_is_cut_at_the_frame_limit() {
    let mut c = Conn::default();
    c.write(C2S, &frame(HEADERS, END_STREAM, 1, GET), 1);
    for _ in 0..3000 {
        c.write(C2S, &frame(CONTINUATION, 0, 1, &[0x82; 10]), 1);
    }
    c.write(C2S, &frame(CONTINUATION, END_HEADERS, 1, &[]), 1);
    c.write(C2S, &header_frames(3, GET, END_STREAM), 1);
    let events = c.finish();
    let d = one_limit_diagnostic(
        &events,
        "frame.header_block_limit",
        "frame.max_continuation_frames",
    );
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("more than 1024 CONTINUATION"));
    let b = blocks(&events);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0]["continuation_frames"], 3001);
    // The next block decodes (static-table fields need no dynamic state).
    assert_eq!(field_count(b[1]), 3);
}

/// Zero-length CONTINUATION frames: the same cut, and an empty frames
/// flood besides (CVE-2019-9518).
#[test]
fn zero_length_continuation_flood() {
    let mut c = Conn::default();
    c.write(C2S, &frame(HEADERS, END_STREAM, 1, GET), 1);
    let mut flood = Vec::new();
    for _ in 0..2000 {
        flood.extend(frame(CONTINUATION, 0, 1, &[]));
    }
    c.write(C2S, &flood, 1);
    let events = c.finish();
    one_limit_diagnostic(
        &events,
        "frame.header_block_limit",
        "frame.max_continuation_frames",
    );
    one_limit_diagnostic(&events, "frame.empty_frames_flood", "flood.empty_frames");
    assert_eq!(diagnostics(&events, "frame.header_block_cut").len(), 1);
}

/// Buffering is capped by size too: 100-byte CONTINUATIONs against a
/// 1000-byte block limit are cut once the block passes 1000 bytes.
#[test]
fn continuation_bytes_are_capped() {
    let mut config = Config::default();
    config.frame.max_header_block_size = 1000;
    let mut c = Conn::new(config);
    c.write(C2S, &frame(HEADERS, END_STREAM, 1, GET), 1);
    for _ in 0..50 {
        c.write(C2S, &frame(CONTINUATION, 0, 1, &[0x82; 100]), 1);
    }
    c.write(C2S, &frame(CONTINUATION, END_HEADERS, 1, &[]), 1);
    let events = c.finish();
    let d = one_limit_diagnostic(
        &events,
        "frame.header_block_limit",
        "frame.max_header_block_size",
    );
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("exceeds 1000 bytes"));
}

// ---- Malformed frames (RFC 9113 §6) ----

#[test]
fn malformed_frames_are_named() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // §6.1: pad length 200 in a 10-byte payload.
        ("frame.padding_too_long", {
            let mut p = vec![200];
            p.extend([0; 9]);
            frame(DATA, PADDED, 1, &p)
        }),
        // §4.2: 20,000 bytes against the default SETTINGS_MAX_FRAME_SIZE.
        ("frame.too_large", frame(DATA, 0, 1, &[0; 20_000])),
        // §6.5.2: ENABLE_PUSH 2, INITIAL_WINDOW_SIZE 2^31, MAX_FRAME_SIZE 100.
        (
            "frame.bad_setting_value",
            frame(SETTINGS, 0, 0, &[0, 2, 0, 0, 0, 2]),
        ),
        (
            "frame.bad_setting_value",
            frame(SETTINGS, 0, 0, &[0, 4, 0x80, 0, 0, 0]),
        ),
        (
            "frame.bad_setting_value",
            frame(SETTINGS, 0, 0, &[0, 5, 0, 0, 0, 100]),
        ),
        // §6.5: a length that is not a multiple of 6.
        ("frame.settings_length", frame(SETTINGS, 0, 0, &[0; 7])),
        // §6.1, §6.2: stream frames on stream 0.
        ("frame.stream_zero", frame(HEADERS, END_HEADERS, 0, GET)),
        ("frame.stream_zero", frame(DATA, 0, 0, b"x")),
        // §6.7: PING on a stream.
        ("frame.nonzero_stream", frame(PING, 0, 1, &[0; 8])),
    ];
    for (code, bytes) in cases {
        let mut c = Conn::default();
        c.write(C2S, &header_frames(1, GET, 0), 1);
        c.write(C2S, &bytes, 2);
        // Decoding goes on: a PING after it is read.
        c.write(C2S, &frame(PING, 0, 0, &[1; 8]), 3);
        let events = c.finish();
        assert_eq!(
            diagnostics(&events, code).len(),
            1,
            "{code}: {:?}",
            codes(&events)
        );
        assert!(
            events
                .iter()
                .any(|e| e["event"] == "frame" && e["type"] == "PING" && e["packet"] == 5),
            "{code}: the PING after it was not decoded"
        );
    }
}

/// HPACK errors inside a connection: each reported with its code.
#[test]
fn malformed_header_blocks_are_named() {
    let cases: &[(&str, &[u8])] = &[
        // §5.1: an integer over 2^32.
        (
            "hpack.integer_overflow",
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
        ),
        // §6.1: index 0.
        ("hpack.index_zero", &[0x80]),
        // §4.2: a size update after a field.
        ("hpack.size_update_after_field", &[0x82, 0x20]),
        // §6.3: a size update above SETTINGS_HEADER_TABLE_SIZE (4096).
        ("hpack.size_update_above_limit", &[0x3f, 0xe2, 0x1f]),
        // §5.2: Huffman "a" (00011) padded with zeros, not ones.
        (
            "hpack.huffman_padding_not_ones",
            &[0x00, 0x01, 0x61, 0x81, 0x18],
        ),
        // §5.2: 30 one-bits: the EOS symbol inside a string.
        (
            "hpack.huffman_eos",
            &[0x00, 0x01, 0x61, 0x84, 0xff, 0xff, 0xff, 0xff],
        ),
        // §2.3.3: index 62 with an empty dynamic table.
        ("hpack.index_beyond_table", &[0xbe]),
    ];
    for (code, block) in cases {
        let mut c = Conn::default();
        c.write(C2S, &header_frames(1, block, END_STREAM), 1);
        let events = c.finish();
        assert_eq!(
            diagnostics(&events, code).len(),
            1,
            "{code}: {:?}",
            codes(&events)
        );
    }
}

// ---- The 2019 flood family and rapid reset ----

fn flood_codes(events: &[Value]) -> Vec<String> {
    codes(events)
        .into_iter()
        .filter(|c| c.ends_with("_flood") || c == "stream.rapid_reset")
        .collect()
}

/// `n` copies of `one` from `dir`, one write each, `gap_ms` apart.
fn repeat(c: &mut Conn, dir: Direction, one: &[u8], n: usize, gap_ms: i64) {
    for i in 0..n {
        c.write(dir, one, 10 + i as i64 * gap_ms);
    }
}

#[test]
fn ping_flood() {
    let ping = frame(PING, 0, 0, &[7; 8]);
    let mut c = Conn::default();
    repeat(&mut c, C2S, &ping, 1000, 1);
    let events = c.finish();
    let d = one_limit_diagnostic(&events, "frame.ping_flood", "flood.pings");
    assert!(d["message"].as_str().unwrap().contains("CVE-2019-9512"));
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains(": 1000 PING frames"));
    assert_eq!(d["layer"], "frame");
    assert_eq!(d["dir"], "client_to_server");
    // The 1000th PING is the one reported: frame index 1 is SETTINGS.
    assert_eq!(d["frame"], 1000);

    // 999 is not a flood; nor are two runs of 999 split by a request.
    let mut c = Conn::default();
    repeat(&mut c, C2S, &ping, 999, 1);
    c.write(C2S, &header_frames(1, GET, END_STREAM), 2000);
    repeat(&mut c, C2S, &ping, 999, 1);
    assert_eq!(flood_codes(&c.finish()), Vec::<String>::new());

    // One PING a second for 1000 s is keepalive, not a flood (the run
    // must fit in flood.window_seconds).
    let mut c = Conn::default();
    repeat(&mut c, C2S, &ping, 1000, 1000);
    assert_eq!(flood_codes(&c.finish()), Vec::<String>::new());

    // The threshold is a limit like the others.
    let mut config = Config::default();
    config.flood.pings = 10;
    let mut c = Conn::new(config);
    repeat(&mut c, S2C, &ping, 10, 1);
    assert_eq!(flood_codes(&c.finish()), ["frame.ping_flood"]);
}

#[test]
fn settings_priority_and_reset_floods() {
    let mut c = Conn::default();
    repeat(&mut c, C2S, &frame(SETTINGS, 0, 0, &[]), 1000, 1);
    let events = c.finish();
    one_limit_diagnostic(&events, "frame.settings_flood", "flood.settings");

    let mut c = Conn::default();
    repeat(
        &mut c,
        C2S,
        &frame(PRIORITY, 0, 1, &[0, 0, 0, 3, 15]),
        1000,
        1,
    );
    let events = c.finish();
    one_limit_diagnostic(&events, "frame.priority_flood", "flood.priorities");

    // CVE-2019-9514: requests that make the server reset stream after
    // stream; the server's RST_STREAMs are the run.
    let mut c = Conn::default();
    for i in 0..1000u32 {
        let id = 1 + 2 * i;
        c.write(C2S, &header_frames(id, GET, END_STREAM), 1);
        c.write(S2C, &frame(RST_STREAM, 0, id, &[0, 0, 0, 1]), 1);
    }
    let events = c.finish();
    let d = one_limit_diagnostic(&events, "frame.reset_flood", "flood.resets");
    assert_eq!(d["dir"], "server_to_client");
    assert_eq!(diagnostics(&events, "stream.rapid_reset").len(), 0);
}

#[test]
fn empty_frames_flood() {
    let mut c = Conn::default();
    c.write(C2S, &header_frames(1, GET, 0), 1);
    repeat(&mut c, C2S, &frame(DATA, 0, 1, &[]), 100, 1);
    let events = c.finish();
    one_limit_diagnostic(&events, "frame.empty_frames_flood", "flood.empty_frames");

    // Empty DATA with END_STREAM ends a stream: not an empty frame.
    let mut c = Conn::default();
    for i in 0..200u32 {
        c.write(C2S, &header_frames(1 + 2 * i, GET, 0), 1);
        c.write(C2S, &frame(DATA, END_STREAM, 1 + 2 * i, &[]), 1);
    }
    assert_eq!(flood_codes(&c.finish()), Vec::<String>::new());
}

/// CVE-2023-44487: the client opens and at once resets 1000 streams.
#[test]
fn rapid_reset() {
    let mut c = Conn::default();
    for i in 0..1000u32 {
        let id = 1 + 2 * i;
        c.write(C2S, &header_frames(id, GET, END_STREAM), 1);
        c.write(C2S, &frame(RST_STREAM, 0, id, &[0, 0, 0, 8]), 1);
    }
    let events = c.finish();
    let d = one_limit_diagnostic(&events, "stream.rapid_reset", "flood.rapid_resets");
    assert!(d["message"].as_str().unwrap().contains("CVE-2023-44487"));
    assert_eq!(d["layer"], "stream");

    // Cancelling streams that were answered is not rapid reset.
    let mut c = Conn::default();
    for i in 0..1000u32 {
        let id = 1 + 2 * i;
        c.write(C2S, &header_frames(id, GET, END_STREAM), 1);
        c.write(S2C, &header_frames(id, &[0x88], 0), 1);
        c.write(C2S, &frame(RST_STREAM, 0, id, &[0, 0, 0, 8]), 1);
    }
    assert_eq!(flood_codes(&c.finish()), Vec::<String>::new());
}
