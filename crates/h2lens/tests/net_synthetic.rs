//! The hard cases, on synthetic captures made by an independent tool:
//! tests/fixtures/net/*.pcap(ng) and expected.json, written by
//! scripts/fixtures/make_net_fixtures.py (scapy packets, its own pcap and
//! pcapng writers). Every expectation comes from the generator's knowledge
//! of what it put in the file (stream bytes, holes, timestamps), and the
//! generator checks its files with tshark (packet counts, timestamps, SNI).

mod net_support;

use std::collections::BTreeMap;

use h2lens::capture::{CaptureEvent, Packet};
use h2lens::config::{CaptureLimits, TcpLimits};
use h2lens::net::tls::{HelloInspector, TlsEvent};
use h2lens::net::{ConnId, NetEvent, NetStats};
use h2lens::{Direction, Severity};
use net_support::*;
use serde_json::{json, Value};

fn expected() -> Value {
    json_fixture("net/expected.json")
}

fn name_of<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[derive(Debug, Default, PartialEq)]
struct DirView {
    data: Vec<u8>,
    gaps: Vec<Value>,
    closed: Vec<Value>,
}

/// Per connection and direction: bytes, gaps and closes, checking that
/// events tile the stream (each starts where the previous ended).
fn dir_views(events: &[NetEvent]) -> BTreeMap<(ConnId, Direction), DirView> {
    let mut views: BTreeMap<(ConnId, Direction), DirView> = BTreeMap::new();
    let mut pos: BTreeMap<(ConnId, Direction), u64> = BTreeMap::new();
    for e in events {
        match e {
            NetEvent::Data(d) => {
                let p = pos.entry((d.conn, d.dir)).or_default();
                assert_eq!(d.offset, *p, "data tiles the stream");
                *p += d.data.len() as u64;
                views
                    .entry((d.conn, d.dir))
                    .or_default()
                    .data
                    .extend_from_slice(d.data.as_bytes());
            }
            NetEvent::Gap(g) => {
                let p = pos.entry((g.conn, g.dir)).or_default();
                assert_eq!(g.offset, *p, "gap tiles the stream");
                *p += g.len;
                views.entry((g.conn, g.dir)).or_default().gaps.push(json!([
                    g.offset,
                    g.len,
                    name_of(g.reason)
                ]));
            }
            NetEvent::Closed(c) => {
                views
                    .entry((c.conn, c.dir))
                    .or_default()
                    .closed
                    .push(json!([name_of(c.kind), c.offset]));
            }
            _ => {}
        }
    }
    views
}

fn summary(events: &[NetEvent]) -> NetStats {
    match events.last() {
        Some(NetEvent::Summary(s)) => s.clone(),
        other => panic!("last event {other:?}"),
    }
}

fn packets(events: &[CaptureEvent]) -> Vec<&Packet> {
    events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Packet(p) => Some(p),
            _ => None,
        })
        .collect()
}

