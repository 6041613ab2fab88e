//! gRPC layer on real traffic: the grpc_python capture (grpcio C-core on
//! both sides), with frames and headers extracted by tshark
//! (`scripts/fixtures/grpc_fixtures.sh`), never by h2lens.
//!
//! Oracles:
//! - `grpc_python.frames.jsonl`: tshark's DATA payloads, RST_STREAM codes,
//!   timestamps;
//! - `grpc_python.headers.jsonl`: tshark + python-hpack header blocks
//!   (`raw_hex` has the exact bytes, including true-binary values);
//! - `grpc_python.messages.jsonl`: messages split by a Python script,
//!   decompressed by Python's gzip, decoded by the real `protoc
//!   --decode_raw` and by Google's Python protobuf (`json_format`) with the
//!   protoset;
//! - the corpus README and the client's own log
//!   (`corpus/logs/grpc_python_client.log`) and scripts for what was sent.

use std::collections::BTreeMap;
use std::path::PathBuf;

use h2lens::grpc::call::StatusSource;
use h2lens::grpc::{
    summarize, BodyChunk, CallInput, CallOptions, Encoding, Framing, GrpcCall, MessageReader,
    ReaderEvent, Reset, StatusCode,
};
use h2lens::octets::from_hex;
use h2lens::protobuf::{decode_raw, to_text_format, Schema};
use h2lens::{Direction, Octets, Timestamp};
use serde_json::Value;

const CLIENT_PORT: u64 = 34712;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/grpc")
        .join(name)
}

fn jsonl(name: &str) -> Vec<Value> {
    std::fs::read_to_string(fixture(name))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ts(text: &str) -> Timestamp {
    let (s, n) = text.split_once('.').unwrap();
    Timestamp::from_secs_nanos(s.parse().unwrap(), n.parse().unwrap())
}

fn dir_of_port(port: u64) -> Direction {
    if port == CLIENT_PORT {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    }
}

/// Builds one CallInput per stream from the tshark oracles.
fn call_inputs() -> BTreeMap<u32, CallInput> {
    let frames = jsonl("grpc_python.frames.jsonl");
    let blocks = jsonl("grpc_python.headers.jsonl");
    // SETTINGS 0xfe03 = 1 from both sides?
    let mut tb = [false, false];
    for f in &frames {
        if f["type"] == 4 {
            for s in f["settings"].as_array().unwrap() {
                if s[0] == 0xfe03 && s[1] == 1 {
                    tb[dir_of_port(f["src_port"].as_u64().unwrap()).index()] = true;
                }
            }
        }
    }
    let mut calls: BTreeMap<u32, CallInput> = BTreeMap::new();
    let time_of_frame = |num: u64| {
        frames
            .iter()
            .find(|f| f["frame"] == num)
            .map(|f| ts(f["time"].as_str().unwrap()))
    };
    for b in &blocks {
        let sid = b["stream_id"].as_u64().unwrap() as u32;
        let c = calls.entry(sid).or_default();
        c.stream_id = Some(sid);
        c.true_binary = tb[0] && tb[1];
        let headers: Vec<(Octets, Octets)> = b["raw_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    Octets::from(from_hex(p[0].as_str().unwrap()).unwrap()),
                    Octets::from(from_hex(p[1].as_str().unwrap()).unwrap()),
                )
            })
            .collect();
        let end = b["end_stream"].as_bool().unwrap();
        let t = time_of_frame(b["frame"].as_u64().unwrap());
        if b["dst"].as_str().unwrap().ends_with(":50051") {
            c.request_headers = headers;
            c.start = t;
        } else if c.response_headers.is_none() {
            c.response_headers = Some(headers);
            c.response_headers_end_stream = end;
            c.response_end_stream |= end;
        } else {
            c.response_trailers = Some(headers);
            c.response_end_stream |= end;
        }
        if end {
            c.end = t;
        }
    }
    for f in &frames {
        let sid = f["stream_id"].as_u64().unwrap() as u32;
        if sid == 0 {
            continue;
        }
        let c = calls.get_mut(&sid).unwrap();
        let dir = dir_of_port(f["src_port"].as_u64().unwrap());
        let t = Some(ts(f["time"].as_str().unwrap()));
        let end_stream = f["flags"].as_u64().unwrap() & 1 == 1;
        match f["type"].as_u64().unwrap() {
            0 => {
                let chunk = BodyChunk {
                    bytes: from_hex(f["data_hex"].as_str().unwrap()).unwrap(),
                    time: t,
                };
                if dir == Direction::ClientToServer {
                    c.request_body.push(chunk);
                    c.request_end_stream |= end_stream;
                } else {
                    c.response_body.push(chunk);
                    c.response_end_stream |= end_stream;
                }
                if end_stream && dir == Direction::ServerToClient {
                    c.end = t;
                }
            }
            3 => {
                c.reset = Some(Reset {
                    code: f["error_code"].as_u64().unwrap() as u32,
                    by: dir,
                    time: t,
                });
                c.end = t;
            }
            _ => {}
        }
    }
    calls
}

