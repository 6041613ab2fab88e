//! Envoy tap traces made from the real grpc_python capture
//! (`scripts/fixtures/tap_envoy.py`). Oracles: tshark's `follow,tcp,raw`
//! for the socket bytes, tshark packet times, the corpus header blocks and
//! DATA frames; the binary fixtures were encoded by Google's protobuf
//! library from the JSON ones, so JSON and binary must decode alike.

use std::path::PathBuf;

use h2lens::config::GrpcLimits;
use h2lens::grpc::{Encoding, Framing, MessageReader, ReaderEvent};
use h2lens::octets::from_hex;
use h2lens::tap::{parse, SocketEventKind, TapDecoder, TapEvent, TapFormat, TapParse, TappedSide};
use h2lens::{Direction, Timestamp};
use serde_json::Value;

fn read(area: &str, name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(area)
            .join(name),
    )
    .unwrap()
}

fn tap(name: &str) -> TapParse {
    parse(&read("tap", name), &GrpcLimits::default())
}

fn chunked(input: &[u8], sizes: &[usize]) -> Vec<TapEvent> {
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

fn follow() -> (Vec<u8>, Vec<u8>) {
    let v: Value = serde_json::from_slice(&read("tap", "grpc_python.follow.json")).unwrap();
    (
        from_hex(v["client_to_server_hex"].as_str().unwrap()).unwrap(),
        from_hex(v["server_to_client_hex"].as_str().unwrap()).unwrap(),
    )
}

fn messages(body: &[u8]) -> Vec<Vec<u8>> {
    let mut r = MessageReader::new(Framing::Grpc, Encoding::Identity, &GrpcLimits::default());
    r.push(body);
    r.finish();
    std::iter::from_fn(|| r.next_event())
        .map(|e| match e {
            ReaderEvent::Message(m) => m.payload.into_vec(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn socket_buffered_trace_carries_the_connection_bytes() {
    let p = tap("envoy_socket_buffered.json");
    assert_eq!(p.format, Some(TapFormat::EnvoyJson));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert!(p.exchanges.is_empty());
    assert_eq!(p.sockets.len(), 1);
    let s = &p.sockets[0];
    assert_eq!(s.trace_id, "7");
    let conn = s.connection.as_ref().unwrap();
    assert_eq!(conn.local.as_ref().unwrap().port, Some(50051));
    assert_eq!(conn.remote.as_ref().unwrap().port, Some(34712));
    // Envoy was the server: it reads the client preface.
    assert_eq!(s.tapped_side, Some(TappedSide::Server));
    assert_eq!(
        SocketEventKind::Read.direction(TappedSide::Server),
        Some(Direction::ClientToServer)
    );
    let (c2s, s2c) = follow();
    assert_eq!(s.bytes(SocketEventKind::Read), c2s);
    assert_eq!(s.bytes(SocketEventKind::Write), s2c);
    // tshark -Y "tcp.len>0": 59 packets with payload, 23 from the client.
    let count = |k| s.chunks.iter().filter(|c| c.kind == k).count();
    assert_eq!(
        (count(SocketEventKind::Read), count(SocketEventKind::Write)),
        (23, 36)
    );
    assert_eq!(s.chunks.last().unwrap().kind, SocketEventKind::Closed);
    // First event: frame 4 at 1795708354.509011 (tshark), server SETTINGS.
    let first = &s.chunks[0];
    assert_eq!(first.kind, SocketEventKind::Write);
    assert_eq!(
        first.time,
        Some(Timestamp::from_secs_nanos(1_795_708_354, 509_011_000))
    );
    assert_eq!(first.data.len(), 46);
    // Chunks are in input order, numbered.
    assert!(s
        .chunks
        .iter()
        .enumerate()
        .all(|(i, c)| c.index == i as u64));
}

#[test]
fn socket_streamed_json_and_binary_agree_with_buffered() {
    let buffered = tap("envoy_socket_buffered.json");
    let json = tap("envoy_socket_streamed.json");
    let bin = tap("envoy_socket_streamed.pb");
    assert_eq!(bin.format, Some(TapFormat::EnvoyProtoLengthDelimited));
    assert!(json.diagnostics.is_empty(), "{:?}", json.diagnostics);
    assert!(bin.diagnostics.is_empty(), "{:?}", bin.diagnostics);
    assert_eq!(json.sockets, bin.sockets);
    let (b, s) = (&buffered.sockets[0], &json.sockets[0]);
    assert_eq!(s.trace_id, "8");
    assert_eq!(s.connection, b.connection);
    assert_eq!(s.tapped_side, Some(TappedSide::Server));
    assert_eq!(s.chunks.len(), b.chunks.len());
    for (x, y) in s.chunks.iter().zip(&b.chunks) {
        assert_eq!(
            (x.kind, &x.data, x.time, x.index),
            (y.kind, &y.data, y.time, y.index)
        );
    }
}

#[test]
fn http_buffered_traces() {
    let p = tap("envoy_http_buffered.json");
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.exchanges.len(), 2);
    let unary = &p.exchanges[0];
    assert!(unary.complete && unary.wire_order);
    assert_eq!(
        unary.path.as_ref().unwrap().as_bytes(),
        b"/payments.v1.Payments/GetPayment"
    );
    assert_eq!(unary.status, Some(200));
    assert_eq!(unary.grpc_status, Some(0));
    // Bodies: the DATA payloads (tshark), one message each way.
    let req = messages(unary.request_body.as_ref().unwrap().bytes.as_bytes());
    assert_eq!(req, [b"\x0a\x05pay-0".to_vec()]); // GetPaymentRequest{payment_id: "pay-0"}
    let resp = messages(unary.response_body.as_ref().unwrap().bytes.as_bytes());
    assert_eq!(resp.len(), 1);
    // Headers keep wire order and exact bytes (true-binary via raw_value).
    let names: Vec<&[u8]> = unary
        .request_headers
        .iter()
        .map(|(n, _)| n.as_bytes())
        .collect();
    assert_eq!(
        names[..4],
        [&b":path"[..], b":authority", b":method", b":scheme"]
    );
    let trailers = unary.response_trailers.as_ref().unwrap();
    let cost = trailers
        .iter()
        .find(|(n, _)| n.as_bytes() == b"x-cost-bin")
        .unwrap();
    assert_eq!(cost.1.as_bytes(), [0x00, 0x00, 0x10, 0xff, 0x7f]);
    let audits = trailers
        .iter()
        .filter(|(n, _)| n.as_bytes() == b"x-audit")
        .count();
    assert_eq!(audits, 3);
    // Trailers-Only PERMISSION_DENIED.
    let denied = &p.exchanges[1];
    assert_eq!(denied.grpc_status, Some(7));
    assert!(denied.response_trailers.is_none());
    assert!(denied.response_body.as_ref().unwrap().bytes.is_empty());
}

#[test]
fn http_streamed_segments_join_by_trace_id() {
    let json = tap("envoy_http_streamed.json");
    let bin = tap("envoy_http_streamed.pb");
    assert!(json.diagnostics.is_empty(), "{:?}", json.diagnostics);
    assert!(bin.diagnostics.is_empty(), "{:?}", bin.diagnostics);
    assert_eq!(json.exchanges, bin.exchanges);
    let ids: Vec<&str> = json.exchanges.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["1007", "1011"]);
    let ok = &json.exchanges[0];
    assert!(ok.complete);
    assert_eq!(ok.grpc_status, Some(0));
    let items = messages(ok.response_body.as_ref().unwrap().bytes.as_bytes());
    assert_eq!(items.len(), 5); // p-0000 … p-0004 (client log)
    assert!(items[4].windows(6).any(|w| w == b"p-0004"));
    let failed = &json.exchanges[1];
    assert_eq!(failed.grpc_status, Some(13));
    assert_eq!(
        messages(failed.response_body.as_ref().unwrap().bytes.as_bytes()).len(),
        2
    );
}

#[test]
fn chunking_does_not_change_events() {
    for name in [
        "envoy_socket_buffered.json",
        "envoy_socket_streamed.json",
        "envoy_socket_streamed.pb",
        "envoy_http_buffered.json",
        "envoy_http_streamed.pb",
    ] {
        let input = read("tap", name);
        let whole = chunked(&input, &[usize::MAX]);
        assert_eq!(chunked(&input, &[1]), whole, "{name}");
        assert_eq!(chunked(&input, &[3, 1, 700, 9, 2]), whole, "{name}");
    }
}

#[test]
fn interrupted_binary_and_json_keep_earlier_traces() {
    for name in ["envoy_socket_streamed.pb", "envoy_socket_streamed.json"] {
        let input = read("tap", name);
        let whole = parse(&input, &GrpcLimits::default());
        let cut = parse(&input[..input.len() - 20], &GrpcLimits::default());
        assert_eq!(cut.diagnostics.len(), 1, "{name}: {:?}", cut.diagnostics);
        assert_eq!(cut.diagnostics[0].code, "tap.partial_object");
        let (w, c) = (&whole.sockets[0].chunks, &cut.sockets[0].chunks);
        assert_eq!(c.len(), w.len() - 1);
        assert_eq!(c[..], w[..w.len() - 1]);
    }
}

#[test]
fn detect_names_each_format() {
    assert_eq!(
        h2lens::tap::detect(&read("tap", "linkerd_tap.json")[..400]),
        Some(TapFormat::LinkerdJson)
    );
    assert_eq!(
        h2lens::tap::detect(&read("tap", "linkerd_ws_frames.jsonl")[..800]),
        Some(TapFormat::LinkerdWebSocket)
    );
    assert_eq!(
        h2lens::tap::detect(&read("tap", "envoy_http_buffered.json")[..200]),
        Some(TapFormat::EnvoyJson)
    );
    assert_eq!(
        h2lens::tap::detect(&read("tap", "envoy_socket_streamed.pb")[..64]),
        Some(TapFormat::EnvoyProtoLengthDelimited)
    );
    assert_eq!(h2lens::tap::detect(b"PRI * HTTP/2.0"), None);
}

#[test]
fn older_and_newer_envoy_fields() {
    // Newer Envoy: events batch, per-event connection and seq_num; an
    // as_string body; a raw_value header.
    let input = br#"{"socket_streamed_trace_segment":{"trace_id":"9","events":{"events":[
      {"timestamp":"2026-05-10T13:01:30.412Z","seq_num":"4","connection":{"local_address":{"socket_address":{"address":"10.0.0.1","port_value":8443}}},"read":{"data":{"as_string":"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n","truncated":true}}},
      {"timestamp":"2026-05-10T13:01:30.413Z","write":{"data":{"as_bytes":"AAAABAEAAAAA"},"end_stream":true}}]}}}
    {"http_buffered_trace":{"request":{"headers":[{"key":"x-raw","raw_value":"/wA="}]}}}"#;
    let p = parse(input, &GrpcLimits::default());
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let s = &p.sockets[0];
    assert_eq!(s.chunks[0].seq_num, Some(4));
    assert!(s.chunks[0].truncated);
    assert_eq!(
        s.chunks[0]
            .connection
            .as_ref()
            .unwrap()
            .local
            .as_ref()
            .unwrap()
            .port,
        Some(8443)
    );
    assert!(s.chunks[1].end_stream);
    assert_eq!(s.tapped_side, Some(TappedSide::Server));
    let x = &p.exchanges[0];
    assert_eq!(x.request_headers[0].1.as_bytes(), [0xff, 0x00]);
    assert!(!x.complete);
    assert_eq!(x.missing, ["response"]);
}

