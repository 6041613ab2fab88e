//! `h2lens grpc` on the gRPC capture, end to end (capture → TCP → HTTP/2 →
//! HPACK → gRPC), checked against what the real gRPC client printed
//! (`tests/fixtures/grpc/grpc_python_client.log`), its source
//! (`client.py`), and the corpus README.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn calls(capture: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["grpc", "--json"];
    args.extend_from_slice(extra);
    let path = fixtures().join(capture);
    args.push(path.to_str().unwrap());
    let out = Command::new(env!("CARGO_BIN_EXE_h2lens"))
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut calls: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    calls.sort_by_key(|c| c["stream_id"].as_u64());
    calls
}

/// Unescapes a Python string literal body (`\n`, `\\`, `\'`, `\xNN`).
fn py_unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => out.push(b'\n'),
                b'x' => {
                    out.push(u8::from_str_radix(&s[i + 2..i + 4], 16).unwrap());
                    i += 2;
                }
                other => out.push(other),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// `(key, value bytes)` of every `_Metadatum(...)` in `text`.
fn metadata(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for part in text.split("_Metadatum(key='").skip(1) {
        let (key, rest) = part.split_once("', value=").unwrap();
        let rest = rest.strip_prefix('b').unwrap_or(rest);
        let body = &rest[1..];
        let end = body.find("')").unwrap();
        out.push((key.to_string(), py_unescape(&body[..end])));
    }
    out
}

/// One grouped metadata list as (name, [value bytes]).
fn grouped(md: &Value) -> Vec<(String, Vec<Vec<u8>>)> {
    md["grouped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let values = g["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.as_bytes().to_vec(),
                    o => (0..o["hex"].as_str().unwrap().len())
                        .step_by(2)
                        .map(|i| {
                            u8::from_str_radix(&o["hex"].as_str().unwrap()[i..i + 2], 16).unwrap()
                        })
                        .collect(),
                })
                .collect();
            (g["name"].as_str().unwrap().to_string(), values)
        })
        .collect()
}

/// Groups a flat metadata list the way gRPC does (name once, values in
/// order).
fn group_flat(list: &[(String, Vec<u8>)]) -> Vec<(String, Vec<Vec<u8>>)> {
    let mut out: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for (k, v) in list {
        match out.iter_mut().find(|(n, _)| n == k) {
            Some((_, vs)) => vs.push(v.clone()),
            None => out.push((k.clone(), vec![v.clone()])),
        }
    }
    out
}

#[test]
fn every_call_matches_what_the_client_saw() {
    let calls = calls(
        "corpus/grpc_python.pcap",
        &[
            "--protoset",
            fixtures().join("grpc/payments.protoset").to_str().unwrap(),
        ],
    );
    assert_eq!(calls.len(), 11);
    let log = std::fs::read_to_string(fixtures().join("grpc/grpc_python_client.log")).unwrap();
    // The client makes its calls in this order, on streams 1, 3, 5, ...
    let labels = [
        "unary0",
        "unary1",
        "unary2",
        "stream",
        "denied",
        "stream-fail",
        "bigmd",
        "gzip",
        "cancel",
        "deadline",
        "final",
    ];
    for (i, (label, call)) in labels.iter().zip(&calls).enumerate() {
        assert_eq!(call["stream_id"], 1 + 2 * i as u64);
        let line = log
            .lines()
            .find(|l| l.starts_with(&format!("{label} ")))
            .unwrap_or("");
        let status = call["status"]["name"].as_str().unwrap();
        // Request metadata: the mesh headers, grouped (corpus README).
        let req = grouped(&call["request_metadata"]);
        let get = |name: &str| {
            req.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(
            get("actorscopes"),
            [b"api".to_vec(), b"actor1".to_vec(), b"actor2".to_vec()]
        );
        assert_eq!(
            get("roles"),
            [b"payments-admin".to_vec(), b"payments-admin".to_vec()]
        );
        assert_eq!(get("originatorscopes").len(), 4);
        match *label {
            "cancel" => {
                assert_eq!(status, "CANCELLED");
                assert_eq!(call["cancelled_by_client"], true);
                assert!(log.contains("cancel: got p-0000"));
            }
            _ if line.contains(" OK ") => {
                assert_eq!(status, "OK", "{label}");
                // Trailing metadata exactly as the client printed it,
                // including the -bin bytes (true-binary on the wire).
                let after = line
                    .split("trailing= ")
                    .nth(1)
                    .or_else(|| line.rsplit_once(") (").map(|(_, t)| t))
                    .unwrap();
                let want = group_flat(&metadata(after));
                assert_eq!(grouped(&call["trailers_metadata"]), want, "{label}");
            }
            _ => {
                // ERR StatusCode.NAME 'message'
                let rest = line.split("ERR StatusCode.").nth(1).unwrap();
                let (name, rest) = rest.split_once(' ').unwrap();
                assert_eq!(status, name, "{label}");
                let msg = rest.strip_prefix('\'').unwrap();
                let msg = &msg[..msg.find("' ").or_else(|| msg.rfind('\'')).unwrap()];
                let decoded = call["message"]["decoded"].as_str().unwrap();
                assert_eq!(decoded.as_bytes(), py_unescape(msg), "{label}");
            }
        }
    }
    // Trailers-Only responses (corpus README): the denied and the deadline call.
    assert_eq!(calls[4]["trailers_only"], true);
    assert_eq!(calls[9]["trailers_only"], true);
    assert_eq!(calls[9]["deadline"]["exceeded"], true);
    // The stream's five messages, decoded by the protoset (the client printed
    // their ids).
    let ids: Vec<&str> = calls[3]["response_messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["decoded"]["json"]["paymentId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["p-0000", "p-0001", "p-0002", "p-0003", "p-0004"]);
    // The gzip call: compressed on the wire, and its request as client.py
    // built it.
    let gzip = &calls[7]["request_messages"][0];
    assert_eq!(gzip["compressed"], true);
    let id = format!("pay-gzip-{}", "x".repeat(200));
    assert_eq!(gzip["decoded"]["json"]["paymentId"], id.as_str());
}

#[test]
fn socket_trace_and_capture_give_the_same_headers() {
    // The Envoy socket trace carries the bytes of grpc_python.pcap's
    // connection (made from tshark's follow by scripts/fixtures/tap_envoy.py):
    // both paths must decode the same header blocks.
    let run = |file: &str| -> Vec<Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_h2lens"))
            .args(["headers", "--json", fixtures().join(file).to_str().unwrap()])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let capture = run("corpus/grpc_python.pcap");
    let socket = run("tap/envoy_socket_buffered.json");
    assert_eq!(capture.len(), socket.len());
    for (a, b) in capture.iter().zip(&socket) {
        for key in [
            "dir",
            "stream_id",
            "role",
            "fields",
            "end_stream",
            "table_events",
        ] {
            assert_eq!(a[key], b[key], "{key}");
        }
    }
}
