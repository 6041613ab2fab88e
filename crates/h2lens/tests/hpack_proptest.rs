//! Property tests: encode → decode round trips over arbitrary header lists
//! (any bytes in names and values), every option combination and table size
//! changes between blocks; and arbitrary or corrupted blocks never panic and
//! decode identically through `decode` and `decode_fields`.

use h2lens::config::HpackLimits;
use h2lens::hpack::{
    Decoder, Encoder, EncoderOptions, HuffmanPolicy, IndexingPolicy, Representation, UnknownCause,
};
use proptest::prelude::*;

type Headers = Vec<(Vec<u8>, Vec<u8>)>;

const POOL: &[(&str, &str)] = &[
    (":method", "GET"),
    (":path", "/helloworld.Greeter/SayHello"),
    ("content-type", "application/grpc"),
    ("actorscopes", "api"),
    ("actorscopes", "admin"),
    ("authorization", "Bearer abc"),
    ("cookie", "a=b"),
    ("cookie", "session=0123456789abcdefghij"),
    (
        "x-long",
        "0123456789012345678901234567890123456789012345678901234567890123456789",
    ),
    ("", ""),
];

fn header() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    prop_oneof![
        3 => (0..POOL.len()).prop_map(|i| (POOL[i].0.as_bytes().to_vec(), POOL[i].1.as_bytes().to_vec())),
        2 => (prop::collection::vec(any::<u8>(), 0..12), prop::collection::vec(any::<u8>(), 0..40)),
        1 => (prop::collection::vec(any::<u8>(), 0..4), prop::collection::vec(any::<u8>(), 200..600)),
    ]
}

#[derive(Debug, Clone)]
struct Step {
    /// Table sizes set on the encoder before this block (0..=2 changes).
    sizes: Vec<u32>,
    headers: Headers,
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop::collection::vec(prop_oneof![Just(0u32), 0..300u32, 0..8193u32], 0..3),
        prop::collection::vec(header(), 0..12),
    )
        .prop_map(|(sizes, headers)| Step { sizes, headers })
        .prop_map(|mut s| {
            // Mostly no change.
            if s.sizes.len() == 2 && s.headers.len() % 3 != 0 {
                s.sizes.clear();
            }
            s
        })
}

