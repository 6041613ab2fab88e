//! Linkerd tap inputs made from real calls of the grpc_python capture
//! (`scripts/fixtures/tap_linkerd.py`). Expected values come from the
//! corpus (tshark header blocks and frame times) and the client's own log,
//! not from h2lens.

use std::path::PathBuf;

use h2lens::config::GrpcLimits;
use h2lens::grpc::{Metadata, ValueEncoding};
use h2lens::tap::{parse, TapDecoder, TapEvent, TapExchange, TapFormat};
use serde_json::Value;

fn fixture(area: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(area)
        .join(name)
}

fn read(area: &str, name: &str) -> Vec<u8> {
    std::fs::read(fixture(area, name)).unwrap()
}

fn events_chunked(input: &[u8], sizes: &[usize]) -> Vec<TapEvent> {
    let mut d = TapDecoder::new(&GrpcLimits::default());
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        let (a, b) = rest.split_at(n);
        d.push(a);
        rest = b;
        i += 1;
    }
    d.finish();
    std::iter::from_fn(|| d.next_event()).collect()
}

/// The corpus request header block of an HTTP/2 stream, exact bytes.
fn corpus_block(stream: u64, to_server: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    let text = std::fs::read_to_string(fixture("grpc", "grpc_python.headers.jsonl")).unwrap();
    let b: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|b| {
            b["stream_id"] == stream && b["dst"].as_str().unwrap().ends_with(":50051") == to_server
        })
        .unwrap();
    b["raw_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                h2lens::octets::from_hex(p[0].as_str().unwrap()).unwrap(),
                h2lens::octets::from_hex(p[1].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// Values per name, names sorted: what survives any regrouping.
fn by_name(list: &[(Vec<u8>, Vec<u8>)]) -> std::collections::BTreeMap<Vec<u8>, Vec<Vec<u8>>> {
    let mut m = std::collections::BTreeMap::<Vec<u8>, Vec<Vec<u8>>>::new();
    for (n, v) in list {
        m.entry(n.clone()).or_default().push(v.clone());
    }
    m
}

fn pairs(x: &[(h2lens::Octets, h2lens::Octets)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    x.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect()
}

fn exchange<'a>(xs: &'a [TapExchange], id: &str) -> &'a TapExchange {
    xs.iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no exchange {id}"))
}

#[test]
fn cli_json_joins_interleaved_events() {
    let input = read("tap", "linkerd_tap.json");
    let p = parse(&input, &GrpcLimits::default());
    assert_eq!(p.format, Some(TapFormat::LinkerdJson));
    let fid = p.fidelity.as_ref().unwrap();
    assert!(!fid.hpack && !fid.wire_order_across_names);
    // 5 tapped calls + 1 already in flight when the tap started; the 6th
    // request was cut mid-object.
    let ids: Vec<&str> = p.exchanges.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "2913764087:0",
            "2913764087:1",
            "2913764087:2",
            "2913764087:3",
            "2913764087:4",
            "2913764087:5"
        ]
    );
    let inflight = exchange(&p.exchanges, "2913764087:0");
    assert!(!inflight.complete);
    assert_eq!(inflight.missing, ["requestInit"]);
    assert_eq!(inflight.response_end_ns, Some(2_000_904_211));
    for x in &p.exchanges[1..] {
        assert!(x.complete, "{}", x.id);
        assert!(!x.wire_order);
        assert_eq!(x.proxy_direction.as_deref(), Some("INBOUND"));
        assert_eq!(x.source.as_ref().unwrap().ip.as_deref(), Some("10.42.0.31"));
        assert_eq!(x.destination.as_ref().unwrap().port, Some(50051));
        assert!(x
            .destination
            .as_ref()
            .unwrap()
            .labels
            .contains(&("tls".into(), "true".into())));
    }
    // The partial last object is reported, once, where it starts.
    let partial: Vec<_> = p
        .diagnostics
        .iter()
        .filter(|d| d.code == "tap.partial_object")
        .collect();
    assert_eq!(partial.len(), 1);
    let last_start = input.windows(3).rposition(|w| w == b"\n{\n").unwrap() + 1;
    assert_eq!(partial[0].offset, Some(last_start as u64));
    assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
    assert_eq!(inflight.diagnostics[0].code, "tap.incomplete_exchange");
}

