//! `h2lens headers --json --explain` against the corpus oracles: tshark's decode and
//! an independent HPACK decode (python-hyper `hpack`, `raw_hex`) of every
//! header block, made by `../shared/corpus/scripts/oracle.py` and vendored
//! in `tests/fixtures/corpus/` (see its README for the format).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn h2lens(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_h2lens"))
        .args(args)
        .output()
        .expect("run h2lens");
    assert!(
        out.status.success(),
        "h2lens {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// `--explain`: the check below compares representations and indices,
/// which the JSON carries only with it (as the text listing).
fn headers_json(capture: &Path) -> Vec<Value> {
    headers_json_with(capture, &[])
}

/// `headers --json --explain` (encoding details included) with extra
/// arguments.
fn headers_json_with(capture: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["headers", "--json", "--explain", capture.to_str().unwrap()];
    args.extend_from_slice(extra);
    h2lens(&args)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// Extra arguments a corpus capture needs: the TLS one its key log, as
/// tshark had it (`tls.keylog_file` in its `tshark_args`).
fn corpus_args(name: &str) -> Vec<String> {
    if name == "h2_tls_curl" {
        let keys = fixtures().join("corpus/h2_tls_curl.keys.log");
        vec!["--keylog".into(), keys.to_str().unwrap().into()]
    } else {
        Vec::new()
    }
}

fn oracle(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The server port of a corpus capture, from its tshark arguments.
fn server_port(name: &str) -> u16 {
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("corpus/INDEX.json")).unwrap(),
    )
    .unwrap();
    let args = index[name]["tshark_args"].as_str().unwrap();
    let port = args.split("tcp.port==").nth(1).unwrap();
    port.split(',').next().unwrap().parse().unwrap()
}

fn dir_of(oracle_block: &Value, server_port: u16) -> &'static str {
    let dst = oracle_block["dst"].as_str().unwrap();
    if dst.ends_with(&format!(":{server_port}")) {
        "client_to_server"
    } else {
        "server_to_client"
    }
}

