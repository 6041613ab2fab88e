//! HTTP/2 frames: any byte stream splits into the same frames whether read
//! with `push` + `next_frame` or `push_with`, in any chunking, and every
//! frame parses (or is refused) without panicking.

use super::input::{chunks, Input};
use h2lens::frame::{Frame, FrameReader};

/// (offset, header, skipped, parsed frame as JSON)
type Seen = Vec<(u64, String, bool, String)>;

fn describe(raw: &h2lens::frame::RawFrame<'_>) -> (u64, String, bool, String) {
    let parsed = match Frame::parse(&raw.header, raw.payload) {
        Ok(frame) => serde_json::to_string(&frame).expect("a frame serializes"),
        Err(error) => format!("error: {error:?}"),
    };
    assert!(raw.end() >= raw.offset);
    (raw.offset, format!("{:?}", raw.header), raw.skipped, parsed)
}

fn read_polling(bytes: &[u8], seed: u8, max_payload: u32) -> Seen {
    let mut reader = FrameReader::new(max_payload);
    let mut seen = Vec::new();
    for piece in chunks(bytes, seed) {
        reader.push(piece);
        while let Some(raw) = reader.next_frame() {
            seen.push(describe(&raw));
        }
    }
    seen
}

fn read_in_place(bytes: &[u8], seed: u8, max_payload: u32) -> Seen {
    let mut reader = FrameReader::new(max_payload);
    let mut seen = Vec::new();
    for piece in chunks(bytes, seed) {
        reader.push_with(piece, |raw| seen.push(describe(&raw)));
    }
    seen
}

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let seed = input.byte() % 16;
    // A small payload limit half the time, so skipping runs.
    let max_payload = if input.byte() & 1 == 0 { 1 << 14 } else { 40 };
    let stream = input.rest();
    let whole = read_polling(stream, 0, max_payload);
    assert_eq!(read_polling(stream, seed, max_payload), whole);
    assert_eq!(read_in_place(stream, seed, max_payload), whole);
}