fn schema() -> Schema {
    Schema::from_protoset(&std::fs::read(fixture("payments.protoset")).unwrap()).unwrap()
}

fn summaries() -> BTreeMap<u32, GrpcCall> {
    let schema = schema();
    let opts = CallOptions {
        schema: Some(&schema),
        decode_raw: true,
        ..Default::default()
    };
    call_inputs()
        .into_iter()
        .map(|(sid, input)| (sid, summarize(&input, &opts)))
        .collect()
}

fn group_values(md: &h2lens::grpc::Metadata, name: &str) -> Vec<Vec<u8>> {
    md.get(name.as_bytes())
        .map(|g| g.values.iter().map(|v| v.to_vec()).collect())
        .unwrap_or_default()
}

#[test]
fn message_counts_match_the_corpus_readme_and_client_log() {
    let calls = summaries();
    // README: 11 calls on streams 1..21.
    assert_eq!(
        calls.keys().copied().collect::<Vec<_>>(),
        (1..=21).step_by(2).collect::<Vec<u32>>()
    );
    // (stream, request messages, response messages): unary calls 1/1; the
    // 5-message stream; Trailers-Only denied (no response message); 2 then
    // INTERNAL; cancelled after the first item ("cancel: got p-0000");
    // deadline exceeded with no response message.
    let expected = [
        (1, 1, 1),
        (3, 1, 1),
        (5, 1, 1),
        (7, 1, 5),
        (9, 1, 0),
        (11, 1, 2),
        (13, 1, 1),
        (15, 1, 1),
        (17, 1, 1),
        (19, 1, 0),
        (21, 1, 1),
    ];
    for (sid, req, resp) in expected {
        let c = &calls[&sid];
        assert_eq!(c.request_messages.len(), req, "stream {sid} requests");
        assert_eq!(c.response_messages.len(), resp, "stream {sid} responses");
    }
    // The stream's payment ids, from the client log.
    let ids: Vec<String> = calls[&7]
        .response_messages
        .iter()
        .map(|m| {
            m.decoded.as_ref().unwrap().json["paymentId"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["p-0000", "p-0001", "p-0002", "p-0003", "p-0004"]);
    let ids: Vec<_> = calls[&11]
        .response_messages
        .iter()
        .map(|m| m.decoded.as_ref().unwrap().json["paymentId"].clone())
        .collect();
    assert_eq!(ids, ["p-0000", "p-0001"]);
}

#[test]
fn messages_match_python_split_protoc_decode_raw_and_python_json() {
    let calls = summaries();
    let oracle = jsonl("grpc_python.messages.jsonl");
    assert_eq!(oracle.len(), 25);
    for o in &oracle {
        let sid = o["stream_id"].as_u64().unwrap() as u32;
        let c = &calls[&sid];
        let list = if o["direction"] == "c2s" {
            &c.request_messages
        } else {
            &c.response_messages
        };
        let m = &list[o["index"].as_u64().unwrap() as usize];
        let what = format!("stream {sid} {} #{}", o["direction"], o["index"]);
        assert_eq!(
            u64::from(m.message.flags),
            o["flags"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(
            u64::from(m.message.declared_len),
            o["declared_len"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(m.message.span.start, o["start"].as_u64().unwrap(), "{what}");
        assert_eq!(
            m.message.payload.to_hex(),
            o["payload_hex"].as_str().unwrap(),
            "{what}"
        );
        match o["decompressed_hex"].as_str() {
            Some(hex) => assert_eq!(
                m.message.decompressed.as_ref().unwrap().to_hex(),
                hex,
                "{what}"
            ),
            None => assert!(m.message.decompressed.is_none(), "{what}"),
        }
        assert!(
            m.message.diagnostics.is_empty(),
            "{what}: {:?}",
            m.message.diagnostics
        );
        let raw = m.raw.as_ref().unwrap();
        assert!(raw.error.is_none(), "{what}");
        assert_eq!(
            to_text_format(&raw.message),
            o["decode_raw"].as_str().unwrap(),
            "{what}"
        );
        let decoded = m.decoded.as_ref().unwrap();
        assert_eq!(decoded.type_name, o["type"].as_str().unwrap(), "{what}");
        assert_eq!(decoded.json, o["json"], "{what}");
    }
}

#[test]
fn gzip_request_decodes_to_what_the_client_sent() {
    let calls = summaries();
    let c = &calls[&15];
    assert_eq!(c.request_encoding, Encoding::Gzip);
    let m = &c.request_messages[0];
    assert!(m.message.compressed);
    // client.py: GetPaymentRequest(payment_id="pay-gzip-" + "x" * 200)
    let sent = format!("pay-gzip-{}", "x".repeat(200));
    assert_eq!(
        m.decoded.as_ref().unwrap().json,
        serde_json::json!({ "paymentId": sent })
    );
    // Without a schema, field 1 is a LEN value whose bytes are the string.
    // (They also parse as a message of fields 14 and 15, so protoc
    // --decode_raw prints them nested; the oracle test checks that we agree.)
    let bytes = m.message.message_bytes().unwrap();
    let raw = decode_raw(bytes, Default::default());
    assert_eq!(raw.message.fields.len(), 1);
    let f = &raw.message.fields[0];
    assert_eq!(
        (f.number, f.wire_type),
        (1, h2lens::protobuf::WireType::LEN)
    );
    let h2lens::protobuf::RawValue::Message { payload, .. } = &f.value else {
        panic!("{:?}", f.value)
    };
    assert_eq!(
        &bytes[payload.start as usize..payload.end as usize],
        sent.as_bytes()
    );
    // The response is not compressed (the server did not set an encoding).
    assert!(!c.response_messages[0].message.compressed);
}

#[test]
fn statuses_messages_and_call_shapes() {
    let calls = summaries();
    for sid in [1, 3, 5, 7, 13, 15, 21] {
        assert_eq!(calls[&sid].status, Some(StatusCode::OK), "stream {sid}");
        assert_eq!(calls[&sid].status_source, Some(StatusSource::Trailers));
        assert!(!calls[&sid].trailers_only);
    }
    // Trailers-Only PERMISSION_DENIED, message exactly as server.py's
    // DENY_MSG and the client log print it.
    let d = &calls[&9];
    assert!(d.trailers_only);
    assert_eq!(d.status, Some(StatusCode::PERMISSION_DENIED));
    assert_eq!(d.status_source, Some(StatusSource::TrailersOnly));
    let text = d.message.as_ref().unwrap();
    assert_eq!(
        text.decoded.as_str().unwrap(),
        "actor actor2 lacks scope payments:write (100% denied) \u{2013} caf\u{e9} \u{2713}"
    );
    assert_eq!(
        text.raw.as_str().unwrap(),
        "actor actor2 lacks scope payments:write (100%25 denied) %E2%80%93 caf%C3%A9 %E2%9C%93"
    );
    assert!(d.response_metadata.is_none());
    let t = d.trailers_metadata.as_ref().unwrap();
    assert_eq!(
        group_values(t, "x-deny-reason"),
        [b"scope".to_vec(), b"role".to_vec()]
    );
    assert_eq!(
        group_values(t, "x-request-actor"),
        [b"api,actor1,actor2".to_vec()]
    );

    let f = &calls[&11];
    assert_eq!(f.status, Some(StatusCode::INTERNAL));
    assert_eq!(
        f.message.as_ref().unwrap().display,
        "ledger shard 3 unavailable: retry later [50% capacity]\nsecond line"
    );

    // Client cancel: RST_STREAM CANCEL from the client, no grpc-status sent.
    let c = &calls[&17];
    assert!(c.cancelled_by_client);
    let r = c.reset.as_ref().unwrap();
    assert_eq!(
        (r.code, r.code_name, r.by),
        (8, Some("CANCEL"), Direction::ClientToServer)
    );
    assert_eq!(c.status, Some(StatusCode::CANCELLED));
    assert_eq!(c.status_source, Some(StatusSource::Reset));

    // Deadline: Trailers-Only DEADLINE_EXCEEDED, then RST_STREAM NO_ERROR
    // from the server; grpc-timeout 301m against ~302 ms on the wire.
    let dl = &calls[&19];
    assert!(dl.trailers_only);
    assert_eq!(dl.status, Some(StatusCode::DEADLINE_EXCEEDED));
    assert_eq!(dl.message.as_ref().unwrap().display, "Deadline Exceeded");
    let r = dl.reset.as_ref().unwrap();
    assert_eq!((r.code, r.by), (0, Direction::ServerToClient));
    assert_eq!(dl.timeout.unwrap().nanos, 301_000_000);
    let check = dl.deadline.unwrap();
    assert!(check.exceeded, "{check:?}");
    assert_eq!(check.elapsed_ns, 301_960_000); // 355.231171 - 354.929211 (tshark times)
    assert!(!calls[&1].deadline.unwrap().exceeded);

    // No call has a gRPC-level error diagnostic (this is valid traffic).
    for (sid, c) in &calls {
        let errs: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| d.severity == h2lens::Severity::Error)
            .collect();
        assert!(errs.is_empty(), "stream {sid}: {errs:?}");
    }
}

#[test]
fn timeouts_of_every_request() {
    let calls = summaries();
    let want: BTreeMap<u32, u64> = [
        (1, 5_000_000_000),
        (3, 5_010_000_000),
        (11, 5_000_000_000),
        (17, 10_100_000_000),
        (19, 301_000_000),
    ]
    .into();
    for (sid, nanos) in want {
        assert_eq!(calls[&sid].timeout.unwrap().nanos, nanos, "stream {sid}");
    }
}

#[test]
fn metadata_grouping_and_true_binary_values() {
    let calls = summaries();
    for (sid, c) in &calls {
        let md = &c.request_metadata;
        assert_eq!(
            group_values(md, "actorscopes"),
            [b"api".to_vec(), b"actor1".to_vec(), b"actor2".to_vec()],
            "{sid}"
        );
        assert_eq!(
            group_values(md, "roles"),
            [b"payments-admin".to_vec(), b"payments-admin".to_vec()]
        );
        assert_eq!(
            group_values(md, "originatorscopes"),
            ["org:acme", "org:acme/eu", "team:ledger", "svc:checkout"]
                .map(|s| s.as_bytes().to_vec())
        );
        // client.py: bytes([0x00, 0x01, 0x02, 0xfe, 0xff, 0x80, 0x7f, 0x0a]),
        // sent true-binary (0x00 prefix) because both peers set 0xfe03.
        assert_eq!(
            group_values(md, "x-actor-context-bin"),
            [vec![0x00, 0x01, 0x02, 0xfe, 0xff, 0x80, 0x7f, 0x0a]]
        );
        let e = md
            .wire
            .iter()
            .find(|e| e.name.as_bytes() == b"x-actor-context-bin")
            .unwrap();
        assert_eq!(e.encoding, h2lens::grpc::ValueEncoding::TrueBinary);
        // Reserved headers are not user metadata.
        assert!(md.get(b"grpc-timeout").is_none() && md.get(b"user-agent").is_none());
        assert!(md
            .reserved
            .iter()
            .any(|e| e.name.as_bytes() == b"grpc-timeout"));
        // Wire view: the names in wire order.
        let names: Vec<&[u8]> = md.wire.iter().take(11).map(|e| e.name.as_bytes()).collect();
        assert_eq!(
            names[..5],
            [
                &b"actorscopes"[..],
                b"actorscopes",
                b"actorscopes",
                b"roles",
                b"roles"
            ]
        );
    }
    // Grouped object keeps first-appearance order.
    let json = serde_json::to_string(&calls[&1].request_metadata.grouped_object()).unwrap();
    assert!(json.starts_with(r#"{"actorscopes":["api","actor1","actor2"],"roles":["payments-admin","payments-admin"],"originatorscopes":"#), "{json}");
    // Trailers (client log: x-audit ×3, x-cost-bin b'\x00\x10\xff\x7f').
    let t = calls[&1].trailers_metadata.as_ref().unwrap();
    assert_eq!(
        group_values(t, "x-audit"),
        [
            "checked-actorscopes",
            "checked-roles",
            "checked-originatorscopes"
        ]
        .map(|s| s.as_bytes().to_vec())
    );
    assert_eq!(
        group_values(t, "x-cost-bin"),
        [vec![0x00, 0x10, 0xff, 0x7f]]
    );
    // Stream initial metadata (client log: x-page 1, final).
    let r = calls[&7].response_metadata.as_ref().unwrap();
    assert_eq!(
        group_values(r, "x-page"),
        [b"1".to_vec(), b"final".to_vec()]
    );
    // bigmd call: 16 unique x-blob-NN values of 300 characters.
    let big = &calls[&13].request_metadata;
    let blobs: Vec<_> = big
        .grouped
        .iter()
        .filter(|g| g.name.as_bytes().starts_with(b"x-blob-"))
        .collect();
    assert_eq!(blobs.len(), 16);
    assert!(blobs
        .iter()
        .all(|g| g.values.len() == 1 && g.values[0].len() == 300));
}

fn reader_events(body: &[u8], chunks: &[usize], encoding: Encoding) -> Vec<ReaderEvent> {
    let mut r = MessageReader::new(Framing::Grpc, encoding, &Default::default());
    let mut rest = body;
    let mut i = 0;
    while !rest.is_empty() {
        let n = chunks[i % chunks.len()].min(rest.len()).max(1);
        let (a, b) = rest.split_at(n);
        r.push(a);
        rest = b;
        i += 1;
    }
    r.finish();
    std::iter::from_fn(|| r.next_event()).collect()
}

#[test]
fn message_reader_is_chunk_invariant_on_real_bodies() {
    for (sid, input) in call_inputs() {
        for (body, enc) in [
            (
                &input.request_body,
                if sid == 15 {
                    Encoding::Gzip
                } else {
                    Encoding::Identity
                },
            ),
            (&input.response_body, Encoding::Identity),
        ] {
            let whole: Vec<u8> = body.iter().flat_map(|c| c.bytes.clone()).collect();
            let reference = reader_events(&whole, &[usize::MAX], enc.clone());
            assert_eq!(reader_events(&whole, &[1], enc.clone()), reference);
            assert_eq!(
                reader_events(&whole, &[3, 7, 1, 250, 2], enc.clone()),
                reference
            );
            let by_frame: Vec<usize> = body.iter().map(|c| c.bytes.len()).collect();
            if !by_frame.is_empty() {
                assert_eq!(reader_events(&whole, &by_frame, enc.clone()), reference);
            }
        }
    }
}