#[test]
fn synthetic_captures_match_what_the_generator_wrote() {
    let all = expected();
    let files = all["files"].as_object().unwrap();
    assert!(files.len() >= 20);
    for (name, exp) in files {
        let bytes = read_fixture(&format!("net/{name}"));
        let (cap, net) = net_events(&bytes, Chunking::Whole, &TcpLimits::default());

        // ---- capture layer
        let pkts = packets(&cap);
        assert_eq!(
            pkts.len() as u64,
            exp["packets"].as_u64().unwrap(),
            "{name}: packets"
        );
        if let Some(ts) = exp.get("timestamps_ns") {
            let got: Vec<i64> = pkts.iter().map(|p| p.ts.as_nanos()).collect();
            let want: Vec<i64> = ts
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_i64().unwrap())
                .collect();
            assert_eq!(got, want, "{name}: timestamps");
        }
        if let Some(numbers) = exp.get("frame_numbers") {
            let got: Vec<u64> = pkts.iter().map(|p| p.number).collect();
            let want: Vec<u64> = numbers
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_u64().unwrap())
                .collect();
            assert_eq!(got, want, "{name}: frame numbers as tshark counts them");
        }
        if let Some(lts) = exp.get("link_types") {
            let got: Vec<u64> = pkts.iter().map(|p| u64::from(p.link_type.0)).collect();
            let want: Vec<u64> = lts
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_u64().unwrap())
                .collect();
            assert_eq!(got, want, "{name}: link types");
        }
        let file_info = cap.iter().find_map(|e| match e {
            CaptureEvent::FileInfo(f) => Some(f),
            _ => None,
        });
        if let Some(format) = exp.get("format") {
            let f = file_info.unwrap();
            assert_eq!(name_of(f.format), format.as_str().unwrap(), "{name}");
            if let Some(order) = exp.get("byte_order") {
                assert_eq!(name_of(f.byte_order), order.as_str().unwrap(), "{name}");
            }
            if let Some(res) = exp.get("ts_resolution") {
                let r = f.ts_resolution.unwrap();
                assert_eq!(json!([r.base, r.exponent]), *res, "{name}");
            }
        }
        if let Some(sections) = exp.get("sections") {
            let got: Vec<Value> = cap
                .iter()
                .filter_map(|e| match e {
                    CaptureEvent::Section(s) => Some(json!({"byte_order": name_of(s.byte_order)})),
                    _ => None,
                })
                .collect();
            assert_eq!(Value::from(got), *sections, "{name}: sections");
        }
        if let Some(ifaces) = exp.get("interfaces") {
            let got: Vec<Value> = cap
                .iter()
                .filter_map(|e| match e {
                    CaptureEvent::Interface(i) => Some(i),
                    _ => None,
                })
                .zip(ifaces.as_array().unwrap())
                .map(|(i, want)| {
                    let mut v = json!({"section": i.section, "id": i.id, "link_type": i.link_type.0,
                                       "ts_resolution": [i.ts_resolution.base, i.ts_resolution.exponent]});
                    if want.get("ts_offset_secs").is_some() {
                        v["ts_offset_secs"] = json!(i.ts_offset_secs);
                    }
                    v
                })
                .collect();
            assert_eq!(Value::from(got), *ifaces, "{name}: interfaces");
        }
        if let Some(blocks) = exp.get("skipped_blocks") {
            let mut got: BTreeMap<String, u64> = BTreeMap::new();
            for e in &cap {
                if let CaptureEvent::Skipped(s) = e {
                    *got.entry(s.name.to_string()).or_default() += 1;
                }
            }
            assert_eq!(
                serde_json::to_value(got).unwrap(),
                *blocks,
                "{name}: skipped blocks"
            );
        }
        if let Some(secrets) = exp.get("secrets") {
            let got: Vec<Value> = cap
                .iter()
                .filter_map(|e| match e {
                    CaptureEvent::Secrets(s) => {
                        Some(json!({"type": s.secrets_type.0, "data_hex": s.data.to_hex()}))
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(Value::from(got), *secrets, "{name}: decryption secrets");
        }
        let Some(CaptureEvent::End(cstats)) = cap.last() else {
            panic!("{name}: End")
        };
        assert_eq!(cstats.bytes, bytes.len() as u64, "{name}");
        assert_eq!(cstats.accounted_bytes(), cstats.bytes, "{name}");
        if let Some(at) = exp.get("truncated_at") {
            let d = cap
                .iter()
                .find_map(|e| match e {
                    CaptureEvent::Diagnostic(d) if d.code == "capture.truncated_record" => Some(d),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{name}: truncation diagnostic"));
            assert_eq!(d.offset, at.as_u64(), "{name}");
            assert_eq!(
                cstats.undecodable_bytes,
                exp["undecodable_bytes"].as_u64().unwrap(),
                "{name}"
            );
        } else {
            assert_eq!(cstats.undecodable_bytes, 0, "{name}");
            for e in &cap {
                if let CaptureEvent::Diagnostic(d) = e {
                    assert!(d.severity < Severity::Warning, "{name}: {d}");
                }
            }
        }
        assert_eq!(
            cstats.truncated_packets,
            exp.get("truncated_packets")
                .map_or(0, |v| v.as_u64().unwrap()),
            "{name}"
        );

        // ---- net layer
        let opened: Vec<_> = net
            .iter()
            .filter_map(|e| match e {
                NetEvent::ConnectionOpened(o) => Some(o),
                _ => None,
            })
            .collect();
        let conns = exp["connections"].as_array().unwrap();
        assert_eq!(opened.len(), conns.len(), "{name}: connections");
        let views = dir_views(&net);
        for (i, (o, want)) in opened.iter().zip(conns).enumerate() {
            assert_eq!(o.conn, ConnId(i as u32), "{name}");
            assert_eq!(
                o.client.to_string(),
                want["client"].as_str().unwrap(),
                "{name} conn {i}"
            );
            assert_eq!(
                o.server.to_string(),
                want["server"].as_str().unwrap(),
                "{name} conn {i}"
            );
            assert_eq!(
                o.syn_seen,
                want["syn_seen"].as_bool().unwrap(),
                "{name} conn {i}"
            );
            assert_eq!(
                o.roles_guessed,
                want["roles_guessed"].as_bool().unwrap(),
                "{name} conn {i}"
            );
            for (dir, key) in [
                (Direction::ClientToServer, "c2s"),
                (Direction::ServerToClient, "s2c"),
            ] {
                let got = views
                    .get(&(o.conn, dir))
                    .map_or_else(DirView::default, |v| DirView {
                        data: v.data.clone(),
                        gaps: v.gaps.clone(),
                        closed: v.closed.clone(),
                    });
                let w = &want[key];
                assert!(
                    h2lens::octets::to_hex(&got.data) == w["data_hex"].as_str().unwrap(),
                    "{name} conn {i} {key}: stream bytes differ ({} bytes, want {})",
                    got.data.len(),
                    w["data_hex"].as_str().unwrap().len() / 2
                );
                assert_eq!(
                    Value::from(got.gaps),
                    w["gaps"],
                    "{name} conn {i} {key}: gaps"
                );
                assert_eq!(
                    Value::from(got.closed),
                    w["closed"],
                    "{name} conn {i} {key}: closes"
                );
            }
        }
        let stats = summary(&net);
        let got_skipped: BTreeMap<String, u64> = stats
            .skipped
            .iter()
            .map(|(r, c)| (name_of(r), c.bytes))
            .collect();
        assert_eq!(
            serde_json::to_value(&got_skipped).unwrap(),
            exp["skipped"],
            "{name}: skipped bytes by reason"
        );
        if let Some(n) = exp.get("fragmented_datagrams") {
            assert_eq!(stats.fragmented_datagrams, n.as_u64().unwrap(), "{name}");
        }
        assert_eq!(stats.pending_bytes, 0, "{name}");
        assert_eq!(stats.accounted_bytes(), stats.bytes, "{name}: {stats:?}");
        assert_eq!(
            stats.bytes, cstats.packet_data_bytes,
            "{name}: net saw every packet byte"
        );
    }
}

#[test]
fn tls_hello_of_a_real_openssl_handshake() {
    let exp = &expected()["files"]["tls12_sni_split.pcap"]["tls"];
    let (_, net) = net_events(
        &read_fixture("net/tls12_sni_split.pcap"),
        Chunking::Whole,
        &TcpLimits::default(),
    );
    let views = dir_views(&net);
    let hello_events = |dir| {
        let mut insp = HelloInspector::new(TcpLimits::default().max_tls_hello_bytes);
        insp.push(&views[&(ConnId(0), dir)].data);
        insp.finish();
        std::iter::from_fn(move || insp.next_event()).collect::<Vec<_>>()
    };
    let client = hello_events(Direction::ClientToServer);
    let TlsEvent::ClientHello(ch) = &client[0] else {
        panic!("{client:?}")
    };
    let want = &exp["client_hello"];
    assert_eq!(
        ch.sni.as_ref().unwrap().as_str().unwrap(),
        want["sni"].as_str().unwrap()
    );
    let alpn: Vec<&str> = ch.alpn.iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(json!(alpn), want["alpn"]);
    assert_eq!(
        u64::from(ch.legacy_version.0),
        want["legacy_version"].as_u64().unwrap()
    );
    assert_eq!(json!([ch.span.start, ch.span.end]), want["span"]);
    assert!(ch.offers_h2());
    // CCS then the encrypted Finished: inspection ends there.
    assert!(
        matches!(
            client.last(),
            Some(TlsEvent::Done {
                reason: h2lens::net::tls::HelloEnd::Encrypted,
                ..
            })
        ),
        "{client:?}"
    );

    let server = hello_events(Direction::ServerToClient);
    let TlsEvent::ServerHello(sh) = &server[0] else {
        panic!("{server:?}")
    };
    let want = &exp["server_hello"];
    assert_eq!(
        sh.alpn.as_ref().unwrap().as_str().unwrap(),
        want["alpn"].as_str().unwrap()
    );
    assert_eq!(
        u64::from(sh.selected_version.0),
        want["selected_version"].as_u64().unwrap()
    );
    assert_eq!(
        sh.hello_retry_request,
        want["hello_retry_request"].as_bool().unwrap()
    );
    assert!(!sh.alpn_hidden);
}

#[test]
fn synthetic_events_do_not_depend_on_chunking() {
    for name in expected()["files"].as_object().unwrap().keys() {
        let bytes = read_fixture(&format!("net/{name}"));
        let whole = net_events(&bytes, Chunking::Whole, &TcpLimits::default());
        for chunking in CHUNKINGS {
            assert!(
                whole == net_events(&bytes, chunking, &TcpLimits::default()),
                "{name}: {chunking:?}"
            );
        }
    }
}

#[test]
fn tight_out_of_order_limit_turns_the_hole_into_a_buffer_limit_gap() {
    // tcp_gaps.pcap holds a 100-byte hole at offset 300 followed by 200
    // bytes; with room for only 100 out-of-order bytes, the hole is given
    // up as soon as those 200 bytes arrive.
    let limits = TcpLimits {
        max_out_of_order_bytes: 100,
        ..TcpLimits::default()
    };
    let (_, net) = net_events(&read_fixture("net/tcp_gaps.pcap"), Chunking::Whole, &limits);
    let views = dir_views(&net);
    let v = &views[&(ConnId(0), Direction::ClientToServer)];
    assert_eq!(
        v.gaps,
        vec![
            json!([100, 100, "not_captured"]),
            json!([300, 100, "buffer_limit"])
        ]
    );
    // The same bytes are delivered either way.
    let exp = &expected()["files"]["tcp_gaps.pcap"]["connections"][0]["c2s"];
    assert_eq!(
        h2lens::octets::to_hex(&v.data),
        exp["data_hex"].as_str().unwrap()
    );
    let _ = CaptureLimits::default();
}
