//! Oracle: RFC 7541 Appendix C. The hex dumps and the dynamic tables after
//! each block are copied from the RFC text; decoding must reproduce the
//! header lists and tables, and encoding the header lists must reproduce
//! the hex byte for byte.

use h2lens::config::HpackLimits;
use h2lens::hpack::{
    Decoder, Encoder, EncoderOptions, HuffmanPolicy, IndexingPolicy, Representation, TableEvent,
    TableKind,
};
use h2lens::octets::from_hex;

fn hex(s: &str) -> Vec<u8> {
    from_hex(&s.split_whitespace().collect::<String>()).unwrap()
}

struct Step {
    wire: &'static str,
    headers: &'static [(&'static str, &'static str)],
    /// The dynamic table after the block, newest first, as the RFC lists it.
    table: &'static [(&'static str, &'static str)],
    size: u32,
}

fn check_decode(table_size: u32, steps: &[Step]) {
    let mut d = Decoder::with_table_size(&HpackLimits::default(), table_size);
    for (i, step) in steps.iter().enumerate() {
        let block = d.decode(&hex(step.wire));
        assert_eq!(block.error, None, "step {i}");
        let got: Vec<(String, String)> = block
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.display().into_owned(),
                    f.value.display().into_owned(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = step
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want, "step {i}");
        let snapshot = d.table();
        let table: Vec<(String, String)> = snapshot
            .entries
            .iter()
            .map(|e| {
                (
                    e.name.display().into_owned(),
                    e.value.display().into_owned(),
                )
            })
            .collect();
        let want_table: Vec<(String, String)> = step
            .table
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(table, want_table, "table after step {i}");
        assert_eq!(
            snapshot.summary.size, step.size,
            "table size after step {i}"
        );
    }
}

fn check_encode(table_size: u32, huffman: HuffmanPolicy, steps: &[Step]) {
    let mut e = Encoder::new(EncoderOptions {
        huffman,
        indexing: IndexingPolicy::Incremental,
        table_size,
        ..EncoderOptions::default()
    });
    for (i, step) in steps.iter().enumerate() {
        assert_eq!(e.encode(step.headers), hex(step.wire), "step {i}");
        assert_eq!(
            e.table_used(),
            u64::from(step.size),
            "table size after step {i}"
        );
    }
}

// C.3 / C.4: requests, default table size.
const REQ1: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
];
const REQ2: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
    ("cache-control", "no-cache"),
];
const REQ3: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "https"),
    (":path", "/index.html"),
    (":authority", "www.example.com"),
    ("custom-key", "custom-value"),
];
const REQ_T1: &[(&str, &str)] = &[(":authority", "www.example.com")];
const REQ_T2: &[(&str, &str)] = &[
    ("cache-control", "no-cache"),
    (":authority", "www.example.com"),
];
const REQ_T3: &[(&str, &str)] = &[
    ("custom-key", "custom-value"),
    ("cache-control", "no-cache"),
    (":authority", "www.example.com"),
];

const C3: &[Step] = &[
    Step {
        wire: "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        headers: REQ1,
        table: REQ_T1,
        size: 57,
    },
    Step {
        wire: "8286 84be 5808 6e6f 2d63 6163 6865",
        headers: REQ2,
        table: REQ_T2,
        size: 110,
    },
    Step {
        wire: "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
        headers: REQ3,
        table: REQ_T3,
        size: 164,
    },
];

const C4: &[Step] = &[
    Step {
        wire: "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        headers: REQ1,
        table: REQ_T1,
        size: 57,
    },
    Step {
        wire: "8286 84be 5886 a8eb 1064 9cbf",
        headers: REQ2,
        table: REQ_T2,
        size: 110,
    },
    Step {
        wire: "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
        headers: REQ3,
        table: REQ_T3,
        size: 164,
    },
];

