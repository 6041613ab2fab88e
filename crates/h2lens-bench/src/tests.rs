//! Checks that verification passes what it must and fails what it must,
//! with RFC 7541 Appendix C as the independent oracle.

use crate::corpus::{Block, Pair, Story};
use crate::decoders::{self, Checked, Decoder};
use crate::verify::{h2_http_rule_broken, verify_story};

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<Pair> {
    list.iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn block(wire: &str, fields: &[(&str, &str)]) -> Block {
    Block {
        table_size: None,
        wire: hex(wire),
        fields: pairs(fields),
    }
}

/// RFC 7541 C.3 (no Huffman) then C.4 (Huffman) as two stories: requests
/// that share a dynamic table within each.
fn rfc_stories() -> Vec<Story> {
    let first = [
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "www.example.com"),
    ];
    let second = [
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "www.example.com"),
        ("cache-control", "no-cache"),
    ];
    let third = [
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/index.html"),
        (":authority", "www.example.com"),
        ("custom-key", "custom-value"),
    ];
    vec![
        Story {
            id: "rfc7541/C.3".to_string(),
            blocks: vec![
                block("828684410f7777772e6578616d706c652e636f6d", &first),
                block("828684be58086e6f2d6361636865", &second),
                block(
                    "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
                    &third,
                ),
            ],
        },
        Story {
            id: "rfc7541/C.4".to_string(),
            blocks: vec![
                block("828684418cf1e3c2e5f23a6ba0ab90f4ff", &first),
                block("828684be5886a8eb10649cbf", &second),
                block("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", &third),
            ],
        },
    ]
}

fn prepared(stories: Vec<Story>) -> (crate::corpus::Corpus, Vec<Box<dyn Decoder>>) {
    let corpus = crate::corpus::Corpus {
        root: "test".into(),
        folders: vec![],
        stories,
    };
    let mut all = decoders::all();
    for d in &mut all {
        d.prepare(&corpus);
    }
    (corpus, all)
}

#[test]
fn every_decoder_verifies_the_rfc_examples() {
    let (corpus, mut all) = prepared(rfc_stories());
    for d in &mut all {
        for (i, story) in corpus.stories.iter().enumerate() {
            let verdict = verify_story(d.as_mut(), i, story);
            assert!(
                verdict.ok(),
                "{} on {}: {:?}",
                d.name(),
                story.id,
                verdict.failure
            );
            assert_eq!(verdict.delivered_fields, story.field_count());
        }
    }
}

#[test]
fn a_wrong_expected_value_fails_every_decoder_but_the_ceiling() {
    let mut stories = rfc_stories();
    // C.4.3's custom-value, changed in the expectation only.
    stories[1].blocks[2].fields[4].1 = b"custom-valuE".to_vec();
    let (corpus, mut all) = prepared(stories);
    for d in &mut all {
        let verdict = verify_story(d.as_mut(), 1, &corpus.stories[1]);
        if d.name() == "memcpy ceiling" {
            // It copies the expectation; nothing to catch.
            assert!(verdict.ok());
        } else {
            let failure = verdict.failure.unwrap_or_default();
            assert!(
                failure.starts_with("block 2:") && failure.contains("custom-valuE"),
                "{}: {failure}",
                d.name()
            );
        }
    }
}

#[test]
fn a_decoding_error_fails_the_story() {
    let mut stories = rfc_stories();
    // Index 70 does not exist after C.3.1 (static 61 + one dynamic entry).
    stories[0].blocks[1].wire = hex("c6");
    let (corpus, mut all) = prepared(stories);
    for d in all.iter_mut().filter(|d| d.name() != "memcpy ceiling") {
        let verdict = verify_story(d.as_mut(), 0, &corpus.stories[0]);
        assert!(!verdict.ok(), "{} accepted index 70", d.name());
    }
}