#[test]
fn tap_exchanges_feed_the_grpc_call_summary() {
    use h2lens::grpc::call::StatusSource;
    use h2lens::grpc::{summarize, CallOptions, StatusCode};
    use h2lens::protobuf::Schema;
    let schema = Schema::from_protoset(&read("grpc", "payments.protoset")).unwrap();
    let opts = CallOptions {
        schema: Some(&schema),
        ..Default::default()
    };
    // Envoy buffered: bodies are there, so messages decode by the schema.
    let p = tap("envoy_http_buffered.json");
    let call = summarize(&p.exchanges[0].call_input(), &opts);
    assert_eq!(call.status, Some(StatusCode::OK));
    assert_eq!(
        call.request_messages[0].decoded.as_ref().unwrap().json,
        serde_json::json!({"paymentId": "pay-0"})
    );
    assert_eq!(call.response_messages.len(), 1);
    let denied = summarize(&p.exchanges[1].call_input(), &opts);
    assert!(denied.trailers_only);
    assert_eq!(denied.status, Some(StatusCode::PERMISSION_DENIED));
    assert_eq!(denied.status_source, Some(StatusSource::TrailersOnly));
    assert_eq!(
        denied.message.unwrap().display,
        "actor actor2 lacks scope payments:write (100% denied) \u{2013} caf\u{e9} \u{2713}"
    );
    // Linkerd: no bodies, but headers, status and timing.
    let l = tap("linkerd_tap.json");
    let dl = l.exchanges.iter().find(|x| x.id == "2913764087:5").unwrap();
    let call = summarize(&dl.call_input(), &opts);
    assert_eq!(call.status, Some(StatusCode::DEADLINE_EXCEEDED));
    assert!(call.trailers_only);
    let d = call.deadline.unwrap();
    assert_eq!(
        (d.timeout_ns, d.elapsed_ns, d.exceeded),
        (301_000_000, 301_960_000, true)
    );
    let md = &call.request_metadata;
    assert_eq!(md.get(b"actorscopes").unwrap().values.len(), 3);
}
