//! Decoding without the start of the connection (capture began late) or
//! after lost bytes: references to entries decoding never saw give
//! `unknown` fields, never errors and never wrong values, and the decoder
//! returns to `Synced` exactly when no unknown entry can remain.
//!
//! Blocks are hand-built from the RFC 7541 §6 layouts; the oracle for each
//! expectation is the RFC's eviction rule worked through in the comments.

use h2lens::config::HpackLimits;
use h2lens::hpack::{
    DecodeErrorKind, Decoder, Encoder, EncoderOptions, Field, TableKind, TableState, UnknownCause,
};
use h2lens::octets::from_hex;

fn hex(s: &str) -> Vec<u8> {
    from_hex(&s.split_whitespace().collect::<String>()).unwrap()
}

fn lit(s: &str) -> String {
    assert!(s.len() < 127);
    let mut out = format!("{:02x}", s.len());
    for b in s.bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Literal with incremental indexing, new name.
fn insert(name: &str, value: &str) -> String {
    format!("40{}{}", lit(name), lit(value))
}

/// Literal with incremental indexing and a long value (2-byte length).
fn insert_long(name: &str, value_len: usize) -> String {
    let mut s = format!("40{}", lit(name));
    // 7-bit prefix: 127 then (len - 127) in 7-bit groups.
    let mut rest = value_len - 127;
    s.push_str("7f");
    while rest >= 128 {
        s.push_str(&format!("{:02x}", (rest % 128) | 0x80));
        rest /= 128;
    }
    s.push_str(&format!("{rest:02x}"));
    s.push_str(&"76".repeat(value_len));
    s
}

fn capture_start() -> Decoder {
    Decoder::with_unknown_table(&HpackLimits::default(), UnknownCause::CaptureStart)
}

fn unknown_at(f: &Field, index: u32) {
    assert!(f.unknown, "{f:?}");
    let r = f.index.as_ref().unwrap();
    assert_eq!(
        (r.index, r.table, r.entry),
        (index, TableKind::Dynamic, None)
    );
}

const PARTLY: TableState = TableState::PartlyUnknown {
    cause: UnknownCause::CaptureStart,
};

#[test]
fn references_beyond_the_known_entries_are_unknown() {
    let mut d = capture_start();
    assert_eq!(d.state(), &PARTLY);
    // Indexed 62 and 200 (7-bit: 7f 49), static 2 stays known.
    let b = d.decode(&hex("be 82 ff 49"));
    assert_eq!(b.error, None);
    assert_eq!(b.table_state, PARTLY);
    unknown_at(&b.fields[0], 62);
    assert!(b.fields[0].name.is_empty() && b.fields[0].value.is_empty());
    assert!(!b.fields[1].unknown);
    unknown_at(&b.fields[2], 200);
    // Inserted entries are the newest and known exactly.
    let b = d.decode(&hex(&format!("{} be bf", insert("a", "b"))));
    assert_eq!(b.error, None);
    assert_eq!(b.fields[1].name.as_bytes(), b"a");
    assert_eq!(b.fields[1].value.as_bytes(), b"b");
    assert_eq!(b.fields[1].index.as_ref().unwrap().entry, Some(1));
    unknown_at(&b.fields[2], 63);
    assert_eq!(d.state(), &PARTLY);
    let snap = d.table();
    assert!(snap.unknown_entries_possible);
    assert_eq!(snap.entries.len(), 1);
}

#[test]
fn literal_with_an_unknown_name() {
    let mut d = capture_start();
    // Incremental indexing, name index 63 (6-bit prefix: 7f 00), value "v".
    let b = d.decode(&hex(&format!("7f 00 {} be", lit("v"))));
    assert_eq!(b.error, None);
    let f = &b.fields[0];
    assert!(f.unknown && f.name.is_empty());
    assert_eq!(f.value.as_bytes(), b"v");
    assert_eq!(f.index.as_ref().unwrap().index, 63);
    // The inserted entry has an unknown name but a known value.
    let f = &b.fields[1];
    assert!(f.unknown && f.name.is_empty());
    assert_eq!(f.value.as_bytes(), b"v");
    assert_eq!(f.index.as_ref().unwrap().entry, Some(1));
    assert!(d.table().entries[0].name_unknown);
    // A literal naming that entry (62) also has an unknown name.
    let b = d.decode(&hex(&format!("0f 2f {}", lit("w"))));
    assert!(b.fields[0].unknown);
    assert_eq!(b.fields[0].value.as_bytes(), b"w");
    // decode_fields hands out empty names for unknown ones.
    let mut got = Vec::new();
    d.decode_fields(&hex("be"), |n, v| got.push((n.to_vec(), v.to_vec())))
        .unwrap();
    assert_eq!(got, vec![(vec![], b"v".to_vec())]);
}

#[test]
fn synced_once_the_known_entries_leave_no_room() {
    let mut d = capture_start();
    // 1 + 4000 + 32 = 4033 bytes known; 4033 + 32 <= 4096? No: 4065 <= 4096
    // leaves room for one 32-byte unknown entry: still partly unknown.
    d.decode(&hex(&insert_long("a", 4000)));
    assert_eq!(d.state(), &PARTLY);
    assert!(d.decode(&hex("bf")).fields[0].unknown);
    // 1 + 4031 + 32 = 4064: an unknown 32-byte entry still fits exactly.
    let mut d = capture_start();
    d.decode(&hex(&insert_long("a", 4031)));
    assert_eq!(d.state(), &PARTLY);
    // One byte more: 4065 + 32 > 4096, no unknown entry can remain.
    let mut d = capture_start();
    d.decode(&hex(&insert_long("a", 4032)));
    assert_eq!(d.state(), &TableState::Synced);
    // Now an index past the table is an error again.
    let b = d.decode(&hex("bf"));
    assert!(matches!(
        b.error.unwrap().kind,
        DecodeErrorKind::IndexBeyondTable { index: 63, .. }
    ));
}

#[test]
fn evicting_a_known_entry_means_the_unknown_ones_are_gone() {
    let mut d = capture_start();
    // Two 2050-byte entries (1 + 2017 + 32) don't fit in 4096 together: the
    // second evicts the first, which the encoder only does after evicting
    // every older (unknown) entry.
    d.decode(&hex(&insert_long("a", 2017)));
    assert_eq!(d.state(), &PARTLY);
    let b = d.decode(&hex(&insert_long("b", 2017)));
    assert_eq!(b.table.entries, 1);
    assert_eq!(d.state(), &TableState::Synced);
}

#[test]
fn size_update_to_zero_syncs() {
    let mut d = capture_start();
    let b = d.decode(&hex("20 be"));
    // The table state is the state at the start of the block ...
    assert_eq!(b.table_state, PARTLY);
    // ... but after the update to 0 nothing is unknown: 62 is an error.
    assert!(matches!(
        b.error.unwrap().kind,
        DecodeErrorKind::IndexBeyondTable { .. }
    ));
}

#[test]
fn size_update_then_insert_in_one_block() {
    let mut d = capture_start();
    // Update to 0 then 4096 (emptied, then room again), insert, reference.
    let b = d.decode(&hex(&format!("20 3f e1 1f {} be", insert("k", "v"))));
    assert_eq!(b.error, None);
    assert_eq!(b.fields[1].value.as_bytes(), b"v");
    assert_eq!(d.state(), &TableState::Synced);
}

#[test]
fn too_large_entry_empties_everything() {
    let mut d = capture_start();
    // Shrink to 100 (unknown entries may remain: 0 + 32 <= 100).
    d.decode(&hex("3f 45"));
    assert_eq!(d.state(), &PARTLY);
    // A 1 + 127 + 32 byte entry exceeds 100: the table is emptied (§4.4).
    let b = d.decode(&hex(&insert_long("a", 127)));
    assert_eq!(b.table.entries, 0);
    assert_eq!(d.state(), &TableState::Synced);
}

#[test]
fn size_updates_are_not_limited_by_unseen_settings() {
    let mut d = capture_start();
    // 65536: above the default 4096, but the peer may have allowed it.
    let b = d.decode(&hex("3f e1 ff 03"));
    assert_eq!(b.error, None);
    assert_eq!(b.table.max_size, 65536);
    assert_eq!(b.table.settings_limit, 65536);
    // Once SETTINGS are seen, the limit applies again.
    let mut d = capture_start();
    d.set_settings_table_size(4096);
    assert!(d.decode(&hex("3f e1 ff 03")).error.is_some());
}

#[test]
fn gap_makes_every_entry_unknown() {
    let limits = HpackLimits::default();
    let mut enc = Encoder::new(EncoderOptions::default());
    let mut d = Decoder::new(&limits);
    let b = d.decode(&enc.encode(&[("x-a", "1"), ("x-b", "2")]));
    assert_eq!(b.table.entries, 2);
    d.mark_gap();
    let gap = TableState::PartlyUnknown {
        cause: UnknownCause::Gap,
    };
    assert_eq!(d.state(), &gap);
    assert!(gap.is_suspect());
    let snap = d.table();
    assert!(snap.entries.is_empty() && snap.unknown_entries_possible);
    // The encoder still has them (as 62, 63); we can't know what they are.
    let b = d.decode(&enc.encode(&[("x-a", "1"), ("x-b", "2")]));
    assert_eq!(b.table_state, gap);
    assert!(b.fields.iter().all(|f| f.unknown));
    // New insertions are known again.
    let b = d.decode(&enc.encode(&[("x-c", "3"), ("x-c", "3")]));
    assert!(!b.fields[0].unknown && !b.fields[1].unknown);
    assert_eq!(b.fields[1].value.as_bytes(), b"3");
}

#[test]
fn gap_then_recovery_by_size_update() {
    let mut d = Decoder::new(&HpackLimits::default());
    d.decode(&hex(&insert("a", "b")));
    d.mark_gap();
    let b = d.decode(&hex("20 3f e1 1f 82"));
    assert_eq!(
        b.table_state,
        TableState::PartlyUnknown {
            cause: UnknownCause::Gap
        }
    );
    assert_eq!(d.state(), &TableState::Synced);
}

#[test]
fn decode_and_decode_fields_agree_on_unknown_tables() {
    let blocks = [
        "be 82".to_string(),
        format!("7f 00 {} be bf", lit("v")),
        insert_long("a", 3000),
        format!("{} be bf c0", insert("b", "c")),
    ];
    let mut a = capture_start();
    let mut b = capture_start();
    for block in &blocks {
        let wire = hex(block);
        let explained = a.decode(&wire);
        let mut plain = Vec::new();
        let r = b.decode_fields(&wire, |n, v| plain.push((n.to_vec(), v.to_vec())));
        assert_eq!(r.err(), explained.error);
        let want: Vec<_> = explained
            .fields
            .iter()
            .map(|f| (f.name.to_vec(), f.value.to_vec()))
            .collect();
        assert_eq!(plain, want);
        assert_eq!(a.state(), b.state());
        assert_eq!(a.summary(), b.summary());
    }
}

#[test]
fn lowered_settings_with_an_assumed_maximum_are_not_reported() {
    // The encoder may already have been below 1024 before the capture
    // began, so no size update is owed as far as we can tell ...
    let mut d = capture_start();
    d.set_settings_table_size(1024);
    let b = d.decode(&hex("82"));
    assert!(b.diagnostics.is_empty());
    // ... but the table is bounded by the new limit.
    assert_eq!(b.table.max_size, 1024);
    // Once a size update fixed the maximum, a missing one is reported.
    let mut d = capture_start();
    d.decode(&hex("3f e1 1f")); // 4096, now known
    d.set_settings_table_size(1024);
    let b = d.decode(&hex("82"));
    assert_eq!(b.diagnostics.len(), 1);
}
