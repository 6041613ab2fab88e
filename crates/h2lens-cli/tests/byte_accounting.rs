//! Byte accounting of every corpus capture, per connection and direction,
//! against tshark: `h2lens summary --json` must say that the TCP payload
//! bytes it read are exactly the ones tshark sees (each stream byte once,
//! retransmissions not counted twice), that the bytes missing between them
//! are its lost bytes, and that decoded + TLS layer + skipped add up to the
//! bytes read.
//!
//! tshark (Debian's, installed by scripts/setup.sh) runs here; without it
//! the test says so and passes, unless `H2LENS_REQUIRE_ORACLES=1` (CI).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn captures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["corpus", "extra"] {
        for entry in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "pcap" || ext == "pcapng" {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Per TCP stream and source port: the sequence ranges tshark saw carry
/// payload (relative sequence numbers, `[seq, seq + len)`).
type Ranges = BTreeMap<(u64, u16), Vec<(u64, u64)>>;

/// Per TCP stream: (source port, destination port) of its first segment.
type Streams = BTreeMap<u64, (u16, u16)>;

fn tshark_ranges(capture: &Path) -> Option<(Ranges, Streams)> {
    let out = Command::new("tshark")
        .args(["-r"])
        .arg(capture)
        .args([
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.seq",
            "-e",
            "tcp.len",
            "-Y",
            "tcp",
        ])
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut ranges = Ranges::new();
    let mut ports = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let stream: u64 = f[0].parse().unwrap();
        let (src, dst): (u16, u16) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        let (seq, len): (u64, u64) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        ports.entry(stream).or_insert((src, dst));
        if len > 0 {
            ranges
                .entry((stream, src))
                .or_default()
                .push((seq, seq + len));
        }
    }
    Some((ranges, ports))
}

/// (bytes seen once each, bytes missing between the first and last seen).
fn seen_and_missing(ranges: &[(u64, u64)]) -> (u64, u64) {
    let mut sorted = ranges.to_vec();
    sorted.sort();
    let (mut seen, mut missing) = (0, 0);
    let mut end: Option<u64> = None;
    for (a, b) in sorted {
        match end {
            Some(e) if a > e => {
                missing += a - e;
                seen += b - a;
                end = Some(b);
            }
            Some(e) => {
                seen += b.saturating_sub(e);
                end = Some(e.max(b));
            }
            None => {
                seen += b - a;
                end = Some(b);
            }
        }
    }
    (seen, missing)
}

fn port_of(endpoint: &Value) -> u16 {
    endpoint
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn every_byte_of_every_corpus_capture_is_accounted_for() {
    let required = std::env::var_os("H2LENS_REQUIRE_ORACLES").is_some_and(|v| v == "1");
    let mut checked = 0;
    for capture in captures() {
        let Some((ranges, ports)) = tshark_ranges(&capture) else {
            assert!(
                !required,
                "H2LENS_REQUIRE_ORACLES=1 but tshark does not run"
            );
            eprintln!("SKIPPED: tshark is not installed (scripts/setup.sh installs it)");
            return;
        };
        let name = capture.display().to_string();
        let out = Command::new(env!("CARGO_BIN_EXE_h2lens"))
            .args(["summary", "--json"])
            .arg(&capture)
            .output()
            .unwrap();
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        let conns = summary["connection_list"].as_array().unwrap();
        assert_eq!(conns.len(), ports.len(), "{name}: connections");
        let mut total_seen = 0;
        for conn in conns {
            let (client, server) = (port_of(&conn["client"]), port_of(&conn["server"]));
            let stream = *ports
                .iter()
                .find(|(_, &(a, b))| (a, b) == (client, server) || (a, b) == (server, client))
                .unwrap_or_else(|| panic!("{name}: no tshark stream for {conn}"))
                .0;
            for (dir, src) in [("client_to_server", client), ("server_to_client", server)] {
                let ours = &conn["bytes"][dir];
                let (seen, missing) =
                    seen_and_missing(ranges.get(&(stream, src)).map_or(&[][..], Vec::as_slice));
                let what = format!("{name} conn {} {dir}", conn["conn"]);
                assert_eq!(ours["stream_bytes"], seen, "{what}: bytes read");
                assert_eq!(ours["lost"], missing, "{what}: bytes lost");
                let skipped: u64 = ours["skipped"]
                    .as_object()
                    .unwrap()
                    .values()
                    .map(|v| v.as_u64().unwrap())
                    .sum();
                let tls = ours["tls"].as_u64().unwrap_or(0);
                assert_eq!(
                    ours["decoded"].as_u64().unwrap() + tls + skipped,
                    seen,
                    "{what}: decoded + TLS + skipped"
                );
                total_seen += seen;
            }
        }
        // The per-connection figures add up to the totals.
        assert_eq!(summary["bytes"]["stream_bytes"], total_seen, "{name}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} captures");
}
