//! pcapng blocks (draft-ietf-opsawg-pcapng): every block is
//! `type(4) length(4) body… length(4)`, with `length` a multiple of 4 in the
//! byte order of the section it belongs to. Functions here take one block's
//! body (between the 8-byte head and the 4-byte trailing length).

use super::{ByteOrder, LinkType};
use crate::Octets;

pub(crate) const SHB_TYPE: u32 = 0x0a0d_0d0a;
pub(crate) const IDB_TYPE: u32 = 0x0000_0001;
pub(crate) const PB_TYPE: u32 = 0x0000_0002;
pub(crate) const SPB_TYPE: u32 = 0x0000_0003;
pub(crate) const EPB_TYPE: u32 = 0x0000_0006;
pub(crate) const DSB_TYPE: u32 = 0x0000_000a;
/// Byte-order magic of the Section Header Block (§4.1).
pub(crate) const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

/// Head + trailing length.
pub(crate) const BLOCK_OVERHEAD: usize = 12;

/// A readable name for a block type (§4, §10.1 registry).
pub(crate) fn block_name(block_type: u32) -> &'static str {
    match block_type {
        SHB_TYPE => "section_header",
        IDB_TYPE => "interface_description",
        PB_TYPE => "packet_obsolete",
        SPB_TYPE => "simple_packet",
        0x0000_0004 => "name_resolution",
        0x0000_0005 => "interface_statistics",
        EPB_TYPE => "enhanced_packet",
        0x0000_0007 => "irig_timestamp",
        0x0000_0008 => "arinc_429",
        0x0000_0009 => "systemd_journal_export",
        DSB_TYPE => "decryption_secrets",
        0x0000_0101 => "hone_machine_info",
        0x0000_0102 => "hone_connection_event",
        0x0000_0201..=0x0000_0213 => "sysdig_event",
        0x0000_0bad | 0x4000_0bad => "custom",
        0x8000_0001 => "apple_process_info",
        _ => "unknown",
    }
}

/// Non-packet blocks that Wireshark nevertheless lists as frames (custom
/// blocks, systemd journal entries, Sysdig events), so they take a frame
/// number.
pub(crate) fn is_numbered_record(block_type: u32) -> bool {
    matches!(
        block_type,
        0x0000_0bad | 0x4000_0bad | 0x0000_0009 | 0x0000_0201..=0x0000_0213
    )
}

/// Why the rest of a block could not be used.
pub(crate) type BlockError = String;

/// Section Header Block body (§4.1), after the byte order is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SectionHeader {
    pub version_major: u16,
    pub version_minor: u16,
    /// -1: not specified.
    pub section_length: i64,
}

pub(crate) fn section_header(order: ByteOrder, body: &[u8]) -> Result<SectionHeader, BlockError> {
    // body: byte-order magic(4) major(2) minor(2) section length(8) options
    let too_short = || format!("section header body is {} bytes, needs 16", body.len());
    Ok(SectionHeader {
        version_major: order.read_u16(body, 4).ok_or_else(too_short)?,
        version_minor: order.read_u16(body, 6).ok_or_else(too_short)?,
        section_length: order.read_u64(body, 8).ok_or_else(too_short)? as i64,
    })
}

/// Interface Description Block (§4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InterfaceDescription {
    pub link_type: LinkType,
    pub snaplen: u32,
    pub if_tsresol: Option<u8>,
    pub if_tsoffset: Option<i64>,
    pub if_fcslen: Option<u8>,
    pub name: Option<Octets>,
    pub description: Option<Octets>,
    /// Malformed options, in plain words (the block is still used).
    pub problems: Vec<String>,
}

