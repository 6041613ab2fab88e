//! Capture files and the network layers under them: the pcap/pcapng reader,
//! link, IP (with fragment reassembly), TCP reassembly and the TLS hello
//! reader. Any bytes, any chunking: no panic, the same events, and both
//! layers' byte accounting adds up.

use super::input::{chunks, Input};
use h2lens::capture::{CaptureEvent, Reader};
use h2lens::config::{CaptureLimits, TcpLimits};
use h2lens::net::tls::HelloInspector;
use h2lens::net::{Dissector, NetEvent};

fn run(bytes: &[u8], seed: u8, capture: &CaptureLimits, tcp: &TcpLimits) -> Vec<String> {
    let mut reader = Reader::new(capture);
    let mut net = Dissector::new(tcp);
    let mut out = Vec::new();
    let mut end = None;
    let mut pump = |reader: &mut Reader, net: &mut Dissector, out: &mut Vec<String>| {
        while let Some(e) = reader.next_event() {
            if let CaptureEvent::Packet(p) = &e {
                net.handle_packet(p);
                while let Some(n) = net.next_event() {
                    if let NetEvent::Data(d) = &n {
                        let mut tls = HelloInspector::new(4096);
                        tls.push(d.data.as_bytes());
                        tls.finish();
                        while let Some(t) = tls.next_event() {
                            out.push(format!("{t:?}"));
                        }
                    }
                    out.push(format!("{n:?}"));
                }
            }
            if let CaptureEvent::End(stats) = &e {
                end = Some(stats.clone());
            }
            out.push(format!("{e:?}"));
        }
    };
    for piece in chunks(bytes, seed) {
        reader.push(piece);
        pump(&mut reader, &mut net, &mut out);
    }
    reader.finish();
    pump(&mut reader, &mut net, &mut out);
    net.finish();
    let mut net_summary = None;
    while let Some(n) = net.next_event() {
        if let NetEvent::Summary(s) = &n {
            net_summary = Some(s.clone());
        }
        out.push(format!("{n:?}"));
    }
    let stats = end.expect("the reader ends with an End event");
    assert_eq!(stats.bytes, bytes.len() as u64);
    assert_eq!(
        stats.accounted_bytes(),
        stats.bytes,
        "capture accounting: {stats:?}"
    );
    let ns = net_summary.expect("the dissector ends with a Summary");
    assert_eq!(ns.pending_bytes, 0);
    assert_eq!(ns.accounted_bytes(), ns.bytes, "net accounting: {ns:?}");
    assert_eq!(ns.bytes, stats.packet_data_bytes);
    out
}

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let seed = input.byte() % 32;
    let tight = input.byte() & 1 == 1;
    let (capture, tcp) = if tight {
        (
            CaptureLimits {
                max_record_size: 300,
                max_interfaces: 3,
            },
            TcpLimits {
                max_out_of_order_bytes: 3000,
                max_out_of_order_segments: 8,
                max_connections: 4,
                max_fragment_bytes: 2000,
                retransmit_check_bytes: 500,
                max_tls_hello_bytes: 4096,
            },
        )
    } else {
        (CaptureLimits::default(), TcpLimits::default())
    };
    let bytes = input.rest();
    let whole = run(bytes, 0, &capture, &tcp);
    if seed != 0 {
        assert_eq!(run(bytes, seed, &capture, &tcp), whole);
    }
}
