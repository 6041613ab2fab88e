//! The whole pipeline gives the same events however its input is chunked:
//! every vendored capture and tap file, pushed whole, one byte at a time,
//! and in random chunk sizes.

use std::path::{Path, PathBuf};

use h2lens::inspect::{Inspector, Options};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn decode(bytes: &[u8], chunks: &mut dyn FnMut() -> usize) -> Vec<String> {
    decode_with(bytes, None, chunks)
}

fn decode_with(
    bytes: &[u8],
    keylog: Option<Vec<u8>>,
    chunks: &mut dyn FnMut() -> usize,
) -> Vec<String> {
    let mut inspector = Inspector::new(Options {
        grpc: true,
        decode_raw: true,
        keylog,
        ..Options::default()
    });
    let mut rest = bytes;
    let mut events = Vec::new();
    while !rest.is_empty() {
        let n = chunks().clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        inspector.push(chunk);
        rest = tail;
        inspector.drain(&mut events);
    }
    inspector.finish();
    inspector.drain(&mut events);
    events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect()
}

/// A small deterministic generator (xorshift), seeded per file.
fn random_sizes(seed: u64) -> impl FnMut() -> usize {
    let mut state = seed | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 3000) as usize + 1
    }
}

fn inputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["corpus", "extra", "tap"] {
        for entry in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            // grpc_python.follow.json is an oracle (tshark follow), not a tap.
            let oracle = path.to_string_lossy().ends_with(".follow.json");
            let tap = dir == "tap" && !oracle && matches!(ext, "json" | "jsonl" | "pb");
            if matches!(ext, "pcap" | "pcapng") || tap {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_fixture_is_chunk_invariant() {
    let files = inputs();
    assert!(files.len() > 20, "{files:?}");
    for (i, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        let whole = decode(&bytes, &mut || usize::MAX);
        assert!(whole.len() > 2, "{}: no events", path.display());
        let random = decode(&bytes, &mut random_sizes(0x9e37_79b9 + i as u64));
        assert!(whole == random, "{}: random chunks differ", path.display());
        // Byte by byte is slow on the larger captures; they have many
        // segment boundaries anyway.
        if bytes.len() < 40_000 {
            let bytewise = decode(&bytes, &mut || 1);
            assert!(
                whole == bytewise,
                "{}: 1-byte chunks differ",
                path.display()
            );
        }
    }
}

/// TLS decrypted with a key log (given, or in the pcapng's Decryption
/// Secrets Block) gives the same events however the capture is chunked.
#[test]
fn decrypted_tls_is_chunk_invariant() {
    let keys = std::fs::read(fixtures().join("corpus/h2_tls_curl.keys.log")).unwrap();
    let more_keys = std::fs::read(fixtures().join("extra/h2_tls_more.keys.log")).unwrap();
    let cases = [
        ("corpus/h2_tls_curl.pcap", Some(keys), 10),
        ("net/h2_tls_curl_dsb.pcapng", None, 10),
        ("extra/h2_tls_more.pcap", Some(more_keys), 12),
    ];
    for (i, (file, keylog, want_blocks)) in cases.into_iter().enumerate() {
        let bytes = std::fs::read(fixtures().join(file)).unwrap();
        let whole = decode_with(&bytes, keylog.clone(), &mut || usize::MAX);
        let blocks = whole
            .iter()
            .filter(|e| e.contains(r#""event":"header_block""#))
            .count();
        assert_eq!(blocks, want_blocks, "{file}: decrypted header blocks");
        let random = decode_with(&bytes, keylog.clone(), &mut random_sizes(77 + i as u64));
        assert!(whole == random, "{file}: random chunks differ");
        let bytewise = decode_with(&bytes, keylog, &mut || 1);
        assert!(whole == bytewise, "{file}: 1-byte chunks differ");
    }
}
