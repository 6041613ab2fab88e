//! The capture reader and the net dissector never panic, on arbitrary bytes
//! and on mutated real captures, always account for every byte, and report
//! structural errors at the right place.

mod net_support;

use h2lens::capture::{CaptureEvent, Reader};
use h2lens::config::{CaptureLimits, TcpLimits};
use h2lens::net::tls::HelloInspector;
use h2lens::net::NetEvent;
use net_support::*;
use proptest::prelude::*;

/// Runs capture + net; checks the accounting identities of both layers.
fn run_checked(
    bytes: &[u8],
    chunking: Chunking,
    limits: &CaptureLimits,
) -> (Vec<CaptureEvent>, Vec<NetEvent>) {
    let mut reader = Reader::new(limits);
    let mut net = h2lens::net::Dissector::new(&TcpLimits {
        // Small limits so the limit paths run too.
        max_out_of_order_bytes: 3000,
        max_out_of_order_segments: 8,
        max_connections: 4,
        max_fragment_bytes: 2000,
        retransmit_check_bytes: 500,
        max_tls_hello_bytes: 4096,
    });
    let mut cap = Vec::new();
    let mut out = Vec::new();
    let mut pump =
        |reader: &mut Reader, net: &mut h2lens::net::Dissector, cap: &mut Vec<CaptureEvent>| {
            while let Some(e) = reader.next_event() {
                if let CaptureEvent::Packet(p) = &e {
                    net.handle_packet(p);
                    while let Some(n) = net.next_event() {
                        if let NetEvent::Data(d) = &n {
                            // The TLS inspector gets whatever the streams hold.
                            let mut tls = HelloInspector::new(4096);
                            tls.push(d.data.as_bytes());
                            tls.finish();
                            while tls.next_event().is_some() {}
                        }
                        out.push(n);
                    }
                }
                cap.push(e);
            }
        };
    for chunk in chunks(bytes, chunking) {
        reader.push(chunk);
        pump(&mut reader, &mut net, &mut cap);
    }
    reader.finish();
    pump(&mut reader, &mut net, &mut cap);
    net.finish();
    while let Some(n) = net.next_event() {
        out.push(n);
    }
    let Some(CaptureEvent::End(stats)) = cap.last() else {
        panic!("no End event")
    };
    assert_eq!(stats.bytes, bytes.len() as u64);
    assert_eq!(stats.accounted_bytes(), stats.bytes, "{stats:?}");
    let Some(NetEvent::Summary(ns)) = out.last() else {
        panic!("no Summary")
    };
    assert_eq!(ns.pending_bytes, 0);
    assert_eq!(ns.accounted_bytes(), ns.bytes, "{ns:?}");
    assert_eq!(ns.bytes, stats.packet_data_bytes);
    (cap, out)
}

fn corpus_samples() -> Vec<Vec<u8>> {
    [
        "corpus/h2c_push_padding.pcap",
        "corpus/h2c_push_padding.pcapng",
        "corpus/h2c_nghttp_lo_dumpcap.pcapng",
        "net/pcapng_two_sections.pcapng",
        "net/ipv6_ext_and_fragments.pcap",
        "net/tcp_out_of_order.pcap",
        "net/pcap_be_ns.pcap",
        "net/link_sll.pcap",
    ]
    .iter()
    .map(|f| read_fixture(f))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), seed in any::<u64>()) {
        run_checked(&bytes, Chunking::Random { seed, max: 50 }, &CaptureLimits::default());
    }

    /// Arbitrary bodies behind a valid header, so parsing gets past the magic.
    #[test]
    fn arbitrary_records_never_panic(
        ng in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..800),
        seed in any::<u64>(),
    ) {
        let mut bytes = if ng {
            let mut shb = vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0];
            shb.extend_from_slice(&[0xff; 8]);
            shb.extend_from_slice(&[28, 0, 0, 0]);
            shb
        } else {
            let mut h = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0];
            h.extend_from_slice(&[1, 0, 0, 0]);
            h
        };
        bytes.extend_from_slice(&body);
        let limits = CaptureLimits { max_record_size: 300, max_interfaces: 3 };
        run_checked(&bytes, Chunking::Random { seed, max: 64 }, &limits);
    }

    #[test]
    fn mutated_captures_never_panic(
        which in 0usize..8,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in any::<prop::sample::Index>(),
        do_cut in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let samples = corpus_samples();
        let mut bytes = samples[which % samples.len()].clone();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if do_cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        run_checked(&bytes, Chunking::Random { seed, max: 3000 }, &CaptureLimits::default());
    }
}

