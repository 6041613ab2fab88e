//! TCP reassembly against tshark on the real corpus: every connection's
//! byte stream, per direction, must equal `tshark -q -z follow,tcp,raw,N`
//! (length + SHA-256 in tests/fixtures/corpus/follow.json, made by
//! scripts/fixtures/make_corpus_follow.py).

mod net_support;

use std::collections::BTreeMap;

use h2lens::config::TcpLimits;
use h2lens::net::{ConnId, Endpoint, NetEvent};
use h2lens::Direction;
use net_support::*;

#[derive(Default)]
struct Streams {
    opened: BTreeMap<ConnId, (Endpoint, Endpoint, bool, bool)>,
    bytes: BTreeMap<(ConnId, Direction), Vec<u8>>,
    gaps: usize,
    skipped: usize,
}

fn streams(events: &[NetEvent]) -> Streams {
    let mut s = Streams::default();
    for e in events {
        match e {
            NetEvent::ConnectionOpened(o) => {
                s.opened
                    .insert(o.conn, (o.client, o.server, o.syn_seen, o.roles_guessed));
            }
            NetEvent::Data(d) => {
                let buf = s.bytes.entry((d.conn, d.dir)).or_default();
                assert_eq!(
                    d.offset,
                    buf.len() as u64,
                    "data must arrive in order without holes"
                );
                buf.extend_from_slice(d.data.as_bytes());
            }
            NetEvent::Gap(_) => s.gaps += 1,
            NetEvent::Skipped(_) => s.skipped += 1,
            _ => {}
        }
    }
    s
}

fn endpoint(v: &serde_json::Value) -> String {
    format!(
        "{}:{}",
        v["ip"].as_str().unwrap(),
        v["port"].as_u64().unwrap()
    )
}

#[test]
fn every_corpus_stream_equals_tshark_follow() {
    let oracle = json_fixture("corpus/follow.json");
    let mut compared = 0;
    for (name, expected) in oracle["captures"].as_object().unwrap() {
        let bytes = read_fixture(&format!("corpus/{name}"));
        let (_, events) = net_events(&bytes, Chunking::Whole, &TcpLimits::default());
        let got = streams(&events);
        let want = expected["streams"].as_array().unwrap();
        assert_eq!(
            got.opened.len(),
            want.len(),
            "{name}: number of TCP connections"
        );
        assert_eq!(got.gaps, 0, "{name}: no gaps in the corpus");
        assert_eq!(got.skipped, 0, "{name}: every corpus packet is TCP over IP");
        for w in want {
            let conn = ConnId(w["tcp_stream"].as_u64().unwrap() as u32);
            let (client, server, _, _) = got.opened[&conn];
            let (node0, node1) = (endpoint(&w["node0"]), endpoint(&w["node1"]));
            // tshark's node 0 is the side it saw first: for these captures
            // the client (SYN sender), or the first sender mid-stream.
            let dir_of_node0 = if client.to_string() == node0 {
                assert_eq!(server.to_string(), node1, "{name} stream {conn}");
                Direction::ClientToServer
            } else {
                assert_eq!(
                    (server.to_string(), client.to_string()),
                    (node0.clone(), node1.clone()),
                    "{name} stream {conn}"
                );
                Direction::ServerToClient
            };
            for (dir, key) in [
                (dir_of_node0, "node0_to_node1"),
                (dir_of_node0.reverse(), "node1_to_node0"),
            ] {
                let data = got
                    .bytes
                    .get(&(conn, dir))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                assert_eq!(
                    data.len() as u64,
                    w[key]["len"].as_u64().unwrap(),
                    "{name} stream {conn} {key}"
                );
                assert_eq!(
                    sha256_hex(data),
                    w[key]["sha256"].as_str().unwrap(),
                    "{name} stream {conn} {key}"
                );
                compared += 1;
            }
        }
        // Nothing lost: every captured byte is accounted for.
        let Some(NetEvent::Summary(stats)) = events.last() else {
            panic!("{name}: no summary")
        };
        assert_eq!(stats.pending_bytes, 0, "{name}");
        assert_eq!(stats.accounted_bytes(), stats.bytes, "{name}: {stats:?}");
    }
    assert!(compared >= 80, "compared {compared} directions");
}

