//! `h2lens hpack …` run as a process. Oracles: hpack-test-case (inflate
//! must reproduce every story's headers), RFC 7541 Appendix C (decode).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn h2lens(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_h2lens"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hpack-test-case")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn inflate_reproduces_every_story() {
    let mut stories = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("raw-data"))
        .collect();
    dirs.sort();
    for dir in dirs {
        for file in json_files(&dir) {
            let original: Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let mut stripped = original.clone();
            for case in stripped["cases"].as_array_mut().unwrap() {
                case.as_object_mut().unwrap().remove("headers");
            }
            let out = h2lens(&["hpack", "inflate"], Some(stripped.to_string().as_bytes()));
            assert!(
                out.status.success(),
                "{}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let got: Value = serde_json::from_slice(&out.stdout).unwrap();
            let got_cases = got["cases"].as_array().unwrap();
            let want_cases = original["cases"].as_array().unwrap();
            assert_eq!(got_cases.len(), want_cases.len());
            for (g, w) in got_cases.iter().zip(want_cases) {
                assert_eq!(g["headers"], w["headers"], "{}", file.display());
                assert_eq!(g["wire"], w["wire"]);
                assert!(g["dynamic_table_size"].as_u64().is_some());
            }
            stories += 1;
        }
    }
    assert!(stories >= 250, "{stories}");
}

#[test]
fn inflate_reads_a_file_and_reports_failed_cases() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("hpack_cli_bad_story.json");
    // Case 1 references index 62 of an empty table.
    std::fs::write(
        &path,
        r#"{"cases":[{"seqno":0,"wire":"82"},{"seqno":1,"wire":"82be"}]}"#,
    )
    .unwrap();
    let out = h2lens(&["hpack", "inflate", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got["cases"][0]["headers"],
        serde_json::json!([{":method": "GET"}])
    );
    assert_eq!(
        got["cases"][1]["headers"],
        serde_json::json!([{":method": "GET"}])
    );
    assert_eq!(got["cases"][1]["error"]["offset"], 1);
    assert_eq!(got["cases"][1]["error"]["code"], "hpack.index_beyond_table");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("case 1 at byte 1"), "{stderr}");
}

#[test]
fn bad_input_names_the_file_and_position() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hpack_cli_not_json.json");
    std::fs::write(&path, "{\"cases\": [\n  {\"wire\": 12}\n]}").unwrap();
    let out = h2lens(&["hpack", "inflate", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hpack_cli_not_json.json") && stderr.contains("line 2"),
        "{stderr}"
    );
    let out = h2lens(&["hpack", "inflate", "/nonexistent/story.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/story.json"));
    let out = h2lens(&["hpack", "decode", "8g"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not hex"));
}

#[test]
fn encode_then_inflate_round_trips_raw_data() {
    let raw = corpus().join("raw-data");
    for file in json_files(&raw).iter().take(8) {
        let input = std::fs::read(file).unwrap();
        let original: Value = serde_json::from_slice(&input).unwrap();
        for args in [
            &["--huffman", "always", "--indexing", "incremental"][..],
            &["--huffman", "never", "--indexing", "without"],
            &["--indexing", "never", "--table-size", "256"],
            &["--table-size", "65536"],
        ] {
            let mut all = vec!["hpack", "encode", file.to_str().unwrap()];
            all.extend_from_slice(args);
            let out = h2lens(&all, None);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let encoded: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(encoded["cases"][0]["wire"].is_string());
            let out = h2lens(&["hpack", "inflate", "-"], Some(&out.stdout));
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let decoded: Value = serde_json::from_slice(&out.stdout).unwrap();
            let cases = decoded["cases"].as_array().unwrap();
            for (d, o) in cases.iter().zip(original["cases"].as_array().unwrap()) {
                assert_eq!(d["headers"], o["headers"], "{} {args:?}", file.display());
            }
        }
    }
}

#[test]
fn encode_uses_the_requested_representations() {
    let story = r#"{"cases":[{"headers":[{"custom-key":"custom-header"}]}]}"#;
    // RFC 7541 C.2.1 (literal with indexing, new name, no Huffman).
    let out = h2lens(
        &["hpack", "encode", "--huffman", "never"],
        Some(story.as_bytes()),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["cases"][0]["wire"],
        "400a637573746f6d2d6b65790d637573746f6d2d686561646572"
    );
    let out = h2lens(
        &[
            "hpack",
            "encode",
            "--huffman",
            "never",
            "--indexing",
            "never",
        ],
        Some(story.as_bytes()),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["cases"][0]["wire"],
        "100a637573746f6d2d6b65790d637573746f6d2d686561646572"
    );
    // A table size other than 4096 is announced with a size update (256 =
    // 31 + 225 → 3f e1 01) and recorded as the SETTINGS value.
    let out = h2lens(
        &[
            "hpack",
            "encode",
            "--huffman",
            "never",
            "--table-size",
            "256",
        ],
        Some(story.as_bytes()),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["cases"][0]["wire"]
        .as_str()
        .unwrap()
        .starts_with("3fe10140"));
    assert_eq!(v["cases"][0]["header_table_size"], 256);
}

#[test]
fn decode_explains_rfc_c4_and_c5_blocks() {
    let out = h2lens(
        &[
            "hpack",
            "decode",
            "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            "8286 84be 5886 a8eb 1064 9cbf",
        ],
        None,
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("#3 [3..17) :authority: www.example.com"),
        "{text}"
    );
    assert!(text.contains(
        "Literal Header Field with Incremental Indexing - Indexed Name; index 1 (static); value huffman"
    ));
    assert!(text.contains("Indexed Header Field; index 62 (dynamic entry 1, inserted in block 0)"));
    assert!(text.contains("table: inserted entry 2 (53 bytes) from field #4"));
    assert!(text.contains("table after: 2 entries, 110/4096 bytes"));

    // C.5.2 evicts `:status: 302`; then an index past the table.
    let out = h2lens(
        &[
            "hpack",
            "decode",
            "--table-size",
            "256",
            "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 \
             2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 \
             6c65 2e63 6f6d",
            "4803 3330 37c1 c0bf",
            "82 c2",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("table: evicted entry 1 `:status: 302` (42 bytes, inserted in block 0)"),
        "{text}"
    );
    assert!(
        text.contains(
            "error at byte 1: index 66 is beyond the 65-entry table (61 static + 4 dynamic); \
             it held `:status: 302`, evicted 1 block ago"
        ),
        "{text}"
    );

    let out = h2lens(&["hpack", "decode", "--json", "82"], None);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fields"][0]["repr"], "indexed");
    assert_eq!(v["fields"][0]["index"]["table"], "static");
}