#[test]
fn cli_json_headers_statuses_and_timings_match_the_corpus() {
    let p = parse(&read("tap", "linkerd_tap.json"), &GrpcLimits::default());
    // tap stream n ↔ HTTP/2 stream (fixture script: STREAMS = [1, 7, 9, 17, 19]).
    for (tap, h2) in [(1, 1), (2, 7), (3, 9), (4, 17), (5, 19)] {
        let x = exchange(&p.exchanges, &format!("2913764087:{tap}"));
        let mut got = by_name(&pairs(&x.request_headers));
        if h2 == 1 {
            // The fixture adds one non-UTF-8 header (valueBin).
            assert_eq!(
                got.remove(b"x-legacy".as_slice()).unwrap(),
                [b"caf\xe9".to_vec()]
            );
        }
        let mut want = by_name(&corpus_block(h2, true));
        // Through a proxy, -bin values are base64 text, not true-binary.
        let bin = want.remove(b"x-actor-context-bin".as_slice()).unwrap();
        let got_bin = got.remove(b"x-actor-context-bin".as_slice()).unwrap();
        assert_eq!(
            bin,
            [vec![0x00, 0x00, 0x01, 0x02, 0xfe, 0xff, 0x80, 0x7f, 0x0a]]
        );
        assert_eq!(got_bin, [b"AAEC/v+Afwo".to_vec()]);
        assert_eq!(got, want, "stream {h2}");
        assert_eq!(
            x.path.as_ref().unwrap().as_bytes(),
            b"/payments.v1.Payments/"
                .iter()
                .chain(if h2 == 7 || h2 == 17 {
                    &b"ListPayments"[..]
                } else {
                    &b"GetPayment"[..]
                })
                .copied()
                .collect::<Vec<u8>>()
                .as_slice()
        );
        assert_eq!(x.method.as_ref().unwrap().as_bytes(), b"POST");
        assert_eq!(x.status, Some(200));
    }
    // Pseudo-headers first, then grouped; repeated names keep their order.
    let x = exchange(&p.exchanges, "2913764087:1");
    let names: Vec<&[u8]> = x
        .request_headers
        .iter()
        .map(|(n, _)| n.as_bytes())
        .collect();
    assert_eq!(
        names[..4],
        [&b":method"[..], b":scheme", b":authority", b":path"]
    );
    let md = Metadata::from_headers(&x.request_headers, false);
    let actors: Vec<&[u8]> = md
        .get(b"actorscopes")
        .unwrap()
        .values
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    assert_eq!(actors, [&b"api"[..], b"actor1", b"actor2"]);
    assert_eq!(md.get(b"roles").unwrap().values.len(), 2);
    // The -bin value decodes (unpadded base64) to client.py's bytes.
    let e = md
        .wire
        .iter()
        .find(|e| e.name.as_bytes() == b"x-actor-context-bin")
        .unwrap();
    assert_eq!(
        e.encoding,
        ValueEncoding::Base64 {
            padded: false,
            values: 1
        }
    );
    assert_eq!(
        e.decoded[0].as_bytes(),
        [0x00, 0x01, 0x02, 0xfe, 0xff, 0x80, 0x7f, 0x0a]
    );
    // Trailers: x-audit ×3 (client log).
    let t = x.response_trailers.as_ref().unwrap();
    let audits: Vec<&[u8]> = t
        .iter()
        .filter(|(n, _)| n.as_bytes() == b"x-audit")
        .map(|(_, v)| v.as_bytes())
        .collect();
    assert_eq!(
        audits,
        [
            &b"checked-actorscopes"[..],
            b"checked-roles",
            b"checked-originatorscopes"
        ]
    );
    assert_eq!(x.grpc_status, Some(0));
    assert_eq!(x.response_bytes, Some(39)); // one 39-byte DATA frame (tshark)
                                            // Statuses: PERMISSION_DENIED (Trailers-Only), cancel, DEADLINE_EXCEEDED.
    assert_eq!(exchange(&p.exchanges, "2913764087:3").grpc_status, Some(7));
    let cancel = exchange(&p.exchanges, "2913764087:4");
    assert_eq!(cancel.reset_code, Some(8));
    let dl = exchange(&p.exchanges, "2913764087:5");
    assert_eq!(dl.grpc_status, Some(4));
    // tshark frame times: 355.231171 - 354.929211.
    assert_eq!(dl.response_end_ns, Some(301_960_000));
    let stream = exchange(&p.exchanges, "2913764087:2");
    assert_eq!(stream.response_bytes, Some(44 + 45 * 4));
}

