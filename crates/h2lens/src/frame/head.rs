//! The 9-octet frame header (RFC 9113 §4.1).

use serde::Serialize;

use super::types::{Flags, FrameType};

pub const FRAME_HEADER_LEN: usize = 9;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FrameHeader {
    /// Payload length (24 bits).
    pub length: u32,
    #[serde(rename = "type")]
    pub kind: FrameType,
    pub flags: Flags,
    /// Stream identifier (31 bits).
    pub stream_id: u32,
    /// The reserved bit, which senders must leave unset and receivers must
    /// ignore (§4.1); kept so a viewer can flag it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reserved_bit: bool,
}

impl FrameHeader {
    /// Parses the fixed-size header; cannot fail.
    pub fn parse(bytes: &[u8; FRAME_HEADER_LEN]) -> FrameHeader {
        let [l0, l1, l2, kind, flags, s0, s1, s2, s3] = *bytes;
        let length = u32::from_be_bytes([0, l0, l1, l2]);
        let raw_stream = u32::from_be_bytes([s0, s1, s2, s3]);
        FrameHeader {
            length,
            kind: FrameType(kind),
            flags: Flags(flags),
            stream_id: raw_stream & 0x7fff_ffff,
            reserved_bit: raw_stream & 0x8000_0000 != 0,
        }
    }

    /// Parses the header at the start of `bytes`, if there are 9 octets.
    pub fn parse_prefix(bytes: &[u8]) -> Option<FrameHeader> {
        bytes
            .first_chunk::<FRAME_HEADER_LEN>()
            .map(FrameHeader::parse)
    }

    pub fn encode(&self) -> [u8; FRAME_HEADER_LEN] {
        let [_, l0, l1, l2] = self.length.to_be_bytes();
        let stream = self.stream_id | if self.reserved_bit { 0x8000_0000 } else { 0 };
        let [s0, s1, s2, s3] = stream.to_be_bytes();
        [l0, l1, l2, self.kind.0, self.flags.0, s0, s1, s2, s3]
    }

    pub fn has(&self, flag: Flags) -> bool {
        self.flags.contains(flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc_layout() {
        // SETTINGS, 18-byte payload, stream 0.
        let h = FrameHeader::parse(&[0, 0, 18, 4, 0, 0, 0, 0, 0]);
        assert_eq!(h.length, 18);
        assert_eq!(h.kind, FrameType::SETTINGS);
        assert_eq!(h.stream_id, 0);
        // Reserved bit set, stream 0x7fffffff, length 2^24-1.
        let h = FrameHeader::parse(&[0xff, 0xff, 0xff, 1, 0x25, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(h.length, 0xff_ffff);
        assert!(h.reserved_bit);
        assert_eq!(h.stream_id, 0x7fff_ffff);
        assert!(h.has(Flags::END_HEADERS) && h.has(Flags::END_STREAM) && h.has(Flags::PRIORITY));
        assert_eq!(FrameHeader::parse(&h.encode()), h);
    }
}
