//! TCP reassembly as a property: cut a known byte stream into segments,
//! send some twice (also re-cut, overlapping), drop some, shuffle them,
//! start the sequence space anywhere (also just before 2^32), with or
//! without a SYN. The oracle is the stream itself: what was covered comes
//! out in order, what was not is a gap, duplicates are counted.

mod net_support;

use std::collections::BTreeMap;

use h2lens::capture::LinkType;
use h2lens::config::TcpLimits;
use h2lens::net::{ConnId, Dissector, GapReason, NetEvent, SkipReason};
use h2lens::{Direction, Timestamp};
use net_support::Rng;
use proptest::prelude::*;

const SYN: u8 = 0x02;
const PSH: u8 = 0x08;

/// A raw IPv4 packet (LINKTYPE_RAW) with a TCP header; checksums are not
/// checked by the dissector, so they stay 0.
fn ipv4_tcp(seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let total = (40 + payload.len()) as u16;
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    p.extend_from_slice(&40000u16.to_be_bytes());
    p.extend_from_slice(&8080u16.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&0u32.to_be_bytes());
    p.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    p.extend_from_slice(payload);
    p
}

#[derive(Debug, Default)]
struct Outcome {
    data: Vec<u8>,
    gaps: Vec<(u64, u64)>,
    skipped: BTreeMap<SkipReason, u64>,
}

