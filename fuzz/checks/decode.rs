//! End to end, as `decode()` in JavaScript and `h2lens … --json` run it:
//! bytes → format detection → every stage → events → JSON. Any bytes, any
//! options, any chunking: no panic, the same JSON.

use super::input::{chunks, Input};
use h2lens::inspect::{InputFormat, Inspector, Options};

const FORMATS: [InputFormat; 7] = [
    InputFormat::Pcap,
    InputFormat::Pcapng,
    InputFormat::Http2,
    InputFormat::LinkerdJson,
    InputFormat::LinkerdWebsocket,
    InputFormat::EnvoyJson,
    InputFormat::EnvoyProtoLengthDelimited,
];

fn run(bytes: &[u8], seed: u8, options: &Options) -> Vec<u8> {
    let mut inspector = Inspector::new(options.clone());
    let mut json = Vec::new();
    let drain = |inspector: &mut Inspector, json: &mut Vec<u8>| {
        while let Some(event) = inspector.next_event() {
            event.write_json(json).expect("an event serializes");
            json.push(b'\n');
        }
    };
    for piece in chunks(bytes, seed) {
        inspector.push(piece);
        drain(&mut inspector, &mut json);
    }
    inspector.finish();
    drain(&mut inspector, &mut json);
    serde_json::to_writer(&mut json, inspector.summary()).expect("the summary serializes");
    json
}

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.byte();
    let seed = input.byte() % 32;
    let mut options = Options {
        grpc: mode & 1 != 0,
        decode_raw: mode & 2 != 0,
        collect: mode & 4 != 0,
        ..Options::default()
    };
    if mode & 8 != 0 {
        options.format = FORMATS.get(usize::from(mode >> 4)).copied();
    }
    if mode & 0x80 != 0 {
        // What `h2lens summary` asks for.
        let output = &mut options.config.output;
        output.header_fields = h2lens::config::HeaderFields::Count;
        output.frame_events = false;
        output.block_events = false;
        output.exchange_events = false;
    }
    let bytes = input.rest();
    let whole = run(bytes, 0, &options);
    if seed != 0 {
        let chunked = run(bytes, seed, &options);
        if chunked != whole {
            // The first line that differs, not megabytes of both outputs.
            let lines = |json: &[u8]| {
                String::from_utf8_lossy(json)
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            let (a, b) = (lines(&whole), lines(&chunked));
            let at = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            panic!(
                "chunking changed the output at line {at}:\nwhole:   {:?}\nchunked: {:?}",
                a.get(at),
                b.get(at)
            );
        }
    }
}