#[test]
fn websocket_frames_give_the_same_exchanges() {
    let cli = parse(&read("tap", "linkerd_tap.json"), &GrpcLimits::default());
    let ws_input = read("tap", "linkerd_ws_frames.jsonl");
    let ws = parse(&ws_input, &GrpcLimits::default());
    assert_eq!(ws.format, Some(TapFormat::LinkerdWebSocket));
    assert!(ws.diagnostics.is_empty(), "{:?}", ws.diagnostics);
    assert_eq!(ws.exchanges.len(), 5);
    for w in &ws.exchanges {
        let c = exchange(&cli.exchanges, &w.id);
        assert_eq!(w.request_headers, c.request_headers, "{}", w.id);
        assert_eq!(w.response_headers, c.response_headers);
        assert_eq!(w.response_trailers, c.response_trailers);
        assert_eq!(
            (w.status, w.grpc_status, w.reset_code),
            (c.status, c.grpc_status, c.reset_code)
        );
        assert_eq!(
            (
                w.response_init_ns,
                w.response_end_ns,
                w.since_response_init_ns
            ),
            (
                c.response_init_ns,
                c.response_end_ns,
                c.since_response_init_ns
            )
        );
        assert_eq!(w.response_bytes, c.response_bytes);
        assert_eq!(
            (&w.method, &w.scheme, &w.path),
            (&c.method, &c.scheme, &c.path)
        );
        assert_eq!(w.source.as_ref().unwrap().ip.as_deref(), Some("10.42.0.31"));
        assert_eq!(
            w.destination.as_ref().unwrap().labels,
            c.destination.as_ref().unwrap().labels
        );
    }
    // Frames concatenated without newlines decode the same.
    let glued: Vec<u8> = ws_input.split(|&b| b == b'\n').flatten().copied().collect();
    assert_eq!(
        parse(&glued, &GrpcLimits::default()).exchanges,
        ws.exchanges
    );
}

#[test]
fn chunking_does_not_change_events() {
    for name in ["linkerd_tap.json", "linkerd_ws_frames.jsonl"] {
        let input = read("tap", name);
        let whole = events_chunked(&input, &[usize::MAX]);
        assert_eq!(events_chunked(&input, &[1]), whole, "{name}");
        assert_eq!(
            events_chunked(&input, &[7, 1, 300, 2, 4096, 13]),
            whole,
            "{name}"
        );
    }
}

#[test]
fn ipv6_and_unregistered_method_in_websocket_frames() {
    let frame = br#"{"source":{"ip":{"ipv6":{"first":"2306139568115548160","last":"1"}},"port":443},"destination":{"ip":{"ipv4":2130706433},"port":80},"proxyDirection":"OUTBOUND","http":{"requestInit":{"id":{"base":1,"stream":"18446744073709551615"},"method":{"unregistered":"PURGE"},"scheme":{"registered":"HTTPS"},"authority":"a","path":"/"}}}"#;
    let p = parse(frame, &GrpcLimits::default());
    let x = &p.exchanges[0];
    // 2306139568115548160 = 0x2001_0db8_0000_0000: 2001:db8::1.
    assert_eq!(
        x.source.as_ref().unwrap().ip.as_deref(),
        Some("2001:db8::1")
    );
    assert_eq!(
        x.destination.as_ref().unwrap().ip.as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(x.id, "1:18446744073709551615");
    assert_eq!(x.method.as_ref().unwrap().as_bytes(), b"PURGE");
    assert_eq!(x.missing, ["responseInit", "responseEnd"]);
}

#[test]
fn open_exchange_limit_gives_up_the_oldest() {
    let limits = GrpcLimits {
        max_tap_open_exchanges: 1,
        ..GrpcLimits::default()
    };
    let p = parse(&read("tap", "linkerd_tap.json"), &limits);
    // Same events; exchanges interleave, so some are given up early and
    // their later events start new (incomplete) exchanges. Nothing is lost:
    // every requestInit of the full run is still there.
    let full = parse(&read("tap", "linkerd_tap.json"), &GrpcLimits::default());
    let inits = |xs: &[TapExchange]| xs.iter().filter(|x| x.path.is_some()).count();
    assert_eq!(inits(&p.exchanges), inits(&full.exchanges));
    let given_up = p
        .exchanges
        .iter()
        .flat_map(|x| &x.diagnostics)
        .filter(|d| d.message.contains("too many open exchanges"))
        .count();
    assert!(given_up > 0);
    assert!(p.exchanges.len() > full.exchanges.len());
}
