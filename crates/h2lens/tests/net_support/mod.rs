//! Helpers shared by the capture_* and net_* integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use h2lens::capture::{CaptureEvent, Reader};
use h2lens::config::{CaptureLimits, TcpLimits};
use h2lens::net::{Dissector, NetEvent};

/// `tests/fixtures/<rel>` at the repository root.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel)
}

pub fn read_fixture(rel: &str) -> Vec<u8> {
    let path = fixture(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json_fixture(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&read_fixture(rel)).unwrap()
}

/// How a test feeds bytes to a push API.
#[derive(Clone, Copy, Debug)]
pub enum Chunking {
    Whole,
    Bytewise,
    /// Pseudo-random chunk sizes in 1..=max, from a seed.
    Random {
        seed: u64,
        max: usize,
    },
}

pub const CHUNKINGS: [Chunking; 4] = [
    Chunking::Whole,
    Chunking::Bytewise,
    Chunking::Random { seed: 1, max: 97 },
    Chunking::Random {
        seed: 0x5eed,
        max: 4000,
    },
];

/// Small deterministic PRNG (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub fn chunks(bytes: &[u8], chunking: Chunking) -> Vec<&[u8]> {
    match chunking {
        Chunking::Whole => vec![bytes],
        Chunking::Bytewise => bytes.chunks(1).collect(),
        Chunking::Random { seed, max } => {
            let mut rng = Rng(seed);
            let mut out = Vec::new();
            let mut rest = bytes;
            while !rest.is_empty() {
                let n = (1 + rng.below(max)).min(rest.len());
                let (a, b) = rest.split_at(n);
                out.push(a);
                rest = b;
            }
            out
        }
    }
}

/// All capture events, pulling after every push (the streaming pattern).
pub fn capture_events(
    bytes: &[u8],
    chunking: Chunking,
    limits: &CaptureLimits,
) -> Vec<CaptureEvent> {
    let mut reader = Reader::new(limits);
    let mut events = Vec::new();
    for chunk in chunks(bytes, chunking) {
        reader.push(chunk);
        while let Some(e) = reader.next_event() {
            events.push(e);
        }
    }
    reader.finish();
    while let Some(e) = reader.next_event() {
        events.push(e);
    }
    events
}

/// Capture + net: every net event of a capture file.
pub fn net_events(
    bytes: &[u8],
    chunking: Chunking,
    tcp: &TcpLimits,
) -> (Vec<CaptureEvent>, Vec<NetEvent>) {
    let mut reader = Reader::new(&CaptureLimits::default());
    let mut dissector = Dissector::new(tcp);
    let mut cap = Vec::new();
    let mut net = Vec::new();
    let pump = |reader: &mut Reader,
                dissector: &mut Dissector,
                cap: &mut Vec<CaptureEvent>,
                net: &mut Vec<NetEvent>| {
        while let Some(e) = reader.next_event() {
            if let CaptureEvent::Packet(p) = &e {
                dissector.handle_packet(p);
                while let Some(n) = dissector.next_event() {
                    net.push(n);
                }
            }
            cap.push(e);
        }
    };
    for chunk in chunks(bytes, chunking) {
        reader.push(chunk);
        pump(&mut reader, &mut dissector, &mut cap, &mut net);
    }
    reader.finish();
    pump(&mut reader, &mut dissector, &mut cap, &mut net);
    dissector.finish();
    while let Some(n) = dissector.next_event() {
        net.push(n);
    }
    (cap, net)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The capture layer's diagnostics: (code, offset).
pub fn diagnostics(events: &[CaptureEvent]) -> Vec<(&'static str, Option<u64>)> {
    events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Diagnostic(d) => Some((d.code, d.offset)),
            _ => None,
        })
        .collect()
}

/// The skipped-packet events among `net`, in order.
pub fn skipped(net: &[NetEvent]) -> Vec<&h2lens::net::SkippedPacket> {
    net.iter()
        .filter_map(|e| match e {
            NetEvent::Skipped(s) => Some(s),
            _ => None,
        })
        .collect()
}
