//! Throughput of capture + net over the 116 MB benchmark capture (not
//! vendored). Run:
//!
//! ```text
//! cargo test --release -p h2lens --test net_throughput -- --ignored --nocapture
//! ```
//!
//! The path defaults to `../shared/corpus/big/h2load_200k.pcap` from the
//! repository root; set `H2LENS_BIG_PCAP` to use another file.

mod net_support;

use std::path::PathBuf;
use std::time::Instant;

use h2lens::capture::{CaptureEvent, Reader};
use h2lens::config::{CaptureLimits, TcpLimits};
use h2lens::net::{Dissector, NetEvent};

fn big_pcap() -> Option<Vec<u8>> {
    let path = std::env::var_os("H2LENS_BIG_PCAP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpus/big/h2load_200k.pcap")
        });
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!(
                "SKIPPED: the benchmark capture {} is absent ({e})",
                path.display()
            );
            None
        }
    }
}

const CHUNK: usize = 64 << 10;

#[test]
#[ignore = "needs ../shared/corpus/big/h2load_200k.pcap; run with --release --ignored"]
fn capture_and_net_throughput() {
    let Some(bytes) = big_pcap() else { return };
    let mb = bytes.len() as f64 / 1e6;

    // Capture layer alone.
    let start = Instant::now();
    let mut reader = Reader::new(&CaptureLimits::default());
    let mut packets = 0u64;
    for chunk in bytes.chunks(CHUNK) {
        reader.push(chunk);
        while let Some(e) = reader.next_event() {
            if let CaptureEvent::Packet(_) = std::hint::black_box(&e) {
                packets += 1;
            }
        }
    }
    reader.finish();
    while reader.next_event().is_some() {}
    let capture_secs = start.elapsed().as_secs_f64();

    // Capture + net.
    let start = Instant::now();
    let mut reader = Reader::new(&CaptureLimits::default());
    let mut net = Dissector::new(&TcpLimits::default());
    let (mut data_bytes, mut data_events, mut conns) = (0u64, 0u64, 0u64);
    let mut drain = |net: &mut Dissector| {
        while let Some(e) = net.next_event() {
            match std::hint::black_box(e) {
                NetEvent::Data(d) => {
                    data_events += 1;
                    data_bytes += d.data.len() as u64;
                }
                NetEvent::ConnectionOpened(_) => conns += 1,
                NetEvent::Gap(g) => panic!("unexpected gap {g:?}"),
                _ => {}
            }
        }
    };
    for chunk in bytes.chunks(CHUNK) {
        reader.push(chunk);
        while let Some(e) = reader.next_event() {
            if let CaptureEvent::Packet(p) = &e {
                net.handle_packet(p);
                drain(&mut net);
            }
        }
    }
    reader.finish();
    while reader.next_event().is_some() {}
    net.finish();
    drain(&mut net);
    let both_secs = start.elapsed().as_secs_f64();
    let stats = net.stats().clone();

    eprintln!(
        "h2load_200k.pcap: {mb:.1} MB, {packets} packets\n  capture: {:.1} ms, {:.0} MB/s\n  capture+net: {:.1} ms, {:.0} MB/s ({conns} connections, {data_events} data events, {data_bytes} stream bytes)",
        capture_secs * 1e3,
        mb / capture_secs,
        both_secs * 1e3,
        mb / both_secs,
    );
    // From big/h2load_200k.summary.json (capinfos / tshark).
    assert_eq!(packets, 40_120);
    assert_eq!(conns, 10);
    assert_eq!(stats.accounted_bytes(), stats.bytes);
}
