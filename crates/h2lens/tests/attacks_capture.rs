//! Damaged captures: a file cut at every byte of its last packet, block
//! lengths that lie, IP and TCP header lengths that lie. Each gives the
//! diagnostic that names it, everything before the damage is read as in
//! the whole file, and the byte accounting still adds up. Where the
//! damage lies is computed here from the file format, independently of
//! the reader.
//!
//! Covered elsewhere: unknown link types, conflicting retransmissions
//! (which copy is kept), SYN-less and FIN-less connections, sequence
//! wraparound and port reuse against what their generator wrote
//! (`net_synthetic.rs`, fixtures in tests/fixtures/net/); truncated
//! headers, bad magic, unknown interfaces and oversized blocks
//! (`capture_robustness.rs`).

mod net_support;

use h2lens::capture::CaptureEvent;
use h2lens::config::{CaptureLimits, TcpLimits};
use h2lens::inspect::{Inspector, Options};
use h2lens::net::{NetEvent, SkipReason};
use net_support::*;

fn packets(events: &[CaptureEvent]) -> Vec<(u64, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Packet(p) => Some((p.number, p.data.as_bytes().to_vec())),
            _ => None,
        })
        .collect()
}

/// The capture layer's accounting: every file byte in one bucket.
fn assert_accounted(events: &[CaptureEvent], len: usize) {
    let Some(CaptureEvent::End(s)) = events.last() else {
        panic!("no End event")
    };
    assert_eq!(s.bytes, len as u64);
    assert_eq!(s.accounted_bytes(), s.bytes, "{s:?}");
}

/// Start offsets of a classic pcap's records (24-byte file header, 16-byte
/// record headers with the captured length at bytes 8..12).
fn pcap_records(file: &[u8]) -> Vec<usize> {
    let le = file[0] == 0xd4 || file[0] == 0x4d;
    let mut at = 24;
    let mut out = Vec::new();
    while at + 16 <= file.len() {
        let b: [u8; 4] = file[at + 8..at + 12].try_into().unwrap();
        let caplen = if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        } as usize;
        out.push(at);
        at += 16 + caplen;
    }
    out
}

/// Start offsets of a little-endian pcapng's blocks (type, total length).
fn pcapng_blocks(file: &[u8]) -> Vec<(usize, u32)> {
    let mut at = 0;
    let mut out = Vec::new();
    while at + 12 <= file.len() {
        let kind = u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
        let len = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
        out.push((at, kind));
        at += len;
    }
    out
}

/// Every cut inside the last record: the records before it are read as in
/// the whole file, the cut is reported at the record's start (or inside
/// its header), the accounting adds up, and the full pipeline returns.
fn cut_inside_last_record(name: &str, last_start: usize, packets_before: usize) {
    let file = read_fixture(name);
    let whole = capture_events(&file, Chunking::Whole, &CaptureLimits::default());
    let whole_packets = packets(&whole);
    assert_eq!(whole_packets.len(), packets_before + 1, "{name}");
    for cut in last_start + 1..file.len() {
        let bytes = &file[..cut];
        let events = capture_events(bytes, Chunking::Whole, &CaptureLimits::default());
        assert_eq!(
            packets(&events),
            whole_packets[..packets_before],
            "{name} cut at {cut}"
        );
        let diags = diagnostics(&events);
        assert_eq!(diags.len(), 1, "{name} cut at {cut}: {diags:?}");
        let (code, offset) = diags[0];
        assert!(
            [
                "capture.truncated_record",
                "capture.truncated_header",
                "capture.truncated_block"
            ]
            .contains(&code),
            "{name} cut at {cut}: {code}"
        );
        let offset = offset.expect("the cut has an offset") as usize;
        assert!(
            (last_start..=cut).contains(&offset),
            "{name} cut at {cut}: reported at {offset}, the record starts at {last_start}"
        );
        assert_accounted(&events, cut);
        // The whole pipeline, in 7-byte chunks: returns, reports the cut.
        let mut inspector = Inspector::new(Options::default());
        for piece in bytes.chunks(7) {
            inspector.push(piece);
        }
        inspector.finish();
        let mut n = 0;
        while inspector.next_event().is_some() {
            n += 1;
        }
        assert!(n > 0);
        assert!(
            inspector.summary().diagnostics.errors + inspector.summary().diagnostics.warnings > 0
        );
    }
}

