//! Finding a frame boundary in a byte stream joined mid-connection or after
//! a gap: a run of plausible frame headers.
//!
//! The decision at an offset depends only on the bytes from there on (and
//! on whether the stream ended), never on how they were chunked.

use crate::frame::{FrameHeader, FrameType, FRAME_HEADER_LEN};

/// Frames in a row that must look right before we trust a boundary.
const CHAIN: usize = 3;

/// Frame payloads above the default SETTINGS_MAX_FRAME_SIZE are rare; not
/// accepting them keeps the look-ahead (and the buffer) small.
const MAX_PLAUSIBLE_LEN: u32 = 1 << 14;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Search {
    /// A frame starts at this offset.
    Found(usize),
    /// No frame starts before this offset; those bytes can be dropped.
    NotBefore(usize),
}

/// Searches `bytes` for a frame boundary. With `at_end`, the bytes are all
/// there will be, so a shorter run that ends exactly at the end counts.
pub(crate) fn find_boundary(bytes: &[u8], at_end: bool) -> Search {
    let mut i = 0;
    while i < bytes.len() {
        match chain_at(bytes, i, at_end) {
            Chain::Yes => return Search::Found(i),
            Chain::NeedMore => return Search::NotBefore(i),
            Chain::No => i += 1,
        }
    }
    Search::NotBefore(bytes.len())
}

enum Chain {
    Yes,
    No,
    NeedMore,
}

fn chain_at(bytes: &[u8], start: usize, at_end: bool) -> Chain {
    let mut pos = start;
    let mut frames = 0;
    while frames < CHAIN {
        let Some(rest) = bytes.get(pos..) else {
            return Chain::No;
        };
        if rest.is_empty() && at_end && frames > 0 {
            return Chain::Yes;
        }
        let Some(head) = FrameHeader::parse_prefix(rest) else {
            return if at_end {
                Chain::No
            } else if partial_header_plausible(rest) {
                Chain::NeedMore
            } else {
                Chain::No
            };
        };
        if !plausible(&head) {
            return Chain::No;
        }
        let next = pos + FRAME_HEADER_LEN + head.length as usize;
        if next > bytes.len() {
            return if at_end { Chain::No } else { Chain::NeedMore };
        }
        pos = next;
        frames += 1;
    }
    Chain::Yes
}

fn partial_header_plausible(rest: &[u8]) -> bool {
    let mut full = [0u8; FRAME_HEADER_LEN];
    for (dst, src) in full.iter_mut().zip(rest) {
        *dst = *src;
    }
    // Unknown trailing bytes are zero: check only what we know.
    match rest.len() {
        0..=2 => true,
        3 => u32::from_be_bytes([0, full[0], full[1], full[2]]) <= MAX_PLAUSIBLE_LEN,
        _ => {
            let head = FrameHeader::parse(&full);
            head.length <= MAX_PLAUSIBLE_LEN && known_type(head.kind)
        }
    }
}

fn known_type(kind: FrameType) -> bool {
    kind.0 <= FrameType::CONTINUATION.0
}

/// Whether a header could start a real frame (RFC 9113 §6 rules).
pub(crate) fn plausible(h: &FrameHeader) -> bool {
    if h.reserved_bit || h.length > MAX_PLAUSIBLE_LEN {
        return false;
    }
    let on_stream = h.stream_id != 0;
    let flags = h.flags.0;
    match h.kind {
        FrameType::DATA => on_stream && flags & !0x09 == 0,
        FrameType::HEADERS => on_stream && flags & !0x2d == 0,
        FrameType::PRIORITY => on_stream && h.length == 5 && flags == 0,
        FrameType::RST_STREAM => on_stream && h.length == 4 && flags == 0,
        FrameType::SETTINGS => {
            !on_stream && h.length % 6 == 0 && (flags == 0 || (flags == 1 && h.length == 0))
        }
        FrameType::PUSH_PROMISE => on_stream && flags & !0x0c == 0 && h.length >= 4,
        FrameType::PING => !on_stream && h.length == 8 && flags & !0x01 == 0,
        FrameType::GOAWAY => !on_stream && h.length >= 8 && flags == 0,
        FrameType::WINDOW_UPDATE => h.length == 4 && flags == 0,
        FrameType::CONTINUATION => on_stream && flags & !0x04 == 0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, len: usize) -> Vec<u8> {
        let mut v = vec![0, 0, len as u8, kind, flags];
        v.extend_from_slice(&stream.to_be_bytes());
        v.extend(std::iter::repeat_n(0xab, len));
        v
    }

    #[test]
    fn finds_boundary_after_junk() {
        let mut bytes = vec![0xab; 7];
        bytes.extend(frame(0, 0, 7, 20));
        bytes.extend(frame(8, 0, 7, 4));
        bytes.extend(frame(1, 4, 9, 30));
        assert_eq!(find_boundary(&bytes, false), Search::Found(7));
        // Independent of how much arrived: with the last frame cut, wait.
        let cut = &bytes[..bytes.len() - 5];
        assert_eq!(find_boundary(cut, false), Search::NotBefore(7));
        // At the end, two frames ending exactly there suffice.
        let two = &bytes[..7 + 29 + 13];
        assert_eq!(find_boundary(two, true), Search::Found(7));
    }

    #[test]
    fn rejects_implausible() {
        let bytes = frame(4, 1, 0, 6); // SETTINGS ACK with payload
        assert_eq!(find_boundary(&bytes, true), Search::NotBefore(bytes.len()));
    }
}