fn options() -> impl Strategy<Value = EncoderOptions> {
    (
        prop_oneof![
            Just(HuffmanPolicy::Always),
            Just(HuffmanPolicy::Never),
            Just(HuffmanPolicy::Shorter)
        ],
        prop_oneof![
            Just(IndexingPolicy::Incremental),
            Just(IndexingPolicy::WithoutIndexing),
            Just(IndexingPolicy::NeverIndexed)
        ],
    )
        .prop_map(|(huffman, indexing)| EncoderOptions {
            huffman,
            indexing,
            ..EncoderOptions::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn encode_decode_round_trip(options in options(), steps in prop::collection::vec(step(), 1..8)) {
        let limits = HpackLimits::default();
        let mut enc = Encoder::new(options.clone());
        let mut dec = Decoder::new(&limits);
        // The peer allows up to 8192; raising the limit owes no update.
        prop_assert!(dec.set_settings_table_size(8192).is_none());
        for step in &steps {
            for size in &step.sizes {
                enc.set_table_size(*size);
            }
            let wire = enc.encode(&step.headers);
            let block = dec.decode(&wire);
            prop_assert_eq!(&block.error, &None);
            prop_assert!(block.diagnostics.is_empty());
            let got: Headers = block.fields.iter().map(|f| (f.name.to_vec(), f.value.to_vec())).collect();
            prop_assert_eq!(&got, &step.headers);
            prop_assert_eq!(u64::from(block.table.size), enc.table_used());
            prop_assert_eq!(block.table.max_size, enc.table_size());
            for f in &block.fields {
                let sensitive = f.name.as_bytes() == b"authorization"
                    || (f.name.as_bytes() == b"cookie" && f.value.len() < 20)
                    || options.indexing == IndexingPolicy::NeverIndexed;
                prop_assert_eq!(sensitive, f.repr == Representation::NeverIndexed, "{:?}", f);
                if options.huffman == HuffmanPolicy::Never {
                    prop_assert_ne!(f.value_huffman, Some(true));
                }
                if options.huffman == HuffmanPolicy::Always {
                    prop_assert_ne!(f.value_huffman, Some(false));
                }
            }
            if options.indexing != IndexingPolicy::Incremental {
                prop_assert_eq!(block.table.entries, 0);
            }
        }
    }

    #[test]
    fn settings_lowered_and_signalled(first in prop::collection::vec(header(), 1..8),
                                      second in prop::collection::vec(header(), 1..8),
                                      limit in 0..4096u32) {
        let mut enc = Encoder::new(EncoderOptions::default());
        let mut dec = Decoder::new(&HpackLimits::default());
        prop_assert_eq!(dec.decode(&enc.encode(&first)).error, None);
        dec.set_settings_table_size(limit);
        enc.set_table_size(limit);
        let block = dec.decode(&enc.encode(&second));
        prop_assert_eq!(block.error, None);
        prop_assert!(block.diagnostics.is_empty());
        let got: Headers = block.fields.iter().map(|f| (f.name.to_vec(), f.value.to_vec())).collect();
        prop_assert_eq!(got, second);
        prop_assert!(block.table.size <= limit);
    }
}

/// Runs `blocks` through `decode` and `decode_fields` on twin decoders and
/// checks they agree on everything both report.
fn agree(
    mut a: Decoder,
    mut b: Decoder,
    blocks: &[Vec<u8>],
    gaps: &[bool],
) -> Result<(), TestCaseError> {
    for (i, wire) in blocks.iter().enumerate() {
        if gaps.get(i).copied().unwrap_or(false) {
            a.mark_gap();
            b.mark_gap();
        }
        let explained = a.decode(wire);
        let mut plain = Vec::new();
        let r = b.decode_fields(wire, |n, v| plain.push((n.to_vec(), v.to_vec())));
        prop_assert_eq!(r.err(), explained.error.clone());
        let want: Headers = explained
            .fields
            .iter()
            .map(|f| (f.name.to_vec(), f.value.to_vec()))
            .collect();
        prop_assert_eq!(plain, want);
        prop_assert_eq!(a.state(), b.state());
        prop_assert_eq!(a.summary(), b.summary());
        // Spans lie within the block and do not overlap.
        let mut end = 0;
        for f in &explained.fields {
            prop_assert!(f.span.start >= end && f.span.end <= wire.len() as u64);
            end = f.span.end;
        }
        if let Some(e) = &explained.error {
            prop_assert!((e.offset as usize) < wire.len().max(1));
        }
        // Serialization never fails.
        prop_assert!(serde_json::to_string(&explained).is_ok());
    }
    Ok(())
}

fn small_limits() -> HpackLimits {
    HpackLimits {
        max_table_size: 8192,
        max_header_list_size: 2048,
        max_fields_per_block: 20,
        max_string_len: 300,
        eviction_history: 4,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_blocks_never_panic(blocks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..80), 1..6),
                                    gaps in prop::collection::vec(any::<bool>(), 0..6),
                                    unknown in any::<bool>()) {
        let limits = small_limits();
        let make = || if unknown {
            Decoder::with_unknown_table(&limits, UnknownCause::CaptureStart)
        } else {
            Decoder::new(&limits)
        };
        agree(make(), make(), &blocks, &gaps)?;
    }

    #[test]
    fn corrupted_blocks_never_panic(steps in prop::collection::vec(prop::collection::vec(header(), 0..10), 1..6),
                                    flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
                                    gaps in prop::collection::vec(any::<bool>(), 0..6),
                                    unknown in any::<bool>()) {
        let mut enc = Encoder::new(EncoderOptions { huffman: HuffmanPolicy::Always, ..EncoderOptions::default() });
        let mut blocks: Vec<Vec<u8>> = steps.iter().map(|h| enc.encode(h)).collect();
        for (i, (at, byte)) in flips.iter().enumerate() {
            let n = blocks.len();
            let block = &mut blocks[i % n];
            if !block.is_empty() {
                let j = at.index(block.len());
                block[j] ^= byte;
            }
        }
        let limits = small_limits();
        let make = || if unknown {
            Decoder::with_unknown_table(&limits, UnknownCause::CaptureStart)
        } else {
            Decoder::new(&limits)
        };
        agree(make(), make(), &blocks, &gaps)?;
    }
}
