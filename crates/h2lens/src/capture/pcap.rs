//! Classic pcap: a 24-byte file header, then 16-byte record headers each
//! followed by the captured bytes (draft-ietf-opsawg-pcap §4, §5).

use super::{ByteOrder, LinkType, TsResolution};

pub(crate) const FILE_HEADER_LEN: usize = 24;
pub(crate) const RECORD_HEADER_LEN: usize = 16;

/// What the magic number says: byte order and timestamp resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Magic {
    pub order: ByteOrder,
    pub resolution: TsResolution,
}

/// The four pcap magic numbers (§4): 0xA1B2C3D4 (microseconds) and
/// 0xA1B23C4D (nanoseconds), written in the writer's byte order.
pub(crate) fn magic(bytes: [u8; 4]) -> Option<Magic> {
    let (order, resolution) = match u32::from_le_bytes(bytes) {
        0xa1b2_c3d4 => (ByteOrder::LittleEndian, TsResolution::MICROS),
        0xa1b2_3c4d => (ByteOrder::LittleEndian, TsResolution::NANOS),
        0xd4c3_b2a1 => (ByteOrder::BigEndian, TsResolution::MICROS),
        0x4d3c_b2a1 => (ByteOrder::BigEndian, TsResolution::NANOS),
        _ => return None,
    };
    Some(Magic { order, resolution })
}

/// The file header (§4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileHeader {
    pub magic: Magic,
    pub version_major: u16,
    pub version_minor: u16,
    pub snaplen: u32,
    pub link_type: LinkType,
    /// FCS bytes per frame, when the P bit of the link type field is set.
    pub fcs_len: Option<u8>,
}

/// Parses the 24-byte file header; `None` if the magic is not pcap's.
pub(crate) fn file_header(bytes: &[u8; FILE_HEADER_LEN]) -> Option<FileHeader> {
    let magic = magic(*bytes.first_chunk::<4>()?)?;
    let o = magic.order;
    let version_major = o.read_u16(bytes, 4)?;
    let version_minor = o.read_u16(bytes, 6)?;
    // 8..16: thiszone and sigfigs, always 0 in practice and ignored by
    // Wireshark and libpcap.
    let snaplen = o.read_u32(bytes, 16)?;
    let link_field = o.read_u32(bytes, 20)?;
    // §4: LinkType and additional information. Bits 0-15 link type; bit 26
    // (P) says the top 4 bits hold the FCS length in 16-bit words.
    let link_type = LinkType((link_field & 0xffff) as u16);
    let fcs_len = (link_field & 0x0400_0000 != 0).then(|| ((link_field >> 28) as u8) * 2);
    Some(FileHeader {
        magic,
        version_major,
        version_minor,
        snaplen,
        link_type,
        fcs_len,
    })
}

/// A packet record header (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RecordHeader {
    pub ts_secs: u32,
    /// Microseconds or nanoseconds, by magic.
    pub ts_frac: u32,
    pub captured_len: u32,
    pub original_len: u32,
}

pub(crate) fn record_header(order: ByteOrder, bytes: &[u8; RECORD_HEADER_LEN]) -> RecordHeader {
    let [a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3] = *bytes;
    RecordHeader {
        ts_secs: order.u32([a0, a1, a2, a3]),
        ts_frac: order.u32([b0, b1, b2, b3]),
        captured_len: order.u32([c0, c1, c2, c3]),
        original_len: order.u32([d0, d1, d2, d3]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magics_cover_both_orders_and_resolutions() {
        let le_us = magic([0xd4, 0xc3, 0xb2, 0xa1]).unwrap();
        assert_eq!(le_us.order, ByteOrder::LittleEndian);
        assert_eq!(le_us.resolution, TsResolution::MICROS);
        let be_ns = magic([0xa1, 0xb2, 0x3c, 0x4d]).unwrap();
        assert_eq!(be_ns.order, ByteOrder::BigEndian);
        assert_eq!(be_ns.resolution, TsResolution::NANOS);
        assert!(magic([0x0a, 0x0d, 0x0d, 0x0a]).is_none());
    }

    #[test]
    fn fcs_bits_of_link_type_field() {
        let mut h = [0u8; 24];
        h[..4].copy_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1]);
        // link type 1 with P bit and FCS len 2 words (4 bytes).
        h[20..24].copy_from_slice(&0x2400_0001u32.to_le_bytes());
        let fh = file_header(&h).unwrap();
        assert_eq!(fh.link_type, LinkType::ETHERNET);
        assert_eq!(fh.fcs_len, Some(4));
    }
}