fn dissect(packets: &[Vec<u8>]) -> Outcome {
    let mut d = Dissector::new(&TcpLimits::default());
    for (i, p) in packets.iter().enumerate() {
        d.handle(
            LinkType::RAW,
            i as u64 + 1,
            Timestamp(i as i64),
            p,
            p.len() as u32,
        );
    }
    d.finish();
    let mut out = Outcome::default();
    let mut pos = None;
    while let Some(e) = d.next_event() {
        match e {
            NetEvent::Data(x) => {
                assert_eq!((x.conn, x.dir), (ConnId(0), Direction::ClientToServer));
                if let Some(p) = pos {
                    assert_eq!(x.offset, p, "events tile the stream");
                }
                pos = Some(x.offset + x.data.len() as u64);
                out.data.extend_from_slice(x.data.as_bytes());
            }
            NetEvent::Gap(g) => {
                assert_eq!(g.reason, GapReason::MissingSegment);
                if let Some(p) = pos {
                    assert_eq!(g.offset, p, "events tile the stream");
                }
                pos = Some(g.offset + g.len);
                out.gaps.push((g.offset, g.len));
            }
            NetEvent::Summary(s) => {
                assert_eq!(s.accounted_bytes(), s.bytes);
                assert_eq!(s.pending_bytes, 0);
                out.skipped = s.skipped.iter().map(|(r, c)| (*r, c.bytes)).collect();
            }
            _ => {}
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn reassembly_recovers_what_was_sent(
        stream in proptest::collection::vec(any::<u8>(), 1..2500),
        isn in prop_oneof![any::<u32>(), (u32::MAX - 2600)..=u32::MAX],
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..25),
        extra in proptest::collection::vec((any::<prop::sample::Index>(), 1usize..400), 0..6),
        copies in proptest::collection::vec(0usize..3, 32),
        with_syn in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let n = stream.len();
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(n)).collect();
        points.extend([0, n]);
        points.sort_unstable();
        points.dedup();
        // Segments of the first cut, each sent 0..=2 times (0 = lost) ...
        let mut ranges = Vec::new();
        for (i, w) in points.windows(2).enumerate() {
            for _ in 0..copies[i % copies.len()] {
                ranges.push((w[0], w[1]));
            }
        }
        // ... plus re-cut retransmissions that overlap the first ones.
        for (start, len) in extra {
            let a = start.index(n);
            ranges.push((a, (a + len).min(n)));
        }
        let mut rng = Rng(seed);
        for i in (1..ranges.len()).rev() {
            ranges.swap(i, rng.below(i + 1));
        }

        let mut packets = Vec::new();
        if with_syn {
            packets.push(ipv4_tcp(isn, SYN, &[]));
        }
        for &(a, b) in &ranges {
            let seq = isn.wrapping_add(1).wrapping_add(a as u32);
            // No ACK flag: only data decides (ACK-driven gaps are tested elsewhere).
            packets.push(ipv4_tcp(seq, PSH, &stream[a..b]));
        }

        // The oracle: which bytes were sent, from where the stream starts.
        let start = if with_syn { 0 } else { ranges.first().map_or(0, |r| r.0) };
        let mut covered = vec![false; n];
        let (mut dup, mut before) = (0u64, 0u64);
        for &(a, b) in &ranges {
            for (i, c) in covered.iter_mut().enumerate().take(b).skip(a) {
                if i < start {
                    before += 1;
                } else if *c {
                    dup += 1;
                } else {
                    *c = true;
                }
            }
        }
        let last = covered.iter().rposition(|c| *c);
        let mut want_data = Vec::new();
        let mut want_gaps = Vec::new();
        if let Some(last) = last {
            let mut i = start;
            while i <= last {
                if covered[i] {
                    want_data.push(stream[i]);
                    i += 1;
                } else {
                    let j = (i..=last).find(|&j| covered[j]).unwrap();
                    want_gaps.push(((i - start) as u64, (j - i) as u64));
                    i = j;
                }
            }
        }
        let got = dissect(&packets);
        prop_assert_eq!(got.gaps, want_gaps);
        prop_assert!(got.data == want_data, "stream bytes differ");
        prop_assert_eq!(got.skipped.get(&SkipReason::Retransmission).copied().unwrap_or(0), dup);
        prop_assert_eq!(got.skipped.get(&SkipReason::BeforeStreamStart).copied().unwrap_or(0), before);
        prop_assert_eq!(got.skipped.get(&SkipReason::OverlapConflict), None);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Arbitrary packets on every decoded link type (and an unknown one),
    /// half of them behind a valid IPv4/IPv6 + TCP prefix so the deeper
    /// layers see them: no panic, every byte accounted for.
    #[test]
    fn arbitrary_packets_never_panic(
        packets in proptest::collection::vec(
            (0usize..9, any::<bool>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..120), any::<u32>()),
            1..24,
        ),
    ) {
        const LINKS: [u16; 9] = [0, 1, 101, 108, 113, 228, 229, 276, 147];
        let mut d = Dissector::new(&TcpLimits {
            max_out_of_order_bytes: 500,
            max_out_of_order_segments: 4,
            max_connections: 3,
            max_fragment_bytes: 300,
            retransmit_check_bytes: 64,
            max_tls_hello_bytes: 256,
        });
        for (i, (link, prefixed, v6, body, orig_extra)) in packets.into_iter().enumerate() {
            let link = LinkType(LINKS[link]);
            let mut bytes = Vec::new();
            if prefixed {
                // Link header of the right size, then an IP header.
                let (lh, ethertype_at): (usize, Option<usize>) = match link.0 {
                    1 => (14, Some(12)),
                    113 => (16, Some(14)),
                    276 => (20, Some(0)),
                    0 | 108 => (4, None),
                    _ => (0, None),
                };
                bytes.resize(lh, 0);
                if let Some(at) = ethertype_at {
                    let t: u16 = if v6 { 0x86dd } else { 0x0800 };
                    bytes[at..at + 2].copy_from_slice(&t.to_be_bytes());
                }
                if lh == 4 {
                    bytes[..4].copy_from_slice(&(if v6 { 30u32 } else { 2 }).to_le_bytes());
                }
                if v6 && link.0 != 228 {
                    let mut h = vec![0x60, 0, 0, 0];
                    h.extend_from_slice(&((body.len() as u16).wrapping_add(20)).to_be_bytes());
                    h.extend_from_slice(&[if body.len() % 3 == 0 { 44 } else { 6 }, 64]);
                    h.extend_from_slice(&[0; 32]);
                    bytes.extend_from_slice(&h);
                } else {
                    let total = (40 + body.len()) as u16;
                    bytes.extend_from_slice(&[0x45, 0]);
                    bytes.extend_from_slice(&total.to_be_bytes());
                    let frag: u16 = if body.len() % 4 == 0 { 0x2000 | (body.len() as u16 % 7) } else { 0 };
                    bytes.extend_from_slice(&[0, 1]);
                    bytes.extend_from_slice(&frag.to_be_bytes());
                    bytes.extend_from_slice(&[64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
                }
            }
            bytes.extend_from_slice(&body);
            let orig = bytes.len() as u32 + orig_extra % 3;
            d.handle(link, i as u64 + 1, Timestamp(0), &bytes, orig);
            while d.next_event().is_some() {}
            let s = d.stats();
            prop_assert_eq!(s.accounted_bytes(), s.bytes);
        }
        d.finish();
        let mut last = None;
        while let Some(e) = d.next_event() {
            last = Some(e);
        }
        let Some(NetEvent::Summary(s)) = last else { panic!("no summary") };
        prop_assert_eq!(s.pending_bytes, 0);
        prop_assert_eq!(s.accounted_bytes(), s.bytes);
    }
}