// C.5 / C.6: responses, SETTINGS_HEADER_TABLE_SIZE 256.
const RESP1: &[(&str, &str)] = &[
    (":status", "302"),
    ("cache-control", "private"),
    ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ("location", "https://www.example.com"),
];
const RESP2: &[(&str, &str)] = &[
    (":status", "307"),
    ("cache-control", "private"),
    ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ("location", "https://www.example.com"),
];
const RESP3: &[(&str, &str)] = &[
    (":status", "200"),
    ("cache-control", "private"),
    ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
    ("location", "https://www.example.com"),
    ("content-encoding", "gzip"),
    (
        "set-cookie",
        "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    ),
];
const RESP_T1: &[(&str, &str)] = &[
    ("location", "https://www.example.com"),
    ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ("cache-control", "private"),
    (":status", "302"),
];
const RESP_T2: &[(&str, &str)] = &[
    (":status", "307"),
    ("location", "https://www.example.com"),
    ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ("cache-control", "private"),
];
const RESP_T3: &[(&str, &str)] = &[
    (
        "set-cookie",
        "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    ),
    ("content-encoding", "gzip"),
    ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
];

const C5: &[Step] = &[
    Step {
        wire: "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
               2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
               6c65 2e63 6f6d",
        headers: RESP1,
        table: RESP_T1,
        size: 222,
    },
    Step {
        wire: "4803 3330 37c1 c0bf",
        headers: RESP2,
        table: RESP_T2,
        size: 222,
    },
    Step {
        wire: "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
               54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
               5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
               3d31",
        headers: RESP3,
        table: RESP_T3,
        size: 215,
    },
];

const C6: &[Step] = &[
    Step {
        wire: "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
               2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        headers: RESP1,
        table: RESP_T1,
        size: 222,
    },
    Step {
        wire: "4883 640e ffc1 c0bf",
        headers: RESP2,
        table: RESP_T2,
        size: 222,
    },
    Step {
        wire: "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
               77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
               9587 3160 65c0 03ed 4ee5 b106 3d50 07",
        headers: RESP3,
        table: RESP_T3,
        size: 215,
    },
];

#[test]
fn c2_field_representations_decode() {
    let limits = HpackLimits::default();
    // C.2.1 literal with indexing, new name.
    let mut d = Decoder::new(&limits);
    let b = d.decode(&hex(
        "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
    ));
    assert_eq!(b.fields[0].name.as_bytes(), b"custom-key");
    assert_eq!(b.fields[0].value.as_bytes(), b"custom-header");
    assert_eq!(b.fields[0].repr, Representation::IncrementalIndexing);
    assert_eq!(b.fields[0].index, None);
    assert_eq!(b.table.size, 55);
    // C.2.2 literal without indexing, indexed name.
    let mut d = Decoder::new(&limits);
    let b = d.decode(&hex("040c 2f73 616d 706c 652f 7061 7468"));
    assert_eq!(b.fields[0].value.as_bytes(), b"/sample/path");
    assert_eq!(b.fields[0].repr, Representation::WithoutIndexing);
    assert_eq!(b.fields[0].index.as_ref().unwrap().index, 4);
    assert_eq!(b.fields[0].index.as_ref().unwrap().table, TableKind::Static);
    assert_eq!(b.table.size, 0);
    // C.2.3 never indexed, new name.
    let mut d = Decoder::new(&limits);
    let b = d.decode(&hex("1008 7061 7373 776f 7264 0673 6563 7265 74"));
    assert_eq!(b.fields[0].name.as_bytes(), b"password");
    assert_eq!(b.fields[0].value.as_bytes(), b"secret");
    assert!(b.fields[0].never_indexed());
    assert_eq!(b.table.size, 0);
    // C.2.4 indexed.
    let mut d = Decoder::new(&limits);
    let b = d.decode(&hex("82"));
    assert_eq!(
        (b.fields[0].name.as_bytes(), b.fields[0].value.as_bytes()),
        (&b":method"[..], &b"GET"[..])
    );
    assert_eq!(b.fields[0].repr, Representation::Indexed);
}

#[test]
fn c2_field_representations_encode() {
    let plain = |indexing| EncoderOptions {
        huffman: HuffmanPolicy::Never,
        indexing,
        ..EncoderOptions::default()
    };
    let mut e = Encoder::new(plain(IndexingPolicy::Incremental));
    assert_eq!(
        e.encode(&[("custom-key", "custom-header")]),
        hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")
    );
    let mut e = Encoder::new(plain(IndexingPolicy::WithoutIndexing));
    assert_eq!(
        e.encode(&[(":path", "/sample/path")]),
        hex("040c 2f73 616d 706c 652f 7061 7468")
    );
    let mut e = Encoder::new(plain(IndexingPolicy::NeverIndexed));
    assert_eq!(
        e.encode(&[("password", "secret")]),
        hex("1008 7061 7373 776f 7264 0673 6563 7265 74")
    );
    let mut e = Encoder::new(plain(IndexingPolicy::Incremental));
    let mut out = Vec::new();
    e.block(&mut out)
        .field_never_indexed(b"password", b"secret");
    assert_eq!(out, hex("1008 7061 7373 776f 7264 0673 6563 7265 74"));
    assert_eq!(e.encode(&[(":method", "GET")]), hex("82"));
}

#[test]
fn c3_requests_without_huffman() {
    check_decode(4096, C3);
    check_encode(4096, HuffmanPolicy::Never, C3);
}

#[test]
fn c4_requests_with_huffman() {
    check_decode(4096, C4);
    check_encode(4096, HuffmanPolicy::Always, C4);
    // Huffman flags as on the wire (C.4.3: both strings Huffman-coded).
    let mut d = Decoder::new(&HpackLimits::default());
    for step in &C4[..2] {
        d.decode(&hex(step.wire));
    }
    let b = d.decode(&hex(C4[2].wire));
    let custom = &b.fields[4];
    assert_eq!(
        (custom.name_huffman, custom.value_huffman),
        (Some(true), Some(true))
    );
    let authority = &b.fields[3];
    assert_eq!(authority.index.as_ref().unwrap().index, 63);
    assert_eq!(authority.index.as_ref().unwrap().table, TableKind::Dynamic);
    // Entry 1 (inserted by block 0) now lives at index 63.
    assert_eq!(authority.index.as_ref().unwrap().entry, Some(1));
    assert_eq!(authority.index.as_ref().unwrap().inserted_in_block, Some(0));
}

#[test]
fn c5_responses_without_huffman_evict() {
    check_decode(256, C5);
    check_encode(256, HuffmanPolicy::Never, C5);
    // C.5.2 evicts `:status: 302` to insert `:status: 307`.
    let mut d = Decoder::with_table_size(&HpackLimits::default(), 256);
    d.decode(&hex(C5[0].wire));
    let b = d.decode(&hex(C5[1].wire));
    let evicted: Vec<_> = b
        .table_events
        .iter()
        .filter_map(|e| match e {
            TableEvent::Evicted {
                name, value, entry, ..
            } => Some((
                name.display().into_owned(),
                value.display().into_owned(),
                *entry,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        evicted,
        vec![(":status".to_string(), "302".to_string(), Some(1))]
    );
}

#[test]
fn c6_responses_with_huffman_evict() {
    check_decode(256, C6);
    check_encode(256, HuffmanPolicy::Always, C6);
    // C.6.3: `date` evicts `cache-control`; `content-encoding` evicts the
    // old `date`; `set-cookie` evicts `location` and `:status: 307`, in
    // that order and in wire order with the inserts.
    let mut d = Decoder::with_table_size(&HpackLimits::default(), 256);
    d.decode(&hex(C6[0].wire));
    d.decode(&hex(C6[1].wire));
    let b = d.decode(&hex(C6[2].wire));
    let events: Vec<String> = b
        .table_events
        .iter()
        .map(|e| match e {
            TableEvent::Evicted { name, .. } => format!("-{}", name.display()),
            TableEvent::Inserted { field, .. } => {
                format!("+{}", b.fields[*field as usize].name.display())
            }
            TableEvent::SizeUpdate { max_size, .. } => format!("={max_size}"),
        })
        .collect();
    assert_eq!(
        events,
        [
            "-cache-control",
            "+date",
            "-date",
            "+content-encoding",
            "-location",
            "-:status",
            "+set-cookie"
        ]
    );
}

#[test]
fn table_events_can_be_turned_off() {
    let limits = HpackLimits::default();
    let mut with = Decoder::with_table_size(&limits, 256);
    let mut without = Decoder::with_table_size(&limits, 256);
    without.set_table_events(false);
    for step in C5 {
        let a = with.decode(&hex(step.wire));
        let b = without.decode(&hex(step.wire));
        assert_eq!(a.fields, b.fields);
        assert_eq!(a.table, b.table);
        assert!(!a.table_events.is_empty());
        assert!(b.table_events.is_empty());
    }
}