/// Bytes of an `Octets` value as serialized: a string, or `{text, hex}`.
fn octets(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(o) => hex(o["hex"].as_str().unwrap()),
        other => panic!("not octets: {other}"),
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Groups blocks by (connection, direction), keeping order.
fn by_direction<'a>(
    blocks: impl Iterator<Item = (u64, &'static str, &'a Value)>,
) -> BTreeMap<(u64, &'static str), Vec<&'a Value>> {
    let mut map: BTreeMap<(u64, &'static str), Vec<&Value>> = BTreeMap::new();
    for (conn, dir, block) in blocks {
        map.entry((conn, dir)).or_default().push(block);
    }
    map
}

fn ours_by_direction(ours: &[Value]) -> BTreeMap<(u64, &'static str), Vec<&Value>> {
    by_direction(ours.iter().map(|b| {
        let dir = match b["dir"].as_str().unwrap() {
            "client_to_server" => "client_to_server",
            _ => "server_to_client",
        };
        (b["conn"].as_u64().unwrap(), dir, b)
    }))
}

/// Compares one capture's blocks with its oracle. Returns the number of
/// fields compared as exact bytes.
fn check_capture(name: &str, capture: &Path, oracle_path: &Path, port: u16) -> usize {
    check_capture_with(name, capture, oracle_path, port, &[])
}

fn check_capture_with(
    name: &str,
    capture: &Path,
    oracle_path: &Path,
    port: u16,
    extra: &[&str],
) -> usize {
    let ours = headers_json_with(capture, extra);
    let expected = oracle(oracle_path);
    assert_eq!(
        ours.len(),
        expected.len(),
        "{name}: number of header blocks"
    );
    let ours = ours_by_direction(&ours);
    let expected = by_direction(
        expected
            .iter()
            .map(|b| (b["tcp_stream"].as_u64().unwrap(), dir_of(b, port), b)),
    );
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{name}: connections and directions"
    );
    let mut exact = 0;
    for (key, want_blocks) in &expected {
        let got_blocks = &ours[key];
        assert_eq!(
            got_blocks.len(),
            want_blocks.len(),
            "{name} {key:?}: blocks"
        );
        for (i, (got, want)) in got_blocks.iter().zip(want_blocks).enumerate() {
            let at = format!("{name} {key:?} block {i} (packet {})", want["frame"]);
            assert_eq!(got["packet"], want["frame"], "{at}: packet");
            assert_eq!(
                got["packets"], want["frames"],
                "{at}: packets of its frames"
            );
            assert_eq!(got["stream_id"], want["stream_id"], "{at}: stream");
            assert_eq!(got["type"], want["type"], "{at}: type");
            if want.get("promised_stream_id").is_some() {
                assert_eq!(
                    got["promised_stream_id"], want["promised_stream_id"],
                    "{at}: promised stream"
                );
            }
            for flag in ["end_stream", "end_headers", "padded"] {
                assert_eq!(got[flag], want[flag], "{at}: {flag}");
            }
            assert_eq!(
                got.get("priority").is_some(),
                want["priority"] == true,
                "{at}: PRIORITY"
            );
            assert_eq!(
                got["continuation_frames"], want["continuation_frames"],
                "{at}: CONTINUATIONs"
            );
            assert!(
                got.get("error").is_none(),
                "{at}: HPACK error {}",
                got["error"]
            );
            let fields = got["fields"].as_array().unwrap();
            // Exact bytes from the independent decoder where it could decode.
            if want.get("hpack_py_error").is_none() {
                let raw = want["raw_hex"].as_array().unwrap();
                assert_eq!(fields.len(), raw.len(), "{at}: number of fields");
                for (j, (f, r)) in fields.iter().zip(raw).enumerate() {
                    assert_eq!(
                        octets(&f["name"]),
                        hex(r[0].as_str().unwrap()),
                        "{at} field {j}: name"
                    );
                    assert_eq!(
                        octets(&f["value"]),
                        hex(r[1].as_str().unwrap()),
                        "{at} field {j}: value"
                    );
                    exact += 1;
                }
            }
            // tshark's view of each representation and index, where it
            // decoded the block (it decodes none after a small
            // SETTINGS_HEADER_TABLE_SIZE: a known tshark 4.0 defect).
            let reprs = want["hpack"].as_array().unwrap();
            let names = want["headers"].as_array().unwrap();
            if !reprs.is_empty() {
                assert_eq!(fields.len(), reprs.len(), "{at}: fields vs tshark");
                for (j, (f, r)) in fields.iter().zip(reprs).enumerate() {
                    let new_name = f.get("index").is_none();
                    let repr = describe(f["repr"].as_str().unwrap(), new_name);
                    assert_eq!(
                        repr,
                        r[0].as_str().unwrap(),
                        "{at} field {j}: representation"
                    );
                    let index = f
                        .get("index")
                        .map(|i| i["index"].clone())
                        .unwrap_or(Value::Null);
                    assert_eq!(index, r[1], "{at} field {j}: index");
                    // Where tshark had no table entry it says <unknown>.
                    let unknown = names[j][0] == "<unknown>";
                    assert_eq!(
                        f.get("unknown") == Some(&Value::Bool(true)),
                        unknown,
                        "{at} field {j}: unknown"
                    );
                    if !unknown && want.get("hpack_py_error").is_some() {
                        assert_eq!(
                            String::from_utf8_lossy(&octets(&f["name"])),
                            names[j][0].as_str().unwrap(),
                            "{at} field {j}: name vs tshark"
                        );
                    }
                }
            }
        }
    }
    exact
}

/// tshark's words for a representation (`http2.header.repr`).
fn describe(repr: &str, new_name: bool) -> String {
    let kind = match repr {
        "indexed" => return "Indexed Header Field".into(),
        "incremental_indexing" => "Literal Header Field with Incremental Indexing",
        "without_indexing" => "Literal Header Field without Indexing",
        "never_indexed" => "Literal Header Field never Indexed",
        other => panic!("unknown repr {other}"),
    };
    format!(
        "{kind} - {}",
        if new_name { "New Name" } else { "Indexed Name" }
    )
}

#[test]
fn every_corpus_capture_matches_its_oracle() {
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("corpus/INDEX.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    let mut exact_fields = 0;
    for (name, facts) in index.as_object().unwrap() {
        if name.starts_with("big/") {
            // The big capture is not vendored (see the benchmarks).
            continue;
        }
        let port = server_port(name);
        let oracle_path = fixtures().join(format!("corpus/{name}.headers.jsonl"));
        let extra = corpus_args(name);
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        for file in facts["files"].as_array().unwrap() {
            let file = file.as_str().unwrap();
            if file.ends_with(".pcap") || file.ends_with(".pcapng") {
                exact_fields += check_capture_with(
                    file,
                    &fixtures().join("corpus").join(file),
                    &oracle_path,
                    port,
                    &extra,
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 17, "only {checked} captures checked");
    assert!(
        exact_fields > 1000,
        "only {exact_fields} fields compared as bytes"
    );
    eprintln!("checked {checked} captures, {exact_fields} fields as exact bytes");
}

#[test]
fn h2c_upgrade_capture_matches_its_oracle() {
    let dir = fixtures().join("extra");
    let exact = check_capture(
        "h2c_upgrade",
        &dir.join("h2c_upgrade.pcap"),
        &dir.join("h2c_upgrade.headers.jsonl"),
        18083,
    );
    assert!(exact > 10);
    // The upgraded request of stream 1 was HTTP/1.1.
    let exchanges = h2lens(&[
        "exchanges",
        "--json",
        dir.join("h2c_upgrade.pcap").to_str().unwrap(),
    ]);
    let first: Value = serde_json::from_str(exchanges.lines().next().unwrap()).unwrap();
    assert_eq!(first["stream_id"], 1);
    assert_eq!(first["path"], "/hello.txt");
    assert_eq!(first["method"], "GET");
    assert_eq!(first["status"], 200);
}

#[test]
fn pcapng_twins_decode_identically() {
    for name in [
        "grpc_python",
        "grpc_python_midstream",
        "grpc_python_small_table",
        "h2c_continuation",
        "h2c_curl_prior",
        "h2c_nghttp_any_sll2",
        "h2c_nghttp_lo",
        "h2c_push_padding",
    ] {
        let pcap = headers_json(&fixtures().join(format!("corpus/{name}.pcap")));
        let pcapng = headers_json(&fixtures().join(format!("corpus/{name}.pcapng")));
        assert!(!pcap.is_empty());
        assert_eq!(pcap, pcapng, "{name}");
    }
}

/// Blocks grouped by (direction, stream), in order.
fn by_stream(blocks: &[Value]) -> BTreeMap<(String, u64), Vec<&Value>> {
    let mut out: BTreeMap<(String, u64), Vec<&Value>> = BTreeMap::new();
    for b in blocks {
        let dir = b["dir"].as_str().unwrap().to_string();
        out.entry((dir, b["stream_id"].as_u64().unwrap()))
            .or_default()
            .push(b);
    }
    out
}

/// Lines up blocks of a partial capture with the full capture of the same
/// connection: per stream and direction, aligned at the end (a capture
/// that starts late misses a stream's first blocks, not its last).
fn keyed<'a>(partial: &'a [Value], full: &'a [Value]) -> Vec<(String, &'a Value, &'a Value)> {
    let full = by_stream(full);
    let mut out = Vec::new();
    for (key, blocks) in by_stream(partial) {
        let reference = full
            .get(&key)
            .unwrap_or_else(|| panic!("{key:?} not in the full capture"));
        assert!(
            blocks.len() <= reference.len(),
            "{key:?}: more blocks than the full capture"
        );
        let skip = reference.len() - blocks.len();
        for (i, b) in blocks.into_iter().enumerate() {
            out.push((format!("{key:?}#{i}"), b, reference[skip + i]));
        }
    }
    out
}

/// Every field that is not marked unknown equals the full capture's field
/// at the same position; returns (known, unknown) field counts.
fn compare_with_full(partial: &[Value], full: &[Value], what: &str) -> (usize, usize) {
    let (mut known, mut unknown) = (0, 0);
    for (key, block, reference) in keyed(partial, full) {
        let fields = block["fields"].as_array().unwrap();
        let reference = reference["fields"].as_array().unwrap();
        assert_eq!(fields.len(), reference.len(), "{what} {key:?}: fields");
        for (j, (f, r)) in fields.iter().zip(reference).enumerate() {
            if f.get("unknown") == Some(&Value::Bool(true)) {
                unknown += 1;
                let state = &block["table_state"]["state"];
                assert_eq!(
                    state, "partly_unknown",
                    "{what} {key:?} field {j}: unknown field in a block that claims a known table"
                );
                continue;
            }
            known += 1;
            assert_eq!(f["name"], r["name"], "{what} {key:?} field {j}: name");
            assert_eq!(f["value"], r["value"], "{what} {key:?} field {j}: value");
        }
    }
    (known, unknown)
}

#[test]
fn midstream_capture_never_shows_a_wrong_value() {
    let full = headers_json(&fixtures().join("corpus/grpc_python.pcap"));
    let mid = headers_json(&fixtures().join("corpus/grpc_python_midstream.pcap"));
    let (known, unknown) = compare_with_full(&mid, &full, "midstream");
    assert!(
        unknown > 0,
        "the midstream capture references entries from before it began"
    );
    assert!(
        known > unknown,
        "most fields are literals or entries inserted after the cut"
    );
    // Blocks that reference unknown entries say so.
    assert!(mid
        .iter()
        .any(|b| b["table_state"]["state"] == "partly_unknown"));
}

#[test]
fn blocks_after_a_gap_are_flagged_and_never_wrong() {
    let full = headers_json(&fixtures().join("corpus/grpc_python.pcap"));
    let gap = headers_json(&fixtures().join("extra/grpc_python_gap.pcap"));
    // The lost packet held the request HEADERS of stream 11.
    assert_eq!(gap.len(), full.len() - 1);
    let (known, _unknown) = compare_with_full(&gap, &full, "gap");
    assert!(known > 0);
    let after_gap: Vec<&Value> = gap
        .iter()
        .filter(|b| b["dir"] == "client_to_server" && b["stream_id"].as_u64().unwrap() > 11)
        .collect();
    assert!(!after_gap.is_empty());
    // The first client block after the gap is flagged.
    assert_eq!(after_gap[0]["table_state"]["state"], "partly_unknown");
    assert_eq!(after_gap[0]["table_state"]["cause"], "gap");
    let before_gap = gap
        .iter()
        .filter(|b| b["dir"] == "client_to_server" && b["stream_id"].as_u64().unwrap() < 11);
    for b in before_gap {
        assert_eq!(b["table_state"]["state"], "synced");
    }
}

#[test]
fn tls_capture_is_reported_not_decoded_as_garbage() {
    let out = h2lens(&[
        "summary",
        "--json",
        fixtures().join("corpus/h2_tls_curl.pcap").to_str().unwrap(),
    ]);
    let summary: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(summary["connections"], 3);
    assert_eq!(summary["header_blocks"], 0);
    let protocols = summary["protocols"].as_object().unwrap();
    // tshark (h2_tls_curl.hellos.json): two TLS 1.3 connections offering
    // h2 and http/1.1, one TLS 1.2 whose ServerHello selects h2.
    assert_eq!(
        protocols["TLS 1.3, ALPN offered h2,http/1.1, needs a key log"], 2,
        "{protocols:?}"
    );
    assert_eq!(
        protocols["TLS 1.2, ALPN h2, needs a key log"], 1,
        "{protocols:?}"
    );
    assert_eq!(summary["bytes"]["decoded"], 0);
    assert_eq!(
        summary["bytes"]["skipped"]["TLS without a key log"],
        summary["bytes"]["stream_bytes"]
    );
}

/// The TLS capture decrypted with its key log (above) and with the key log
/// carried in the file: `editcap --inject-secrets` put it in a Decryption
/// Secrets Block, which tshark also decrypts with no option.
#[test]
fn tls_capture_with_secrets_block_matches_its_oracle() {
    let exact = check_capture(
        "h2_tls_curl_dsb",
        &fixtures().join("net/h2_tls_curl_dsb.pcapng"),
        &fixtures().join("corpus/h2_tls_curl.headers.jsonl"),
        8443,
    );
    // tshark decodes 76 fields in the 10 blocks (TLS 1.3 AES-256-GCM and
    // ChaCha20-Poly1305 with HelloRetryRequest, TLS 1.2 AES-128-GCM).
    assert_eq!(exact, 76);
}

/// With the key log, what tshark counts of the decrypted connections:
/// frame types (INDEX.json, from tshark's decode), and the three fatal
/// alerts nghttpd sent at the end (tshark: packets 25, 45 and 68, level 2,
/// decode_error 50).
#[test]
fn tls_capture_decrypted_counts_match_tshark() {
    let capture = fixtures().join("corpus/h2_tls_curl.pcap");
    let keys = fixtures().join("corpus/h2_tls_curl.keys.log");
    let out = h2lens(&[
        "summary",
        "--json",
        capture.to_str().unwrap(),
        "--keylog",
        keys.to_str().unwrap(),
    ]);
    let summary: Value = serde_json::from_str(out.trim()).unwrap();
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("corpus/INDEX.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["frames"], index["h2_tls_curl"]["frame_types"]);
    assert_eq!(summary["http2_connections"], 3);
    assert_eq!(summary["header_blocks"], 10);
    let protocols = summary["protocols"].as_object().unwrap();
    assert_eq!(
        protocols["HTTP/2 over TLS 1.3 (decrypted), ALPN h2"], 2,
        "{protocols:?}"
    );
    assert_eq!(
        protocols["HTTP/2 over TLS 1.2 (decrypted), ALPN h2"], 1,
        "{protocols:?}"
    );
    // Every TCP payload byte is decoded HTTP/2 or TLS record layer.
    let bytes = &summary["bytes"];
    assert_eq!(bytes["skipped"], serde_json::json!({}));
    assert_eq!(
        bytes["decoded"].as_u64().unwrap() + bytes["tls"].as_u64().unwrap(),
        bytes["stream_bytes"].as_u64().unwrap()
    );
    let anomalies = h2lens(&[
        "anomalies",
        "--json",
        capture.to_str().unwrap(),
        "--keylog",
        keys.to_str().unwrap(),
    ]);
    let alerts: Vec<(u64, u64)> = anomalies
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["code"] == "tls.alert")
        .map(|e| (e["conn"].as_u64().unwrap(), e["packet"].as_u64().unwrap()))
        .collect();
    assert_eq!(alerts, [(0, 25), (1, 45), (2, 68)]);
}

/// More TLS from real tools (tests/fixtures/extra/README.md): TLS 1.3
/// AES-128-GCM, TLS 1.2 ChaCha20-Poly1305 and AES-256-GCM-SHA384, and a
/// TLS 1.3 connection where both sides send KeyUpdate between requests.
/// Headers against tshark + python hpack with the key log; KeyUpdates and
/// alerts against tshark's decrypted TLS (h2_tls_more.tls.json).
#[test]
fn more_tls_captures_match_their_oracles() {
    let dir = fixtures().join("extra");
    let keys = dir.join("h2_tls_more.keys.log");
    let keys = keys.to_str().unwrap();
    let capture = dir.join("h2_tls_more.pcap");
    let exact = check_capture_with(
        "h2_tls_more",
        &capture,
        &dir.join("h2_tls_more.headers.jsonl"),
        18443,
        &["--keylog", keys],
    );
    assert!(exact > 60, "{exact}");
    let tls: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("h2_tls_more.tls.json")).unwrap())
            .unwrap();
    let anomalies: Vec<Value> = h2lens(&[
        "anomalies",
        "--json",
        capture.to_str().unwrap(),
        "--keylog",
        keys,
    ])
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let ours = |code: &str| -> Vec<(u64, u64, bool)> {
        anomalies
            .iter()
            .filter(|e| e["code"] == code)
            .map(|e| {
                (
                    e["packet"].as_u64().unwrap(),
                    e["conn"].as_u64().unwrap(),
                    e["dir"] == "server_to_client",
                )
            })
            .collect()
    };
    let theirs = |list: &Value, skip_close_notify: bool| -> Vec<(u64, u64, bool)> {
        list.as_array()
            .unwrap()
            .iter()
            // h2lens reports alerts other than the normal close_notify.
            .filter(|a| !(skip_close_notify && a["description"] == 0))
            .map(|a| {
                (
                    a["frame"].as_u64().unwrap(),
                    a["tcp_stream"].as_u64().unwrap(),
                    a["from_server"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let key_updates = theirs(&tls["key_updates"], false);
    assert_eq!(key_updates.len(), 2, "one KeyUpdate from each side");
    assert_eq!(ours("tls.key_update"), key_updates);
    assert_eq!(ours("tls.alert"), theirs(&tls["alerts"], true));
    // The OpenSSL key log is read without complaint.
    assert!(!anomalies
        .iter()
        .any(|e| e["code"].as_str().unwrap().starts_with("tls.keylog_bad")));
}
