//! The connection decoder never panics, and gives the same events however
//! its input is chunked.

use h2lens::conn::{ConnEvent, ConnStart, Connection, Origin};
use h2lens::{Config, Direction, Timestamp};
use proptest::prelude::*;

/// One write: who sent it and the bytes.
type Write = (Direction, Vec<u8>);

fn run(writes: &[Write], start: ConnStart, chunk: usize) -> Vec<String> {
    let mut conn = Connection::new(&Config::default(), start);
    let origin = Origin {
        packet: 1,
        ts: Timestamp(0),
    };
    for (dir, bytes) in writes {
        for piece in bytes.chunks(chunk.max(1)) {
            conn.push(*dir, piece, origin);
        }
    }
    conn.finish();
    assert_accounted(&conn);
    let mut out = Vec::new();
    while let Some(ev) = conn.next_event() {
        out.push(serde_json::to_string(&ev).unwrap());
    }
    out
}

/// Every pushed byte is in exactly one bucket.
fn assert_accounted(conn: &Connection) {
    let stats = conn.stats();
    for s in [&stats.client_to_server, &stats.server_to_client] {
        assert_eq!(s.bytes, s.accounted_bytes(), "{s:?}");
    }
}

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn arb_frame() -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..16,
        any::<u8>(),
        prop_oneof![Just(0u32), 1u32..12],
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(kind, flags, stream, payload)| frame(kind, flags, stream, &payload))
}

fn arb_writes() -> impl Strategy<Value = Vec<Write>> {
    proptest::collection::vec(
        (
            prop_oneof![
                Just(Direction::ClientToServer),
                Just(Direction::ServerToClient)
            ],
            proptest::collection::vec(arb_frame(), 1..4).prop_map(|f| f.concat()),
        ),
        0..12,
    )
}

fn with_preface(mut writes: Vec<Write>) -> Vec<Write> {
    writes.insert(
        0,
        (Direction::ClientToServer, h2lens::conn::PREFACE.to_vec()),
    );
    writes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(
        writes in proptest::collection::vec(
            (prop_oneof![Just(Direction::ClientToServer), Just(Direction::ServerToClient)],
             proptest::collection::vec(any::<u8>(), 0..200)),
            0..10),
        mid in any::<bool>(),
    ) {
        let start = if mid { ConnStart::Midstream } else { ConnStart::Beginning };
        run(&writes, start, 7);
    }

    #[test]
    fn frame_soup_is_chunk_invariant(writes in arb_writes(), chunk in 1usize..50) {
        let writes = with_preface(writes);
        let whole = run(&writes, ConnStart::Beginning, usize::MAX);
        prop_assert_eq!(&whole, &run(&writes, ConnStart::Beginning, 1));
        prop_assert_eq!(&whole, &run(&writes, ConnStart::Beginning, chunk));
    }

    #[test]
    fn midstream_frame_soup_is_chunk_invariant(writes in arb_writes(), chunk in 1usize..50) {
        let whole = run(&writes, ConnStart::Midstream, usize::MAX);
        prop_assert_eq!(&whole, &run(&writes, ConnStart::Midstream, 1));
        prop_assert_eq!(&whole, &run(&writes, ConnStart::Midstream, chunk));
    }
}

#[test]
fn every_pushed_byte_is_accounted_for() {
    let writes = with_preface(vec![
        (Direction::ClientToServer, frame(4, 0, 0, &[])),
        (
            Direction::ServerToClient,
            frame(4, 0, 0, &[0, 3, 0, 0, 0, 100]),
        ),
        (Direction::ServerToClient, frame(0, 1, 7, b"late data")),
        // A truncated frame at the end.
        (
            Direction::ClientToServer,
            frame(0, 0, 1, b"abcdef")[..10].to_vec(),
        ),
    ]);
    let mut conn = Connection::new(&Config::default(), ConnStart::Beginning);
    for (dir, bytes) in &writes {
        conn.push(*dir, bytes, Origin::default());
    }
    conn.finish();
    assert_accounted(&conn);
    let events: Vec<ConnEvent> = std::iter::from_fn(|| conn.next_event()).collect();
    assert!(events
        .iter()
        .any(|e| matches!(e, ConnEvent::Diagnostic(d) if d.diagnostic.code == "stream.idle")));
    assert!(events
        .iter()
        .any(|e| matches!(e, ConnEvent::Diagnostic(d) if d.diagnostic.code == "frame.truncated")));
}
