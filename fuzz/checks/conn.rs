//! The connection decoder: two directions interleaved, from the start or
//! mid-stream, with gaps. It never panics, accounts for every pushed byte,
//! and gives the same events however each write is chunked.

use super::input::{chunks, Input};
use h2lens::conn::{ConnStart, Connection, Origin};
use h2lens::{Config, Direction, Timestamp};

enum Step<'a> {
    Write(Direction, &'a [u8]),
    Gap(Direction, u64),
}

fn run(steps: &[Step<'_>], start: ConnStart, config: &Config, seed: u8) -> Vec<String> {
    let mut conn = Connection::new(config, start);
    let origin = Origin {
        packet: 1,
        ts: Timestamp(0),
    };
    let mut out = Vec::new();
    for step in steps {
        match step {
            Step::Write(dir, bytes) => {
                for piece in chunks(bytes, seed) {
                    conn.push(*dir, piece, origin);
                }
            }
            Step::Gap(dir, len) => conn.gap(*dir, *len, origin),
        }
        while let Some(ev) = conn.next_event() {
            out.push(serde_json::to_string(&ev).expect("an event serializes"));
        }
    }
    conn.finish();
    while let Some(ev) = conn.next_event() {
        out.push(serde_json::to_string(&ev).expect("an event serializes"));
    }
    let stats = conn.stats();
    for s in [&stats.client_to_server, &stats.server_to_client] {
        assert_eq!(
            s.bytes,
            s.accounted_bytes(),
            "every pushed byte is in one bucket: {s:?}"
        );
    }
    out
}

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.byte();
    let seed = input.byte() % 16;
    let start = if mode & 1 == 0 {
        ConnStart::Beginning
    } else {
        ConnStart::Midstream
    };
    let mut config = Config::default();
    if mode & 2 != 0 {
        // Tight limits, so that their paths run.
        config.frame.max_frame_size = 64;
        config.frame.max_continuation_frames = 3;
        config.frame.max_header_block_size = 256;
        config.frame.max_streams_per_connection = 4;
        config.hpack.max_header_list_size = 512;
        config.hpack.max_string_len = 100;
    }
    if mode & 4 != 0 {
        config.output.frame_bytes = 16;
        config.output.header_block_bytes = true;
        config.output.data_payloads = h2lens::config::DataPayloads::All;
    }
    if mode & 16 != 0 {
        // Counted, not made into events.
        config.output.frame_events = false;
        config.output.block_events = false;
        config.output.exchange_events = false;
    }
    let mut steps = Vec::new();
    // Client preface first, unless the input says otherwise.
    if mode & 8 == 0 && start == ConnStart::Beginning {
        steps.push(Step::Write(
            Direction::ClientToServer,
            &h2lens::conn::PREFACE[..],
        ));
    }
    while !input.is_empty() && steps.len() < 256 {
        let head = input.byte();
        let dir = if head & 1 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        if head & 0x7e == 0x7e {
            steps.push(Step::Gap(dir, u64::from(input.u16()) + 1));
        } else {
            let n = usize::from(input.u16() % 2048);
            steps.push(Step::Write(dir, input.take(n)));
        }
    }
    let whole = run(&steps, start, &config, 0);
    if seed != 0 {
        assert_eq!(run(&steps, start, &config, seed), whole);
    }
}
