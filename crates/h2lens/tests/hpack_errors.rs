//! Malformed blocks (h2spec's HPACK cases and more): each must give the
//! right typed error at the right offset, keep the fields before it, and
//! leave the decoder desynchronised. The blocks are built by hand from the
//! RFC 7541 §5-§6 bit layouts, not with our encoder.

use h2lens::config::HpackLimits;
use h2lens::hpack::{DecodeErrorKind, Decoder, HeaderBlock, TableState};
use h2lens::octets::from_hex;

fn hex(s: &str) -> Vec<u8> {
    from_hex(&s.split_whitespace().collect::<String>()).unwrap()
}

fn decode_one(block: &str) -> HeaderBlock {
    Decoder::new(&HpackLimits::default()).decode(&hex(block))
}

/// Decodes `block` (after a leading `82`, `:method: GET`) and checks the
/// error kind and offset 1, and that the first field was kept.
fn after_one_field(rest: &str) -> DecodeErrorKind {
    let mut d = Decoder::new(&HpackLimits::default());
    let b = d.decode(&hex(&format!("82{rest}")));
    assert_eq!(b.fields.len(), 1, "the field before the error is kept");
    assert_eq!(b.fields[0].value.as_bytes(), b"GET");
    let err = b.error.expect("an error");
    assert_eq!(err.offset, 1);
    assert_eq!(d.state(), &TableState::Desynchronised { since_block: 0 });
    // The error's block itself started synced.
    assert_eq!(b.table_state, TableState::Synced);
    err.kind
}

#[test]
fn huffman_padding_not_ones() {
    // Literal without indexing, new name "a", value Huffman 1 byte 0x00:
    // '0' (00000) then padding 000.
    assert_eq!(
        after_one_field("00 01 61 81 00"),
        DecodeErrorKind::HuffmanPaddingNotOnes
    );
}

#[test]
fn huffman_padding_longer_than_7_bits() {
    // '0' + 3 one bits, then a whole byte of ones.
    assert_eq!(
        after_one_field("00 01 61 82 07 ff"),
        DecodeErrorKind::HuffmanPaddingTooLong
    );
}

#[test]
fn huffman_eos_in_string() {
    // 30 ones (EOS) then 2 ones of padding.
    assert_eq!(
        after_one_field("00 01 61 84 ff ff ff ff"),
        DecodeErrorKind::HuffmanEos
    );
    // EOS in a name.
    assert_eq!(
        after_one_field("00 84 ff ff ff ff 01 61"),
        DecodeErrorKind::HuffmanEos
    );
}

#[test]
fn size_update_after_a_field() {
    assert_eq!(
        after_one_field("20"),
        DecodeErrorKind::SizeUpdateAfterField { size: 0 }
    );
}

#[test]
fn size_update_above_the_settings_limit() {
    // 001 11111 + 4097 - 31 = 4066 = 0x62 + 31 * 128 → 3f e2 1f.
    let b = decode_one("3f e2 1f");
    let err = b.error.unwrap();
    assert_eq!(
        err.kind,
        DecodeErrorKind::SizeUpdateAboveLimit {
            size: 4097,
            limit: 4096
        }
    );
    assert_eq!(err.offset, 0);
    // 4096 itself is fine, and several updates in a row are allowed.
    let b = decode_one("20 3f e1 1f 3f e1 07 82");
    assert_eq!(b.error, None);
    assert_eq!(b.table.max_size, 1024);
    assert_eq!(b.table_events.len(), 3);
}

#[test]
fn index_zero() {
    assert_eq!(after_one_field("80"), DecodeErrorKind::IndexZero);
}

#[test]
fn index_past_an_empty_table() {
    match after_one_field("be") {
        DecodeErrorKind::IndexBeyondTable {
            index: 62,
            table_len: 61,
            was: None,
        } => {}
        other => panic!("{other:?}"),
    }
    // A literal's indexed name past the table: 0x40 | 62.
    assert!(matches!(
        after_one_field("7e 01 61"),
        DecodeErrorKind::IndexBeyondTable { index: 62, .. }
    ));
}

/// A literal with incremental indexing and a new name, raw strings.
fn insert(name: &str, value: &str) -> String {
    let mut s = String::from("40");
    for part in [name, value] {
        assert!(part.len() < 127);
        s.push_str(&format!("{:02x}", part.len()));
        for b in part.bytes() {
            s.push_str(&format!("{b:02x}"));
        }
    }
    s
}