#[test]
fn pcap_cut_at_every_byte_of_its_last_packet() {
    let file = read_fixture("corpus/grpc_python.pcap");
    let records = pcap_records(&file);
    assert_eq!(records.len(), 89);
    cut_inside_last_record("corpus/grpc_python.pcap", records[88], 88);
}

#[test]
fn pcapng_cut_at_every_byte_of_its_last_packet() {
    let name = "corpus/grpc_python.pcapng";
    let file = read_fixture(name);
    let blocks = pcapng_blocks(&file);
    // The last block is an Enhanced Packet Block (type 6) here.
    let (last, kind) = *blocks.last().unwrap();
    assert_eq!(kind, 6);
    let epbs = blocks.iter().filter(|(_, k)| *k == 6).count();
    cut_inside_last_record(name, last, epbs - 1);
}

/// pcapng block lengths that lie: longer than the file, zero, not a
/// multiple of 4. Each is reported at the length field; the blocks before
/// it are read.
#[test]
fn pcapng_block_lengths_that_lie() {
    let name = "corpus/grpc_python.pcapng";
    let file = read_fixture(name);
    let blocks = pcapng_blocks(&file);
    let (at, kind) = blocks[10];
    assert_eq!(kind, 6);
    let before = blocks[..10].iter().filter(|(_, k)| *k == 6).count();
    // A length past the end of the file reads as a file cut inside the
    // block (reported at the block); the others as a bad length field.
    for (what, len, expected_at) in [
        ("longer than the file", file.len() as u32 * 2, at),
        ("zero", 0, at + 4),
        ("not a multiple of 4", 61, at + 4),
    ] {
        let mut bad = file.clone();
        bad[at + 4..at + 8].copy_from_slice(&len.to_le_bytes());
        let events = capture_events(&bad, Chunking::Bytewise, &CaptureLimits::default());
        assert_eq!(packets(&events).len(), before, "{what}");
        let diags = diagnostics(&events);
        assert!(!diags.is_empty(), "{what}: no diagnostic");
        let (code, offset) = diags[0];
        assert!(code.starts_with("capture."), "{what}: {code}");
        assert_eq!(
            offset,
            Some(expected_at as u64),
            "{what}: {code} at {offset:?}"
        );
        assert_accounted(&events, bad.len());
    }
}

/// A pcap of raw IPv4 packets (link type 228).
fn raw_ipv4_pcap(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut f = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    f.extend([0; 8]);
    f.extend(65535u32.to_le_bytes());
    f.extend(228u32.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        f.extend((i as u32 + 1).to_le_bytes());
        f.extend(0u32.to_le_bytes());
        f.extend((p.len() as u32).to_le_bytes());
        f.extend((p.len() as u32).to_le_bytes());
        f.extend(p);
    }
    f
}

