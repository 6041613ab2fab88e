//! "Any input returns" for the public entry points that have no robustness
//! property of their own elsewhere (capture, net, conn, HPACK, tap, gRPC
//! message framing have theirs: `*_robustness.rs`, `hpack_proptest.rs`,
//! `net_properties.rs`; the inspector's chunking invariance is
//! `inspect_chunking.rs`). Each returns, and what it returns serializes.

use std::path::PathBuf;

use h2lens::config::HpackLimits;
use h2lens::hpack::story::{self, Case, Story};
use h2lens::inspect::{Header, Inspector, Options};
use h2lens::protobuf::{decode_raw, to_text_format, RawLimits, Schema};
use h2lens::Octets;
use proptest::prelude::*;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn headers() -> impl Strategy<Value = Vec<Header>> {
    proptest::collection::vec(
        (
            prop::sample::select(vec!["a", "b", "c", ":path", "x"]),
            prop::sample::select(vec!["1", "2", "3"]),
        )
            .prop_map(|(n, v)| Header {
                name: Octets::from(n.as_bytes().to_vec()),
                value: Octets::from(v.as_bytes().to_vec()),
            }),
        0..30,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// protoc --decode_raw's job, on anything, at any depth limit.
    #[test]
    fn raw_protobuf(input in bytes(400), depth in 0u32..40, fields in 0u32..500) {
        let decoded = decode_raw(&input, RawLimits { max_depth: depth, max_fields: fields });
        to_text_format(&decoded.message);
        prop_assert!(serde_json::to_string(&decoded).is_ok());
    }

    /// A protoset: random bytes, and the real one with bytes flipped; a
    /// schema that loads decodes anything as any of its types.
    #[test]
    fn protosets_and_schema_decoding(
        junk in bytes(300),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        message in bytes(200),
    ) {
        let _ = Schema::from_protoset(&junk);
        let mut set = fixture("protobuf/alltypes.protoset");
        for (at, x) in &flips {
            let i = at.index(set.len());
            set[i] ^= x;
        }
        if let Ok(schema) = Schema::from_protoset(&set) {
            for name in ["oracle.v1.Scalars", "oracle.v1.Optionals", "oracle.v1.Repeated", "no.such.Type"] {
                if let Ok(d) = schema.decode_as(name, &message) {
                    prop_assert!(serde_json::to_string(&d).is_ok());
                }
            }
        }
    }

    /// SSLKEYLOGFILE text: random bytes and lines that almost look right.
    #[test]
    fn key_logs(
        junk in bytes(300),
        lines in proptest::collection::vec("(CLIENT_RANDOM|CLIENT_TRAFFIC_SECRET_0|#|) ?[0-9a-fA-F ]{0,80}", 0..8),
    ) {
        let _ = h2lens::tls::KeyLog::parse(&junk);
        let (_, diagnostics) = h2lens::tls::KeyLog::parse(lines.join("\n").as_bytes());
        prop_assert!(serde_json::to_string(&diagnostics).is_ok());
    }

    /// gRPC header values: grpc-timeout, grpc-message, content-type.
    #[test]
    fn grpc_header_values(value in bytes(60)) {
        let _ = h2lens::grpc::parse_timeout(&value);
        let text = h2lens::grpc::decode_grpc_message(&value);
        prop_assert!(serde_json::to_string(&text).is_ok());
        let _ = h2lens::grpc::classify_content_type(&value);
    }

    /// HPACK stories (`h2lens hpack inflate`) with arbitrary wire strings,
    /// hex or not, and table sizes.
    #[test]
    fn hpack_stories(wires in proptest::collection::vec(("[0-9a-f]{0,60}|[^0-9a-f]{0,4}", any::<Option<u32>>()), 0..6)) {
        let story = Story {
            cases: wires
                .into_iter()
                .map(|(wire, size)| Case { wire: Some(wire), header_table_size: size, ..Case::default() })
                .collect(),
            ..Story::default()
        };
        let out = story::inflate(&story, &HpackLimits::default());
        prop_assert_eq!(out.cases.len(), story.cases.len());
    }

    /// Header and exchange diffs (`h2lens diff`).
    #[test]
    fn header_diffs(left in headers(), right in headers()) {
        let d = h2lens::diff::diff_headers(&left, &right);
        prop_assert_eq!(d.is_same(), left == right);
        prop_assert!(serde_json::to_string(&d).is_ok());
    }

    /// Format detection on any prefix, at the end or not.
    #[test]
    fn detection(prefix in bytes(64), at_end in any::<bool>()) {
        let _ = h2lens::inspect::detect(&prefix, at_end);
        let _ = h2lens::tap::detect(&prefix);
    }

    /// HAR export of whatever a damaged capture's exchanges hold.
    #[test]
    fn har_of_damaged_capture(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..20)) {
        let mut capture = fixture("corpus/grpc_python.pcap");
        for (at, x) in &flips {
            let i = at.index(capture.len());
            capture[i] ^= x;
        }
        let mut inspector = Inspector::new(Options { collect: true, grpc: true, ..Options::default() });
        inspector.push(&capture);
        inspector.finish();
        while inspector.next_event().is_some() {}
        let har = h2lens::har::to_har(inspector.exchanges());
        prop_assert!(serde_json::to_string(&har).is_ok());
    }
}