#[test]
fn index_past_the_table_names_the_evicted_entry() {
    // Max size 100: A (46 bytes), B (37), then C (37) evicts A.
    let mut d = Decoder::with_table_size(&HpackLimits::default(), 100);
    assert_eq!(d.decode(&hex(&insert("actorscopes", "api"))).error, None); // block 0
    assert_eq!(d.decode(&hex(&insert("bbbb", "1"))).error, None); // block 1
    let b2 = d.decode(&hex(&insert("cccc", "2"))); // block 2 evicts A
    assert_eq!(b2.table.entries, 2);
    assert_eq!(d.decode(&hex("82")).error, None); // block 3
                                                  // Block 4: index 64 is one past the 2 dynamic entries; it held A.
    let b = d.decode(&hex("82 c0"));
    let err = b.error.unwrap();
    assert_eq!(err.offset, 1);
    let DecodeErrorKind::IndexBeyondTable {
        index,
        table_len,
        was,
    } = &err.kind
    else {
        panic!("{err:?}");
    };
    assert_eq!((*index, *table_len), (64, 63));
    let was = was.as_ref().unwrap();
    assert_eq!(was.name.as_bytes(), b"actorscopes");
    assert_eq!(was.value.as_bytes(), b"api");
    assert_eq!(
        (was.entry, was.inserted_in_block, was.evicted_in_block),
        (1, 0, 2)
    );
    assert_eq!(was.evicted_blocks_ago, 2);
    assert_eq!(
        err.kind.to_string(),
        "index 64 is beyond the 63-entry table (61 static + 2 dynamic); it held `actorscopes: api`, evicted 2 blocks ago"
    );
    // Index 65 never held anything.
    let mut d2 = Decoder::with_table_size(&HpackLimits::default(), 100);
    for block in [
        insert("actorscopes", "api"),
        insert("bbbb", "1"),
        insert("cccc", "2"),
    ] {
        d2.decode(&hex(&block));
    }
    let b = d2.decode(&hex("c1"));
    assert!(matches!(
        b.error.unwrap().kind,
        DecodeErrorKind::IndexBeyondTable {
            index: 65,
            was: None,
            ..
        }
    ));
}

#[test]
fn eviction_history_is_bounded_by_the_limit() {
    let limits = HpackLimits {
        eviction_history: 1,
        ..HpackLimits::default()
    };
    let mut d = Decoder::with_table_size(&limits, 40);
    // Each entry is 34 bytes: every insert evicts the previous one.
    for v in ["1", "2", "3"] {
        d.decode(&hex(&insert("a", v)));
    }
    // Index 63 held entry 2 ("a: 2"), the last one evicted: remembered.
    let b = d.decode(&hex("bf"));
    let DecodeErrorKind::IndexBeyondTable { was: Some(was), .. } = b.error.unwrap().kind else {
        panic!()
    };
    assert_eq!(was.value.as_bytes(), b"2");
    // Index 64 held entry 1: forgotten.
    let b = d.decode(&hex("c0"));
    assert!(matches!(
        b.error.unwrap().kind,
        DecodeErrorKind::IndexBeyondTable { was: None, .. }
    ));
}

#[test]
fn integer_overflow() {
    // Index 127 + 0x7f + 0x7f<<7 + 0x7f<<14 + 0x7f<<21 + 0x0f<<28 > 2^32-1.
    assert_eq!(
        after_one_field("ff ff ff ff ff 0f"),
        DecodeErrorKind::IntegerOverflow
    );
    // Six continuation octets, even if they only add zeros.
    assert_eq!(
        after_one_field("ff 80 80 80 80 80 00"),
        DecodeErrorKind::IntegerOverflow
    );
    // A string length over 2^32-1.
    assert_eq!(
        after_one_field("00 7f ff ff ff ff 7f"),
        DecodeErrorKind::IntegerOverflow
    );
}

#[test]
fn truncated() {
    assert_eq!(
        after_one_field("00 05 61 62"),
        DecodeErrorKind::Truncated {
            needed: 5,
            available: 2
        }
    );
    assert_eq!(
        after_one_field("ff"),
        DecodeErrorKind::Truncated {
            needed: 1,
            available: 0
        }
    );
    assert_eq!(
        after_one_field("ff 80"),
        DecodeErrorKind::Truncated {
            needed: 1,
            available: 0
        }
    );
    // Block ends after the name.
    assert_eq!(
        after_one_field("00 01 61"),
        DecodeErrorKind::Truncated {
            needed: 1,
            available: 0
        }
    );
    // A huge declared length is not allocated.
    assert_eq!(
        after_one_field("00 7f 80 ff ff ff 0f"),
        DecodeErrorKind::Truncated {
            needed: u32::MAX,
            available: 0
        }
    );
}