/// IPv4 header (`ihl` words, total length `total`) + TCP header
/// (`offset` words) + payload.
fn ipv4_tcp(ihl: u8, total: Option<u16>, offset: u8, payload: &[u8]) -> Vec<u8> {
    let tcp_len = 20 + payload.len();
    let total = total.unwrap_or((20 + tcp_len) as u16);
    let mut p = vec![0x40 | ihl, 0];
    p.extend(total.to_be_bytes());
    p.extend([0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    p.extend(40000u16.to_be_bytes());
    p.extend(8080u16.to_be_bytes());
    p.extend(1000u32.to_be_bytes());
    p.extend(0u32.to_be_bytes());
    p.extend([offset << 4, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    p.extend(payload);
    p
}

#[test]
fn ip_and_tcp_header_lengths_that_lie() {
    let good = ipv4_tcp(5, None, 5, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    let cases: Vec<(&str, Vec<u8>, SkipReason)> = vec![
        // IHL 15 (60 bytes) in a 44-byte packet.
        (
            "IHL past the packet",
            ipv4_tcp(15, None, 5, b"abcd"),
            SkipReason::Malformed,
        ),
        // IHL 3: shorter than the fixed header.
        (
            "IHL below 5",
            ipv4_tcp(3, None, 5, b"abcd"),
            SkipReason::Malformed,
        ),
        // Total length 10: shorter than the header.
        (
            "total length below the header",
            ipv4_tcp(5, Some(10), 5, b"abcd"),
            SkipReason::Malformed,
        ),
        // TCP data offset 15 (60 bytes) in a 24-byte segment.
        (
            "TCP offset past the segment",
            ipv4_tcp(5, None, 15, b"abcd"),
            SkipReason::Malformed,
        ),
        // TCP data offset 2: shorter than the fixed header.
        (
            "TCP offset below 5",
            ipv4_tcp(5, None, 2, b"abcd"),
            SkipReason::Malformed,
        ),
    ];
    for (what, bad, reason) in cases {
        let file = raw_ipv4_pcap(&[bad.clone(), good.clone()]);
        let (cap, net) = net_events(&file, Chunking::Whole, &TcpLimits::default());
        assert_accounted(&cap, file.len());
        let skipped = skipped(&net);
        assert_eq!(skipped.len(), 1, "{what}: {skipped:?}");
        assert_eq!(skipped[0].packet, 1, "{what}");
        assert_eq!(skipped[0].reason, reason, "{what}: {}", skipped[0].detail);
        assert_eq!(skipped[0].bytes, bad.len() as u64, "{what}");
        // The good packet after it is read: its 24 bytes are delivered.
        let delivered: usize = net
            .iter()
            .filter_map(|e| match e {
                NetEvent::Data(d) => Some(d.data.len()),
                _ => None,
            })
            .sum();
        assert_eq!(delivered, 24, "{what}");
        let Some(NetEvent::Summary(s)) = net.last() else {
            panic!("no summary")
        };
        assert_eq!(s.accounted_bytes(), s.bytes, "{what}: {s:?}");
    }
}

/// Overlapping retransmissions that carry different bytes: reported with
/// which copy was kept (the first received: here already delivered; the
/// delivered bytes are checked against what the generator wrote in
/// `net_synthetic.rs`).
#[test]
fn conflicting_retransmission_names_the_copy_kept() {
    let file = read_fixture("net/tcp_out_of_order.pcap");
    let (_, net) = net_events(&file, Chunking::Whole, &TcpLimits::default());
    let conflicts: Vec<_> = net
        .iter()
        .filter_map(|e| match e {
            NetEvent::Diagnostic(d) if d.diagnostic.code == "tcp.overlap_conflict" => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(conflicts.len(), 1);
    let message = &conflicts[0].diagnostic.message;
    assert!(
        message.contains("differ from the bytes already delivered")
            || message.contains("differ from the copy received first (packet"),
        "{message}"
    );
    assert!(message.ends_with("the first copy is kept"), "{message}");
}

/// Retransmissions older than the comparison window are dropped unchecked;
/// the skip names the limit that decided it, and only that skip does.
#[test]
fn unchecked_old_retransmissions_name_their_limit() {
    let file = read_fixture("net/tcp_out_of_order.pcap");
    let no_window = TcpLimits {
        retransmit_check_bytes: 0,
        ..TcpLimits::default()
    };
    for (limits, expect_old) in [(no_window, true), (TcpLimits::default(), false)] {
        let (_, net) = net_events(&file, Chunking::Whole, &limits);
        let skips = skipped(&net);
        let old: Vec<_> = skips
            .iter()
            .filter(|s| s.reason == SkipReason::OldRetransmission)
            .collect();
        assert_eq!(!old.is_empty(), expect_old, "{skips:?}");
        for s in &skips {
            let hinted = s.detail.contains("--limit tcp.retransmit_check_bytes=N");
            assert_eq!(hinted, s.reason == SkipReason::OldRetransmission, "{s:?}");
        }
    }
}
