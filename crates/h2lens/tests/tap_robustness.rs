//! No input makes the tap decoder panic, and chunking never changes what
//! it says: random bytes, and real fixtures cut and corrupted at random.

use std::path::PathBuf;

use h2lens::config::GrpcLimits;
use h2lens::tap::{TapDecoder, TapEvent};
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/tap")
            .join(name),
    )
    .unwrap()
}

fn run(input: &[u8], cuts: &[usize], limits: &GrpcLimits) -> Vec<TapEvent> {
    let mut d = TapDecoder::new(limits);
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let n = cuts
            .get(i % cuts.len().max(1))
            .copied()
            .unwrap_or(usize::MAX)
            .clamp(1, rest.len());
        let (a, b) = rest.split_at(n);
        d.push(a);
        rest = b;
        i += 1;
    }
    d.finish();
    let events: Vec<TapEvent> = std::iter::from_fn(|| d.next_event()).collect();
    // Everything serializes.
    serde_json::to_string(&events).unwrap();
    events
}

const FIXTURES: [&str; 6] = [
    "linkerd_tap.json",
    "linkerd_ws_frames.jsonl",
    "envoy_http_buffered.json",
    "envoy_http_streamed.pb",
    "envoy_socket_streamed.pb",
    "envoy_socket_buffered.json",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes(input in proptest::collection::vec(any::<u8>(), 0..512), cuts in proptest::collection::vec(1usize..40, 1..6)) {
        let whole = run(&input, &[usize::MAX], &GrpcLimits::default());
        prop_assert_eq!(run(&input, &cuts, &GrpcLimits::default()), whole);
    }

    #[test]
    fn jsonish_bytes(input in proptest::collection::vec(prop::sample::select(b"{}[]\",:\\ \n0aetrusl".to_vec()), 0..400), cuts in proptest::collection::vec(1usize..20, 1..4)) {
        let whole = run(&input, &[usize::MAX], &GrpcLimits::default());
        prop_assert_eq!(run(&input, &cuts, &GrpcLimits::default()), whole);
    }

    #[test]
    fn corrupted_fixtures(which in 0usize..6, at in any::<prop::sample::Index>(), len in any::<prop::sample::Index>(), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8), cuts in proptest::collection::vec(1usize..5000, 1..4)) {
        let mut input = fixture(FIXTURES[which]);
        for (i, b) in flips {
            let i = i.index(input.len());
            input[i] = b;
        }
        let start = at.index(input.len());
        let end = start + len.index(input.len() - start + 1);
        let input = &input[start..end];
        let small = GrpcLimits { max_tap_object_size: 2000, max_tap_open_exchanges: 2, ..GrpcLimits::default() };
        let whole = run(input, &[usize::MAX], &small);
        prop_assert_eq!(run(input, &cuts, &small), whole);
        run(input, &cuts, &GrpcLimits::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Hostile scalar values in the places the decoders read numbers,
    /// durations, timestamps and base64 from.
    #[test]
    fn hostile_field_values(ts in "[0-9TZ:+.\\-]{0,40}", dur in "[0-9.s]{0,30}", num in "[0-9]{0,30}", b64 in "[A-Za-z0-9+/=_\\-]{0,20}") {
        let linkerd = format!(
            r#"{{"source":{{"ip":{{"ipv4":"{num}"}},"port":"{num}"}},"http":{{"responseEnd":{{"id":{{"base":"{num}","stream":"{num}"}},"sinceRequestInit":"{dur}","sinceResponseInit":{{"seconds":"{num}","nanos":"{num}"}},"responseBytes":"{num}","eos":{{"resetErrorCode":"{num}"}},"trailers":{{"headers":[{{"name":"a","valueBin":"{b64}"}}]}}}}}}}}"#
        );
        let envoy = format!(
            r#"{{"socket_streamed_trace_segment":{{"trace_id":"{num}","event":{{"timestamp":"{ts}","seq_num":"{num}","read":{{"data":{{"as_bytes":"{b64}"}}}}}}}}}}"#
        );
        for input in [linkerd, envoy] {
            let whole = run(input.as_bytes(), &[usize::MAX], &GrpcLimits::default());
            prop_assert_eq!(run(input.as_bytes(), &[3], &GrpcLimits::default()), whole);
        }
    }
}
