//! No input makes the gRPC layer panic, and chunking never changes what the
//! message reader says.

use h2lens::config::GrpcLimits;
use h2lens::grpc::{
    decode_grpc_message, parse_timeout, summarize, BodyChunk, CallInput, CallOptions, Encoding,
    Framing, MessageReader, Metadata, ReaderEvent, Reset, StatusCode,
};
use h2lens::{Direction, Octets};
use proptest::prelude::*;

fn read_all(
    framing: Framing,
    enc: Encoding,
    body: &[u8],
    cuts: &[usize],
    limits: &GrpcLimits,
) -> Vec<ReaderEvent> {
    let mut r = MessageReader::new(framing, enc, limits);
    let mut rest = body;
    let mut i = 0;
    while !rest.is_empty() {
        let n = cuts[i % cuts.len()].clamp(1, rest.len());
        let (a, b) = rest.split_at(n);
        r.push(a);
        rest = b;
        i += 1;
    }
    r.finish();
    std::iter::from_fn(|| r.next_event()).collect()
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        Just(Framing::Grpc),
        Just(Framing::GrpcWeb),
        Just(Framing::GrpcWebText)
    ]
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Identity),
        Just(Encoding::Gzip),
        Just(Encoding::Deflate),
        Just(Encoding::Other("snappy".into()))
    ]
}

/// Bodies that are mostly well framed: prefixes with small lengths.
fn framed_body() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        (
            prop_oneof![Just(0u8), Just(1), Just(0x80), any::<u8>()],
            proptest::collection::vec(any::<u8>(), 0..40),
        ),
        0..6,
    )
    .prop_map(|msgs| {
        let mut out = Vec::new();
        for (flag, payload) in msgs {
            out.push(flag);
            out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            out.extend_from_slice(&payload);
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn reader_is_chunk_invariant(f in framing(), e in encoding(), body in prop_oneof![framed_body(), proptest::collection::vec(any::<u8>(), 0..200)], cuts in proptest::collection::vec(1usize..17, 1..5), small in any::<bool>()) {
        let limits = if small { GrpcLimits { max_message_size: 7, max_decompressed_size: 9, ..GrpcLimits::default() } } else { GrpcLimits::default() };
        let whole = read_all(f, e.clone(), &body, &[usize::MAX], &limits);
        prop_assert_eq!(read_all(f, e, &body, &cuts, &limits), whole);
    }

    #[test]
    fn header_level_parsers_never_panic(v in proptest::collection::vec(any::<u8>(), 0..40)) {
        let _ = parse_timeout(&v);
        let _ = StatusCode::parse(&v);
        let m = decode_grpc_message(&v);
        prop_assert!(m.decoded.len() <= v.len());
        let _ = h2lens::grpc::classify_content_type(&v);
        let _ = Encoding::parse(&v);
    }

    #[test]
    fn metadata_never_panics(h in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..12), proptest::collection::vec(any::<u8>(), 0..12)), 0..12), tb in any::<bool>()) {
        let h: Vec<(Octets, Octets)> = h.into_iter().map(|(mut n, v)| { if n.len() % 3 == 0 { n.extend_from_slice(b"-bin"); } (Octets::from(n), Octets::from(v)) }).collect();
        let md = Metadata::from_headers(&h, tb);
        prop_assert_eq!(md.reserved.len() + md.wire.len(), h.len());
        serde_json::to_string(&md.grouped_object()).unwrap();
    }

    #[test]
    fn summarize_never_panics(
        req in proptest::collection::vec((prop::sample::select(vec![":path", ":method", "content-type", "grpc-timeout", "grpc-encoding", "te", "x-a", "k-bin"]), proptest::collection::vec(any::<u8>(), 0..10)), 0..8),
        resp in proptest::option::of(proptest::collection::vec((prop::sample::select(vec![":status", "content-type", "grpc-status", "grpc-message", "grpc-encoding"]), proptest::collection::vec(any::<u8>(), 0..6)), 0..5)),
        trailers in proptest::option::of(proptest::collection::vec((prop::sample::select(vec!["grpc-status", "grpc-message", "x-b"]), proptest::collection::vec(any::<u8>(), 0..6)), 0..4)),
        body in framed_body(), rbody in framed_body(), reset in proptest::option::of((0u32..20, any::<bool>())), flags in any::<(bool, bool, bool, bool)>(), times in proptest::option::of((any::<i64>(), any::<i64>())),
    ) {
        let conv = |l: Vec<(&str, Vec<u8>)>| l.into_iter().map(|(n, v)| (Octets::from(n), Octets::from(v))).collect::<Vec<_>>();
        let input = CallInput {
            request_headers: conv(req),
            response_headers: resp.map(conv),
            response_trailers: trailers.map(conv),
            request_body: vec![BodyChunk { bytes: body, time: None }],
            response_body: vec![BodyChunk { bytes: rbody, time: None }],
            reset: reset.map(|(code, by)| Reset { code, by: if by { Direction::ClientToServer } else { Direction::ServerToClient }, time: None }),
            request_end_stream: flags.0,
            response_headers_end_stream: flags.1,
            response_end_stream: flags.2,
            true_binary: flags.3,
            start: times.map(|t| h2lens::Timestamp(t.0)),
            end: times.map(|t| h2lens::Timestamp(t.1)),
            ..Default::default()
        };
        let call = summarize(&input, &CallOptions { decode_raw: true, ..Default::default() });
        serde_json::to_string(&call).unwrap();
    }
}

