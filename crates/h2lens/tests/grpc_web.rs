//! gRPC-Web bodies built from the corpus's stream 7 (5 messages, then
//! trailers): binary frames, and grpc-web-text as separately padded base64
//! chunks (the `base64` crate encodes; our streaming decoder decodes).
//! gRPC-Web framing per `doc/PROTOCOL-WEB.md`: trailers are the last frame,
//! flag 0x80, an HTTP/1 header block.

use std::path::PathBuf;

use base64::Engine;
use h2lens::grpc::call::StatusSource;
use h2lens::grpc::{
    summarize, BodyChunk, CallInput, CallOptions, Encoding, Framing, MessageReader, ReaderEvent,
    StatusCode,
};
use h2lens::octets::from_hex;
use h2lens::Octets;
use serde_json::Value;

fn jsonl(name: &str) -> Vec<Value> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/grpc")
        .join(name);
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Stream 7's response DATA payloads (tshark) and trailers (corpus block).
fn stream7() -> (Vec<Vec<u8>>, Vec<(String, String)>) {
    let data = jsonl("grpc_python.frames.jsonl")
        .into_iter()
        .filter(|f| f["type"] == 0 && f["stream_id"] == 7 && f["src_port"] == 50051)
        .map(|f| from_hex(f["data_hex"].as_str().unwrap()).unwrap())
        .collect();
    let block = jsonl("grpc_python.headers.jsonl")
        .into_iter()
        .rfind(|b| b["stream_id"] == 7 && b["end_stream"] == true)
        .unwrap();
    let trailers = block["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_string(),
                h[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (data, trailers)
}

/// (message frames, trailers frame, trailers)
type WebBody = (Vec<Vec<u8>>, Vec<u8>, Vec<(String, String)>);

fn web_body() -> WebBody {
    let (frames, trailers) = stream7();
    let block: String = trailers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
    let mut t = vec![0x80];
    t.extend_from_slice(&(block.len() as u32).to_be_bytes());
    t.extend_from_slice(block.as_bytes());
    (frames, t, trailers)
}

fn run(framing: Framing, body: &[u8], step: usize) -> Vec<ReaderEvent> {
    let mut r = MessageReader::new(framing, Encoding::Identity, &Default::default());
    for c in body.chunks(step) {
        r.push(c);
    }
    r.finish();
    std::iter::from_fn(|| r.next_event()).collect()
}

#[test]
fn binary_and_text_bodies_give_the_same_messages_and_trailers() {
    let (frames, trailer_frame, trailers) = web_body();
    let mut binary: Vec<u8> = frames.concat();
    binary.extend_from_slice(&trailer_frame);
    // Text: each write base64-encoded on its own, padding and all.
    let b64 = base64::engine::general_purpose::STANDARD;
    let text: String = frames
        .iter()
        .chain([&trailer_frame])
        .map(|f| b64.encode(f))
        .collect();
    // The first message is 44 bytes: its chunk ends in '=' mid-body.
    assert!(
        text[..text.len() - 4].contains('='),
        "the fixture should have padding mid-body"
    );
    let reference = run(Framing::GrpcWeb, &binary, binary.len());
    assert_eq!(reference.len(), 6);
    for step in [1, 2, 3, 4, 5, 7, 64, text.len()] {
        assert_eq!(
            run(Framing::GrpcWebText, text.as_bytes(), step),
            reference,
            "step {step}"
        );
    }
    let ReaderEvent::Trailers(t) = &reference[5] else {
        panic!("{:?}", reference[5])
    };
    let got: Vec<(String, String)> = t
        .fields
        .iter()
        .map(|(n, v)| (n.display().into_owned(), v.display().into_owned()))
        .collect();
    assert_eq!(got, trailers);
    assert!(t.diagnostics.is_empty());
    // The same 5 messages as gRPC over HTTP/2 gives.
    let grpc = run(Framing::Grpc, &frames.concat(), 1000);
    assert_eq!(grpc[..], reference[..5]);
}

#[test]
fn web_call_status_comes_from_the_body_trailers() {
    let (frames, trailer_frame, _) = web_body();
    let b64 = base64::engine::general_purpose::STANDARD;
    let h = |n: &str, v: &str| (Octets::from(n), Octets::from(v));
    let input = CallInput {
        request_headers: vec![
            h(":method", "POST"),
            h(":path", "/payments.v1.Payments/ListPayments"),
            h("content-type", "application/grpc-web-text"),
            h("x-grpc-web", "1"),
        ],
        response_headers: Some(vec![
            h(":status", "200"),
            h("content-type", "application/grpc-web-text+proto"),
        ]),
        response_body: frames
            .iter()
            .chain([&trailer_frame])
            .map(|f| BodyChunk {
                bytes: b64.encode(f).into_bytes(),
                time: None,
            })
            .collect(),
        request_end_stream: true,
        response_end_stream: true,
        ..Default::default()
    };
    let call = summarize(&input, &CallOptions::default());
    assert_eq!(call.response_messages.len(), 5);
    assert_eq!(call.status, Some(StatusCode::OK));
    assert_eq!(call.status_source, Some(StatusSource::WebTrailers));
    let t = call.trailers_metadata.as_ref().unwrap();
    assert_eq!(
        t.get(b"x-audit").unwrap().values,
        [Octets::from("stream-begin"), Octets::from("stream-end")]
    );
}

#[test]
fn bad_text_is_reported_and_skipped() {
    // "AAAA" "AAE*q" → 00 00 00 | 00 01 2a: prefix 00 00000001 and a
    // 1-byte message 2a; "\n" is skipped; "A=AA" has '=' in second place.
    let ev = run(Framing::GrpcWebText, b"AAAAAAE*q\nA=AA", 3);
    let codes: Vec<&str> = ev
        .iter()
        .map(|e| match e {
            ReaderEvent::Diagnostic(d) => d.code,
            ReaderEvent::Message(_) => "message",
            ReaderEvent::Trailers(_) => "trailers",
        })
        .collect();
    let ReaderEvent::Message(m) = &ev[1] else {
        panic!()
    };
    assert_eq!(m.payload.as_bytes(), [0x2a]);
    assert_eq!(
        codes,
        [
            "grpc.web_text_invalid_byte",
            "message",
            "grpc.web_text_invalid_byte",
            "grpc.web_text_bad_padding",
        ]
    );
}
