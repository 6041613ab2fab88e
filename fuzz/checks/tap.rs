//! Tap streams: `linkerd tap -o json`, the dashboard's WebSocket frames,
//! Envoy JSON and length-delimited binary traces, detected from the bytes.
//! Any bytes, any chunking: no panic, the same events, and the whole-input
//! parser agrees with the streaming one.

use super::input::{chunks, Input};
use h2lens::config::GrpcLimits;
use h2lens::tap::TapDecoder;

fn run(bytes: &[u8], seed: u8, limits: &GrpcLimits) -> Vec<String> {
    let mut decoder = TapDecoder::new(limits);
    let mut out = Vec::new();
    for piece in chunks(bytes, seed) {
        decoder.push(piece);
        while let Some(e) = decoder.next_event() {
            out.push(serde_json::to_string(&e).expect("a tap event serializes"));
        }
    }
    decoder.finish();
    while let Some(e) = decoder.next_event() {
        out.push(serde_json::to_string(&e).expect("a tap event serializes"));
    }
    out
}

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let seed = input.byte() % 32;
    let limits = if input.byte() & 1 == 0 {
        GrpcLimits::default()
    } else {
        GrpcLimits {
            max_tap_object_size: 200,
            max_tap_open_exchanges: 2,
            ..GrpcLimits::default()
        }
    };
    let bytes = input.rest();
    let whole = run(bytes, 0, &limits);
    if seed != 0 {
        assert_eq!(run(bytes, seed, &limits), whole);
    }
    let parsed = h2lens::tap::parse(bytes, &limits);
    serde_json::to_string(&parsed).expect("a tap parse serializes");
}