#[test]
fn unmutated_samples_pass_the_same_checks() {
    for bytes in corpus_samples() {
        for chunking in CHUNKINGS {
            run_checked(&bytes, chunking, &CaptureLimits::default());
        }
    }
}

#[test]
fn structural_errors_are_reported_where_they_are() {
    let limits = CaptureLimits::default();
    // Not a capture.
    let events = capture_events(b"GET / HTTP/1.1\r\n", Chunking::Whole, &limits);
    assert_eq!(diagnostics(&events), vec![("capture.bad_magic", Some(0))]);
    // Empty input.
    let events = capture_events(b"", Chunking::Whole, &limits);
    assert_eq!(diagnostics(&events), vec![("capture.empty_file", None)]);
    // A pcap header cut short.
    let events = capture_events(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0], Chunking::Bytewise, &limits);
    assert_eq!(
        diagnostics(&events),
        vec![("capture.truncated_header", Some(0))]
    );

    // pcapng: a block whose trailing length differs from its leading one.
    let mut ng = read_fixture("corpus/h2c_push_padding.pcapng");
    let shb_len = u32::from_le_bytes(ng[4..8].try_into().unwrap()) as usize;
    let idb_len = u32::from_le_bytes(ng[shb_len + 4..shb_len + 8].try_into().unwrap()) as usize;
    let epb = shb_len + idb_len;
    let epb_len = u32::from_le_bytes(ng[epb + 4..epb + 8].try_into().unwrap()) as usize;
    ng[epb + epb_len - 4] ^= 0x40;
    let events = capture_events(&ng, Chunking::Whole, &limits);
    assert_eq!(
        diagnostics(&events),
        vec![("capture.bad_block_length", Some((epb + epb_len - 4) as u64))]
    );
    let Some(CaptureEvent::End(stats)) = events.last() else {
        panic!()
    };
    assert_eq!(stats.packets, 0);
    assert_eq!(stats.undecodable_bytes, (ng.len() - epb) as u64);

    // A block length that is not a multiple of 4.
    let mut ng = read_fixture("corpus/h2c_push_padding.pcapng");
    ng[epb + 4] = ng[epb + 4].wrapping_add(1);
    let events = capture_events(&ng, Chunking::Whole, &limits);
    assert_eq!(
        diagnostics(&events),
        vec![("capture.bad_block_length", Some((epb + 4) as u64))]
    );

    // An EPB on an interface the section does not describe: skipped, the
    // numbering goes on, the next packet is read.
    let mut ng = read_fixture("corpus/h2c_push_padding.pcapng");
    ng[epb + 8] = 7;
    let events = capture_events(&ng, Chunking::Whole, &limits);
    assert_eq!(
        diagnostics(&events),
        vec![("capture.unknown_interface", Some((epb + 8) as u64))]
    );
    let numbers: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Packet(p) => Some(p.number),
            _ => None,
        })
        .collect();
    assert_eq!(numbers.first(), Some(&2));
    assert_eq!(numbers.len(), 26);

    // An oversized pcapng block is skipped without being buffered.
    let ng = read_fixture("corpus/h2c_push_padding.pcapng");
    let small = CaptureLimits {
        max_record_size: 200,
        max_interfaces: 8,
    };
    let events = capture_events(&ng, Chunking::Random { seed: 3, max: 100 }, &small);
    let too_long = diagnostics(&events)
        .iter()
        .filter(|(c, _)| *c == "capture.block_too_long")
        .count();
    let pkts = events
        .iter()
        .filter(|e| matches!(e, CaptureEvent::Packet(_)))
        .count();
    assert!(too_long > 0);
    assert_eq!(
        pkts + too_long,
        27,
        "every packet block is either read or reported"
    );

    // An oversized pcap record stops the reader (its length is most likely corrupt).
    let pcap = read_fixture("corpus/h2c_push_padding.pcap");
    let events = capture_events(&pcap, Chunking::Whole, &small);
    // Walk the records by hand to find the first one over the limit.
    let (mut at, mut before) = (24usize, 0u64);
    loop {
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        if caplen > 200 {
            break;
        }
        at += 16 + caplen;
        before += 1;
    }
    assert_eq!(
        diagnostics(&events),
        vec![("capture.record_too_long", Some((at + 8) as u64))]
    );
    let Some(CaptureEvent::End(stats)) = events.last() else {
        panic!()
    };
    assert_eq!(stats.packets, before);
    assert_eq!(stats.undecodable_bytes, (pcap.len() - at) as u64);
}
