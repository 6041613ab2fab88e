//! Schema-less decoding against the real `protoc --decode_raw` (protoc
//! 3.21.12), whose output for 319 inputs (edge cases, random valid
//! messages with nesting and groups, random bytes) is vendored by
//! `scripts/fixtures/grpc_protobuf_cases.py`.

use std::path::PathBuf;

use h2lens::protobuf::raw::RawLimits;
use h2lens::protobuf::{decode_raw, to_text_format};
use proptest::prelude::*;
use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/grpc/protobuf_cases.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn decode_raw_matches_protoc() {
    let cases = cases();
    assert_eq!(cases.len(), 319);
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let bytes = h2lens::octets::from_hex(c["hex"].as_str().unwrap()).unwrap();
        let d = decode_raw(&bytes, RawLimits::default());
        match c["protoc"].as_str() {
            Some(text) => {
                assert!(d.error.is_none(), "{name}: {:?}", d.error);
                assert_eq!(to_text_format(&d.message), text, "{name}");
            }
            None => assert!(
                d.error.is_some(),
                "{name}: protoc rejects it, we accepted {:?}",
                d.message
            ),
        }
    }
}

#[test]
fn spans_cover_the_input_exactly() {
    for c in cases().iter().filter(|c| c["protoc"].is_string()) {
        let bytes = h2lens::octets::from_hex(c["hex"].as_str().unwrap()).unwrap();
        let d = decode_raw(&bytes, RawLimits::default());
        let mut at = 0;
        for f in &d.message.fields {
            assert_eq!(f.span.start, at, "{}", c["name"]);
            at = f.span.end;
        }
        assert_eq!(at, bytes.len() as u64, "{}", c["name"]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256), depth in 0u32..40) {
        let d = decode_raw(&bytes, RawLimits { max_depth: depth, max_fields: 64 });
        let _ = to_text_format(&d.message);
        let _ = serde_json::to_string(&d).unwrap();
        if let Some(e) = d.error {
            prop_assert!(e.offset.unwrap() <= bytes.len() as u64);
        }
    }
}
