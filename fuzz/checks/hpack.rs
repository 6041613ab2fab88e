//! HPACK: arbitrary blocks (known, unknown and gap-marked tables, any
//! settings size) decode without panicking, and the explained decoder and
//! the field-only decoder agree on fields, errors, table state and summary.
//! Then the same bytes, read as a header list, round-trip through the
//! encoder under the options the input picks.

use super::input::Input;
use h2lens::config::HpackLimits;
use h2lens::hpack::{
    Decoder, Encoder, EncoderOptions, HuffmanPolicy, IndexingPolicy, UnknownCause,
};

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.byte();
    let settings = u32::from(input.u16()) * 2;
    // Small limits half the time, so the limit paths run.
    let limits = if mode & 1 == 0 {
        HpackLimits::default()
    } else {
        HpackLimits {
            max_table_size: 8192,
            max_header_list_size: 2048,
            max_fields_per_block: 20,
            max_string_len: 300,
            eviction_history: 4,
        }
    };
    let make = || {
        let mut d = if mode & 2 != 0 {
            Decoder::with_unknown_table(&limits, UnknownCause::CaptureStart)
        } else {
            Decoder::new(&limits)
        };
        if mode & 4 != 0 {
            d.set_settings_table_size(settings);
        }
        d.set_table_events(mode & 8 != 0);
        d
    };
    let (mut explained, mut plain) = (make(), make());
    let gaps = input.byte();
    let mut i = 0;
    while !input.is_empty() && i < 64 {
        let n = usize::from(input.u16() % 4096);
        let block = input.take(n);
        if gaps & (1 << (i % 8)) != 0 && i > 0 {
            explained.mark_gap();
            plain.mark_gap();
        }
        let full = explained.decode(block);
        let mut fields = Vec::new();
        let result = plain.decode_fields(block, |n, v| fields.push((n.to_vec(), v.to_vec())));
        assert_eq!(result.err(), full.error.clone());
        let want: Vec<_> = full
            .fields
            .iter()
            .map(|f| (f.name.to_vec(), f.value.to_vec()))
            .collect();
        assert_eq!(fields, want);
        assert_eq!(explained.state(), plain.state());
        assert_eq!(explained.summary(), plain.summary());
        let mut end = 0;
        for f in &full.fields {
            assert!(f.span.start >= end && f.span.end <= block.len() as u64);
            end = f.span.end;
        }
        serde_json::to_string(&full).expect("a decoded block serializes");
        i += 1;
    }

    // Round trip: the input's bytes as (name, value) pairs.
    let mut pairs = Input::new(data);
    let options = pairs.byte();
    let mut headers = Vec::new();
    while !pairs.is_empty() && headers.len() < 64 {
        headers.push((pairs.piece().to_vec(), pairs.piece().to_vec()));
    }
    let options = EncoderOptions {
        huffman: match options % 3 {
            0 => HuffmanPolicy::Always,
            1 => HuffmanPolicy::Never,
            _ => HuffmanPolicy::Shorter,
        },
        indexing: match (options / 3) % 3 {
            0 => IndexingPolicy::Incremental,
            1 => IndexingPolicy::WithoutIndexing,
            _ => IndexingPolicy::NeverIndexed,
        },
        ..EncoderOptions::default()
    };
    let mut enc = Encoder::new(options);
    let mut dec = Decoder::new(&HpackLimits::default());
    for half in [&headers[..headers.len() / 2], &headers[headers.len() / 2..]] {
        let wire = enc.encode(half);
        let block = dec.decode(&wire);
        assert_eq!(block.error, None);
        let got: Vec<_> = block
            .fields
            .iter()
            .map(|f| (f.name.to_vec(), f.value.to_vec()))
            .collect();
        assert_eq!(got, half);
        assert_eq!(u64::from(block.table.size), enc.table_used());
    }
}
