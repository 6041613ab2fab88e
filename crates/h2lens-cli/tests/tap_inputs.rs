//! Tap files work with every listing (auto-detected), and the output says
//! plainly what a tap cannot tell.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel)
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_h2lens"))
        .args(args)
        .output()
        .expect("run h2lens");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn linkerd_tap_headers_exchanges_and_summary() {
    let file = fixture("tap/linkerd_tap.json");
    let file = file.to_str().unwrap();
    // The tap was made from grpc_python.pcap's calls (scripts/fixtures/
    // tap_linkerd.py): the mesh metadata, grouped, as the client sent it.
    let headers = run(&["headers", "--grouped", file]);
    assert!(
        headers.contains(r#"actorscopes: ["api", "actor1", "actor2"]"#),
        "{headers}"
    );
    assert!(headers.contains(r#"roles: ["payments-admin", "payments-admin"]"#));
    let exchanges = run(&["exchanges", file]);
    assert!(exchanges.lines().count() >= 5, "{exchanges}");
    assert!(exchanges.lines().all(|l| l.starts_with("tap ")));
    let summary = run(&["summary", file]);
    assert!(summary.contains("input: linkerd tap JSON"), "{summary}");
    assert!(summary.contains("no HPACK encoding"), "{summary}");
    // Filters apply to tap exchanges by path and header.
    let filtered = run(&["exchanges", "--path", "*ListPayments", file]);
    assert!(!filtered.is_empty() && filtered.lines().all(|l| l.contains("ListPayments")));
    let json = run(&["headers", "--json", "--header", "x-legacy", file]);
    for line in json.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["event"], "tap_exchange");
    }
}

#[test]
fn envoy_http_trace_exchanges() {
    let file = fixture("tap/envoy_http_buffered.json");
    let out = run(&["exchanges", file.to_str().unwrap()]);
    // Two buffered traces: an OK call and the PERMISSION_DENIED one.
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains("grpc-status 0"));
    assert!(lines[1].contains("grpc-status 7"));
}