#[test]
fn string_and_list_limits() {
    let limits = HpackLimits {
        max_string_len: 3,
        ..HpackLimits::default()
    };
    let mut d = Decoder::new(&limits);
    let b = d.decode(&hex("82 00 01 61 04 61 62 63 64"));
    assert_eq!(
        b.error.unwrap().kind,
        DecodeErrorKind::StringTooLong { len: 4, limit: 3 }
    );
    // Huffman: 3 encoded bytes that decode to 4 ("0000" = 4 x 00000 + pad).
    let mut d = Decoder::new(&limits);
    let b = d.decode(&hex("00 01 61 83 00 00 3f"));
    assert_eq!(
        b.error.unwrap().kind,
        DecodeErrorKind::StringTooLong { len: 4, limit: 3 }
    );

    // :method GET is 7 + 3 + 32 = 42 bytes.
    let limits = HpackLimits {
        max_header_list_size: 84,
        ..HpackLimits::default()
    };
    let mut d = Decoder::new(&limits);
    assert_eq!(d.decode(&hex("82 82")).error, None);
    let b = d.decode(&hex("82 82 82"));
    assert_eq!(b.fields.len(), 2);
    let err = b.error.unwrap();
    assert_eq!(
        (err.kind, err.offset),
        (DecodeErrorKind::HeaderListTooLarge { limit: 84 }, 2)
    );
}

#[test]
fn desynchronised_state_sticks() {
    let mut d = Decoder::new(&HpackLimits::default());
    assert_eq!(d.decode(&hex("82")).table_state, TableState::Synced);
    assert!(d.decode(&hex("80")).error.is_some()); // block 1
    let b = d.decode(&hex("82"));
    assert_eq!(b.error, None);
    assert_eq!(b.table_state, TableState::Desynchronised { since_block: 1 });
    assert!(b.table_state.is_suspect());
    d.mark_gap();
    assert!(d.decode(&hex("80")).error.is_some());
    assert_eq!(d.state(), &TableState::Desynchronised { since_block: 1 });
    assert_eq!(d.blocks_decoded(), 4);
}

#[test]
fn missing_size_update_is_reported_and_applied() {
    let mut d = Decoder::new(&HpackLimits::default());
    d.decode(&hex(&insert("aaaa", &"x".repeat(60)))); // 96 bytes
    assert!(d.set_settings_table_size(64).is_none());
    let b = d.decode(&hex("82"));
    assert_eq!(b.error, None);
    assert_eq!(b.diagnostics.len(), 1);
    assert_eq!(b.diagnostics[0].code, "hpack.missing_size_update");
    assert_eq!(b.diagnostics[0].offset, Some(0));
    assert_eq!((b.table.max_size, b.table.entries), (64, 0));
    assert_eq!(b.fields.len(), 1);
    // Owed only once.
    assert!(d.decode(&hex("82")).diagnostics.is_empty());

    // Signalled properly: no diagnostic. 64 = 31 + 33 → 3f 21.
    let mut d = Decoder::new(&HpackLimits::default());
    d.set_settings_table_size(64);
    let b = d.decode(&hex("3f 21 82"));
    assert!(b.diagnostics.is_empty());
    assert_eq!(b.table.max_size, 64);

    // Lowered to 0 then raised to 4096 before the block: the update to 0
    // is owed even though the final limit is back to 4096 (§4.2).
    let mut d = Decoder::new(&HpackLimits::default());
    d.set_settings_table_size(0);
    d.set_settings_table_size(4096);
    let b = d.decode(&hex("3f e1 1f 82"));
    assert_eq!(b.diagnostics.len(), 1);
    let b = d.decode(&hex("82"));
    assert!(b.diagnostics.is_empty());
    let mut d = Decoder::new(&HpackLimits::default());
    d.set_settings_table_size(0);
    d.set_settings_table_size(4096);
    let b = d.decode(&hex("20 3f e1 1f 82"));
    assert!(b.diagnostics.is_empty());
    assert_eq!(b.table.max_size, 4096);
}

#[test]
fn settings_above_the_configured_maximum_are_capped() {
    let limits = HpackLimits {
        max_table_size: 8192,
        ..HpackLimits::default()
    };
    let mut d = Decoder::new(&limits);
    let diag = d.set_settings_table_size(65536).unwrap();
    assert_eq!(diag.code, "hpack.table_size_capped");
    assert_eq!(d.summary().settings_limit, 8192);
}
