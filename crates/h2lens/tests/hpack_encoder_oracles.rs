//! The encoder checked by independent decoders: every raw-data story of
//! hpack-test-case, encoded under several option sets and table size
//! changes, must decode to exactly its headers with
//! * nghttp2's inflater (libnghttp2, through `hpack_oracles/nghttp2_inflate.c`,
//!   compiled with `cc` at test time), and
//! * the `hpack` package from PyPI (`hpack_oracles/python_hpack_inflate.py`),
//! * and with our own decoder (not independent, but checks table sizes).
//!
//! When `cc` + libnghttp2 headers or python3 + `hpack` are missing the
//! corresponding test prints SKIPPED and passes, unless
//! `H2LENS_REQUIRE_ORACLES=1` is set (then it fails).
//! Install: `apt-get install -y libnghttp2-dev` and `pip install hpack`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use h2lens::config::HpackLimits;
use h2lens::hpack::story::{self, Header, Story};
use h2lens::hpack::{EncoderOptions, HuffmanPolicy, IndexingPolicy};
use h2lens::octets::{from_hex, to_hex};

fn raw_data() -> Vec<Story> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hpack-test-case/raw-data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("vendored raw-data")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 30);
    files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect()
}

/// A label, encoder options, and SETTINGS changes as (case index, size).
type Variant = (&'static str, EncoderOptions, Vec<(usize, u32)>);

fn variants() -> Vec<Variant> {
    let opts = |huffman, indexing| EncoderOptions {
        huffman,
        indexing,
        ..EncoderOptions::default()
    };
    vec![
        (
            "shorter-incremental",
            opts(HuffmanPolicy::Shorter, IndexingPolicy::Incremental),
            vec![],
        ),
        (
            "always-without",
            opts(HuffmanPolicy::Always, IndexingPolicy::WithoutIndexing),
            vec![],
        ),
        (
            "never-neverindexed",
            opts(HuffmanPolicy::Never, IndexingPolicy::NeverIndexed),
            vec![],
        ),
        (
            "always-incremental-256",
            opts(HuffmanPolicy::Always, IndexingPolicy::Incremental),
            vec![(0, 256)],
        ),
        (
            "shorter-incremental-resized",
            opts(HuffmanPolicy::Shorter, IndexingPolicy::Incremental),
            vec![(0, 16384), (3, 512), (7, 0), (8, 4096)],
        ),
    ]
}

/// Every variant's encoded stories.
fn encoded() -> Vec<(&'static str, Vec<Story>)> {
    let raw = raw_data();
    variants()
        .into_iter()
        .map(|(label, options, settings)| {
            let stories = raw
                .iter()
                .map(|s| {
                    let mut s = s.clone();
                    for (case, size) in &settings {
                        if let Some(c) = s.cases.get_mut(*case) {
                            c.header_table_size = Some(*size);
                        }
                    }
                    story::deflate(&s, &options, None)
                })
                .collect();
            (label, stories)
        })
        .collect()
}

fn hex_headers(headers: &[Header]) -> Vec<[String; 2]> {
    headers
        .iter()
        .map(|h| [h.name.to_hex(), h.value.to_hex()])
        .collect()
}

fn required() -> bool {
    std::env::var_os("H2LENS_REQUIRE_ORACLES").is_some_and(|v| v == "1")
}

fn skip(why: &str) {
    assert!(!required(), "H2LENS_REQUIRE_ORACLES=1 but {why}");
    eprintln!("SKIPPED: {why}");
}

#[test]
fn own_decoder_reads_every_variant() {
    for (label, stories) in encoded() {
        for (i, s) in stories.iter().enumerate() {
            let out = story::inflate(s, &HpackLimits::default());
            for (c, (got, want)) in out.cases.iter().zip(&s.cases).enumerate() {
                assert_eq!(got.error, None, "{label} story {i} case {c}");
                assert_eq!(got.headers, want.headers, "{label} story {i} case {c}");
            }
        }
    }
}

#[test]
fn python_hpack_reads_every_variant() {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hpack_oracles/python_hpack_inflate.py");
    let probe = Command::new("python3")
        .args(["-c", "import hpack"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return skip("python3 with the `hpack` package is not installed (pip install hpack)");
    }
    for (label, stories) in encoded() {
        let input: Vec<Vec<serde_json::Value>> = stories
            .iter()
            .map(|s| {
                s.cases
                    .iter()
                    .map(|c| serde_json::json!({"settings": c.header_table_size, "wire": c.wire}))
                    .collect()
            })
            .collect();
        let mut child = Command::new("python3")
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&serde_json::to_vec(&input).unwrap())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{label}: python failed");
        let decoded: Vec<Vec<serde_json::Value>> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(decoded.len(), stories.len());
        for (i, (s, got)) in stories.iter().zip(&decoded).enumerate() {
            assert_eq!(got.len(), s.cases.len());
            for (c, (case, got)) in s.cases.iter().zip(got).enumerate() {
                let want = serde_json::to_value(hex_headers(&case.headers)).unwrap();
                assert_eq!(got, &want, "{label} story {i} case {c} (python hpack)");
            }
        }
    }
}

/// Compiles the nghttp2 harness, or says why it cannot.
fn nghttp2_harness() -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hpack_oracles/nghttp2_inflate.c");
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nghttp2_inflate");
    let out = Command::new("cc")
        .arg("-O1")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .arg("-lnghttp2")
        .output()
        .map_err(|e| format!("no C compiler (cc): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cannot build against libnghttp2 (apt-get install libnghttp2-dev): {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or_default()
        ));
    }
    Ok(exe)
}

#[test]
fn nghttp2_reads_every_variant() {
    let exe = match nghttp2_harness() {
        Ok(exe) => exe,
        Err(why) => return skip(&why),
    };
    for (label, stories) in encoded() {
        let mut input = Vec::new();
        for s in &stories {
            input.push(b'S');
            for c in &s.cases {
                if let Some(size) = c.header_table_size {
                    input.push(b'T');
                    input.extend_from_slice(&size.to_be_bytes());
                }
                let wire = from_hex(c.wire.as_deref().unwrap()).unwrap();
                input.push(b'B');
                input.extend_from_slice(&(wire.len() as u32).to_be_bytes());
                input.extend_from_slice(&wire);
            }
        }
        let mut child = Command::new(&exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{label}: harness failed");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut blocks = text.split_terminator("B\n");
        for (i, s) in stories.iter().enumerate() {
            for (c, case) in s.cases.iter().enumerate() {
                let block = blocks
                    .next()
                    .unwrap_or_else(|| panic!("{label}: output ends early"));
                let want: String = case
                    .headers
                    .iter()
                    .map(|h| {
                        format!(
                            "H {} {}\n",
                            to_hex(h.name.as_bytes()),
                            to_hex(h.value.as_bytes())
                        )
                    })
                    .collect();
                assert_eq!(block, want, "{label} story {i} case {c} (nghttp2)");
            }
        }
        assert!(blocks.next().is_none());
    }
}