pub(crate) fn interface_description(
    order: ByteOrder,
    body: &[u8],
) -> Result<InterfaceDescription, BlockError> {
    let too_short = || {
        format!(
            "interface description body is {} bytes, needs 8",
            body.len()
        )
    };
    let mut idb = InterfaceDescription {
        link_type: LinkType(order.read_u16(body, 0).ok_or_else(too_short)?),
        snaplen: order.read_u32(body, 4).ok_or_else(too_short)?,
        if_tsresol: None,
        if_tsoffset: None,
        if_fcslen: None,
        name: None,
        description: None,
        problems: Vec::new(),
    };
    for option in Options::new(order, body.get(8..).unwrap_or_default()) {
        let (code, value) = match option {
            Ok(o) => o,
            Err(problem) => {
                idb.problems.push(problem);
                break;
            }
        };
        match code {
            2 => idb.name = Some(Octets::from(value)),
            3 => idb.description = Some(Octets::from(value)),
            9 => match value {
                [raw] => idb.if_tsresol = Some(*raw),
                _ => idb
                    .problems
                    .push(format!("if_tsresol option is {} bytes, not 1", value.len())),
            },
            13 => match value {
                [len] => idb.if_fcslen = Some(*len),
                _ => idb
                    .problems
                    .push(format!("if_fcslen option is {} bytes, not 1", value.len())),
            },
            14 => match order.read_u64(value, 0) {
                Some(v) if value.len() == 8 => idb.if_tsoffset = Some(v as i64),
                _ => idb.problems.push(format!(
                    "if_tsoffset option is {} bytes, not 8",
                    value.len()
                )),
            },
            _ => {}
        }
    }
    Ok(idb)
}

/// The packet part shared by Enhanced, obsolete and Simple Packet Blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PacketBlock<'a> {
    pub interface: u32,
    /// Timestamp in the interface's units; `None` for a Simple Packet Block.
    pub ts_units: Option<u64>,
    pub original_len: u32,
    pub data: &'a [u8],
    /// Offset of `data` within the body.
    pub data_at: usize,
}

fn captured(body: &[u8], at: usize, captured_len: u32) -> Result<&[u8], BlockError> {
    let room = body.len().saturating_sub(at);
    usize::try_from(captured_len)
        .ok()
        .and_then(|len| body.get(at..at.checked_add(len)?))
        .ok_or_else(|| {
            format!("captured length {captured_len} is more than the {room} bytes the block holds")
        })
}

/// Enhanced Packet Block (§4.3): interface(4) ts high(4) ts low(4)
/// captured len(4) original len(4) data, padding, options.
pub(crate) fn enhanced_packet(
    order: ByteOrder,
    body: &[u8],
) -> Result<PacketBlock<'_>, BlockError> {
    let too_short = || format!("enhanced packet body is {} bytes, needs 20", body.len());
    let interface = order.read_u32(body, 0).ok_or_else(too_short)?;
    let high = order.read_u32(body, 4).ok_or_else(too_short)?;
    let low = order.read_u32(body, 8).ok_or_else(too_short)?;
    let captured_len = order.read_u32(body, 12).ok_or_else(too_short)?;
    let original_len = order.read_u32(body, 16).ok_or_else(too_short)?;
    Ok(PacketBlock {
        interface,
        ts_units: Some((u64::from(high) << 32) | u64::from(low)),
        original_len,
        data: captured(body, 20, captured_len)?,
        data_at: 20,
    })
}

/// Obsolete Packet Block (Appendix A): interface(2) drops(2) ts high(4)
/// ts low(4) captured len(4) original len(4) data, padding, options.
pub(crate) fn obsolete_packet(
    order: ByteOrder,
    body: &[u8],
) -> Result<PacketBlock<'_>, BlockError> {
    let too_short = || format!("packet block body is {} bytes, needs 20", body.len());
    let interface = order.read_u16(body, 0).ok_or_else(too_short)?;
    let high = order.read_u32(body, 4).ok_or_else(too_short)?;
    let low = order.read_u32(body, 8).ok_or_else(too_short)?;
    let captured_len = order.read_u32(body, 12).ok_or_else(too_short)?;
    let original_len = order.read_u32(body, 16).ok_or_else(too_short)?;
    Ok(PacketBlock {
        interface: u32::from(interface),
        ts_units: Some((u64::from(high) << 32) | u64::from(low)),
        original_len,
        data: captured(body, 20, captured_len)?,
        data_at: 20,
    })
}

