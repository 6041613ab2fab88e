//! Damaged and hostile tap files, each with the diagnostic that names it:
//! truncated JSON and binary traces, fields of the wrong JSON type, numbers
//! no integer holds, nesting deep enough to overflow a recursive parser.

use std::path::PathBuf;

use h2lens::config::GrpcLimits;
use h2lens::tap::{parse, TapParse};
use h2lens::Diagnostic;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/tap")
            .join(name),
    )
    .unwrap()
}

/// Every diagnostic: the input's and each exchange's.
fn all_diagnostics(p: &TapParse) -> Vec<&Diagnostic> {
    p.diagnostics
        .iter()
        .chain(p.exchanges.iter().flat_map(|x| x.diagnostics.iter()))
        .collect()
}

fn with_code<'a>(p: &'a TapParse, code: &str) -> Vec<&'a Diagnostic> {
    all_diagnostics(p)
        .into_iter()
        .filter(|d| d.code == code)
        .collect()
}

/// `linkerd tap -o json` cut inside its last object: the objects before
/// it are kept, the cut is reported at the start of the object it cuts.
#[test]
fn truncated_linkerd_json() {
    let fixture = fixture("linkerd_tap.json");
    // Object starts: a `{` at the start of a line (the CLI pretty-prints
    // one object after another).
    let starts: Vec<usize> = (0..fixture.len())
        .filter(|&i| fixture[i] == b'{' && (i == 0 || fixture[i - 1] == b'\n'))
        .collect();
    assert!(starts.len() > 3);
    // The fixture itself ends inside an object (the tap was interrupted):
    // without that object it is whole.
    let whole = &fixture[..*starts.last().unwrap()];
    let full = parse(whole, &GrpcLimits::default());
    assert!(all_diagnostics(&full)
        .iter()
        .all(|d| d.code != "tap.partial_object"));
    let last = starts[starts.len() - 2];
    for cut in [
        last + 1,
        last + 10,
        (last + whole.len()) / 2,
        whole.len() - 2,
    ] {
        let p = parse(&whole[..cut], &GrpcLimits::default());
        let d = with_code(&p, "tap.partial_object");
        assert_eq!(d.len(), 1, "cut at {cut}");
        assert_eq!(d[0].offset, Some(last as u64), "cut at {cut}");
    }
}

/// A length-delimited Envoy trace cut inside a trace.
#[test]
fn truncated_envoy_binary_trace() {
    let whole = fixture("envoy_http_streamed.pb");
    // Trace starts from the varint length prefixes.
    let mut starts = Vec::new();
    let mut at = 0usize;
    while at < whole.len() {
        starts.push(at);
        let (mut len, mut shift, mut pos) = (0usize, 0, at);
        loop {
            let b = whole[pos];
            pos += 1;
            len |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        at = pos + len;
    }
    assert_eq!(at, whole.len());
    let last = *starts.last().unwrap();
    let p = parse(&whole[..whole.len() - 1], &GrpcLimits::default());
    let d = with_code(&p, "tap.partial_object");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].offset, Some(last as u64));
}

/// Known fields with the wrong JSON type are named and ignored; an id
/// that is not `{base, stream}` makes the event unusable.
#[test]
fn wrong_types() {
    let event = br#"{"source":{"ip":"10.0.0.1","port":1},"destination":5,"proxyDirection":[],
        "requestInitEvent":{"id":{"base":1,"stream":2},"method":7,"path":{},"authority":"a"}}"#;
    let p = parse(event, &GrpcLimits::default());
    let d = with_code(&p, "tap.wrong_type");
    assert_eq!(d.len(), 1, "{:?}", all_diagnostics(&p));
    assert!(
        d[0].message.ends_with(
            "destination (number), proxyDirection (array), method (number), path (object)"
        ),
        "{}",
        d[0].message
    );
    assert_eq!(p.exchanges.len(), 1);
    assert_eq!(p.exchanges[0].authority.as_ref().unwrap().as_bytes(), b"a");
    assert!(p.exchanges[0].method.is_none());

    let event = br#"{"requestInitEvent":{"id":"zz","method":"GET"}}"#;
    let p = parse(event, &GrpcLimits::default());
    assert_eq!(with_code(&p, "tap.bad_linkerd_event").len(), 1);
    assert!(p.exchanges.is_empty());
}

/// Numbers beyond any integer type, and beyond f64.
#[test]
fn huge_numbers() {
    // An id past u64: not a usable id.
    let event =
        br#"{"requestInitEvent":{"id":{"base":123456789012345678901234567890,"stream":1}}}"#;
    let p = parse(event, &GrpcLimits::default());
    assert_eq!(with_code(&p, "tap.bad_linkerd_event").len(), 1);
    // A number past f64: not JSON serde can hold; named as bad JSON.
    let event = br#"{"requestInitEvent":{"id":{"base":1e400,"stream":1}}}"#;
    let p = parse(event, &GrpcLimits::default());
    let d = with_code(&p, "tap.bad_json");
    assert_eq!(d.len(), 1);
    assert!(
        d[0].message.contains("number out of range"),
        "{}",
        d[0].message
    );
    // A status past u32: ignored, not wrapped.
    let event = br#"{"responseInitEvent":{"id":{"base":1,"stream":1},"httpStatus":4294967496}}"#;
    let p = parse(event, &GrpcLimits::default());
    assert_eq!(p.exchanges.len(), 1);
    assert_eq!(p.exchanges[0].status, None);
}

/// 100,000 nested arrays: reported, no stack overflow; the object after it
/// is still read.
#[test]
fn deep_nesting() {
    let mut input = b"{\"requestInitEvent\":".to_vec();
    input.extend(std::iter::repeat_n(b'[', 100_000));
    input.extend(std::iter::repeat_n(b']', 100_000));
    input.extend(b"}\n");
    input.extend(br#"{"requestInitEvent":{"id":{"base":1,"stream":1},"method":"GET"}}"#);
    let p = parse(&input, &GrpcLimits::default());
    let d = with_code(&p, "tap.bad_json");
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("recursion limit"), "{}", d[0].message);
    assert_eq!(p.exchanges.len(), 1);
}