#[test]
fn roles_come_from_the_syn_or_are_marked_guessed() {
    let oracle = json_fixture("corpus/follow.json");
    for name in oracle["captures"].as_object().unwrap().keys() {
        let bytes = read_fixture(&format!("corpus/{name}"));
        let (_, events) = net_events(&bytes, Chunking::Whole, &TcpLimits::default());
        for (conn, (client, server, syn_seen, guessed)) in streams(&events).opened {
            if name.starts_with("grpc_python_midstream") {
                // editcap cut the handshake: roles are guessed by port.
                assert!(!syn_seen && guessed, "{name} {conn}");
                assert_eq!(server.port, 50051);
            } else {
                assert!(syn_seen && !guessed, "{name} {conn}");
                // Server ports from the corpus README (the servers' listen ports).
                assert!(
                    [8081, 8082, 8083, 8085, 8086, 8443, 50051, 50053].contains(&server.port),
                    "{name} {conn}: {client} → {server}"
                );
                assert!(client.port > 30000, "{name} {conn}: ephemeral client port");
            }
        }
    }
}

#[test]
fn net_events_do_not_depend_on_chunking() {
    for name in [
        "h2c_nghttp_any_sll2.pcapng",
        "grpc_python_midstream.pcap",
        "h2_tls_curl.pcap",
        "h2c_continuation.pcapng",
    ] {
        let bytes = read_fixture(&format!("corpus/{name}"));
        let (_, whole) = net_events(&bytes, Chunking::Whole, &TcpLimits::default());
        for chunking in CHUNKINGS {
            let (_, other) = net_events(&bytes, chunking, &TcpLimits::default());
            assert!(whole == other, "{name}: {chunking:?}");
        }
    }
}

/// tests/fixtures/extra/grpc_python_gap.pcap is grpc_python.pcap without
/// its packet 38 (editcap). tshark on the full capture:
/// `tshark -r grpc_python.pcap -Y frame.number==38 -T fields -e tcp.srcport -e tcp.seq -e tcp.len`
/// → `34712 2161 319`: client→server relative sequence 2161 (stream offset
/// 2160), 319 bytes. In the cut file the server ACKs past the hole (packet
/// 38) before the client's next data segment (packet 44, `tcp.seq` 2480).
#[test]
fn a_lost_client_segment_is_a_gap_where_tshark_places_it() {
    let (_, full) = net_events(
        &read_fixture("corpus/grpc_python.pcap"),
        Chunking::Whole,
        &TcpLimits::default(),
    );
    let full = streams(&full);
    let c2s = &full.bytes[&(ConnId(0), Direction::ClientToServer)];
    // (These bytes equal tshark's follow output: every_corpus_stream_equals_tshark_follow.)

    let (_, events) = net_events(
        &read_fixture("extra/grpc_python_gap.pcap"),
        Chunking::Whole,
        &TcpLimits::default(),
    );
    let gaps: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            NetEvent::Gap(g) => Some(g.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    let gap = &gaps[0];
    assert_eq!(
        (gap.conn, gap.dir, gap.offset, gap.len),
        (ConnId(0), Direction::ClientToServer, 2160, 319)
    );
    assert_eq!(
        gap.reason,
        h2lens::net::GapReason::NotCaptured,
        "the server acknowledged the bytes"
    );
    assert_eq!(gap.packet, 44, "revealed by the client's next data segment");
    // The gap comes right before packet 44's data, not at the end of the capture.
    let at = events
        .iter()
        .position(|e| matches!(e, NetEvent::Gap(_)))
        .unwrap();
    match &events[at + 1] {
        NetEvent::Data(d) => assert_eq!(
            (d.packet, d.offset, d.dir),
            (44, 2479, Direction::ClientToServer)
        ),
        other => panic!("after the gap: {other:?}"),
    }
    // Everything else is the full capture's stream.
    let mut got = Vec::new();
    for e in &events {
        if let NetEvent::Data(d) = e {
            if d.dir == Direction::ClientToServer {
                got.extend_from_slice(d.data.as_bytes());
            }
        }
    }
    let mut want = c2s[..2160].to_vec();
    want.extend_from_slice(&c2s[2479..]);
    assert!(got == want, "client→server bytes around the gap");
}