#[test]
fn gzip_bomb_is_bounded() {
    // 10 MB of zeros gzips to ~10 kB; the decompressed limit stops it.
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![0u8; 10 << 20]).unwrap();
    let compressed = gz.finish().unwrap();
    let mut body = vec![1];
    body.extend_from_slice(&(compressed.len() as u32).to_be_bytes());
    body.extend_from_slice(&compressed);
    let limits = GrpcLimits {
        max_decompressed_size: 1 << 20,
        ..GrpcLimits::default()
    };
    let ev = read_all(Framing::Grpc, Encoding::Gzip, &body, &[usize::MAX], &limits);
    let ReaderEvent::Message(m) = &ev[0] else {
        panic!()
    };
    assert!(m.decompressed.is_none());
    assert_eq!(m.diagnostics[0].code, "grpc.decompressed_too_large");
}

#[test]
fn deflate_is_zlib_and_unknown_encodings_stay_raw() {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(b"\x0a\x03abc").unwrap();
    let zlib = z.finish().unwrap();
    let mut body = vec![1];
    body.extend_from_slice(&(zlib.len() as u32).to_be_bytes());
    body.extend_from_slice(&zlib);
    let ev = read_all(
        Framing::Grpc,
        Encoding::parse(b"deflate"),
        &body,
        &[3],
        &GrpcLimits::default(),
    );
    let ReaderEvent::Message(m) = &ev[0] else {
        panic!()
    };
    assert_eq!(m.decompressed.as_ref().unwrap().as_bytes(), b"\x0a\x03abc");
    let ev = read_all(
        Framing::Grpc,
        Encoding::parse(b"snappy"),
        &body,
        &[3],
        &GrpcLimits::default(),
    );
    let ReaderEvent::Message(m) = &ev[0] else {
        panic!()
    };
    assert!(m.decompressed.is_none());
    assert_eq!(m.payload.as_bytes(), zlib.as_slice());
    assert_eq!(m.diagnostics[0].code, "grpc.unknown_encoding");
    let ev = read_all(
        Framing::Grpc,
        Encoding::Identity,
        &body,
        &[3],
        &GrpcLimits::default(),
    );
    let ReaderEvent::Message(m) = &ev[0] else {
        panic!()
    };
    assert_eq!(m.diagnostics[0].code, "grpc.compressed_without_encoding");
}