#[test]
fn h2_refuses_a_connection_header_and_stays_in_step() {
    // C.3.1 plus `connection: close` (literal without indexing, new name),
    // then C.3.2, which indexes the entry C.3.1 inserted.
    let mut story = rfc_stories().remove(0);
    story.blocks[0] = block(
        "828684410f7777772e6578616d706c652e636f6d000a636f6e6e656374696f6e05636c6f7365",
        &[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
            ("connection", "close"),
        ],
    );
    let (corpus, mut all) = prepared(vec![story]);
    for d in &mut all {
        let verdict = verify_story(d.as_mut(), 0, &corpus.stories[0]);
        assert!(verdict.ok(), "{}: {:?}", d.name(), verdict.failure);
        let refused = if d.checked() == Checked::H2Codec {
            1
        } else {
            0
        };
        assert_eq!(verdict.rejected_blocks, refused, "{}", d.name());
    }
}

#[test]
fn h2_rules() {
    assert_eq!(
        h2_http_rule_broken(&pairs(&[(":path", "/"), ("a", "b")])),
        None
    );
    assert_eq!(h2_http_rule_broken(&pairs(&[("te", "trailers")])), None);
    assert!(h2_http_rule_broken(&pairs(&[("te", "gzip")])).is_some());
    assert!(h2_http_rule_broken(&pairs(&[("keep-alive", "1")])).is_some());
    assert!(h2_http_rule_broken(&pairs(&[("a", "b"), (":path", "/")])).is_some());
    assert!(h2_http_rule_broken(&pairs(&[(":path", "/"), (":path", "/")])).is_some());
}

#[test]
fn h2_comparison_ignores_order_between_names_only() {
    use crate::sink::FieldSink;
    // A fake decoder that returns the fields in a given order.
    struct Fixed(Vec<Pair>, Checked);
    impl Decoder for Fixed {
        fn name(&self) -> &'static str {
            "fixed"
        }
        fn version(&self) -> String {
            String::new()
        }
        fn checked(&self) -> Checked {
            self.1
        }
        fn decode_story(
            &mut self,
            _: usize,
            _: &Story,
            sink: &mut FieldSink,
        ) -> Result<(), String> {
            for (n, v) in &self.0 {
                sink.field(n, v);
            }
            sink.end_block();
            Ok(())
        }
    }
    let story = Story {
        id: "order".to_string(),
        blocks: vec![block("", &[("a", "1"), ("b", "2"), ("a", "3")])],
    };
    let grouped = pairs(&[("a", "1"), ("a", "3"), ("b", "2")]);
    let swapped = pairs(&[("a", "3"), ("a", "1"), ("b", "2")]);
    assert!(verify_story(&mut Fixed(grouped.clone(), Checked::H2Codec), 0, &story).ok());
    assert!(!verify_story(&mut Fixed(grouped, Checked::WireOrder), 0, &story).ok());
    assert!(!verify_story(&mut Fixed(swapped, Checked::H2Codec), 0, &story).ok());
}

#[test]
fn the_settings_table_size_reaches_every_decoder() {
    // A size update to 8192 (§6.3), then :method GET. Legal only after
    // SETTINGS_HEADER_TABLE_SIZE 8192; above the default 4096 otherwise.
    let story = |table_size| Story {
        id: "settings".to_string(),
        blocks: vec![Block {
            table_size,
            wire: hex("3fe13f82"),
            fields: pairs(&[(":method", "GET")]),
        }],
    };
    let (corpus, mut all) = prepared(vec![story(Some(8192)), story(None)]);
    for d in all.iter_mut() {
        let allowed = verify_story(d.as_mut(), 0, &corpus.stories[0]);
        assert!(allowed.ok(), "{}: {:?}", d.name(), allowed.failure);
        let refused = verify_story(d.as_mut(), 1, &corpus.stories[1]);
        match d.name() {
            // Copies the expectation; has no table.
            "memcpy ceiling" => assert!(refused.ok()),
            // Checks a size update against the SETTINGS limit only once one
            // was set with set_max_allowed_table_size.
            "loona-hpack" => assert!(refused.ok()),
            name => assert!(!refused.ok(), "{name} accepted a size update above 4096"),
        }
    }
}
