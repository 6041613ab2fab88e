//! The capture reader against the real corpus, with tshark/capinfos as the
//! oracle (tests/fixtures/corpus/follow.json, made by
//! scripts/fixtures/make_corpus_follow.py) and the corpus's own INDEX.json.

mod net_support;

use h2lens::capture::{detect, CaptureEvent, CaptureFormat, LinkType, Packet};
use h2lens::config::CaptureLimits;
use h2lens::Severity;
use net_support::*;

fn follow() -> serde_json::Value {
    json_fixture("corpus/follow.json")
}

fn packets(events: &[CaptureEvent]) -> Vec<&Packet> {
    events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Packet(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// capinfos / tshark encapsulation names for the link types in the corpus.
fn encapsulation(lt: LinkType) -> &'static str {
    match lt {
        LinkType::ETHERNET => "ether",
        LinkType::LINUX_SLL2 => "linux-sll2",
        LinkType::LINUX_SLL => "linux-sll",
        _ => "other",
    }
}

/// "1795708191.985880588" → nanoseconds.
fn epoch_nanos(text: &str) -> i64 {
    let (secs, frac) = text.split_once('.').unwrap();
    let frac = format!("{frac:0<9}");
    secs.parse::<i64>().unwrap() * 1_000_000_000 + frac[..9].parse::<i64>().unwrap()
}

#[test]
fn corpus_matches_capinfos_and_tshark_frames() {
    let oracle = follow();
    let captures = oracle["captures"].as_object().unwrap();
    assert!(
        captures.len() >= 18,
        "expected every vendored capture in follow.json"
    );
    for (name, expected) in captures {
        let bytes = read_fixture(&format!("corpus/{name}"));
        let events = capture_events(&bytes, Chunking::Whole, &CaptureLimits::default());
        let format = match events.first() {
            Some(CaptureEvent::FileInfo(info)) => info.format,
            other => panic!("{name}: first event {other:?}"),
        };
        let want_format = match expected["file_type"].as_str().unwrap() {
            "pcap" => CaptureFormat::Pcap,
            "pcapng" => CaptureFormat::Pcapng,
            other => panic!("{name}: capinfos file type {other}"),
        };
        assert_eq!(format, want_format, "{name}");
        assert_eq!(detect(&bytes), Some(want_format), "{name}");

        let pkts = packets(&events);
        let frames = expected["frames"].as_array().unwrap();
        assert_eq!(
            pkts.len() as u64,
            expected["packets"].as_u64().unwrap(),
            "{name}: packets"
        );
        assert_eq!(pkts.len(), frames.len(), "{name}");
        for (i, (p, frame)) in pkts.iter().zip(frames).enumerate() {
            assert_eq!(p.number, i as u64 + 1, "{name}");
            assert_eq!(
                encapsulation(p.link_type),
                expected["encapsulation"].as_str().unwrap(),
                "{name} packet {}",
                p.number
            );
            assert_eq!(
                p.ts.as_nanos(),
                epoch_nanos(frame[0].as_str().unwrap()),
                "{name} packet {}: frame.time_epoch",
                p.number
            );
            assert_eq!(
                u64::from(p.captured_len),
                frame[1].as_u64().unwrap(),
                "{name}: cap_len"
            );
            assert_eq!(
                u64::from(p.original_len),
                frame[2].as_u64().unwrap(),
                "{name}: len"
            );
            assert_eq!(p.data.len(), p.captured_len as usize);
            assert_eq!(p.truncated, p.captured_len < p.original_len);
            // The span points at the bytes in the file.
            let start = p.data_offset as usize;
            assert_eq!(
                &bytes[start..start + p.data.len()],
                p.data.as_bytes(),
                "{name}: data_offset"
            );
            assert!(
                p.span.start < p.data_offset
                    && p.data_offset + u64::from(p.captured_len) <= p.span.end
            );
        }
        for e in &events {
            if let CaptureEvent::Diagnostic(d) = e {
                assert!(d.severity < Severity::Warning, "{name}: {d}");
            }
        }
        // Nothing lost: every file byte is in exactly one counter.
        let Some(CaptureEvent::End(stats)) = events.last() else {
            panic!("{name}: no End event")
        };
        assert_eq!(stats.bytes, bytes.len() as u64, "{name}");
        assert_eq!(stats.accounted_bytes(), stats.bytes, "{name}: {stats:?}");
        assert_eq!(stats.undecodable_bytes, 0, "{name}");
        assert_eq!(
            stats.packet_data_bytes,
            pkts.iter().map(|p| p.data.len() as u64).sum::<u64>(),
            "{name}"
        );
    }
}

#[test]
fn corpus_matches_index_json() {
    let index = json_fixture("corpus/INDEX.json");
    let mut checked = 0;
    for (stem, entry) in index.as_object().unwrap() {
        let Some(file) = entry["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str())
            .find(|f| f.ends_with(".pcap") || f.ends_with(".pcapng"))
        else {
            continue;
        };
        let path = fixture(&format!("corpus/{file}"));
        if !path.exists() {
            continue; // big/ is not vendored
        }
        let bytes = std::fs::read(path).unwrap();
        let events = capture_events(&bytes, Chunking::Whole, &CaptureLimits::default());
        let pkts = packets(&events);
        assert_eq!(
            pkts.len() as u64,
            entry["packets"].as_u64().unwrap(),
            "{stem}"
        );
        assert_eq!(
            bytes.len() as u64,
            entry["bytes"].as_u64().unwrap(),
            "{stem}"
        );
        let want = entry["link_type"].as_str().unwrap();
        assert!(
            pkts.iter().all(|p| encapsulation(p.link_type) == want),
            "{stem}: {want}"
        );
        checked += 1;
    }
    assert!(checked >= 10, "checked {checked} captures");
}

#[test]
fn pcapng_twins_hold_the_same_packets_as_their_pcap() {
    let oracle = follow();
    let mut twins = 0;
    for name in oracle["captures"].as_object().unwrap().keys() {
        let Some(stem) = name.strip_suffix(".pcapng") else {
            continue;
        };
        let pcap_name = format!("{stem}.pcap");
        if !fixture(&format!("corpus/{pcap_name}")).exists() {
            continue;
        }
        let a = capture_events(
            &read_fixture(&format!("corpus/{pcap_name}")),
            Chunking::Whole,
            &CaptureLimits::default(),
        );
        let b = capture_events(
            &read_fixture(&format!("corpus/{name}")),
            Chunking::Whole,
            &CaptureLimits::default(),
        );
        let (pa, pb) = (packets(&a), packets(&b));
        assert_eq!(pa.len(), pb.len(), "{stem}");
        for (x, y) in pa.iter().zip(&pb) {
            assert_eq!(
                (
                    x.number,
                    x.link_type,
                    x.ts,
                    x.captured_len,
                    x.original_len,
                    &x.data
                ),
                (
                    y.number,
                    y.link_type,
                    y.ts,
                    y.captured_len,
                    y.original_len,
                    &y.data
                ),
                "{stem}"
            );
        }
        twins += 1;
    }
    assert_eq!(twins, 8);
}

#[test]
fn corpus_events_do_not_depend_on_chunking() {
    for name in follow()["captures"].as_object().unwrap().keys() {
        let bytes = read_fixture(&format!("corpus/{name}"));
        let whole = capture_events(&bytes, Chunking::Whole, &CaptureLimits::default());
        for chunking in CHUNKINGS {
            let other = capture_events(&bytes, chunking, &CaptureLimits::default());
            assert!(whole == other, "{name}: {chunking:?} differs");
        }
    }
}

/// tests/fixtures/net/h2_tls_curl_dsb.pcapng was made by Wireshark's own
/// `editcap --inject-secrets tls,h2_tls_curl.keys.log h2_tls_curl.pcap …`
/// (scripts/fixtures/make_net_fixtures.py): its Decryption Secrets Block
/// must hold exactly the key log file, and its packets the pcap's.
#[test]
fn decryption_secrets_block_holds_the_key_log() {
    let events = capture_events(
        &read_fixture("net/h2_tls_curl_dsb.pcapng"),
        Chunking::Random { seed: 9, max: 700 },
        &CaptureLimits::default(),
    );
    let secrets: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Secrets(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(secrets.len(), 1);
    assert_eq!(
        secrets[0].secrets_type,
        h2lens::capture::SecretsType::TLS_KEY_LOG
    );
    assert_eq!(
        secrets[0].data.as_bytes(),
        read_fixture("corpus/h2_tls_curl.keys.log").as_slice()
    );
    let pcap = capture_events(
        &read_fixture("corpus/h2_tls_curl.pcap"),
        Chunking::Whole,
        &CaptureLimits::default(),
    );
    let (a, b) = (packets(&events), packets(&pcap));
    assert_eq!(a.len(), 69);
    assert!(a
        .iter()
        .zip(&b)
        .all(|(x, y)| (x.number, x.ts, &x.data) == (y.number, y.ts, &y.data)));
}
