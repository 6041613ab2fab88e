//! TLS hello inspection against tshark's decode of the real curl ↔ nghttpd
//! capture (tests/fixtures/corpus/h2_tls_curl.hellos.json, made by
//! scripts/fixtures/make_tls_hello_oracle.py): TLS 1.3 with
//! HelloRetryRequest (streams 0 and 2) and TLS 1.2 (stream 1).

mod net_support;

use std::collections::BTreeMap;

use h2lens::config::TcpLimits;
use h2lens::net::tls::{looks_like_tls, HelloEnd, HelloInspector, TlsEvent};
use h2lens::net::{ConnId, NetEvent};
use h2lens::Direction;
use net_support::*;
use serde_json::{json, Value};

fn streams(file: &str) -> BTreeMap<(ConnId, Direction), Vec<u8>> {
    let (_, events) = net_events(&read_fixture(file), Chunking::Whole, &TcpLimits::default());
    let mut out: BTreeMap<(ConnId, Direction), Vec<u8>> = BTreeMap::new();
    for e in events {
        if let NetEvent::Data(d) = e {
            out.entry((d.conn, d.dir))
                .or_default()
                .extend_from_slice(d.data.as_bytes());
        }
    }
    out
}

fn inspect(data: &[u8], chunk: usize) -> Vec<TlsEvent> {
    let mut insp = HelloInspector::new(TcpLimits::default().max_tls_hello_bytes);
    for c in data.chunks(chunk.max(1)) {
        insp.push(c);
        if insp.is_done() {
            break;
        }
    }
    insp.finish();
    std::iter::from_fn(move || insp.next_event()).collect()
}

const HRR_RANDOM: &str = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

#[test]
fn hellos_match_tshark() {
    let oracle = json_fixture("corpus/h2_tls_curl.hellos.json");
    let streams = streams("corpus/h2_tls_curl.pcap");
    let mut checked = 0;
    for ((conn, dir), data) in &streams {
        assert_eq!(looks_like_tls(data), Some(true), "stream {conn} {dir:?}");
        let kind = match dir {
            Direction::ClientToServer => "client_hello",
            Direction::ServerToClient => "server_hello",
        };
        let want: Vec<&Value> = oracle["hellos"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["tcp_stream"] == json!(conn.0) && h["type"] == kind)
            .collect();
        let whole = inspect(data, data.len());
        for chunk in [1, 7, 500] {
            assert_eq!(
                inspect(data, chunk),
                whole,
                "stream {conn} {dir:?}: chunking"
            );
        }
        let got: Vec<&TlsEvent> = whole
            .iter()
            .filter(|e| matches!(e, TlsEvent::ClientHello(_) | TlsEvent::ServerHello(_)))
            .collect();
        assert_eq!(got.len(), want.len(), "stream {conn} {dir:?}: {whole:?}");
        for (g, w) in got.iter().zip(&want) {
            let alpn_want: Vec<String> = w["alpn"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            match g {
                TlsEvent::ClientHello(ch) => {
                    assert_eq!(ch.sni.is_some(), !w["sni"].as_array().unwrap().is_empty());
                    let alpn: Vec<String> =
                        ch.alpn.iter().map(|a| a.display().into_owned()).collect();
                    assert_eq!(alpn, alpn_want);
                    let versions: Vec<u16> = ch.supported_versions.iter().map(|v| v.0).collect();
                    assert_eq!(json!(versions), w["supported_versions"]);
                    assert_eq!(json!(ch.legacy_version.0), w["legacy_version"]);
                    assert_eq!(json!(ch.cipher_suites), w["cipher_suites"]);
                    // The random keys the key log.
                    assert_eq!(json!(ch.random), w["random"]);
                }
                TlsEvent::ServerHello(sh) => {
                    assert_eq!(json!(sh.cipher_suite), w["cipher_suite"]);
                    assert_eq!(json!(sh.random), w["random"]);
                    assert_eq!(json!(sh.legacy_version.0), w["legacy_version"]);
                    let versions = w["supported_versions"].as_array().unwrap();
                    let selected = versions.first().unwrap_or(&w["legacy_version"]);
                    assert_eq!(json!(sh.selected_version.0), *selected);
                    assert_eq!(sh.hello_retry_request, w["random"] == HRR_RANDOM);
                    // tshark sees a server ALPN only in TLS 1.2.
                    assert_eq!(
                        sh.alpn
                            .iter()
                            .map(|a| a.display().into_owned())
                            .collect::<Vec<_>>(),
                        alpn_want
                    );
                    assert_eq!(
                        sh.alpn_hidden,
                        *selected == json!(0x0304) && !sh.hello_retry_request
                    );
                }
                _ => unreachable!(),
            }
            checked += 1;
        }
        let end = match whole.last() {
            Some(TlsEvent::Done { reason, .. }) => *reason,
            other => panic!("{other:?}"),
        };
        let tls13 = want.iter().any(|w| {
            w["supported_versions"]
                .as_array()
                .is_some_and(|v| v.contains(&json!(0x0304)))
        });
        let want_end = match dir {
            Direction::ServerToClient if tls13 => HelloEnd::ServerHelloDone,
            _ => HelloEnd::Encrypted,
        };
        assert_eq!(end, want_end, "stream {conn} {dir:?}");
    }
    assert_eq!(checked, 10, "every hello tshark saw");
}

#[test]
fn cleartext_http2_is_not_tls() {
    for (key, data) in streams("corpus/h2c_nghttp_lo.pcap") {
        assert_eq!(looks_like_tls(&data), Some(false), "{key:?}");
        let events = inspect(&data, data.len());
        assert!(
            matches!(
                events.as_slice(),
                [TlsEvent::Done {
                    reason: HelloEnd::NotTls,
                    offset: 0
                }]
            ),
            "{events:?}"
        );
    }
}