/// Simple Packet Block (§4.4): original len(4), data, padding. The captured
/// length is min(original length, interface 0's snaplen, room in block).
pub(crate) fn simple_packet(
    order: ByteOrder,
    body: &[u8],
    snaplen: u32,
) -> Result<PacketBlock<'_>, BlockError> {
    let original_len = order
        .read_u32(body, 0)
        .ok_or_else(|| format!("simple packet body is {} bytes, needs 4", body.len()))?;
    let room = body.get(4..).unwrap_or_default();
    let mut len = usize::try_from(original_len).unwrap_or(usize::MAX);
    if snaplen != 0 {
        len = len.min(usize::try_from(snaplen).unwrap_or(usize::MAX));
    }
    len = len.min(room.len());
    Ok(PacketBlock {
        interface: 0,
        ts_units: None,
        original_len,
        data: room.get(..len).unwrap_or_default(),
        data_at: 4,
    })
}

/// Decryption Secrets Block (§4.7): secrets type(4) secrets length(4)
/// data, padding, options.
pub(crate) fn decryption_secrets(
    order: ByteOrder,
    body: &[u8],
) -> Result<(u32, &[u8]), BlockError> {
    let too_short = || format!("decryption secrets body is {} bytes, needs 8", body.len());
    let secrets_type = order.read_u32(body, 0).ok_or_else(too_short)?;
    let len = order.read_u32(body, 4).ok_or_else(too_short)?;
    let data = captured(body, 8, len).map_err(|_| {
        format!(
            "secrets length {len} is more than the {} bytes the block holds",
            body.len().saturating_sub(8)
        )
    })?;
    Ok((secrets_type, data))
}

/// Iterates the options of a block (§3.5): code(2) length(2) value,
/// padded to 4; ends at `opt_endofopt` or at the end of the bytes.
pub(crate) struct Options<'a> {
    order: ByteOrder,
    rest: &'a [u8],
}

impl<'a> Options<'a> {
    pub(crate) fn new(order: ByteOrder, bytes: &'a [u8]) -> Self {
        Options { order, rest: bytes }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<(u16, &'a [u8]), BlockError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (Some(code), Some(len)) = (
            self.order.read_u16(self.rest, 0),
            self.order.read_u16(self.rest, 2),
        ) else {
            let n = self.rest.len();
            self.rest = &[];
            return Some(Err(format!(
                "{n} stray bytes where an option header was expected"
            )));
        };
        if code == 0 {
            self.rest = &[];
            return None;
        }
        let len = usize::from(len);
        let Some(value) = self.rest.get(4..4 + len) else {
            let room = self.rest.len().saturating_sub(4);
            self.rest = &[];
            return Some(Err(format!(
                "option {code} declares {len} bytes but only {room} remain in the block"
            )));
        };
        let padded = 4 + len.next_multiple_of(4);
        self.rest = self.rest.get(padded..).unwrap_or_default();
        Some(Ok((code, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_stop_at_end_of_options_and_report_overruns() {
        let bytes = [
            9, 0, 1, 0, 9, 0, 0, 0, // if_tsresol = 9, padded
            0, 0, 0, 0, // opt_endofopt
            2, 0, 4, 0, b'x', b'x', b'x', b'x',
        ];
        let opts: Vec<_> = Options::new(ByteOrder::LittleEndian, &bytes).collect();
        assert_eq!(opts, vec![Ok((9, &[9u8][..]))]);
        let bad = [2, 0, 9, 0, b'a'];
        let opts: Vec<_> = Options::new(ByteOrder::LittleEndian, &bad).collect();
        assert_eq!(opts.len(), 1);
        assert!(opts[0].is_err());
    }

    #[test]
    fn simple_packet_caplen_is_bounded_by_snaplen_and_room() {
        let mut body = 100u32.to_le_bytes().to_vec();
        body.extend_from_slice(&[7u8; 64]);
        let p = simple_packet(ByteOrder::LittleEndian, &body, 0).unwrap();
        assert_eq!(p.data.len(), 64);
        let p = simple_packet(ByteOrder::LittleEndian, &body, 10).unwrap();
        assert_eq!(p.data.len(), 10);
        assert_eq!(p.original_len, 100);
    }
}
