//! Schema decoding against an independent oracle: Python protobuf's
//! `json_format.MessageToDict` of the same bytes
//! (`scripts/fixtures/protobuf_json_oracle.py` wrote the cases and built
//! the protoset with grpcio-tools' protoc). Every field type, presence
//! rule, repeated and map form, oneof, well-known type and a set of
//! hand-made wire oddities; where Python refuses the bytes, h2lens must
//! report a decoding error too.

use std::path::PathBuf;

use h2lens::protobuf::Schema;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/protobuf")
        .join(name)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Numbers compare by value (Python writes `1e+20` where serde_json writes
/// `1e20`), everything else exactly. A `float` field's value may be written
/// with different digits that denote the same 32-bit float: h2lens writes
/// the shortest (`1e-45`, as Go's protojson and grpcurl do), Python at
/// least six significant digits (`1.4013e-45`); those compare as `f32`.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64(), y.as_f64());
            x == y || x.zip(y).is_some_and(|(x, y)| x as f32 == y as f32)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn every_case_decodes_as_python_protobuf_does() {
    let schema =
        Schema::from_protoset(&std::fs::read(fixture("alltypes.protoset")).unwrap()).unwrap();
    let text = std::fs::read_to_string(fixture("json_cases.jsonl")).unwrap();
    let (mut compared, mut refused) = (0, 0);
    for line in text.lines().filter(|l| !l.is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let type_name = case["type"].as_str().unwrap();
        let note = case["note"].as_str().unwrap();
        let bytes = hex(case["hex"].as_str().unwrap());
        let got = schema.decode_as(type_name, &bytes);
        match case.get("json") {
            Some(expected) => {
                let got = got.unwrap_or_else(|d| panic!("{note}: {}", d.message));
                assert!(
                    same(&got.json, expected),
                    "{note}:\n  h2lens {}\n  python {expected}",
                    got.json
                );
                compared += 1;
            }
            None => {
                let d = got.map(|g| g.json).expect_err(note);
                assert_eq!(d.code, "protobuf.schema_decode_failed", "{note}");
                refused += 1;
            }
        }
    }
    assert!(
        compared >= 150 && refused >= 4,
        "{compared} compared, {refused} refused"
    );
}

#[test]
fn methods_and_well_known_inputs() {
    let schema =
        Schema::from_protoset(&std::fs::read(fixture("alltypes.protoset")).unwrap()).unwrap();
    let m = schema.method(b"/oracle.v1.Oracle/Echo").unwrap();
    assert_eq!(
        (m.input_type.as_str(), m.output_type.as_str()),
        ("oracle.v1.Scalars", "oracle.v1.WellKnown")
    );
    // A well-known type is decodable by name even when asked for directly.
    let d = schema
        .decode_as("google.protobuf.Duration", b"\x08\x05")
        .unwrap();
    assert_eq!(d.json, Value::String("5s".into()));
}

#[test]
fn a_protoset_without_its_imports_is_refused_with_the_missing_type() {
    // FileDescriptorSet{ file: { name: "a.proto", package: "p",
    //   message_type: { name: "M", field: { name: "x", number: 1, label: 1,
    //   type: 11 (message), type_name: ".q.Missing" } } } }
    let field = [b"\x0a\x01x\x18\x01\x20\x01\x28\x0b\x32\x0a.q.Missing".as_slice()].concat();
    let message = [b"\x0a\x01M\x12".as_slice(), &[field.len() as u8], &field].concat();
    let file = [
        b"\x0a\x07a.proto\x12\x01p\x22".as_slice(),
        &[message.len() as u8],
        &message,
    ]
    .concat();
    let set = [b"\x0a".as_slice(), &[file.len() as u8], &file].concat();
    let e = Schema::from_protoset(&set).unwrap_err();
    assert_eq!(e.code, "protobuf.bad_protoset");
    assert!(e.message.contains("q.Missing"), "{}", e.message);
}

#[test]
fn cut_and_flipped_messages_never_panic() {
    let schema =
        Schema::from_protoset(&std::fs::read(fixture("alltypes.protoset")).unwrap()).unwrap();
    let text = std::fs::read_to_string(fixture("json_cases.jsonl")).unwrap();
    let mut seed = 0x2026_1126_u64;
    let mut tried = 0;
    for line in text.lines().filter(|l| !l.is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let type_name = case["type"].as_str().unwrap();
        let bytes = hex(case["hex"].as_str().unwrap());
        for cut in 0..bytes.len() {
            let _ = schema.decode_as(type_name, &bytes[..cut]);
            let mut flipped = bytes.clone();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            flipped[cut] ^= 1 << (seed >> 61);
            let _ = schema.decode_as(type_name, &flipped);
            tried += 2;
        }
    }
    assert!(tried > 1000, "{tried}");
    // Deep nesting stops at the limit instead of exhausting the stack.
    let mut deep = Vec::new();
    for _ in 0..10_000 {
        let mut outer = vec![0x12];
        let mut len = deep.len();
        loop {
            let b = (len & 0x7f) as u8;
            len >>= 7;
            outer.push(if len > 0 { b | 0x80 } else { b });
            if len == 0 {
                break;
            }
        }
        outer.extend_from_slice(&deep);
        deep = outer;
        if deep.len() > 200_000 {
            break;
        }
    }
    let e = schema
        .decode_as("oracle.v1.Nested.Inner", &deep)
        .unwrap_err();
    assert_eq!(e.code, "protobuf.schema_decode_failed");
}

#[test]
fn a_protoset_nesting_messages_too_deep_is_refused_without_exhausting_the_stack() {
    fn len_field(number: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![number << 3 | 2];
        let mut n = payload.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            out.push(if n > 0 { b | 0x80 } else { b });
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(payload);
        out
    }
    // DescriptorProto{ name: "M", nested_type: DescriptorProto{ … } }, 20,000 deep.
    let mut message = len_field(1, b"M");
    for _ in 0..20_000 {
        message = [len_field(1, b"M"), len_field(3, &message)].concat();
    }
    let file = [len_field(1, b"deep.proto"), len_field(4, &message)].concat();
    let set = len_field(1, &file);
    let e = Schema::from_protoset(&set).unwrap_err();
    assert_eq!(e.code, "protobuf.bad_protoset");
    assert!(e.message.contains("levels deep"), "{}", e.message);
}
