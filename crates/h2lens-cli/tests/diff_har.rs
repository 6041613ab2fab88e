//! `h2lens diff` and `h2lens har` on real captures, checked against facts
//! from the corpus oracles and README.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_h2lens"))
        .args(args)
        .output()
        .expect("run h2lens")
}

fn path(rel: &str) -> String {
    fixtures().join(rel).to_str().unwrap().to_string()
}

#[test]
fn diff_pairs_two_hops_by_trace_id() {
    // The same client and server, once with a 4096-byte table and once with
    // 256 bytes on another port (corpus README): the requests pair by
    // their x-trace-id and differ in :authority (the port).
    let out = run(&[
        "diff",
        "--json",
        &path("corpus/grpc_python.pcap"),
        &path("corpus/grpc_python_small_table.pcap"),
    ]);
    assert_eq!(out.status.code(), Some(1), "differences give exit status 1");
    let pairs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(pairs.len(), 11);
    for pair in &pairs {
        assert_eq!(pair["by"], "x-trace-id", "{pair}");
        assert_eq!(pair["left"]["path"], pair["right"]["path"]);
        let changed: Vec<&str> = pair["request"]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["change"] != "same")
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(changed.contains(&":authority"), "{changed:?}");
    }
}

#[test]
fn diff_of_two_exchanges_shows_changed_values() {
    let out = run(&[
        "diff",
        &path("corpus/grpc_python.pcap"),
        "--exchanges",
        "0:1",
        "0:3",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    // Streams 1 and 3 are the first two unary calls: the client log shows
    // 5 s and 5.01 s deadlines, and trace ids ...00 and ...01.
    assert!(text.contains("* grpc-timeout: 5S → 5010m"), "{text}");
    assert!(
        text.contains(
            "* x-trace-id: 4bf92f3577b34da6a3ce929d0e0e4700 → 4bf92f3577b34da6a3ce929d0e0e4701"
        ),
        "{text}"
    );
    assert!(
        !text.contains("actorscopes"),
        "identical metadata is not listed: {text}"
    );
    let same = run(&[
        "diff",
        &path("corpus/grpc_python.pcap"),
        "--exchanges",
        "0:1",
        "0:1",
    ]);
    assert_eq!(same.status.code(), Some(0));
}

#[test]
fn har_lists_every_exchange_with_its_url_and_status() {
    let out = run(&["har", &path("corpus/h2c_nghttp_lo.pcap")]);
    assert!(out.status.success());
    let har: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(har["log"]["version"], "1.2");
    let entries = har["log"]["entries"].as_array().unwrap();
    // The oracle: each stream's :path (request) and :status (response).
    let oracle =
        std::fs::read_to_string(fixtures().join("corpus/h2c_nghttp_lo.headers.jsonl")).unwrap();
    let mut expected = Vec::new();
    for line in oracle.lines() {
        let block: Value = serde_json::from_str(line).unwrap();
        let headers = block["headers"].as_array().unwrap();
        let get = |n: &str| {
            headers
                .iter()
                .find(|h| h[0] == n)
                .map(|h| h[1].as_str().unwrap().to_string())
        };
        if let Some(path) = get(":path") {
            expected.push((
                block["tcp_stream"].as_u64().unwrap(),
                block["stream_id"].as_u64().unwrap(),
                path,
                None,
                None,
            ));
        }
        if let Some(status) = get(":status") {
            let key = (
                block["tcp_stream"].as_u64().unwrap(),
                block["stream_id"].as_u64().unwrap(),
            );
            if let Some(e) = expected.iter_mut().find(|e| (e.0, e.1) == key) {
                e.3 = Some(status.parse::<u64>().unwrap());
                e.4 = get("content-length").map(|l| l.parse::<u64>().unwrap());
            }
        }
    }
    assert_eq!(entries.len(), expected.len());
    let mut sized = 0;
    for (conn, stream, path, status, length) in expected {
        let entry = entries
            .iter()
            .find(|e| {
                e["connection"].as_str() == Some(conn.to_string().as_str())
                    && e["_stream"] == stream
            })
            .unwrap_or_else(|| panic!("no entry for {conn}:{stream}"));
        assert!(entry["request"]["url"].as_str().unwrap().ends_with(&path));
        assert_eq!(entry["response"]["status"].as_u64(), status);
        // Bodies as long as the server's content-length said.
        if let Some(length) = length {
            assert_eq!(
                entry["response"]["content"]["size"].as_u64(),
                Some(length),
                "{path}"
            );
            sized += 1;
        }
    }
    assert!(sized >= 5, "{sized}");
}
